"""``python -m benchmarks.cuda_check``: one command that proves the GPU path in a short window."""
