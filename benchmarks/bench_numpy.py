"""Time the graph compiler's numpy replay against PyTorch, JAX and a hand-written numpy floor.

Run it from the repository root::

    python benchmarks/bench_numpy.py [--quick] [--repeats N]

Workloads (the loss is always the hinge loss on ±1 moons labels, from
``make_moons(n, noise=0.1, seed=0)``, plus 1e-4 · L2 of every parameter, and a
step is forward, backward and an SGD update with lr 0.1, from the same starting
weights, those of ``MLP(2, [...], seed=0)``, in every engine):

1. **the moons MLP's step**: ``MLP(2, [16, 16, 1])`` on 100 points, one full
   batch: ours eager (the reference); ours numpy replay
   (``compile_graph(loss, backend="numpy")`` once, then per step
   ``optimizer.zero_grad(); g(); optimizer.step()``), and the same program taking
   the whole step with ``g.step(optimizer)``, as ``fit`` does; ours float replay
   (``backend="python"``); the same step written by hand in numpy
   (``handwritten_numpy_mlp.py``), the floor; PyTorch float64 eager (an
   ``nn.Sequential`` and ``torch.optim.SGD``, on one thread) and JAX (the whole
   step ``jit``-compiled, float64), each if it is installed. A step takes well
   under a millisecond, so each sample is 50 steps in a row and times are per step;
2. **a wide MLP's step**: ``MLP(2, [128, 128, 1])`` on 1,000 and on 10,000
   points: the same engines of ours (eager with building the graph), and
   ``compile_graph(loss, backend="numpy")`` on its own (the graph already
   built). An eager step at 10,000 points takes a minute or more, so eager and
   compiling are timed in only a few of the rounds, the float replay in fewer;
   then the peak memory (``tracemalloc``) of one eager step and of one numpy replay;
3. **fit**: 100 epochs of ``fit(..., optimizer=SGD(lr=0.1), l2=1e-4)`` on the
   moons MLP, eager and with ``compile=True`` (compiling included).

The targets judge the numpy replay by ``g.step(optimizer)``, the step ``fit(...,
compile=True)`` takes; the step as a user writes it by hand is timed beside it. numpy's
BLAS and PyTorch run on one thread (:data:`BLAS_THREADS`); JAX's ``jit`` keeps its own.

Samples alternate engines within a workload and each time is a median (as in
``bench_compile.py``, whose machinery this reuses): the collector runs, off the
clock, before every sample, and is on during it. Before each step sample the
weights are put back to the starting ones, off the clock. A warm-up round checks
that every engine computes our eager engine's loss (within 1e-12, relative) and
gradients (within 1e-9).
"""

from __future__ import annotations

import gc
import os
import platform
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from types import ModuleType
from typing import Any

import numpy as np
import threadpoolctl
from bench_compile import (
    ALPHA,
    EAGER,
    LR,
    NOT_INSTALLED,
    SEED,
    TORCH,
    Contender,
    Key,
    Problem,
    Section,
    Target,
    Timing,
    Workload,
    grads_of,
    load_optional,
    make_problem,
    medians,
    our_fit,
    repeated,
    restore,
    target_table,
    time_workload,
    warm_up,
)
from bench_compile import FULL as COMPILE_SIZES
from bench_engine import Run, Setup, markdown_table, milliseconds, parse_arguments
from handwritten_numpy_mlp import NumpyMLP, flat

import autograd_scalar
from autograd_scalar import compile_graph
from autograd_scalar.losses import hinge_loss
from autograd_scalar.nn import MLP
from autograd_scalar.optim import SGD
from autograd_scalar.train import batch_loss

NUMPY_REPLAY, FLOAT_REPLAY = "ours, numpy replay", "ours, float replay"
NUMPY_STEP = "ours, numpy g.step(optimizer)"
NUMPY_COMPILE = 'compile_graph(backend="numpy"), once'
FLOOR, JAX = "hand-written numpy", "JAX jit float64"
FIT_COMPILED = "ours, compile=True"
BLAS_THREADS = 1
"""numpy's BLAS runs on one thread, as PyTorch does here (see :func:`torch_step`): the
engines are compared core for core, and on a shared machine a second BLAS thread waits
on whatever else holds the other core, which measures the neighbours, not the engines."""


@dataclass(frozen=True)
class Scale:
    """One size of the wide MLP's workload, and how often each engine is timed there."""

    points: int
    rounds: int  # the numpy replay's samples
    slow_samples: int  # eager's and compiling's, spread over the rounds
    float_samples: int  # the float replay's


@dataclass(frozen=True)
class Sizes:
    """How big the workloads are and how often each is timed."""

    points: int
    widths: tuple[int, int]
    repeats: int
    steps_per_sample: int  # the moons step's: it takes well under a millisecond
    wide_widths: tuple[int, int]
    scales: tuple[Scale, ...]
    epochs: int
    fit_repeats: int


FULL = Sizes(100, (16, 16), 21, 50, (128, 128),
             (Scale(1_000, 15, 5, 5), Scale(10_000, 9, 3, 2)), 100, 5)
QUICK = Sizes(10, (16, 16), 3, 2, (8, 8), (Scale(20, 2, 2, 2), Scale(40, 3, 2, 1)), 3, 1)


def moons_problem(points: int, widths: tuple[int, int]) -> Problem:
    """``points`` moons, their ±1 labels and the starting weights of ``MLP(2, [*widths, 1])``."""
    return make_problem(replace(COMPILE_SIZES, points=points, widths=widths))


def step_name(problem: Problem) -> str:
    widths = ", ".join(map(str, problem.nouts))
    return f"MLP(2, [{widths}]) step, {len(problem.points):,} points"


def fit_name(sizes: Sizes) -> str:
    return f"fit, {sizes.epochs:,} epochs"


# ---------------------------------------------------------------------------
# Our engine: eager, numpy replay, float replay, and compiling for numpy


def our_steps(problem: Problem, slow_samples: int | None = None,
              float_samples: int | None = None, compiling: bool = False) -> list[Contender]:
    """Ours eager, replayed by numpy and by float code (both compiled here, from one graph),
    and, if ``compiling``, compiling that graph for numpy on its own.

    The replays step as users write it: ``optimizer.zero_grad(); g(); optimizer.step()``.
    One more row has the numpy program take the whole step, ``g.step(optimizer)``, as
    ``fit(compile=True)`` does: the update on arrays, without those loops over Values.
    """
    model = MLP(2, problem.nouts, seed=SEED)
    parameters = model.parameters()
    optimizer = SGD(parameters, lr=LR)

    def eager() -> float:
        loss = batch_loss(model, problem.points, problem.labels, hinge_loss, ALPHA)[0]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.data

    def replay(graph: Any) -> Run:
        def step() -> float:
            optimizer.zero_grad()
            loss: float = graph()
            optimizer.step()
            return loss

        return step

    def from_start(step: Run) -> Setup:
        def setup() -> Run:
            restore(parameters, problem.start)
            return step

        return setup

    def compile_numpy() -> Run:
        def run() -> float:
            compile_graph(root, backend="numpy")
            return root.data

        return run

    restore(parameters, problem.start)
    root = batch_loss(model, problem.points, problem.labels, hinge_loss, ALPHA)[0]
    readout = grads_of(parameters)
    numpy_graph = compile_graph(root, backend="numpy")
    float_graph = compile_graph(root, backend="python")
    contenders = [
        Contender(EAGER, from_start(eager), readout, samples=slow_samples),
        Contender(NUMPY_REPLAY, from_start(replay(numpy_graph)), readout),
        Contender(NUMPY_STEP, from_start(partial(numpy_graph.step, optimizer)), readout),
        Contender(FLOAT_REPLAY, from_start(replay(float_graph)), readout, samples=float_samples),
    ]
    if compiling:
        contenders.append(Contender(NUMPY_COMPILE, compile_numpy, samples=slow_samples))
    return contenders


# ---------------------------------------------------------------------------
# The others: the hand-written numpy floor, PyTorch, JAX


def floor_step(problem: Problem) -> Contender:
    """The same step written by hand in numpy, on arrays made once."""
    points = np.array(problem.points, dtype=np.float64)
    labels = np.array(problem.labels, dtype=np.float64)
    floor = NumpyMLP.from_flat(problem.start, problem.widths)

    def step() -> float:
        return floor.step(points, labels, ALPHA, LR)

    def setup() -> Run:
        floor.layers = NumpyMLP.from_flat(problem.start, problem.widths).layers
        return step

    def readout() -> list[float]:
        start = NumpyMLP.from_flat(problem.start, problem.widths)
        return flat(start.loss_and_gradients(points, labels, ALPHA)[1])

    return Contender(FLOOR, setup, readout)


def torch_step(torch: ModuleType, problem: Problem, one_thread: bool = True) -> Contender:
    """PyTorch float64 eager, as its users write it: an ``nn.Sequential`` and ``optim.SGD``.

    On one thread unless ``one_thread`` is False (its default then, one per core):
    tensors this small are not split between threads anyway, and on a shared machine
    its default made its step 10-40 times slower whenever another process held a core
    (it waits for them all).
    """
    if one_thread:
        torch.set_num_threads(1)
    nn = torch.nn
    first, second = problem.widths
    model = nn.Sequential(nn.Linear(2, first), nn.ReLU(), nn.Linear(first, second), nn.ReLU(),
                          nn.Linear(second, 1)).double()
    linears = [m for m in model if isinstance(m, nn.Linear)]
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    points = torch.tensor(problem.points, dtype=torch.float64)
    labels = torch.tensor(problem.labels, dtype=torch.float64)

    def step() -> float:
        optimizer.zero_grad()
        scores = model(points).squeeze(1)
        squares = sum((p * p).sum() for p in model.parameters())
        loss = torch.relu(1.0 - labels * scores).mean() + ALPHA * squares
        loss.backward()
        optimizer.step()
        return float(loss.item())

    def setup() -> Run:
        with torch.no_grad():
            for linear, (w, b) in zip(linears, NumpyMLP.from_flat(problem.start,
                                                                   problem.widths).layers):
                linear.weight.copy_(torch.from_numpy(w))
                linear.bias.copy_(torch.from_numpy(b))
        return step

    def readout() -> list[float]:
        rows = [torch.cat([m.weight.grad, m.bias.grad[:, None]], dim=1).flatten() for m in linears]
        return [float(x) for x in torch.cat(rows).tolist()]

    return Contender(TORCH, setup, readout)


def jax_step(jax: ModuleType, problem: Problem) -> Contender:
    """JAX in float64: loss, gradients and update in one ``jax.jit``-compiled function."""
    jax.config.update("jax_enable_x64", True)  # before any array is made
    jnp = jax.numpy
    points = jnp.asarray(problem.points, dtype=jnp.float64)
    labels = jnp.asarray(problem.labels, dtype=jnp.float64)
    start = [(jnp.asarray(w), jnp.asarray(b))
             for w, b in NumpyMLP.from_flat(problem.start, problem.widths).layers]

    def objective(layers: list[tuple[Any, Any]]) -> Any:
        h = points
        for w, b in layers[:-1]:
            h = jax.nn.relu(h @ w.T + b)
        w, b = layers[-1]
        scores = (h @ w.T + b)[:, 0]
        squares = sum(jnp.sum(p * p) for layer in layers for p in layer)
        return jnp.mean(jax.nn.relu(1.0 - labels * scores)) + ALPHA * squares

    @jax.jit  # type: ignore[untyped-decorator]
    def train(layers: list[tuple[Any, Any]]) -> tuple[Any, Any, Any]:
        loss, gradients = jax.value_and_grad(objective)(layers)
        updated = jax.tree_util.tree_map(lambda p, g: p - LR * g, layers, gradients)
        return updated, loss, gradients

    state: dict[str, Any] = {}

    def step() -> float:
        state["layers"], loss, state["gradients"] = train(state["layers"])
        return float(loss)  # waits for the result

    def setup() -> Run:
        state["layers"] = start  # arrays are immutable: the step makes new ones
        return step

    def readout() -> list[float]:
        return flat([(np.asarray(w), np.asarray(b)) for w, b in state["gradients"]])

    return Contender(JAX, setup, readout)


# ---------------------------------------------------------------------------
# The workloads


def moons_step_workload(problem: Problem, repeats: int, torch: ModuleType | None,
                        jax: ModuleType | None) -> Workload:
    """Every engine's step of the moons MLP; PyTorch and JAX if they are installed."""
    contenders = [*our_steps(problem), floor_step(problem)]
    if torch is not None:
        contenders.append(torch_step(torch, problem))
    if jax is not None:
        contenders.append(jax_step(jax, problem))
    missing = [name for name, module in ((TORCH, torch), (JAX, jax)) if module is None]
    return Workload(step_name(problem), repeats, contenders, missing)


def wide_step_workload(problem: Problem, scale: Scale) -> Workload:
    """Ours eager, replayed and compiling, on the wide MLP."""
    contenders = our_steps(problem, scale.slow_samples, scale.float_samples, compiling=True)
    return Workload(step_name(problem), scale.rounds, contenders)


def fit_workload(problem: Problem, sizes: Sizes) -> Workload:
    """``fit`` eager and with ``compile=True``."""
    compiled = replace(our_fit(problem, sizes.epochs, compile=True), engine=FIT_COMPILED)
    return Workload(fit_name(sizes), sizes.fit_repeats,
                    [our_fit(problem, sizes.epochs, compile=False), compiled])


def back_to_back(workload: Workload, steps: int) -> Workload:
    """Each sample runs ``steps`` steps in a row from the starting weights, as a training loop
    does: a single step after the untimed collection runs on cold caches and idle threads."""
    return replace(workload, contenders=[replace(c, setup=repeated(c, steps).setup)
                                         for c in workload.contenders])


def per_step(samples: dict[Key, list[float]], steps: int) -> dict[Key, list[float]]:
    """Seconds per step, from samples of ``steps`` steps each."""
    return {key: [seconds / steps for seconds in times] for key, times in samples.items()}


def checked(workload: Workload) -> Workload:
    """The engines the warm-up checks: compiling computes nothing new."""
    return replace(workload, contenders=[c for c in workload.contenders
                                         if c.engine != NUMPY_COMPILE])


# ---------------------------------------------------------------------------
# Memory


def peak_bytes(run: Run) -> int:
    """How far traced memory (``tracemalloc``) rises above where it started while ``run`` runs."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        run()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def peak_memory(workload: Workload) -> dict[str, int]:
    """The peak memory of one eager step and of one numpy replay step, by engine."""
    steps = {c.engine: c for c in workload.contenders}
    return {engine: peak_bytes(steps[engine].setup()) for engine in (EAGER, NUMPY_REPLAY)}


# ---------------------------------------------------------------------------
# Reporting


def median_table(sections: list[Section], timings: dict[Key, Timing]) -> str:
    """Every median, how many times faster than ours eager it is, and how many times faster
    our numpy replay (``fit(compile=True)`` in the fit) is than it.

    Engines that are not installed get a row saying so.
    """
    rows = []
    for section in sections:
        eager = timings[section.name, EAGER, True]
        numpy = timings.get((section.name, NUMPY_REPLAY, True),
                            timings.get((section.name, FIT_COMPILED, True)))
        for engine in section.engines:
            timing = timings[section.name, engine, True]
            if engine == NUMPY_COMPILE:
                ratios = [f"costs {timing.seconds / eager.seconds:.2f} eager", "-"]
            else:
                ratios = [ratio(eager, timing), ratio(timing, numpy)]
            rows.append([section.name, engine, milliseconds(timing.seconds),
                         str(timing.samples), *ratios])
        rows += [[section.name, engine, NOT_INSTALLED, "-", "-", "-"]
                 for engine in section.missing]
    header = ["workload", "engine", "median (ms)", "samples", "speed-up over eager",
              "numpy's speed-up over it"]
    return markdown_table(header, rows)


def ratio(numerator: Timing | None, denominator: Timing | None) -> str:
    if numerator is None or denominator is None:
        return "-"
    return f"{numerator.seconds / denominator.seconds:.1f}x"


def memory_table(peaks: dict[str, dict[str, int]]) -> str:
    """The peak traced memory of an eager step and of a numpy replay step, per workload."""
    rows = []
    for workload, peak in peaks.items():
        eager, numpy = peak[EAGER], peak[NUMPY_REPLAY]
        rows.append([workload, megabytes(eager), megabytes(numpy), f"{eager / numpy:.0f}x"])
    header = ["peak memory of one step", "ours, eager (MB)", "ours, numpy replay (MB)",
              "eager / numpy"]
    return markdown_table(header, rows)


def megabytes(size: int) -> str:
    return f"{size / 1e6:,.2f}"


def targets(sizes: Sizes, moons: str, wide: list[str]) -> list[Target]:
    """The targets; the wide MLP's for each of its sizes."""
    goals = [
        Target("numpy replay >= 4x faster than PyTorch eager", moons, TORCH, NUMPY_STEP, 4),
        Target("numpy replay <= 1.5x the hand-written numpy floor", moons, NUMPY_STEP, FLOOR,
               1.5, at_least=False),
        Target("numpy replay <= 3x JAX jit", moons, NUMPY_STEP, JAX, 3, at_least=False),
    ]
    for name, scale in zip(wide, sizes.scales):
        points = f"{scale.points:,} points"
        goals += [
            Target(f"numpy replay >= 100x faster than float replay, {points}", name,
                   FLOAT_REPLAY, NUMPY_STEP, 100),
            Target(f"numpy compile <= 3 eager steps, {points}", name, NUMPY_COMPILE, EAGER, 3,
                   at_least=False, unit=" eager steps"),
        ]
    goals.append(Target("fit >= 20x faster with compile=True (compile included)",
                        fit_name(sizes), EAGER, FIT_COMPILED, 20))
    return goals


def description(torch: ModuleType | None, jax: ModuleType | None, sizes: Sizes,
                repeats: int) -> str:
    """Where and with what the numbers were taken."""

    def version(module: ModuleType | None) -> str:
        return NOT_INSTALLED if module is None else str(module.__version__)

    blas = ", ".join(f"{pool['internal_api']} {pool['version']} ({pool['num_threads']} thread"
                     f"{'s' if pool['num_threads'] != 1 else ''})"
                     for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas")
    return "\n".join([
        f"- platform: {platform.platform()}, {os.cpu_count()} CPUs",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        f"- autograd_scalar {autograd_scalar.__version__}, numpy {np.__version__},"
        f" PyTorch {version(torch)}, JAX {version(jax)}",
        f"- numpy's BLAS: {blas or 'none found'}; PyTorch on 1 thread",
        f"- medians of alternated samples after one warm-up round: {repeats} of the moons"
        f" step, each of {sizes.steps_per_sample} steps in a row (times are per step);"
        f" {sizes.fit_repeats} of each fit; at each wide size one per round for the numpy"
        f" replay ({', '.join(str(s.rounds) for s in sizes.scales)} rounds), fewer for the"
        f" others: see the samples column",
    ])


# ---------------------------------------------------------------------------
# Entry point


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its markdown tables; returns the exit status."""
    with threadpoolctl.threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        return run(argv)


def run(argv: Sequence[str] | None) -> int:
    """The benchmark itself, with BLAS already limited."""
    arguments = parse_arguments(argv, __doc__)
    sizes = QUICK if arguments.quick else FULL
    repeats = arguments.repeats or sizes.repeats
    torch, jax = load_optional("torch"), load_optional("jax")
    moons = moons_problem(sizes.points, sizes.widths)
    wide = [moons_problem(scale.points, sizes.wide_widths) for scale in sizes.scales]
    makers: list[Callable[[], Workload]] = [
        partial(moons_step_workload, moons, repeats, torch, jax),
        *(partial(wide_step_workload, problem, scale)
          for problem, scale in zip(wide, sizes.scales)),
        partial(fit_workload, moons, sizes),
    ]
    wide_names = [step_name(problem) for problem in wide]
    samples: dict[Key, list[float]] = {}
    agreement, sections = [], []
    peaks: dict[str, dict[str, int]] = {}
    for make in makers:
        # Made here and dropped after its turn, so that no graph of one workload
        # is left alive while the next is timed.
        workload = make()
        agreement += warm_up(checked(workload))
        steps = sizes.steps_per_sample if workload.name == step_name(moons) else 1
        samples.update(per_step(time_workload(back_to_back(workload, steps)), steps))
        if workload.name in wide_names:
            peaks[workload.name] = peak_memory(workload)
        sections.append(workload.section())
        del workload
    timings = medians(samples)
    print(description(torch, jax, sizes, repeats))
    print()
    print("\n".join(f"- {line}" for line in agreement))
    print()
    print(median_table(sections, timings))
    print()
    print(memory_table(peaks))
    print()
    print(target_table(targets(sizes, step_name(moons), wide_names), timings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
