"""The live view's overhead benchmark runs and prints its tables (quick mode; no timing
assertions: the table's structure only)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPT = BENCHMARKS / "bench_live.py"


def tables(output: str) -> dict[str, list[list[str]]]:
    """Every markdown table printed, by the name of its first column: its body rows, as cells."""
    found = {}
    for block in output.split("\n\n"):
        lines = [line for line in block.splitlines() if line.startswith("|")]
        if lines:
            header, _, *body = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
            found[header[0]] = [header, *body]
    return found


@pytest.fixture(scope="module")
def quick_run() -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), "--quick"], capture_output=True,
                          text=True, timeout=300, cwd=BENCHMARKS.parent)


def test_quick_run_exits_zero(quick_run: subprocess.CompletedProcess[str]) -> None:
    assert quick_run.returncode == 0, quick_run.stderr


def test_overhead_table_has_a_row_of_numbers_per_workload(
    quick_run: subprocess.CompletedProcess[str],
) -> None:
    header, *rows = tables(quick_run.stdout)["workload"]
    assert header == ["workload", "without view (s)", "with view (s)", "overhead",
                      "view's own share", "frames", "ms per frame (set-up included)"]
    assert [row[0] for row in rows] == ["eager, 8 epochs", "compile=True, 300 epochs",
                                        "compile=True, 50 epochs"]
    for _, without, with_view, overhead, share, frames, per_frame in rows:
        assert float(without) > 0 and float(with_view) > 0 and float(per_frame) > 0
        assert re.fullmatch(r"-?[\d.]+%", overhead) and re.fullmatch(r"[\d.]+%", share)
        assert int(frames) >= 1  # the final frame is always drawn


def test_target_table_judges_the_long_runs_only(
    quick_run: subprocess.CompletedProcess[str],
) -> None:
    header, *rows = tables(quick_run.stdout)["target"]
    assert header == ["target", "measured", "result"]
    assert [row[0] for row in rows] == ["view overhead <= 20%, eager, 8 epochs",
                                        "view overhead <= 20%, compile=True, 300 epochs"]
    assert {row[2] for row in rows} <= {"PASS", "MISS"}
