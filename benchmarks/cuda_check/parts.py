"""The parts of the CUDA check, in the order they run, each reusing a tool the suite already has:
the ``device`` fixture's ``[cuda]`` tests, the CUDA pytest-benchmark checks,
``benchmarks.speed.compare``, ``benchmarks.speed.steps`` and ``benchmarks.speed.jobs``.

The time limits add up to more than the check's 8 minutes on purpose: they are each part's
ceiling, and the check gives no part more than is left (most parts take far less on an H100).
The most telling parts come first, so a slow machine loses the least useful ones.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any

from benchmarks.cuda_check.harness import FAIL, PASS, Outcome, Part

PY = sys.executable
#: the issue's targets on one H100/H200, reported beside the figures (never a verdict)
TARGET_IMAGES_PER_SECOND = 40_000  # InfoGAN MNIST batch 128
TARGET_GPU_BUSY = 0.8
TARGET_DSPRITES_STEPS = 400  # dSprites InfoGAN batch 64, one run
TARGET_DSPRITES_FUSED = 2_000  # the same, run-steps/s of several runs fused
#: the run counts whose fused steps are timed eager and replayed as CUDA graphs
FUSED_GRAPHED_KS = (6, 16, 32)

#: the two resume checks: SIGKILL mid-training then rerun, and bit-identical deterministic resume
RESUME_TESTS = "cuda and (sigkill or resume_equals)"
#: the speed options' own correctness tests on CUDA (graph replay, fused runs, layouts, compile):
#: a part of their own, early, since the defaults they would turn on wait for them
OPTION_TEST_FILES = (
    "tests/test_step_graphs.py",
    "tests/test_fused.py",
    "tests/test_fused_graphs.py",
    "tests/test_speed_options.py",
)


def pytest_counts(outcome: Outcome) -> tuple[str, dict[str, Any]]:
    """Pass when pytest exits 0 having run at least one test (a CUDA check that selected no
    test proves nothing)."""
    figures: dict[str, Any] = {}
    tail = outcome.log.strip().splitlines()[-1] if outcome.log.strip() else ""
    for count, kind in re.findall(r"(\d+) (passed|failed|skipped|errors?|deselected)", tail):
        figures[kind.rstrip("s") if kind.startswith("error") else kind] = int(count)
    ran = figures.get("passed", 0) + figures.get("failed", 0)
    return (PASS if outcome.returncode == 0 and ran else FAIL), figures


def _json(outcome: Outcome, name: str) -> dict[str, Any]:
    return json.loads((outcome.folder / name).read_text())


def compare_figures(outcome: Outcome) -> tuple[str, dict[str, Any]]:
    r = _json(outcome, "compare.json")
    fast = r["harness_fast_ips"]
    figures = {
        "plain_loop_ips": r["baseline_ips"],
        "options_off_ips": r["harness_off_ips"],
        "options_on_ips": fast,
        "on_vs_plain": r["ratio_fast_vs_baseline"],
        "gpu_busy_on": r.get("gpu_busy_fast"),
        "meets_40k_and_80pct": fast >= TARGET_IMAGES_PER_SECOND
        and (r.get("gpu_busy_fast") or 0) >= TARGET_GPU_BUSY,
    }
    return (PASS if outcome.returncode == 0 else FAIL), figures


def steps_figures(outcome: Outcome) -> tuple[str, dict[str, Any]]:
    rates = _json(outcome, "steps.json")["steps_per_second"]
    figures: dict[str, Any] = {f"{k}_steps_per_s": v for k, v in rates.items()}
    single = [v for k, v in rates.items() if not k.startswith("fused")]
    fused = [v for k, v in rates.items() if k.startswith("fused")]
    figures["meets_400"] = max(single) >= TARGET_DSPRITES_STEPS
    if fused:
        figures["fused_meets_2000"] = max(fused) >= TARGET_DSPRITES_FUSED
    return (PASS if outcome.returncode == 0 else FAIL), figures


def fused_figures(outcome: Outcome) -> tuple[str, dict[str, Any]]:
    r = _json(outcome, "compare-fused.json")["fused"]
    figures: dict[str, Any] = {"one_run_steps_per_s": r["separate_steps_per_second"]}
    for row in r["rows"]:
        figures[f"fused{row['k']}_run_steps_per_s"] = row["run_steps_per_second"]
        figures[f"fused{row['k']}_vs_separate"] = row["vs_separate"]
    return (PASS if outcome.returncode == 0 else FAIL), figures


def fused_graphed_figures(outcome: Outcome) -> tuple[str, dict[str, Any]]:
    """Run-steps/s of K runs fused and graphed, and how many times the eager fused step's."""
    rates = _json(outcome, "steps.json")["steps_per_second"]
    figures: dict[str, Any] = {}
    for k in FUSED_GRAPHED_KS:
        graphed = rates[f"fused{k}_graphed"]
        figures[f"fused{k}_graphed_run_steps_per_s"] = graphed
        if rates.get(f"fused{k}"):
            figures[f"fused{k}_graphed_vs_eager"] = graphed / rates[f"fused{k}"]
    best = max(rates[f"fused{k}_graphed"] for k in FUSED_GRAPHED_KS)
    figures["fused_graphed_meets_2000"] = best >= TARGET_DSPRITES_FUSED
    return (PASS if outcome.returncode == 0 else FAIL), figures


def jobs_figures(outcome: Outcome) -> tuple[str, dict[str, Any]]:
    rows = _json(outcome, "jobs.json")["rows"]
    figures = {f"jobs{r['jobs']}_images_per_s": r["train_images_per_second"] for r in rows}
    return (PASS if outcome.returncode == 0 else FAIL), figures


def bench_figures(outcome: Outcome) -> tuple[str, dict[str, Any]]:
    verdict, figures = pytest_counts(outcome)
    path = outcome.folder / "bench.json"
    if path.exists():
        for b in json.loads(path.read_text()).get("benchmarks", []):
            case = b["name"].removeprefix("test_training_step_cuda").strip("[]")
            figures[f"step_{case}_ms"] = 1000 * b["stats"]["median"]
    return verdict, figures


def cuda_parts(device: str = "cuda") -> list[Part]:
    """The check's parts for ``device``; pytest's own cache is shared with the runner's, so the
    judge classifier is trained once for the whole check."""
    shared_cache = {"GAN_ZOO_TEST_CACHE": os.environ.get("GAN_ZOO_CACHE", "")}
    shared_cache = {k: v for k, v in shared_cache.items() if v}
    # -v names each test as it ends, so a part stopped at its limit still says which ran and
    # which failed; --durations says where a slow part's time went
    pytest = (PY, "-m", "pytest", "-v", "-rfE", "--durations=12", "-p", "no:cacheprovider")
    pytest += ("-o", "addopts=")
    compare = (PY, "-m", "benchmarks.speed.compare", "--device", device, "--rounds", "3")
    compare += ("--readme", "", "--out", "{folder}/compare.json", "--fused", "")
    return [
        Part(
            "cuda-options",
            "the speed options' [cuda] tests: graph replay and graphed resume, fused runs, "
            "channels_last, compile",
            (*pytest, *OPTION_TEST_FILES, "-k", "cuda"),
            120,
            pytest_counts,
            shared_cache,
        ),
        Part(
            "cuda-tests",
            "the device fixture's [cuda] tests (the resume tests are their own part)",
            (
                *pytest,
                "tests",
                "-m",
                "not slow and not ray",
                "-k",
                f"cuda and not ({RESUME_TESTS.removeprefix('cuda and ')})",
                *(f"--deselect={path}" for path in OPTION_TEST_FILES),
            ),
            150,
            pytest_counts,
            shared_cache,
        ),
        Part(
            "resume",
            "a run SIGKILLed mid-training and rerun to completion; bit-identical resume with "
            "deterministic=1",
            (*pytest, "tests/test_runner.py", "tests/test_training.py", "-k", RESUME_TESTS),
            100,
            pytest_counts,
            shared_cache,
        ),
        Part(
            "compare-graphed",
            "InfoGAN MNIST batch 128: plain loop, options off, and the defaults with cuda_graph=1",
            (*compare, "--options", "cuda_graph=1"),
            60,
            compare_figures,
        ),
        Part(
            "dsprites-steps",
            "dSprites InfoGAN steps/s at batch 64, eager, graphed, and 8 and 32 runs fused "
            "(renders dSprites first)",
            (
                PY,
                "-m",
                "benchmarks.speed.steps",
                "--device",
                device,
                "--dataset",
                "dsprites",
                "--batch",
                "64",
                "--graphed",
                "--fused",
                "8,32",
                "--steps",
                "200",
                "--out",
                "{folder}/steps.json",
            ),
            120,
            steps_figures,
        ),
        Part(
            "fused-graphed",
            "dSprites InfoGAN run-steps/s at batch 64 of 6, 16 and 32 runs fused, eager and "
            "replayed as CUDA graphs (the anchor's way of training)",
            (
                PY,
                "-m",
                "benchmarks.speed.steps",
                "--device",
                device,
                "--dataset",
                "dsprites",
                "--batch",
                "64",
                "--fused",
                ",".join(map(str, FUSED_GRAPHED_KS)),
                "--fused-graphed",
                ",".join(map(str, FUSED_GRAPHED_KS)),
                "--steps",
                "50",
                "--out",
                "{folder}/steps.json",
            ),
            150,
            fused_graphed_figures,
        ),
        Part(
            "compare-amp",
            "as compare-graphed with amp=1, channels_last=1, eager",
            (*compare, "--options", "amp=1,channels_last=1,cuda_graph=0"),
            60,
            compare_figures,
        ),
        Part(
            "compare-amp-graphed",
            "as compare-graphed with amp=1, channels_last=1 and cuda_graph=1",
            (*compare, "--options", "amp=1,channels_last=1,cuda_graph=1"),
            60,
            compare_figures,
        ),
        Part(
            "compare-fused",
            "InfoGAN MNIST batch 128: run-steps/s of 1, 4 and 8 runs fused against one run",
            (*compare[:-2], "--fused-only", "--fused", "1,4,8"),
            60,
            fused_figures,
        ),
        Part(
            "jobs",
            "aggregate training images/s of 2 InfoGAN smoke runs with --jobs 1, 2 (4 took over 90 s on an H200: each run is a process with its own evaluation)",
            (
                PY,
                "-m",
                "benchmarks.speed.jobs",
                "--device",
                device,
                "--jobs",
                "1,2",
                "--seeds",
                "2",
                "--budget",
                "smoke",
                "--num-samples",
                "1000",
                "--out",
                "{folder}/jobs.json",
            ),
            90,
            jobs_figures,
        ),
        Part(
            "cuda-bench",
            "the CUDA pytest-benchmark checks (every family's step, defaults and options off)",
            (
                *pytest,
                "benchmarks/speed",
                "-k",
                "cuda",
                "--benchmark-only",
                "--benchmark-json",
                "{folder}/bench.json",
            ),
            60,
            bench_figures,
        ),
    ]


def select(parts: list[Part], only: str | None) -> list[Part]:
    """The parts named in ``only`` (a comma list), in the check's order; all if None."""
    if not only:
        return parts
    wanted = [n.strip() for n in only.split(",") if n.strip()]
    unknown = sorted(set(wanted) - {p.name for p in parts})
    if unknown:
        raise ValueError(
            f"unknown part(s) {', '.join(unknown)}; the parts: {', '.join(p.name for p in parts)}"
        )
    return [p for p in parts if p.name in wanted]
