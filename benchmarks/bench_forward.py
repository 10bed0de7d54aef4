"""Time forward mode: a ``jvp`` against the plain forward pass, ``jacfwd`` against ``jacrev``.

Run it from the repository root::

    python benchmarks/bench_forward.py [--quick] [--repeats N]

1. **jvp of the chain**: ``jvp`` of the chain of ``bench_engine.py``
   (``x = (x * 1.0001 + 0.1).relu()``, 300 steps from 0.5) against the plain
   forward pass that builds the same chain from a leaf, in the same run, and
   ``grad`` (the forward pass and one backward) for scale. Target: the jvp costs
   at most 2x the forward pass.
2. **n inputs, 1 output**: ``jacfwd`` and ``jacrev`` of a fixed random tanh
   network n -> 8 -> 8 -> 8 -> 1, for n = 1, 2, 4 ... 64. Theory: a full
   Jacobian takes n passes over the graph in forward mode and one in reverse
   mode, so reverse mode wins as n grows.
3. **1 input, m outputs**: the mirror image, a network 1 -> 8 -> 8 -> 8 -> m for
   m = 1 ... 64: one forward pass, m backward ones, so forward mode wins as m grows.

Each function is built and differentiated inside the timed region, as a user
calls ``jacfwd(f)(x)``. Samples alternate the runs of a table (the forward
pass, the jvp, grad; jacfwd, jacrev), each after a full garbage collection off
the clock and with the collector on, as users run; each time is a median. A
warm-up round checks that the modes agree (the jvp's tangent is grad's
derivative, jacfwd's Jacobian is jacrev's).
"""

from __future__ import annotations

import itertools
import math
import platform
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from bench_engine import (
    Run,
    chain,
    markdown_table,
    milliseconds,
    parse_arguments,
    time_run,
)

import autograd_scalar as ag
from autograd_scalar import Value, grad, jacfwd, jacrev, jvp


@dataclass(frozen=True)
class Sizes:
    """How big the workloads are and how often each is timed."""

    chain_steps: int
    widths: tuple[int, ...]  # the n inputs, and the m outputs, of the Jacobians
    repeats: int


FULL = Sizes(chain_steps=300, widths=(1, 2, 4, 8, 16, 32, 64), repeats=21)
QUICK = Sizes(chain_steps=20, widths=(1, 2, 4), repeats=3)
JVP_TARGET = 2.0
"""At most this many times the plain forward pass, for a jvp of the chain."""
HIDDEN, LAYERS = 8, 3
"""The hidden layers of the Jacobians' functions, which every input-output path crosses."""

FORWARD, JVP, GRAD = "forward pass", "jvp", "grad (forward + backward)"
JACFWD, JACREV = "jacfwd", "jacrev"


# ---------------------------------------------------------------------------
# Workloads


def chain_runs(steps: int) -> dict[str, Run]:
    """The forward pass, the jvp and grad of the chain; each returns its checksum."""
    return {
        FORWARD: lambda: chain(Value(0.5), steps).data,
        JVP: lambda: jvp(partial(chain, steps=steps), (0.5,), (1.0,))[1],
        GRAD: lambda: grad(partial(chain, steps=steps))(0.5),
    }


def network(inputs: int, outputs: int) -> Callable[..., Any]:
    """A fixed random tanh network, ``inputs`` -> 8 -> 8 -> 8 -> ``outputs`` (linear):
    every input reaches every output through all three hidden layers."""
    rng = random.Random(inputs * 1000 + outputs)
    sizes = [inputs, *[HIDDEN] * LAYERS, outputs]
    weights = [[[rng.uniform(-1.0, 1.0) for _ in range(fan_in)] for _ in range(fan_out)]
               for fan_in, fan_out in itertools.pairwise(sizes)]

    def f(*xs: Any) -> Any:
        units: Sequence[Any] = xs
        for layer in weights[:-1]:
            units = [ag.tanh(ag.dot(w, units)) for w in layer]
        out = [ag.dot(w, units) for w in weights[-1]]
        return out[0] if outputs == 1 else out

    return f


def total(jacobian: Any) -> float:
    """The sum of a Jacobian's entries (a number, or nested lists and tuples), a checksum."""
    if isinstance(jacobian, (list, tuple)):
        return math.fsum(total(entry) for entry in jacobian)
    return float(jacobian)


def jacobian_run(transform: Callable[..., Any], f: Callable[..., Any], inputs: int) -> Run:
    point = [0.1 * (i + 1) for i in range(inputs)]
    argnums = tuple(range(inputs))
    return lambda: total(transform(f, argnums=argnums)(*point))


@dataclass(frozen=True)
class Shape:
    """A Jacobian workload: its numbers of inputs and outputs and its function."""

    inputs: int
    outputs: int
    f: Callable[..., Any]


def shapes(widths: Sequence[int]) -> list[Shape]:
    """n inputs and 1 output for each width, then 1 input and m outputs."""
    return ([Shape(n, 1, network(n, 1)) for n in widths]
            + [Shape(1, m, network(1, m)) for m in widths])


def jacobian_runs(shape: Shape) -> dict[str, Run]:
    return {name: jacobian_run(transform, shape.f, shape.inputs)
            for name, transform in ((JACFWD, jacfwd), (JACREV, jacrev))}


# ---------------------------------------------------------------------------
# Measuring


def check_agreement(runs: dict[str, Run], same: Sequence[str], label: str) -> None:
    """Run each once, untimed; raise if the named runs' checksums differ."""
    checksums = {name: run() for name, run in runs.items()}
    first, *others = (checksums[name] for name in same)
    for other in others:
        if not math.isclose(first, other, rel_tol=1e-9, abs_tol=1e-12):
            raise RuntimeError(f"{label}: the modes disagree: {checksums}")


def median_times(runs: dict[str, Run], repeats: int) -> dict[str, float]:
    """Median seconds of each run, sampling them in turn ``repeats`` times (collector on)."""
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            samples[name].append(time_run(run, gc_enabled=True))
    return {name: statistics.median(times) for name, times in samples.items()}


# ---------------------------------------------------------------------------
# Reporting


def chain_table(steps: int, medians: dict[str, float]) -> str:
    """The jvp against the forward pass, and grad for scale."""
    base = medians[FORWARD]
    rows = []
    for name in (FORWARD, JVP, GRAD):
        ratio = medians[name] / base
        verdict = ["-", "-"]
        if name == JVP:
            verdict = [f"<= {JVP_TARGET:g}x", "PASS" if ratio <= JVP_TARGET else "MISS"]
        rows.append([f"{name}, chain of {steps:,} steps", milliseconds(medians[name]),
                     f"{ratio:.2f}x", *verdict])
    return markdown_table(["workload", "median (ms)", "x forward pass", "target", "result"],
                          rows)


def jacobian_table(results: list[tuple[Shape, dict[str, float]]]) -> str:
    """jacfwd against jacrev for every shape."""
    rows = []
    for shape, medians in results:
        ratio = medians[JACFWD] / medians[JACREV]
        faster = JACFWD if ratio < 1 else JACREV
        rows.append([str(shape.inputs), str(shape.outputs), milliseconds(medians[JACFWD]),
                     milliseconds(medians[JACREV]), f"{ratio:.2f}", faster])
    return markdown_table(["inputs", "outputs", "jacfwd (ms)", "jacrev (ms)", "jacfwd / jacrev",
                           "faster"], rows)


def crossover(results: list[tuple[Shape, dict[str, float]]], wide: str) -> str:
    """Where the mode theory favours takes over: reverse for many ``"inputs"``, forward for
    many ``"outputs"``; the smallest width from which it is faster at every width measured."""
    favoured, other = (JACREV, JACFWD) if wide == "inputs" else (JACFWD, JACREV)
    narrow = "outputs" if wide == "inputs" else "inputs"
    family = [(getattr(shape, wide), medians) for shape, medians in results
              if getattr(shape, narrow) == 1]
    start = None
    for width, medians in family:
        if medians[favoured] >= medians[other]:
            start = None
        elif start is None:
            start = width
    name, letter = ("n inputs, 1 output", "n") if wide == "inputs" else ("1 input, m outputs", "m")
    if start is None:
        return f"- {name}: {favoured} is not faster at the largest {letter} measured"
    if start == family[0][0]:
        return f"- {name}: {favoured} is faster at every {letter} measured"
    return f"- {name}: {favoured} is faster from {letter} = {start} on"


def machine_description(repeats: int) -> str:
    """Where and with what the numbers were taken."""
    return "\n".join([
        f"- Python {platform.python_version()} ({platform.python_implementation()}) on "
        f"{platform.platform()}",
        f"- autograd_scalar {ag.__version__}",
        f"- medians of {repeats} alternated samples after one warm-up round",
    ])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its markdown tables; returns the exit status."""
    arguments = parse_arguments(argv, __doc__)
    sizes = QUICK if arguments.quick else FULL
    repeats = arguments.repeats or sizes.repeats
    runs = chain_runs(sizes.chain_steps)
    check_agreement(runs, [JVP, GRAD], "chain")
    medians = median_times(runs, repeats)
    results = []
    for shape in shapes(sizes.widths):
        shape_runs = jacobian_runs(shape)
        check_agreement(shape_runs, [JACFWD, JACREV], f"{shape.inputs} x {shape.outputs}")
        results.append((shape, median_times(shape_runs, repeats)))
    print(machine_description(repeats))
    print()
    print(chain_table(sizes.chain_steps, medians))
    print()
    print(jacobian_table(results))
    print()
    print(crossover(results, "inputs"))
    print(crossover(results, "outputs"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
