"""Time ``import autograd_scalar`` against ``import micrograd``, each in a fresh interpreter.

Run it from the repository root::

    python benchmarks/bench_import.py [--quick] [--repeats N]

Each sample starts a new Python (``python -c "import X"``) and takes its wall time;
a bare ``python -c pass`` in the same rotation is subtracted, so what remains is the
import itself. The interpreters alternate sample by sample (bare, ours, micrograd, and
``import autograd_scalar.engine``), and each time is a median. Bytecode is compiled
once before timing, as after any first import on a user's machine. Target: importing
the package takes at most 50 ms.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

from bench_engine import markdown_table, parse_arguments

TARGET_MS = 50.0
IMPORTS = {
    "autograd_scalar": "import autograd_scalar",
    "autograd_scalar.engine": "import autograd_scalar.engine",
    "micrograd 0.1.0": "import micrograd.engine, micrograd.nn",
}


def sample(code: str) -> float:
    """The wall time, in seconds, of a new interpreter running ``code``."""
    environment = {**os.environ}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)  # users' imports read cached bytecode
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=environment)
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    """Time the imports and print the table; returns the exit status."""
    arguments = parse_arguments(argv, __doc__)
    repeats = arguments.repeats or (3 if arguments.quick else 41)
    imports = {name: code for name, code in IMPORTS.items()
               if not name.startswith("micrograd") or importlib.util.find_spec("micrograd")}
    for code in imports.values():  # compile and cache the bytecode
        sample(code)
    times: dict[str, list[float]] = {"bare": [], **{name: [] for name in imports}}
    for _ in range(repeats):
        times["bare"].append(sample("pass"))
        for name, code in imports.items():
            times[name].append(sample(code))
    bare = statistics.median(times["bare"])
    print(f"- platform: {platform.platform()}, {os.cpu_count()} CPUs")
    print(f"- Python {platform.python_version()} ({platform.python_implementation()})")
    print(f"- medians of {repeats} alternated samples; a bare interpreter's "
          f"{bare * 1e3:.1f} ms subtracted\n")
    rows = []
    for name in imports:
        cost = (statistics.median(times[name]) - bare) * 1e3
        target, result = "-", "-"
        if name == "autograd_scalar":
            target = f"<= {TARGET_MS:.0f} ms"
            result = "PASS" if cost <= TARGET_MS else "MISS"
        rows.append([f"import {name}", f"{cost:.1f}", target, result])
    print(markdown_table(["import", "ms", "target", "result"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
