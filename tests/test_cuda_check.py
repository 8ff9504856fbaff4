"""The CUDA check's CPU-side logic with fake parts: time limits, verdicts, the incremental report,
and the refusal of a machine without CUDA."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
import torch

from benchmarks.cuda_check import __main__ as cli
from benchmarks.cuda_check.harness import (
    FAIL,
    PASS,
    SKIPPED,
    TIMEOUT,
    Outcome,
    Part,
    Report,
    run_check,
)
from benchmarks.cuda_check.parts import (
    FUSED_GRAPHED_KS,
    cuda_parts,
    fused_graphed_figures,
    pytest_counts,
    select,
)

PY = sys.executable
ENV = {"gpu": "Fake GPU 80GB", "torch": "2.x", "cuda": "12.x", "commit": "abc1234"}


def py(code: str) -> tuple[str, ...]:
    return (PY, "-c", code)


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a killed process may linger as a zombie until it is reaped)."""
    time.sleep(0.2)
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def check(tmp_path: Path, parts: list[Part], total: float = 60.0, min_seconds: float = 0.5):
    said: list[str] = []
    report = Report(tmp_path / "report.json", ENV)
    ok = run_check(parts, report, total, min_seconds=min_seconds, say=said.append)
    return ok, json.loads(report.json_path.read_text()), said


def test_each_part_gets_its_verdict_and_a_hang_is_killed_with_its_children(tmp_path):
    pidfile = tmp_path / "child.pid"
    hang = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"open({str(pidfile)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(600)"
    )
    parts = [
        Part("good", "exits 0", py("print('fine')"), 20),
        Part("hangs", "sleeps past its limit", py(hang), 3),
        Part("bad", "exits 1", py("raise SystemExit(1)"), 20),
    ]
    start = time.perf_counter()
    ok, report, said = check(tmp_path, parts)
    assert time.perf_counter() - start < 30  # the hang cost its own limit, not 600 s
    assert not ok
    assert [r["verdict"] for r in report["parts"]] == [PASS, TIMEOUT, FAIL]
    assert "fine" in report["parts"][0]["log_tail"]
    assert not alive(int(pidfile.read_text()))  # the part's own subprocess went with it
    assert [line.split(":")[0] for line in said] == ["[1/3] good", "[2/3] hangs", "[3/3] bad"]
    assert report["finished"] and report["gpu"] == ENV["gpu"] and report["commit"] == "abc1234"


def test_the_report_on_disk_holds_every_finished_part_before_the_next_one_starts(tmp_path):
    """A command killed from outside still leaves the finished parts' verdicts."""
    path = tmp_path / "report.json"
    reads_report = (
        f"import json; d = json.load(open({str(path)!r}))\n"
        "assert [p['verdict'] for p in d['parts']] == ['pass', 'fail'], d\n"
        "assert not d['finished']\n"
        f"assert 'first' in open({str(path.with_suffix('.md'))!r}).read()\n"
    )
    parts = [
        Part("first", "", py("pass"), 20),
        Part("second", "", py("raise SystemExit(3)"), 20),
        Part("third", "reads the report so far", py(reads_report), 20),
    ]
    _, report, _ = check(tmp_path, parts)
    assert report["parts"][2]["verdict"] == PASS, report["parts"][2]["log_tail"]
    md = path.with_suffix(".md").read_text()
    assert "Fake GPU 80GB" in md and "| third | pass |" in md and "Finished in" in md


def test_no_part_outlives_the_whole_check_and_one_without_time_is_skipped(tmp_path):
    parts = [
        Part("long", "", py("import time; time.sleep(600)"), 600),
        Part("late", "", py("pass"), 20),
    ]
    start = time.perf_counter()
    ok, report, said = check(tmp_path, parts, total=2.0, min_seconds=1.0)
    assert time.perf_counter() - start < 20
    first, second = report["parts"]
    assert first["verdict"] == TIMEOUT and first["limit_seconds"] <= 2.0
    assert second["verdict"] == SKIPPED and "no time left" in second["note"]
    assert not ok and "late: skipped" in said[1]


def test_a_judge_reads_figures_and_a_judge_that_breaks_fails_its_part(tmp_path):
    def figures(outcome: Outcome):
        value = json.loads((outcome.folder / "out.json").read_text())["rate"]
        return PASS, {"rate": value}

    def broken(outcome: Outcome):
        raise KeyError("rate")

    write = py("import json, sys; json.dump({'rate': 12.5}, open(sys.argv[1] + '/out.json', 'w'))")
    parts = [
        Part("reads", "", (*write, "{folder}"), 20, figures),
        Part("breaks", "", py("pass"), 20, broken),
    ]
    _, report, said = check(tmp_path, parts)
    assert report["parts"][0]["figures"] == {"rate": 12.5} and "rate=12.5" in said[0]
    assert report["parts"][1]["verdict"] == FAIL
    assert "KeyError" in report["parts"][1]["figures"]["judge_error"]


@pytest.mark.parametrize(
    ("code", "tail", "verdict"),
    [
        (0, "5 passed, 2 deselected in 3.1s", PASS),
        (1, "1 failed, 4 passed in 3.1s", FAIL),
        (0, "12 skipped, 40 deselected in 1.0s", FAIL),  # nothing ran on CUDA: proves nothing
    ],
)
def test_a_pytest_part_passes_only_when_tests_ran_and_none_failed(tmp_path, code, tail, verdict):
    got, figures = pytest_counts(Outcome(code, 1.0, f"....\n{tail}\n", tmp_path))
    assert got == verdict
    assert sum(figures.values()) == sum(int(w) for w in tail.split() if w.isdigit())


def test_on_a_machine_without_cuda_the_check_says_so_in_one_line_and_exits_2(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert cli.main(["--report", str(tmp_path / "r.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no CUDA device" in err
    assert not (tmp_path / "r.json").exists()


def test_the_parts_cover_the_issue_list_within_limits_and_can_be_chosen(capsys):
    parts = cuda_parts()
    assert {p.name for p in parts} >= {"cuda-tests", "resume", "dsprites-steps", "jobs"}
    assert all(0 < p.timeout <= 150 for p in parts)
    assert [p.name for p in select(parts, "jobs,resume")] == ["resume", "jobs"]
    with pytest.raises(ValueError, match="unknown part"):
        select(parts, "nope")
    assert cli.main(["--report", "x", "--only", "nope"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_the_steps_tool_times_a_family_alone_and_fused_and_refuses_graphs_off_cuda(
    mnist_available, tmp_path, capsys
):
    from benchmarks.speed import steps

    out = tmp_path / "steps.json"
    argv = ["--dataset", "mnist", "--model", "gan", "--batch", "8", "--steps", "2"]
    timing = ["--warmup", "1", "--rounds", "1", "--fused", "2", "--out", str(out)]
    assert steps.main([*argv, *timing]) == 0
    result = json.loads(out.read_text())
    assert result["batch_size"] == 8
    assert result["steps_per_second"]["eager"] > 0 and result["steps_per_second"]["fused2"] > 0
    with pytest.raises(SystemExit) as exc:
        steps.main([*argv, "--graphed"])
    assert exc.value.code == 2 and "needs a CUDA device" in capsys.readouterr().err


def test_the_fused_graphed_part_times_each_k_eager_and_graphed_and_reads_its_figures(tmp_path):
    (part,) = select(cuda_parts("cuda:1"), "fused-graphed")
    command = " ".join(part.command)
    assert "--fused 6,16,32" in command and "--fused-graphed 6,16,32" in command
    assert "--device cuda:1" in command and "--dataset dsprites" in command
    rates = {"eager": 300.0}
    for k in FUSED_GRAPHED_KS:
        rates.update({f"fused{k}": 100.0 * k, f"fused{k}_graphed": 250.0 * k})
    (tmp_path / "steps.json").write_text(json.dumps({"steps_per_second": rates}))
    verdict, figures = fused_graphed_figures(Outcome(0, 1.0, "", tmp_path))
    assert verdict == PASS and figures["fused32_graphed_run_steps_per_s"] == 8000.0
    assert figures["fused6_graphed_vs_eager"] == 2.5 and figures["fused_graphed_meets_2000"]


def test_the_steps_tool_refuses_fused_graphs_off_cuda_in_one_line(capsys):
    from benchmarks.speed import steps

    with pytest.raises(SystemExit) as exc:
        steps.main(["--dataset", "mnist", "--device", "cpu", "--fused-graphed", "6"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "--fused-graphed needs a CUDA device" in err
