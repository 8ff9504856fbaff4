"""``--data-root`` is checked the same way by every command line (``benchmarks.cli``): a file
or a missing path is one line and exit 2 before anything is loaded or written (issue 35)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks import evaluate, run, sample


def _argv(command: str, tmp_path: Path) -> list[str]:
    out = ["--out", str(tmp_path / "out")]
    if command == "run":
        return ["--models", "gan", "--budget", "smoke", "--device", "cpu", "--no-progress", *out]
    if command == "evaluate":
        samples = tmp_path / "x.npz"
        np.savez(samples, images=np.zeros((200, 1, 28, 28), np.uint8))
        return ["--dataset", "mnist", "--samples", str(samples), *out]
    return ["mnist__gan__smoke__seed0", *out]


MAINS = {"run": run.main, "evaluate": evaluate.main, "sample": sample.main}


@pytest.mark.parametrize("command", list(MAINS))
@pytest.mark.parametrize("kind", ["file", "missing"])
def test_a_data_root_that_is_not_a_folder_is_named_for_what_it_is(
    command: str, kind: str, tmp_path: Path, capsys
):
    root = tmp_path / "root"
    if kind == "file":
        root.write_text("not a folder")
    argv = [*_argv(command, tmp_path), "--data-root", str(root)]
    assert MAINS[command](argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    what = "is a file, not a folder" if kind == "file" else "does not exist"
    assert f"--data-root {root} {what}" in err, err
    assert not (tmp_path / "out").exists()
    assert root.is_file() if kind == "file" else not root.exists()
