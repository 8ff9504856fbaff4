"""Records as files: what is written, the CLIs' no-records message, and the frame tables read."""

from __future__ import annotations

import json

from benchmarks.records import has_records, read_record, records_frame, write_record


def test_the_runtime_skipped_flag_is_never_written(tmp_path):
    write_record(tmp_path, {"run_id": "r", "status": "complete", "skipped": True})
    assert read_record(tmp_path, "r") == {"run_id": "r", "status": "complete"}


def test_has_records_says_where_it_looked(tmp_path, capsys):
    assert has_records(tmp_path) is False
    err = capsys.readouterr().err
    assert err == (
        f"error: no records under {tmp_path / 'records'}; run python -m benchmarks.run first\n"
    )
    write_record(tmp_path, {"run_id": "r"})
    assert has_records(tmp_path) is True


def test_records_frame_keeps_identity_seed_and_sorted_overrides():
    frame = records_frame(
        [{"run_id": "x", "model": "gan", "seed": 3, "overrides": {"b": 1, "a": 2}, "steps": 30}]
    )
    row = frame.iloc[0]
    assert (row["run_id"], row["model"], row["seed"], row["steps"]) == ("x", "gan", 3, 30)
    assert row["overrides"] == json.dumps({"a": 2, "b": 1})
