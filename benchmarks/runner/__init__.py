"""The run lifecycle: plan, lock, train (alone, fused or on Ray), evaluate, keep, record, settle."""
