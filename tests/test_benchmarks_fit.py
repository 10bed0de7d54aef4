"""The fit-epoch benchmark runs and prints its tables (quick mode; no timing assertions), and
derives the steady epoch from its two fit runs as its docstring says."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from test_benchmarks_numpy import tables

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPT = BENCHMARKS / "bench_fit.py"
SCRIPT_MODULES = ("bench_fit", "bench_numpy", "bench_compile", "bench_engine",
                  "handwritten_mlp", "handwritten_numpy_mlp")


@pytest.fixture(scope="module")
def quick_run() -> subprocess.CompletedProcess[str]:
    # The package of this checkout, whatever copy is installed.
    path = os.pathsep.join([str(BENCHMARKS.parent), os.environ.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, str(SCRIPT), "--quick", "--one-thread"],
                          capture_output=True, text=True, timeout=300, cwd=BENCHMARKS.parent,
                          env={**os.environ, "PYTHONPATH": path})


@pytest.fixture
def benchmark(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The script as a module (benchmarks/ is not a package); forgotten after the test."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    yield importlib.import_module("bench_fit")
    for name in SCRIPT_MODULES:
        sys.modules.pop(name, None)


def test_quick_run_exits_zero(quick_run: subprocess.CompletedProcess[str]) -> None:
    assert quick_run.returncode == 0, quick_run.stderr


def test_epoch_table_has_ours_the_floor_and_pytorch(
    quick_run: subprocess.CompletedProcess[str]
) -> None:
    engines = [row[0] for row in tables(quick_run.stdout)["engine"]]
    assert engines == ["ours, fit(compile=True), 1 epoch", "ours, fit(compile=True), steady epoch",
                       "hand-written numpy", "PyTorch float64"]


def test_target_table_judges_both_targets(quick_run: subprocess.CompletedProcess[str]) -> None:
    rows = tables(quick_run.stdout)["target"]
    assert [row[0] for row in rows] == ["fit epoch >= 4x faster than PyTorch float64",
                                        "fit epoch <= 1.5x the hand-written numpy floor"]
    assert all(row[2] in ("PASS", "MISS", "-") for row in rows)


def test_steady_epoch_is_the_longer_fit_less_the_one_epoch_fit_per_extra_epoch(
    benchmark: ModuleType
) -> None:
    Timing = importlib.import_module("bench_compile").Timing
    name = benchmark.WORKLOAD
    timings = {(name, benchmark.FIT_EPOCHS, True): Timing(0.75, 3),
               (name, benchmark.FIT_SETUP, True): Timing(0.25, 3),
               (name, "hand-written numpy", True): Timing(0.5, 3)}
    seconds = benchmark.per_epoch(timings, 100)
    assert seconds[benchmark.FIT_EPOCH] == pytest.approx(0.005)  # (0.75 - 0.25) / 100
    assert seconds["hand-written numpy"] == pytest.approx(0.005)
