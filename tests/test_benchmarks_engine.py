"""The engine benchmark runs and prints its tables (quick mode; no timing assertions)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_engine.py"


def table(output: str, first_column: str) -> tuple[list[str], list[list[str]]]:
    """The header and body rows (as cells) of the markdown table whose first column is named."""
    lines = [line for line in output.splitlines() if line.startswith("|")]
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    start = next(i for i, row in enumerate(cells) if row[0] == first_column)
    body = []
    for row in cells[start + 2 :]:  # skip the header and the |---| rule
        if row[0] in ("workload", "graph"):
            break
        body.append(row)
    return cells[start], body


def row_kinds(rows: list[list[str]]) -> list[str]:
    """Each row's workload without its size: 'chain, 20 steps' -> 'chain'."""
    return [re.sub(r", [\d,]+ (steps|terms)", "", row[0]) for row in rows]


@pytest.fixture(scope="module")
def quick_run() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCHMARK), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=BENCHMARK.parent.parent,
    )


def load_benchmark(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import the script as a module (registered while the test runs, as dataclasses need)."""
    spec = importlib.util.spec_from_file_location("bench_engine", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_engine", module)
    spec.loader.exec_module(module)
    return module


def test_quick_run_exits_zero(quick_run: subprocess.CompletedProcess[str]) -> None:
    assert quick_run.returncode == 0, quick_run.stderr


def test_time_table_has_every_workload_with_gc_on_and_off(
    quick_run: subprocess.CompletedProcess[str],
) -> None:
    header, rows = table(quick_run.stdout, "workload")
    assert header[:2] == ["workload", "GC"]
    assert "ours (ms)" in header
    assert [(kind, row[1]) for kind, row in zip(row_kinds(rows), rows)] == [
        ("chain", "on"),
        ("chain", "off"),
        ("wide sum (ours: one n-ary sum)", "on"),
        ("wide sum (ours: one n-ary sum)", "off"),
        ("wide sum (ours: + chain too)", "on"),
        ("wide sum (ours: + chain too)", "off"),
    ]


def test_memory_table_has_every_graph(quick_run: subprocess.CompletedProcess[str]) -> None:
    header, rows = table(quick_run.stdout, "graph")
    assert "ours bytes/node" in header
    assert row_kinds(rows) == [
        "chain",
        "wide sum (ours: one n-ary sum)",
        "wide sum (ours: + chain too)",
    ]


def test_quick_run_compares_with_micrograd_when_installed(
    quick_run: subprocess.CompletedProcess[str],
) -> None:
    time_header, time_rows = table(quick_run.stdout, "workload")
    memory_header, memory_rows = table(quick_run.stdout, "graph")
    assert {"micrograd (ms)", "speed-up", "target", "result"} <= set(time_header)
    assert {"micrograd bytes/node", "saving per node", "target"} <= set(memory_header)
    results = [row[-1] for row in time_rows] + [row[-2] for row in memory_rows]
    assert set(results) <= {"PASS", "MISS", "-"}
    assert "not installed" not in quick_run.stdout


def test_without_micrograd_prints_our_medians_and_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    benchmark = load_benchmark(monkeypatch)
    monkeypatch.setitem(sys.modules, "micrograd", None)  # makes ``import micrograd`` fail
    monkeypatch.setitem(sys.modules, "micrograd.engine", None)

    assert benchmark.main(["--quick", "--repeats", "1"]) == 0

    output = capsys.readouterr().out
    header, rows = table(output, "workload")
    assert header == ["workload", "GC", "ours (ms)"]
    assert len(rows) == 6
    assert 'pip install -e ".[bench]"' in output
