"""Time the graph compiler: compiled replay against eager, micrograd, hand-written floats, PyTorch.

Run it from the repository root::

    python benchmarks/bench_compile.py [--quick] [--repeats N]

Workloads, each timed on every engine that can run it:

1. **chain** and 2. **wide sum**: the graphs of ``bench_engine.py``, built and
   back-propagated (micrograd, ours eager) or replayed by
   :func:`~autograd_scalar.compile.compile_graph` (ours compiled);
3. **training step**: one full-batch step (forward, backward, SGD update) of
   ``MLP(2, [16, 16, 1])`` on 100 moons points (``make_moons(100, noise=0.1,
   seed=0)``) with the hinge loss on ±1 labels plus 1e-4 · L2, from the same
   starting weights in every engine: micrograd's own MLP with its demo
   notebook's loss; ours eager (``batch_loss``, ``backward``, ``SGD.step``); ours
   compiled (``compile_graph`` once, then zero the gradients, replay, step); a
   hand-written float implementation (``handwritten_mlp.py``), the floor for
   pure Python; and PyTorch on float64 tensors if it is installed;
4. **batch compile**: compiling the batch loss of a wide model with the float
   replay, ``compile_graph(loss)``, against one eager step on it (building the
   loss graph and ``backward``): ``MLP(2, [128, 128, 1])`` on 1,000 moons points,
   hinge loss + 1e-4 · L2 as ``fit`` builds it. The graph has about half a million
   nodes and 17 million edges, so this times finding the batch's samples
   (:mod:`autograd_scalar.batches`) and writing their loop;
5. **fit**: 100 epochs of ``fit(..., optimizer=SGD(lr=0.1), l2=1e-4)``, eager
   and ``compile=True`` (compiling included), and 100 steps of the hand-written
   floats (and of PyTorch). micrograd's would take minutes: its row is 100
   times its median step, an estimate, not a run.

``compile_graph`` is also timed on its own (building the graph it compiles is not).

Samples alternate engines within a workload, and each time is a median. The
training step of micrograd takes about a second, so it is sampled in only every
third round (7 of 21). Every sample runs the collector first, off the clock
(as in ``bench_engine.py``); our engines and the floor run with the collector
on, as users run them; micrograd both on and off, since most of its time goes
to collecting the reference cycles its closures make. Before each training
step the weights are put back to the starting ones, off the clock, so every
sample does the same work. A warm-up round checks that every engine computes
our eager engine's loss (within 1e-12, relative) and gradients (within 1e-9).
"""

from __future__ import annotations

import builtins
import importlib
import importlib.metadata
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from types import ModuleType
from typing import Any

from bench_engine import (
    INSTALL_HINT,
    MICROGRAD,
    Run,
    Setup,
    Total,
    chain,
    leaves,
    machine_description,
    markdown_table,
    milliseconds,
    parse_arguments,
    recursion_limit,
    time_run,
    wide_sum,
)
from handwritten_mlp import HandwrittenMLP, Weights

from autograd_scalar import Value, compile_graph
from autograd_scalar.data import make_moons, to_plus_minus
from autograd_scalar.engine import sum as one_node_sum
from autograd_scalar.losses import hinge_loss
from autograd_scalar.nn import MLP
from autograd_scalar.optim import SGD
from autograd_scalar.train import batch_loss, fit

Key = tuple[str, str, bool]
"""(workload, engine, GC on): one timed series."""
Readout = Callable[[], list[float]]
"""The gradients an engine computed from the starting point, read after a warm-up sample."""

EAGER, COMPILED, COMPILE = "ours, eager", "ours, compiled", "compile_graph, once"
FLOOR, TORCH = "hand-written floats", "PyTorch float64"
ALPHA, LR, NOISE, SEED = 1e-4, 0.1, 0.1, 0
"""The L2 weight, SGD's learning rate, the moons' noise, and the seed of data and model."""
LOSS_TOLERANCE, GRADIENT_TOLERANCE = 1e-12, 1e-9
"""How closely every engine must agree with ours, eager: relative on the loss (or any
output), absolute on each gradient (relative above 1)."""
NOT_INSTALLED = "not installed"


@dataclass(frozen=True)
class Sizes:
    """How big the workloads are and how often each is timed."""

    chain_steps: int
    sum_terms: int
    points: int
    widths: tuple[int, int]
    epochs: int
    repeats: int
    micrograd_step_repeats: int
    fit_repeats: int
    batch_points: int
    batch_widths: tuple[int, int]
    batch_repeats: int


FULL = Sizes(300, 5_000, 100, (16, 16), 100, 21, 7, 5, 1_000, (128, 128), 3)
QUICK = Sizes(20, 50, 10, (16, 16), 3, 3, 1, 1, 20, (8, 8), 1)


@dataclass(frozen=True)
class Contender:
    """One engine on one workload: how to prepare a sample (off the clock) and what it computed."""

    engine: str
    setup: Setup
    readout: Readout | None = None
    gc_modes: tuple[bool, ...] = (True,)
    samples: int | None = None  # None: one in every round


@dataclass
class Workload:
    """Engines doing the same work, timed in alternation; ratios compare them."""

    name: str
    rounds: int
    contenders: list[Contender]
    missing: list[str] = field(default_factory=list)
    """Engines that could not run: not installed."""

    def section(self) -> Section:
        return Section(self.name, [c.engine for c in self.contenders], self.missing)


@dataclass(frozen=True)
class Section:
    """What the tables need of a workload once it has been timed."""

    name: str
    engines: list[str]
    missing: list[str]


# ---------------------------------------------------------------------------
# Chain and wide sum: the engine benchmark's graphs, eager and replayed


@dataclass(frozen=True)
class Graph:
    """A graph of ``bench_engine``: its leaves, for a Value class, and how to build it on them."""

    leaves: Callable[[type[Any]], list[Any]]
    build: Callable[[list[Any], Total], Any]


def chain_graph(steps: int) -> Graph:
    """The chain from one leaf, ``Value(0.5)``."""
    return Graph(lambda value: [value(0.5)], lambda inputs, _: chain(inputs[0], steps))


def wide_sum_graph(terms: int) -> Graph:
    """sum_i x_i * y_i over the leaves x then y."""

    def build(inputs: list[Any], total: Total) -> Any:
        return wide_sum(inputs[:terms], inputs[terms:], total)

    return Graph(lambda value: [x for xs in leaves(value, terms) for x in xs], build)


def graph_workload(name: str, graph: Graph, repeats: int,
                   micrograd: ModuleType | None) -> Workload:
    """micrograd (adding with ``+``) and ours (one n-ary sum) eager, ours replayed and compiling."""
    contenders = []
    if micrograd is not None:
        contenders.append(
            eager_graph(MICROGRAD, graph, micrograd.Value, builtins.sum, gc_modes=(True, False))
        )
    contenders += [eager_graph(EAGER, graph, Value, one_node_sum),
                   replayed_graph(graph), compiling_graph(graph)]
    return Workload(name, repeats, contenders, [MICROGRAD] if micrograd is None else [])


def eager_graph(engine: str, graph: Graph, value: type[Any], total: Total,
                gc_modes: tuple[bool, ...] = (True,)) -> Contender:
    """Each sample builds the graph on the same leaves and runs ``backward()``."""
    inputs = graph.leaves(value)

    def setup() -> Run:
        reset_grads(inputs)

        def run() -> float:
            root = graph.build(inputs, total)
            root.backward()
            return float(root.data)

        return run

    return Contender(engine, setup, grads_of(inputs), gc_modes)


def replayed_graph(graph: Graph) -> Contender:
    """The graph is compiled once; each sample replays it."""
    inputs = graph.leaves(Value)
    replay = compile_graph(graph.build(inputs, one_node_sum))

    def setup() -> Run:
        reset_grads(inputs)
        return replay

    return Contender(COMPILED, setup, grads_of(inputs))


def compiling_graph(graph: Graph) -> Contender:
    """Each sample compiles a graph built (off the clock) before it."""

    def setup() -> Run:
        root = graph.build(graph.leaves(Value), one_node_sum)
        return lambda: compile_graph(root).root.data

    return Contender(COMPILE, setup)


def reset_grads(values: Sequence[Any]) -> None:
    """Zero the gradients (off the clock), so samples never pile them up."""
    for value in values:
        value.grad = 0.0


def grads_of(values: Sequence[Any]) -> Readout:
    return lambda: [float(value.grad) for value in values]


# ---------------------------------------------------------------------------
# The training step: MLP(2, [16, 16, 1]) on moons, hinge loss + L2, SGD


@dataclass(frozen=True)
class Problem:
    """What every engine trains on, and where it starts."""

    points: list[list[float]]
    labels: list[int]  # ±1
    widths: tuple[int, int]
    start: list[float]  # the parameters of MLP(2, [*widths, 1], seed=SEED), in its order

    @property
    def nouts(self) -> list[int]:
        return [*self.widths, 1]


def make_problem(sizes: Sizes) -> Problem:
    """The moons, their ±1 labels, and our MLP's starting weights."""
    points, labels = make_moons(sizes.points, noise=NOISE, seed=SEED)
    model = MLP(2, [*sizes.widths, 1], seed=SEED)
    start = [p.data for p in model.parameters()]
    return Problem(points, to_plus_minus(labels), sizes.widths, start)


def restore(parameters: Sequence[Any], values: Sequence[float]) -> None:
    """Put the starting weights back (off the clock), so every sample does the same step."""
    for parameter, value in zip(parameters, values):
        parameter.data = value


def our_steps(problem: Problem) -> list[Contender]:
    """Ours eager, ours compiled (compiled once, here), and compiling on its own."""
    model = MLP(2, problem.nouts, seed=SEED)
    parameters = model.parameters()
    optimizer = SGD(parameters, lr=LR)

    def loss() -> Value:
        return batch_loss(model, problem.points, problem.labels, hinge_loss, ALPHA)[0]

    def eager() -> float:
        value = loss()
        optimizer.zero_grad()
        value.backward()
        optimizer.step()
        return value.data

    restore(parameters, problem.start)
    graph = compile_graph(loss())

    def compiled() -> float:
        optimizer.zero_grad()
        value = graph()
        optimizer.step()
        return value

    def from_start(step: Run) -> Setup:
        def setup() -> Run:
            restore(parameters, problem.start)
            return step

        return setup

    def compiling() -> Run:
        restore(parameters, problem.start)
        root = loss()
        return lambda: compile_graph(root).root.data

    readout = grads_of(parameters)
    return [Contender(EAGER, from_start(eager), readout),
            Contender(COMPILED, from_start(compiled), readout),
            Contender(COMPILE, compiling)]


def micrograd_step(micrograd: ModuleType, problem: Problem, samples: int) -> Contender:
    """micrograd's MLP, trained as in its demo notebook; timed with the collector on and off."""
    model = micrograd.MLP(2, problem.nouts)

    def step() -> float:
        inputs = [list(map(micrograd.Value, row)) for row in problem.points]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(problem.labels, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        model.zero_grad()
        total_loss.backward()
        for p in model.parameters():
            p.data -= LR * p.grad
        return float(total_loss.data)

    def setup() -> Run:
        restore(model.parameters(), problem.start)
        return step

    return Contender(MICROGRAD, setup, grads_of(model.parameters()), (True, False), samples)


def floor_step(problem: Problem) -> Contender:
    """The hand-written float implementation: the same step with no graph."""
    floor = HandwrittenMLP(Weights.from_flat(problem.start, problem.widths))

    def step() -> float:
        return floor.step(problem.points, problem.labels, ALPHA, LR)

    def setup() -> Run:
        floor.weights = Weights.from_flat(problem.start, problem.widths)
        return step

    def readout() -> list[float]:
        start = HandwrittenMLP(Weights.from_flat(problem.start, problem.widths))
        return start.loss_and_gradients(problem.points, problem.labels, ALPHA)[1].flat()

    return Contender(FLOOR, setup, readout)


def torch_step(torch: ModuleType, problem: Problem) -> Contender:
    """PyTorch on float64 tensors: the same network as three weight matrices and biases."""
    weights = Weights.from_flat(problem.start, problem.widths)
    start = [
        [weights.first, weights.first_bias],
        [weights.second, weights.second_bias],
        [[weights.output], [weights.output_bias]],
    ]
    layers = [[torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in layer]
              for layer in start]
    parameters = [p for layer in layers for p in layer]
    points = torch.tensor(problem.points, dtype=torch.float64)
    labels = torch.tensor(problem.labels, dtype=torch.float64)

    def step() -> float:
        for p in parameters:
            p.grad = None
        h = points
        for k, (w, b) in enumerate(layers):
            h = h @ w.T + b
            h = torch.relu(h) if k < len(layers) - 1 else h.squeeze(1)
        loss = torch.relu(1.0 - labels * h).mean() + ALPHA * sum((p * p).sum() for p in parameters)
        loss.backward()
        with torch.no_grad():
            for p in parameters:
                p -= LR * p.grad
        return float(loss.item())

    def setup() -> Run:
        with torch.no_grad():
            for p, values in zip(parameters, (x for layer in start for x in layer)):
                p.copy_(torch.tensor(values, dtype=torch.float64))
        return step

    def readout() -> list[float]:
        rows = [torch.cat([w.grad, b.grad[:, None]], dim=1).flatten() for w, b in layers]
        return [float(x) for x in torch.cat(rows).tolist()]

    return Contender(TORCH, setup, readout)


def step_workload(problem: Problem, sizes: Sizes, repeats: int, micrograd: ModuleType | None,
                  torch: ModuleType | None) -> Workload:
    """Every engine's training step, and compiling it."""
    contenders = []
    if micrograd is not None:
        contenders.append(micrograd_step(micrograd, problem, sizes.micrograd_step_repeats))
    contenders += [*our_steps(problem), floor_step(problem)]
    if torch is not None:
        contenders.append(torch_step(torch, problem))
    return Workload(step_name(sizes), repeats, contenders, missing(micrograd, torch))


def step_name(sizes: Sizes) -> str:
    return f"training step, {sizes.points:,} points"


def missing(micrograd: ModuleType | None, torch: ModuleType | None) -> list[str]:
    """The optional engines that are not installed."""
    return [name for name, module in ((MICROGRAD, micrograd), (TORCH, torch)) if module is None]


# ---------------------------------------------------------------------------
# Batch compile: the float replay compiling a wide model's batch loss


def batch_compile_workload(sizes: Sizes) -> Workload:
    """One eager step (build the loss, backward) against compiling the built loss."""
    points, labels = make_moons(sizes.batch_points, noise=NOISE, seed=SEED)
    targets = to_plus_minus(labels)
    model = MLP(2, [*sizes.batch_widths, 1], seed=SEED)

    def loss() -> Value:
        return batch_loss(model, points, targets, hinge_loss, ALPHA)[0]

    def eager() -> Run:
        model.zero_grad()

        def run() -> float:
            value = loss()
            value.backward()
            return value.data

        return run

    def compiling() -> Run:
        root = loss()
        return lambda: compile_graph(root).root.data

    contenders = [Contender(EAGER, eager), Contender(COMPILE, compiling)]
    return Workload(batch_compile_name(sizes), sizes.batch_repeats, contenders)


def batch_compile_name(sizes: Sizes) -> str:
    widths = ", ".join(map(str, sizes.batch_widths))
    return f"batch compile, MLP(2, [{widths}, 1]), {sizes.batch_points:,} points"


# ---------------------------------------------------------------------------
# fit: 100 epochs


def our_fit(problem: Problem, epochs: int, compile: bool) -> Contender:
    """``fit`` a fresh MLP (made off the clock) for ``epochs`` full-batch epochs."""

    def setup() -> Run:
        model = MLP(2, problem.nouts, seed=SEED)
        optimizer = SGD(model.parameters(), lr=LR)

        def run() -> float:
            history = fit(model, problem.points, problem.labels, loss=hinge_loss,
                          optimizer=optimizer, epochs=epochs, l2=ALPHA, progress=False,
                          compile=compile)
            return history.loss[-1]

        return run

    return Contender(COMPILED if compile else EAGER, setup)


def repeated(step: Contender, times: int) -> Contender:
    """``times`` steps of an engine from the starting weights; returns the last step's loss."""

    def setup() -> Run:
        run = step.setup()
        return lambda: [run() for _ in range(times)][-1]

    return Contender(step.engine, setup)


def fit_workload(problem: Problem, sizes: Sizes, micrograd: ModuleType | None,
                 torch: ModuleType | None) -> Workload:
    """fit eager and compiled, and as many steps of the floor (and PyTorch); micrograd estimated."""
    contenders = [our_fit(problem, sizes.epochs, compile=False),
                  our_fit(problem, sizes.epochs, compile=True),
                  repeated(floor_step(problem), sizes.epochs)]
    if torch is not None:
        contenders.append(repeated(torch_step(torch, problem), sizes.epochs))
    return Workload(fit_name(sizes), sizes.fit_repeats, contenders, missing(micrograd, torch))


def fit_name(sizes: Sizes) -> str:
    return f"fit, {sizes.epochs:,} epochs"


# ---------------------------------------------------------------------------
# Measuring


def warm_up(workload: Workload) -> list[str]:
    """Run every engine once, untimed, and check that it agrees with ours, eager.

    Returns one line per engine compared; raises RuntimeError if one disagrees.
    """
    results = {c.engine: (c.setup()(), c.readout() if c.readout else None)
               for c in workload.contenders}
    value, grads = results[EAGER]
    lines = []
    for engine, (other_value, other_grads) in results.items():
        if engine in (EAGER, COMPILE):  # compiling computes nothing new
            continue
        value_error = abs(other_value - value) / max(abs(value), 1e-300)
        grad_error = max_difference(grads, other_grads)
        problem = value_error > LOSS_TOLERANCE or grad_error > GRADIENT_TOLERANCE
        shown = f"output {value_error:.1e} relative" + (
            "" if other_grads is None else f", gradients {grad_error:.1e}")
        line = f"{workload.name}: {engine} agrees with {EAGER}: {shown}"
        if problem:
            raise RuntimeError(line.replace("agrees", "DISAGREES"))
        lines.append(line)
    return lines


def max_difference(expected: list[float] | None, actual: list[float] | None) -> float:
    """The largest gradient difference, relative above 1 (0.0 when there is nothing to compare)."""
    if expected is None or actual is None:
        return 0.0
    if len(expected) != len(actual):
        return float("inf")
    return max((abs(a - e) / max(1.0, abs(e)) for e, a in zip(expected, actual)), default=0.0)


def sampled_rounds(samples: int | None, rounds: int) -> set[int]:
    """The rounds in which a contender is timed: all, or ``samples`` of them spread evenly."""
    if samples is None or samples >= rounds:
        return set(range(rounds))
    return {i * rounds // samples for i in range(samples)}


def time_workload(workload: Workload) -> dict[Key, list[float]]:
    """Seconds of every sample, the engines taken in turn, round after round."""
    schedule = [sampled_rounds(c.samples, workload.rounds) for c in workload.contenders]
    samples: dict[Key, list[float]] = {}
    for round_ in range(workload.rounds):
        for contender, rounds in zip(workload.contenders, schedule):
            if round_ not in rounds:
                continue
            # Swap the GC modes' order every round, so neither always runs first.
            modes = contender.gc_modes if round_ % 2 else contender.gc_modes[::-1]
            for gc_enabled in modes:
                key = (workload.name, contender.engine, gc_enabled)
                samples.setdefault(key, []).append(time_run(contender.setup(), gc_enabled))
    return samples


# ---------------------------------------------------------------------------
# Reporting


@dataclass(frozen=True)
class Timing:
    """A median and how many samples it is of (0 for an estimate)."""

    seconds: float
    samples: int


def medians(samples: dict[Key, list[float]]) -> dict[Key, Timing]:
    return {key: Timing(statistics.median(times), len(times)) for key, times in samples.items()}


def estimate_micrograd_fit(timings: dict[Key, Timing], sizes: Sizes) -> None:
    """micrograd's fit, as ``epochs`` of its median steps (GC on and off); not run."""
    for gc_enabled in (True, False):
        median = timings.get((step_name(sizes), MICROGRAD, gc_enabled))
        if median is not None:
            timings[fit_name(sizes), MICROGRAD, gc_enabled] = Timing(
                sizes.epochs * median.seconds, 0
            )


def ratio_cell(baseline: Timing | None, timing: Timing) -> str:
    return "-" if baseline is None else f"{baseline.seconds / timing.seconds:.1f}x"


def engine_label(engine: str, timing: Timing, epochs: int) -> str:
    if timing.samples:
        return engine
    return f"{engine} ({epochs} x median step, estimated)"


def median_table(sections: list[Section], timings: dict[Key, Timing], epochs: int) -> str:
    """Every median, with how many times faster it is than micrograd (GC on) and ours, eager.

    Engines that are not installed get a row saying so.
    """
    rows = []
    for section in sections:
        engines = [MICROGRAD] if (section.name, MICROGRAD, True) in timings else []
        engines += [engine for engine in section.engines if engine != MICROGRAD]
        for engine in engines:
            for gc_enabled in (True, False):
                timing = timings.get((section.name, engine, gc_enabled))
                if timing is not None:
                    key = (section.name, engine, gc_enabled)
                    rows.append(median_row(key, engine_label(engine, timing, epochs), timings))
        rows += [[section.name, engine, "-", NOT_INSTALLED, "-", "-", "-"]
                 for engine in section.missing]
    header = ["workload", "engine", "GC", "median (ms)", "samples",
              "speed-up over micrograd", "speed-up over eager"]
    return markdown_table(header, rows)


def median_row(key: Key, label: str, timings: dict[Key, Timing]) -> list[str]:
    """One row of the median table; compile time is shown as a number of eager runs."""
    workload, engine, gc_enabled = key
    timing = timings[key]
    micrograd = timings.get((workload, MICROGRAD, True))
    eager = timings[workload, EAGER, True]
    if engine == COMPILE:
        ratios = ["-", f"costs {timing.seconds / eager.seconds:.1f} eager"]
    else:
        ratios = [ratio_cell(micrograd, timing), ratio_cell(eager, timing)]
    gc_mode = "on" if gc_enabled else "off"
    samples = str(timing.samples or "-")
    return [workload, label, gc_mode, milliseconds(timing.seconds), samples, *ratios]


@dataclass(frozen=True)
class Target:
    """A goal: ``numerator / denominator`` at least (or at most) ``limit``."""

    goal: str
    workload: str
    numerator: str
    denominator: str
    limit: float
    at_least: bool = True
    unit: str = "x"


def targets(step: str, fit_name: str, batch: str) -> list[Target]:
    """The targets, all with the collector on, as users run it."""
    return [
        Target("compiled step >= 300x faster than micrograd's", step, MICROGRAD, COMPILED, 300),
        Target("compiled step <= 1.2x the hand-written floor", step, COMPILED, FLOOR, 1.2,
               at_least=False),
        Target("compiled step >= 5x faster than eager", step, EAGER, COMPILED, 5),
        Target("eager step >= 30x faster than micrograd's", step, MICROGRAD, EAGER, 30),
        Target("compile time <= 10 eager steps", step, COMPILE, EAGER, 10, at_least=False,
               unit=" eager steps"),
        Target("fit >= 5x faster compiled (compile included)", fit_name, EAGER, COMPILED, 5),
        Target("batch compile <= 3 eager steps", batch, COMPILE, EAGER, 3, at_least=False,
               unit=" eager steps"),
    ]


def target_table(goals: list[Target], timings: dict[Key, Timing]) -> str:
    """Each target with its measured ratio and PASS or MISS (or why it could not be measured)."""
    rows = []
    for target in goals:
        top = timings.get((target.workload, target.numerator, True))
        bottom = timings.get((target.workload, target.denominator, True))
        if top is None or bottom is None:
            missing = target.numerator if top is None else target.denominator
            rows.append([target.goal, f"{missing}: {NOT_INSTALLED}", "-"])
            continue
        ratio = top.seconds / bottom.seconds
        passed = ratio >= target.limit if target.at_least else ratio <= target.limit
        rows.append([target.goal, f"{ratio:.2f}{target.unit}", "PASS" if passed else "MISS"])
    return markdown_table(["target (GC on)", "measured", "result"], rows)


def versions(torch: ModuleType | None, sizes: Sizes) -> str:
    """PyTorch's version and the sample counts that differ from the rest."""
    torch_version = getattr(torch, "__version__", NOT_INSTALLED)
    return "\n".join([
        f"- PyTorch {torch_version}",
        f"- micrograd's training step: {sizes.micrograd_step_repeats} samples with the collector"
        f" on, as many off; each fit: {sizes.fit_repeats} samples",
    ])


# ---------------------------------------------------------------------------
# Entry point


def load_optional(name: str) -> ModuleType | None:
    """The module, or None when it is not installed (PyTorch is never a dependency)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def micrograd_recursion_depth(sizes: Sizes, parameters: int) -> int:
    """A recursion limit for micrograd's recursive topological sort: it recurses once per node
    on the longest path, which is a ``+`` chain: the wide sum's, or the L2 term's."""
    longest = max(3 * sizes.chain_steps, 2 * sizes.sum_terms, 2 * parameters + 2 * sizes.points)
    return 2 * longest + 1_000


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its markdown tables; returns the exit status."""
    arguments = parse_arguments(argv, __doc__)
    sizes = QUICK if arguments.quick else FULL
    repeats = arguments.repeats or sizes.repeats
    micrograd = load_optional("micrograd.nn")
    torch = load_optional("torch")
    problem = make_problem(sizes)
    makers: list[Callable[[], Workload]] = [
        partial(graph_workload, f"chain, {sizes.chain_steps:,} steps",
                chain_graph(sizes.chain_steps), repeats, micrograd),
        partial(graph_workload, f"wide sum, {sizes.sum_terms:,} terms",
                wide_sum_graph(sizes.sum_terms), repeats, micrograd),
        partial(step_workload, problem, sizes, repeats, micrograd, torch),
        partial(fit_workload, problem, sizes, micrograd, torch),
        partial(batch_compile_workload, sizes),
    ]
    samples: dict[Key, list[float]] = {}
    agreement, sections = [], []
    with recursion_limit(micrograd_recursion_depth(sizes, len(problem.start))):
        for make in makers:
            # Made here and dropped after its turn, so that no graph of one workload
            # is left alive, for the collector to walk, while the next is timed.
            workload = make()
            agreement += warm_up(workload)
            samples.update(time_workload(workload))
            sections.append(workload.section())
            del workload
    timings = medians(samples)
    estimate_micrograd_fit(timings, sizes)
    print(machine_description(micrograd is not None, repeats))
    print(versions(torch, sizes))
    print()
    print("\n".join(f"- {line}" for line in agreement))
    print()
    print(median_table(sections, timings, sizes.epochs))
    print()
    goals = targets(step_name(sizes), fit_name(sizes), batch_compile_name(sizes))
    print(target_table(goals, timings))
    if micrograd is None:
        print()
        print(INSTALL_HINT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
