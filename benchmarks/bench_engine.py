"""Time and weigh the autograd_scalar engine against micrograd 0.1.0.

Run it from the repository root::

    python benchmarks/bench_engine.py [--quick] [--repeats N]

The same code drives both engines (they share the ``Value`` interface):

1. **chain**: build and back-propagate ``x = (x * 1.0001 + 0.1).relu()`` for 300
   steps, starting from a leaf ``Value(0.5)``;
2. **wide sum**: build and back-propagate sum_i x_i * y_i over 2 x 5,000 leaves.
   micrograd adds the products one ``+`` at a time (the built-in ``sum``); ours
   uses ``autograd_scalar.sum``, one n-ary node. An extra row times our engine
   with the same ``+`` chain, for honesty;
3. **bytes per node**: how much traced memory (``tracemalloc``) grows while a
   3,000-step chain or the wide sum is alive, divided by the number of nodes in
   it, leaves included (micrograd's count includes the Values it wraps constants in).

Samples alternate engines (micrograd, ours, micrograd, ours, ...) so that a noisy
machine slows both alike; each time is a median over the repeats, after one
warm-up round whose results also check that both engines compute the same
numbers. Every speed-up (micrograd's time / ours) is shown twice: with Python's
cyclic garbage collector on, as users run it, and off (``gc.disable()`` around
the timed region), because micrograd's per-node closures create reference
cycles that the collector keeps traversing.

Each sample times building the graph, ``backward()`` and dropping the graph.
The collector runs (untimed) before every sample, so one engine's garbage is
never collected on the other's clock; micrograd's cyclic garbage is therefore
freed off the clock while ours, freed by reference counting, is freed on it,
a bias in micrograd's favour.

The script installs nothing. Without micrograd it prints our own medians and
how to install it: ``pip install -e ".[bench]"``.
"""

from __future__ import annotations

import argparse
import builtins
import gc
import importlib
import importlib.metadata
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import autograd_scalar
from autograd_scalar import Value, topological_order
from autograd_scalar.engine import sum as one_node_sum  # autograd_scalar.sum, typed

Run = Callable[[], float]
"""One timed sample: build, back-propagate, drop the graph; returns a checksum."""
Setup = Callable[[], Run]
"""Makes a fresh Run (new leaves, untimed), so gradients never pile up across samples."""
Build = Callable[[], Any]
"""Builds a graph and returns its output, for the memory measurement."""
Total = Callable[[list[Any]], Any]
"""Adds up a list of Values: the built-in ``sum`` (a ``+`` chain) or ``autograd_scalar.sum``."""
Key = tuple[str, str]
"""(engine, workload), naming one timed run or one measured graph."""

MICROGRAD, OURS = "micrograd", "ours"
CHAIN, WIDE_SUM, WIDE_SUM_PLUS = "chain", "wide sum", "wide sum, + chain"
INSTALL_HINT = 'micrograd is not installed; to compare with it: pip install -e ".[bench]"'


@dataclass(frozen=True)
class Sizes:
    """How big the workloads are and how often each is timed."""

    chain_steps: int
    sum_terms: int
    memory_chain_steps: int
    repeats: int


FULL = Sizes(chain_steps=300, sum_terms=5_000, memory_chain_steps=3_000, repeats=21)
QUICK = Sizes(chain_steps=20, sum_terms=50, memory_chain_steps=100, repeats=3)


@dataclass(frozen=True)
class Comparison:
    """One table row: our run against micrograd's, and the speed-up (or saving) we aim for."""

    label: str
    workload: str
    micrograd_workload: str
    target: float | None  # minimum ratio micrograd / ours; None for rows shown for honesty


CHAIN_SPEED_UP, WIDE_SUM_SPEED_UP = 4.0, 5.0
"""Targets: how many times faster than micrograd we aim to be, with the GC on."""
MEMORY_SAVING = 5.0
"""Target: micrograd's bytes per node / ours."""


def comparisons(chain_steps: int, sum_terms: int, chain_target: float,
                sum_target: float) -> list[Comparison]:
    """The rows of a table, in order: the chain, the wide sum, and our wide sum as a + chain."""
    wide = f"wide sum, {sum_terms:,} terms"
    return [
        Comparison(f"chain, {chain_steps:,} steps", CHAIN, CHAIN, chain_target),
        Comparison(f"{wide} (ours: one n-ary sum)", WIDE_SUM, WIDE_SUM, sum_target),
        Comparison(f"{wide} (ours: + chain too)", WIDE_SUM_PLUS, WIDE_SUM, None),
    ]


def time_comparisons(sizes: Sizes) -> list[Comparison]:
    """The rows of the time table."""
    return comparisons(sizes.chain_steps, sizes.sum_terms, CHAIN_SPEED_UP, WIDE_SUM_SPEED_UP)


def memory_comparisons(sizes: Sizes) -> list[Comparison]:
    """The rows of the memory table."""
    return comparisons(sizes.memory_chain_steps, sizes.sum_terms, MEMORY_SAVING, MEMORY_SAVING)


# ---------------------------------------------------------------------------
# Workloads: written once, for any Value class with * + relu backward.


def chain(start: Any, steps: int) -> Any:
    """``x = (x * 1.0001 + 0.1).relu()``, ``steps`` times from ``start``."""
    x = start
    for _ in range(steps):
        x = (x * 1.0001 + 0.1).relu()
    return x


def leaves(value_type: type[Any], terms: int) -> tuple[list[Any], list[Any]]:
    """The 2 x ``terms`` leaves x_i and y_i of the wide sum."""
    xs = [value_type(1.0 + i / terms) for i in range(terms)]
    ys = [value_type(0.5 - i / terms) for i in range(terms)]
    return xs, ys


def wide_sum(xs: list[Any], ys: list[Any], total: Total) -> Any:
    """sum_i x_i * y_i, added up by ``total``."""
    return total([x * y for x, y in zip(xs, ys)])


def chain_run(value_type: type[Any], steps: int) -> Run:
    """A timed chain; its checksum is d out / d start."""
    start = value_type(0.5)

    def run() -> float:
        chain(start, steps).backward()
        return float(start.grad)

    return run


def wide_sum_run(value_type: type[Any], terms: int, total: Total) -> Run:
    """A timed wide sum over fresh leaves; its checksum is sum_i d out / d x_i."""
    xs, ys = leaves(value_type, terms)

    def run() -> float:
        wide_sum(xs, ys, total).backward()
        return builtins.sum(float(x.grad) for x in xs)

    return run


def timed_runs(sizes: Sizes, micrograd_value: type[Any] | None) -> dict[Key, Setup]:
    """Every timed run, in the order samples alternate: micrograd's, then ours."""
    steps, terms = sizes.chain_steps, sizes.sum_terms
    runs: dict[Key, Setup] = {}
    if micrograd_value is not None:
        runs[MICROGRAD, CHAIN] = partial(chain_run, micrograd_value, steps)
    runs[OURS, CHAIN] = partial(chain_run, Value, steps)
    if micrograd_value is not None:
        runs[MICROGRAD, WIDE_SUM] = partial(wide_sum_run, micrograd_value, terms, builtins.sum)
    runs[OURS, WIDE_SUM] = partial(wide_sum_run, Value, terms, one_node_sum)
    runs[OURS, WIDE_SUM_PLUS] = partial(wide_sum_run, Value, terms, builtins.sum)
    return runs


def chain_graph(value_type: type[Any], steps: int) -> Any:
    """A chain from a new leaf, for the memory measurement."""
    return chain(value_type(0.5), steps)


def wide_sum_graph(value_type: type[Any], terms: int, total: Total) -> Any:
    """A wide sum over new leaves, for the memory measurement."""
    return wide_sum(*leaves(value_type, terms), total)


def memory_builds(sizes: Sizes, micrograd_value: type[Any] | None) -> dict[Key, Build]:
    """Every graph whose bytes per node are measured."""
    steps, terms = sizes.memory_chain_steps, sizes.sum_terms
    builds: dict[Key, Build] = {}
    if micrograd_value is not None:
        builds[MICROGRAD, CHAIN] = partial(chain_graph, micrograd_value, steps)
        builds[MICROGRAD, WIDE_SUM] = partial(wide_sum_graph, micrograd_value, terms, builtins.sum)
    builds[OURS, CHAIN] = partial(chain_graph, Value, steps)
    builds[OURS, WIDE_SUM] = partial(wide_sum_graph, Value, terms, one_node_sum)
    builds[OURS, WIDE_SUM_PLUS] = partial(wide_sum_graph, Value, terms, builtins.sum)
    return builds


# ---------------------------------------------------------------------------
# Measuring


def time_run(run: Run, gc_enabled: bool) -> float:
    """Seconds one run takes, with the cyclic garbage collector on or off during it.

    A full collection runs first, off the clock, so no earlier run's garbage is collected here.
    """
    gc.collect()
    was_enabled = gc.isenabled()
    if gc_enabled:
        gc.enable()
    else:
        gc.disable()
    try:
        start = time.perf_counter()
        run()
        return time.perf_counter() - start
    finally:
        if was_enabled:
            gc.enable()
        else:
            gc.disable()


def warm_up(runs: dict[Key, Setup]) -> dict[Key, float]:
    """Run everything once, untimed, and return each run's checksum."""
    return {key: setup()() for key, setup in runs.items()}


def check_agreement(checksums: dict[Key, float], rows: list[Comparison]) -> None:
    """Raise if micrograd and ours disagree on a workload: then they would not be comparable."""
    for row in rows:
        ours = checksums[OURS, row.workload]
        theirs = checksums.get((MICROGRAD, row.micrograd_workload), ours)
        if abs(ours - theirs) > 1e-9 * max(1.0, abs(ours)):
            raise RuntimeError(f"{row.label}: micrograd's checksum {theirs!r} is not ours {ours!r}")


def median_times(runs: dict[Key, Setup], repeats: int) -> dict[tuple[str, str, bool], float]:
    """Median seconds of every run, GC on and off, sampling them in turn ``repeats`` times."""
    samples: dict[tuple[str, str, bool], list[float]] = {}
    for repeat in range(repeats):
        # Swap the GC modes' order every repeat, so neither always runs first.
        for gc_enabled in (True, False) if repeat % 2 else (False, True):
            for (engine, workload), setup in runs.items():
                seconds = time_run(setup(), gc_enabled)
                samples.setdefault((engine, workload, gc_enabled), []).append(seconds)
    return {key: statistics.median(times) for key, times in samples.items()}


def micrograd_node_count(root: Any) -> int:
    """Nodes in a micrograd graph, the Values wrapping constants included."""
    seen = {root}
    stack = [root]
    while stack:
        for child in stack.pop()._prev:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return len(seen)


def our_node_count(root: Value) -> int:
    """Nodes in one of our graphs (constants are stored in their node, not as nodes)."""
    return len(topological_order(root))


def bytes_per_node(build: Build, count_nodes: Callable[[Any], int]) -> tuple[int, float]:
    """(nodes, traced bytes per node) of the graph ``build`` makes, while it is alive."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        root = build()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    nodes = count_nodes(root)
    return nodes, grown / nodes


def measure_memory(builds: dict[Key, Build]) -> dict[Key, tuple[int, float]]:
    """(nodes, bytes per node) of every graph."""
    counters = {MICROGRAD: micrograd_node_count, OURS: our_node_count}
    return {key: bytes_per_node(build, counters[key[0]]) for key, build in builds.items()}


# ---------------------------------------------------------------------------
# Reporting


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A markdown table with padded columns, readable as plain text too."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def verdict(ratio: float, target: float | None) -> list[str]:
    """The target and PASS/MISS cells for a ratio; dashes where no target applies."""
    if target is None:
        return ["-", "-"]
    return [f">= {target:g}x", "PASS" if ratio >= target else "MISS"]


def milliseconds(seconds: float) -> str:
    """Seconds shown as milliseconds with two decimals."""
    return f"{seconds * 1e3:.2f}"


def time_table(rows: list[Comparison], medians: dict[tuple[str, str, bool], float]) -> str:
    """The speed table: medians and speed-ups, GC on then off, one line each."""
    compared = any(engine == MICROGRAD for engine, _, _ in medians)
    lines = []
    for row in rows:
        for gc_enabled in (True, False):
            ours = medians[OURS, row.workload, gc_enabled]
            cells = [row.label, "on" if gc_enabled else "off"]
            if compared:
                theirs = medians[MICROGRAD, row.micrograd_workload, gc_enabled]
                ratio = theirs / ours
                target = row.target if gc_enabled else None  # targets are set with GC on
                cells += [milliseconds(theirs), milliseconds(ours), f"{ratio:.1f}x"]
                cells += verdict(ratio, target)
            else:
                cells.append(milliseconds(ours))
            lines.append(cells)
    header = ["workload", "GC", "ours (ms)"]
    if compared:
        header = ["workload", "GC", "micrograd (ms)", "ours (ms)", "speed-up", "target", "result"]
    return markdown_table(header, lines)


def memory_table(rows: list[Comparison], sizes: dict[Key, tuple[int, float]]) -> str:
    """The memory table: nodes, bytes per node, and the savings per node (the target) and
    per graph (ours has fewer nodes: constants live inside their node)."""
    compared = any(engine == MICROGRAD for engine, _ in sizes)
    lines = []
    for row in rows:
        nodes, per_node = sizes[OURS, row.workload]
        cells = [row.label, f"{nodes:,}", f"{per_node:.0f}"]
        if compared:
            their_nodes, their_per_node = sizes[MICROGRAD, row.micrograd_workload]
            ratio = their_per_node / per_node
            graph_ratio = their_nodes * their_per_node / (nodes * per_node)
            cells[1:1] = [f"{their_nodes:,}", f"{their_per_node:.0f}"]
            cells += [f"{ratio:.1f}x", *verdict(ratio, row.target), f"{graph_ratio:.1f}x"]
        lines.append(cells)
    header = ["graph", "ours nodes", "ours bytes/node"]
    if compared:
        header[1:1] = ["micrograd nodes", "micrograd bytes/node"]
        header += ["saving per node", "target", "result", "saving per graph"]
    return markdown_table(header, lines)


def machine_description(micrograd_found: bool, repeats: int) -> str:
    """Where and with what the numbers were taken."""
    micrograd = importlib.metadata.version("micrograd") if micrograd_found else "not installed"
    return "\n".join([
        f"- platform: {platform.platform()}, {os.cpu_count()} CPUs",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        f"- autograd_scalar {autograd_scalar.__version__}, micrograd {micrograd}",
        f"- medians of {repeats} alternated samples after one warm-up round",
    ])


# ---------------------------------------------------------------------------
# Entry point


def load_micrograd_value() -> type[Any] | None:
    """micrograd's Value class, or None when micrograd is not installed."""
    try:
        engine = importlib.import_module("micrograd.engine")
    except ImportError:
        return None
    value_type: type[Any] = engine.Value
    return value_type


@contextmanager
def recursion_limit(limit: int) -> Iterator[None]:
    """Raise the recursion limit to at least ``limit`` inside the block."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def micrograd_recursion_depth(sizes: Sizes) -> int:
    """A recursion limit for micrograd's recursive topological sort, which recurses once per
    node along the longest path: 3 per chain step, 2 per term of the ``+`` chain."""
    return 2 * max(3 * sizes.chain_steps, 2 * sizes.sum_terms) + 1_000


def parse_arguments(
    argv: Sequence[str] | None, description: str | None = __doc__,
    switches: Mapping[str, str] | None = None,
) -> argparse.Namespace:
    """The command line: ``--quick`` and ``--repeats N`` (shared by the benchmark scripts,
    each giving its docstring as ``description``), and a script's own on/off ``switches``
    (``{"--flag": "help"}``)."""
    parser = argparse.ArgumentParser(
        description=description.splitlines()[0] if description else None
    )
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and few repeats: checks that the script runs")
    parser.add_argument("--repeats", type=int, default=None, metavar="N",
                        help="alternated samples per run (default: 21, or 3 with --quick)")
    for flag, text in (switches or {}).items():
        parser.add_argument(flag, action="store_true", help=text)
    arguments = parser.parse_args(argv)
    if arguments.repeats is not None and arguments.repeats < 1:
        parser.error(f"--repeats must be at least 1, not {arguments.repeats}")
    return arguments


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its markdown tables; returns the exit status."""
    arguments = parse_arguments(argv)
    sizes = QUICK if arguments.quick else FULL
    repeats = arguments.repeats or sizes.repeats
    micrograd_value = load_micrograd_value()
    runs = timed_runs(sizes, micrograd_value)
    with recursion_limit(micrograd_recursion_depth(sizes)):
        check_agreement(warm_up(runs), time_comparisons(sizes))
        medians = median_times(runs, repeats)
        memory = measure_memory(memory_builds(sizes, micrograd_value))
    print(machine_description(micrograd_value is not None, repeats))
    print()
    print(time_table(time_comparisons(sizes), medians))
    print()
    print(memory_table(memory_comparisons(sizes), memory))
    if micrograd_value is None:
        print()
        print(INSTALL_HINT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
