"""Records as files: what is written, the CLIs' no-records message, and the frame tables read."""

from __future__ import annotations

import json
import logging

import pytest

from benchmarks.records import (
    has_records,
    load_records,
    read_record,
    record_path,
    records_frame,
    write_record,
)
from gan_zoo.errors import DataError


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


def test_records_frame_carries_each_runs_timings():
    """The speed-equivalence table compares images_per_second from this frame; the frame's
    timings are each run's own, unaggregated."""
    timings = {"train_seconds": 12.5, "eval_seconds": 3.25, "images_per_second": 880.0}
    frame = records_frame([{"run_id": "x", **timings, "metrics": {"fid": 9.0}}, {"run_id": "y"}])
    assert frame.loc[0, list(timings)].tolist() == list(timings.values())
    assert frame.loc[1, list(timings)].isna().all()
    assert frame.loc[0, "fid"] == 9.0


def test_an_unreadable_record_reads_as_absent_with_a_warning_naming_it(tmp_path, caplog):
    """The runner then does the run again; the warning tells the user which file it gave up on."""
    write_record(tmp_path, {"run_id": "r", "status": "complete"})
    path = record_path(tmp_path, "r")
    path.write_text('{"run_id": "r", "sta')  # a copy cut short
    with caplog.at_level(logging.WARNING, logger="benchmarks.records"):
        assert read_record(tmp_path, "r") is None
    (message,) = [r.getMessage() for r in caplog.records]
    assert message.startswith(f"record {path} is unreadable (Unterminated string")
    assert message.endswith("); the run will be done again")


def test_a_record_that_is_not_json_is_a_data_error_naming_the_file_and_line(tmp_path):
    """The CLIs print this one line and exit 2; the user must learn which file to fix."""
    (tmp_path / "records").mkdir()
    bad = tmp_path / "records" / "r.json"
    bad.write_text('{"run_id": "r",\n "metrics": {')
    with pytest.raises(DataError) as raised:
        load_records(tmp_path)
    assert str(raised.value) == (
        f"malformed record {bad} (line 2: Expecting property name enclosed in double quotes);"
        " fix or delete it"
    )


@pytest.mark.parametrize("text", ['{"status": "complete"}', '[{"run_id": "r"}]', '"r"'])
def test_json_that_is_not_a_run_record_is_a_data_error_naming_the_file(tmp_path, text):
    """Valid JSON without a run_id would otherwise fail later, in a table, far from its file."""
    write_record(tmp_path, {"run_id": "good"})
    (tmp_path / "records" / "other.json").write_text(text)
    with pytest.raises(DataError) as raised:
        load_records(tmp_path)
    path = tmp_path / "records" / "other.json"
    assert str(raised.value) == f"malformed record {path} (not a run record); fix or delete it"


def test_records_are_grouped_by_device_type_or_gpu_name_never_cpu_with_cuda():
    """Tables average only rows with the same device label; a CUDA record without a GPU name
    (an older record) must not count as a CPU one, and cuda:0 and cuda:1 are one device type."""
    records = [
        {"run_id": "a", "device": "cpu"},
        {"run_id": "b"},
        {"run_id": "c", "device": None},
        {"run_id": "d", "device": "cuda:0"},
        {"run_id": "e", "device": "cuda:1"},
        {"run_id": "f", "device": "mps"},
        {"run_id": "g", "device": "cuda:0", "gpu": "NVIDIA H100 80GB HBM3"},
    ]
    labels = records_frame(records)["device"].tolist()
    assert labels == ["cpu", "cpu", "cpu", "cuda", "cuda", "mps", "NVIDIA H100 80GB HBM3"]
