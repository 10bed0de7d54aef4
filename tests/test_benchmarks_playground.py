"""The playground benchmark runs in a real browser and prints its tables (quick mode; no
timing assertions: the limits it reports are asserted by the browser tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_benchmarks_forward import table

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_playground.py"


@pytest.fixture(scope="module")
def quick_run() -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(BENCHMARK), "--quick"], capture_output=True,
                          text=True, timeout=600, cwd=BENCHMARK.parent.parent)


def test_quick_run_exits_zero(quick_run: subprocess.CompletedProcess[str]) -> None:
    assert quick_run.returncode == 0, quick_run.stderr


def test_both_pages_are_timed_to_ready(quick_run: subprocess.CompletedProcess[str]) -> None:
    header, rows = table(quick_run.stdout, "page")
    assert header == ["page", "seconds until usable", "target", "result"]
    assert [row[0] for row in rows] == ["expression.html", "training.html"]
    for row in rows:
        assert float(row[1]) > 0 and row[2] == "<= 10 s"
        assert row[3] == ("PASS" if float(row[1]) <= 10 else "MISS")


def test_training_is_timed_in_the_page_and_natively(
    quick_run: subprocess.CompletedProcess[str],
) -> None:
    header, rows = table(quick_run.stdout, "moons MLP(2, [16, 16, 1]) to 100 % training accuracy")
    assert header[1:] == ["seconds", "epochs shown", "epochs/s, pictures included",
                          "epochs/s, training only", "under 30 s"]
    assert [row[0] for row in rows] == ["in the page (Pyodide, float replay)",
                                        "native, float replay",
                                        "native, numpy replay (compile=True)"]
    for row in rows:
        seconds, epochs, rate = float(row[1]), int(row[2]), float(row[3])
        # seconds is printed to 0.01 and the rate to 1: the rate from the unrounded
        # seconds lies between the rates at either end of the rounding interval
        assert epochs > 0
        assert epochs / (seconds + 0.005) - 0.5 <= rate <= epochs / (seconds - 0.005) + 0.5
    _, steady = table(quick_run.stdout, "2 s of Play, pictures included")
    assert [row[0] for row in steady] == [row[0] for row in rows]
    assert steady[0][2] == "1.00"
    for row in steady:
        assert float(row[1]) > 0
        assert abs(float(row[2]) - float(steady[0][1]) / float(row[1])) <= 0.01
