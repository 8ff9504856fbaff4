"""The bit-identity check a refactor is held to: a run's fingerprint repeats exactly in one
process and machine, and tells two seeds apart."""

from benchmarks.fingerprint import fingerprint


def test_a_smoke_runs_fingerprint_repeats_and_tells_seeds_apart(mnist_available):
    first = fingerprint("gan", "mnist")
    assert first["status"] == "complete" and first["steps"] == 30
    assert fingerprint("gan", "mnist") == first
    other = fingerprint("gan", "mnist", seed=1)
    assert other["history_sha256"] != first["history_sha256"]
    assert other["weights_sha256"] != first["weights_sha256"]
