"""The forward-mode benchmark runs and prints its tables (quick mode; no timing assertions)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_forward.py"


def table(output: str, first_column: str) -> tuple[list[str], list[list[str]]]:
    """The header and body rows (as cells) of the markdown table whose first column is named."""
    blocks = output.split("\n\n")
    block = next(b for b in blocks if b.startswith(f"| {first_column} "))
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in block.splitlines()]
    return cells[0], cells[2:]  # skip the |---| rule


@pytest.fixture(scope="module")
def quick_run() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCHMARK), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=BENCHMARK.parent.parent,
    )


def test_quick_run_exits_zero(quick_run: subprocess.CompletedProcess[str]) -> None:
    assert quick_run.returncode == 0, quick_run.stderr


def test_chain_table_has_the_forward_pass_the_jvp_and_grad(
    quick_run: subprocess.CompletedProcess[str],
) -> None:
    header, rows = table(quick_run.stdout, "workload")
    assert header == ["workload", "median (ms)", "x forward pass", "target", "result"]
    assert [row[0] for row in rows] == [
        "forward pass, chain of 20 steps",
        "jvp, chain of 20 steps",
        "grad (forward + backward), chain of 20 steps",
    ]
    assert rows[0][2] == "1.00x"
    assert rows[1][3] == "<= 2x" and rows[1][4] in ("PASS", "MISS")
    assert [row[3:] for row in (rows[0], rows[2])] == [["-", "-"], ["-", "-"]]


def test_jacobian_table_has_both_families_and_says_which_mode_is_faster(
    quick_run: subprocess.CompletedProcess[str],
) -> None:
    header, rows = table(quick_run.stdout, "inputs")
    assert header == ["inputs", "outputs", "jacfwd (ms)", "jacrev (ms)", "jacfwd / jacrev",
                      "faster"]
    assert [(row[0], row[1]) for row in rows] == [
        ("1", "1"), ("2", "1"), ("4", "1"), ("1", "1"), ("1", "2"), ("1", "4"),
    ]
    assert {row[5] for row in rows} <= {"jacfwd", "jacrev"}
    for row in rows:
        assert (float(row[4]) < 1) == (row[5] == "jacfwd")


def test_quick_run_names_where_each_mode_takes_over(
    quick_run: subprocess.CompletedProcess[str],
) -> None:
    lines = quick_run.stdout.splitlines()
    assert any(line.startswith("- n inputs, 1 output: jacrev is ") for line in lines)
    assert any(line.startswith("- 1 input, m outputs: jacfwd is ") for line in lines)
