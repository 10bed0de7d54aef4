"""``autograd-scalar graph`` never ends in a traceback, and reads names as Python does.

Standard output that cannot be written (a full disk, a closed pipe, an encoding
that cannot show a name) gives one line on stderr and status 1; a layout over
``--timeout`` one line naming the flag; variable names are matched after NFKC
normalisation, as Python matches the names in the expression.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_scalar.cli import main

ROOT = Path(__file__).resolve().parent.parent
FULLWIDTH_X = "\uff58"
SLEEP = shutil.which("sleep")


def python_m(*argv: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """``python -m autograd_scalar ARGV``, its output captured unless ``stdout`` is given."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **kwargs.pop("env", {})}  # type: ignore[dict-item]
    kwargs.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "autograd_scalar", *argv], text=True,
                          stderr=subprocess.PIPE, env=env, timeout=60, check=False,
                          **kwargs)  # type: ignore[call-overload]


def assert_one_line_error(stderr: str) -> None:
    assert len(stderr.splitlines()) == 1, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    assert stderr.startswith("autograd-scalar")


@pytest.mark.parametrize("argv", [["graph", "x*2", "x=1"], ["graph", "--help"], ["--help"]])
def test_a_full_disk_on_stdout_is_one_line(argv: list[str]) -> None:
    with open("/dev/full", "w", encoding="utf-8") as full:
        result = python_m(*argv, stdout=full)
    assert result.returncode == 1
    assert_one_line_error(result.stderr)
    assert "cannot write to standard output: No space left on device" in result.stderr


def test_a_closed_pipe_on_stdout_is_one_line() -> None:
    # As in `autograd-scalar graph ... | head -c0`: the reader is gone before anything is written.
    process = subprocess.Popen(
        [sys.executable, "-m", "autograd_scalar", "graph", "x*2", "x=1"], text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == 1
    assert_one_line_error(stderr)
    assert "standard output" in stderr and "closed" in stderr


def test_a_shell_pipe_into_head_is_one_line(tmp_path: Path) -> None:
    command = (f"'{sys.executable}' -m autograd_scalar graph 'x*2' x=1 | head -c0; "
               "echo ${PIPESTATUS[0]} >&2")
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60, check=False)
    lines = result.stderr.splitlines()
    assert lines[-1] == "1" and len(lines) == 2 and "Traceback" not in result.stderr


def test_an_encoding_that_cannot_show_a_name_is_one_line() -> None:
    result = python_m("graph", "\u00f1*2", "\u00f1=1", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 1 and result.stdout == ""
    assert_one_line_error(result.stderr)
    assert "'\\xf1'" in result.stderr and "PYTHONIOENCODING=utf-8" in result.stderr


def test_an_error_naming_a_non_ascii_name_reaches_an_ascii_stderr() -> None:
    result = python_m("graph", "\u00f1*2", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 2
    assert_one_line_error(result.stderr)
    assert "unknown variable '\\xf1'" in result.stderr


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["graph", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize(
    ("expression", "variable"),
    [(f"{FULLWIDTH_X}*2", "x=3"), (f"{FULLWIDTH_X}*2", f"{FULLWIDTH_X}=3"),
     ("x*2", f"{FULLWIDTH_X}=3"), ("x*2", "x=3")],
    ids=["fullwidth in the expression", "fullwidth in both", "fullwidth in the variable",
         "plain"],
)
def test_names_match_after_nfkc_normalisation(
    expression: str, variable: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, expression, variable)
    assert (status, err) == (0, "")
    rows = [line.split() for line in out.splitlines()]
    assert out.startswith(f"{expression} = 6\n") and ["x", "3", "2"] in rows


def test_one_name_written_two_ways_is_given_twice(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "x", f"{FULLWIDTH_X}=1", "x=2")
    assert status == 2 and out == ""
    assert "variable 'x' is given twice" in err and "the same name" in err


def test_a_name_that_normalises_to_a_keyword_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    fullwidth_for = "\uff46\uff4f\uff52"
    status, _, err = run(capsys, "x", f"{fullwidth_for}=1")
    assert status == 2 and "is not a variable name" in err


@pytest.fixture
def sleeping_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "dot"
    script.write_text(f"#!/bin/sh\nexec {SLEEP} 60\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(folder))


def test_a_layout_over_timeout_is_one_line_naming_the_flags(
    sleeping_dot: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, err = run(capsys, "x*x*x", "x=1", "-o", str(tmp_path / "g.svg"),
                           "--timeout", "0.3")
    assert status == 2 and out.startswith("x*x*x = 1\n") and "graph written" not in out
    assert len(err.splitlines()) == 1
    assert "0.3 s" in err and "3 Values and 6 edges" in err
    assert "--timeout SECONDS" in err and "--rankdir TB" in err and ".dot" in err
    assert not (tmp_path / "g.svg").exists()


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_timeout_must_be_a_positive_number_of_seconds(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["graph", "x", "x=1", "--timeout", value])
    assert caught.value.code == 2
    assert "--timeout" in capsys.readouterr().err


def test_timeout_may_be_given_and_a_graph_drawn(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, err = run(capsys, "x*x", "x=2", "--timeout", "30", "-o", str(tmp_path / "g.svg"))
    assert (status, err) == (0, "") and "graph written" in out
