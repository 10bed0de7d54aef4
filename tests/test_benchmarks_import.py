"""The import benchmark runs and prints its table (quick mode; no timing assertions)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_import.py"


def test_quick_run_prints_each_import_with_the_package_s_target() -> None:
    run = subprocess.run([sys.executable, str(BENCHMARK), "--quick"], capture_output=True,
                         text=True, timeout=300, cwd=BENCHMARK.parent.parent, check=False)
    assert run.returncode == 0, run.stderr
    rows = [[cell.strip() for cell in line.strip("|").split("|")]
            for line in run.stdout.splitlines() if line.startswith("| import ")][1:]
    assert [row[0] for row in rows][:2] == ["import autograd_scalar",
                                            "import autograd_scalar.engine"]
    assert rows[0][2] == "<= 50 ms" and rows[0][3] in ("PASS", "MISS")
    assert all(float(row[1]) > 0.0 for row in rows)
