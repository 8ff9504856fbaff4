"""Speed checks: pytest-benchmark tests and the harness-vs-baseline comparison."""
