"""Time fit's steady epoch with compile=True against PyTorch and the hand-written numpy floor.

Run it from the repository root::

    python benchmarks/bench_fit.py [--quick] [--repeats N] [--one-thread]

The workload is the moons MLP of ``bench_numpy.py``: ``MLP(2, [16, 16, 1])`` on 100
points of ``make_moons(100, noise=0.1, seed=0)`` with ±1 labels, the hinge loss plus
1e-4 · L2 of every parameter, SGD with lr 0.1, full batch, from the weights of
``MLP(2, [16, 16, 1], seed=0)``. It is measured as users run it:

* **ours**: ``fit(model, points, labels, loss=hinge_loss, optimizer=SGD(lr=0.1),
  l2=1e-4, epochs=E + 1, compile=True, progress=False)`` on a fresh model (made off
  the clock), and the same call with ``epochs=1`` (compiling, which happens in the
  first epoch, and that epoch). The steady epoch is the difference of their medians
  divided by E: everything ``fit`` does per epoch (the replay's step, the loss and
  accuracy it records, the history), without compiling;
* **hand-written numpy** (``handwritten_numpy_mlp.py``, the floor) and **PyTorch
  float64** eager (an ``nn.Sequential`` with ``torch.optim.SGD``, if installed): E
  steps in a row per sample, times per step.

By default every engine runs at its own default threads (numpy's BLAS and PyTorch one
thread per core), as users run them; ``--one-thread`` limits both to one, as
``bench_numpy.py`` does. Samples alternate engines, each time is a median (the
machinery of ``bench_compile.py``), the collector is on.
"""

from __future__ import annotations

import contextlib
import os
import platform
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from types import ModuleType

import numpy as np
import threadpoolctl
from bench_compile import (
    NOT_INSTALLED,
    TORCH,
    Key,
    Problem,
    Timing,
    Workload,
    load_optional,
    medians,
    our_fit,
    repeated,
    time_workload,
)
from bench_engine import markdown_table, parse_arguments
from bench_numpy import FLOOR, floor_step, moons_problem, torch_step

import autograd_scalar

FIT_EPOCHS, FIT_SETUP = "ours, fit(compile=True)", "ours, fit(compile=True), 1 epoch"
FIT_EPOCH = "ours, fit(compile=True), steady epoch"
WORKLOAD = "fit epoch, MLP(2, [16, 16, 1]), 100 points"


@dataclass(frozen=True)
class Sizes:
    """How big the workload is and how often it is timed."""

    points: int
    epochs: int  # per sample, for every engine
    repeats: int


FULL = Sizes(100, 500, 21)
QUICK = Sizes(10, 5, 3)


def fit_workload(problem: Problem, sizes: Sizes, torch: ModuleType | None,
                 one_thread: bool) -> Workload:
    """Ours with E + 1 epochs and with 1, and E steps of the floor and of PyTorch."""
    contenders = [replace(our_fit(problem, sizes.epochs + 1, compile=True), engine=FIT_EPOCHS),
                  replace(our_fit(problem, 1, compile=True), engine=FIT_SETUP),
                  repeated(floor_step(problem), sizes.epochs)]
    if torch is not None:
        contenders.append(repeated(torch_step(torch, problem, one_thread), sizes.epochs))
    return Workload(WORKLOAD, sizes.repeats, contenders, [] if torch is not None else [TORCH])


def per_epoch(timings: dict[Key, Timing], epochs: int) -> dict[str, float]:
    """Seconds per epoch or step of each engine; ours is E + 1 epochs less 1, over E."""
    found = {engine: timing.seconds / epochs for (_, engine, _), timing in timings.items()
             if engine not in (FIT_EPOCHS, FIT_SETUP)}
    whole, setup = timings[WORKLOAD, FIT_EPOCHS, True], timings[WORKLOAD, FIT_SETUP, True]
    found[FIT_EPOCH] = (whole.seconds - setup.seconds) / epochs
    return found


def epoch_table(seconds: dict[str, float], timings: dict[Key, Timing], missing: list[str]
                ) -> str:
    """Each engine's time per epoch (or step) and how many times ours is faster."""
    ours = seconds[FIT_EPOCH]
    rows = [[FIT_SETUP, f"{timings[WORKLOAD, FIT_SETUP, True].seconds * 1e3:,.1f} ms", "-"]]
    for engine in (FIT_EPOCH, FLOOR, TORCH):
        if engine in seconds:
            rows.append([engine, f"{seconds[engine] * 1e6:,.1f} µs",
                         f"{seconds[engine] / ours:.2f}x"])
    rows += [[engine, NOT_INSTALLED, "-"] for engine in missing]
    return markdown_table(["engine", "median per epoch (step)", "its time / ours"], rows)


def target_table(seconds: dict[str, float]) -> str:
    """fit's epoch >= 4x faster than PyTorch's step, and <= 1.5x the floor's."""
    ours = seconds[FIT_EPOCH]
    rows = []
    if TORCH in seconds:
        ratio = seconds[TORCH] / ours
        rows.append(["fit epoch >= 4x faster than PyTorch float64", f"{ratio:.2f}x",
                     "PASS" if ratio >= 4 else "MISS"])
    else:
        rows.append(["fit epoch >= 4x faster than PyTorch float64", NOT_INSTALLED, "-"])
    ratio = ours / seconds[FLOOR]
    rows.append(["fit epoch <= 1.5x the hand-written numpy floor", f"{ratio:.2f}x",
                 "PASS" if ratio <= 1.5 else "MISS"])
    return markdown_table(["target", "measured", "result"], rows)


def description(torch: ModuleType | None, sizes: Sizes, one_thread: bool) -> str:
    """Where and with what the numbers were taken."""
    blas = ", ".join(f"{pool['internal_api']} {pool['version']} ({pool['num_threads']} "
                     f"thread{'s' if pool['num_threads'] != 1 else ''})"
                     for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas")
    torch_threads = "-" if torch is None else f"{torch.get_num_threads()} thread(s)"
    return "\n".join([
        f"- platform: {platform.platform()}, {os.cpu_count()} CPUs",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        f"- autograd_scalar {autograd_scalar.__version__}, numpy {np.__version__}, PyTorch "
        f"{NOT_INSTALLED if torch is None else torch.__version__}",
        f"- threads: {'one per engine' if one_thread else 'defaults'}; numpy's BLAS: "
        f"{blas or 'none found'}; PyTorch {torch_threads}",
        f"- medians of {sizes.repeats} alternated samples of {sizes.epochs} epochs (steps)"
        f" each, after one warm-up round",
    ])


@contextlib.contextmanager
def threads(one_thread: bool) -> Iterator[None]:
    """numpy's BLAS on one thread with ``one_thread``, else as it is."""
    if not one_thread:
        yield
        return
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        yield


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its markdown tables; returns the exit status."""
    arguments = parse_arguments(argv, __doc__, {
        "--one-thread": "numpy's BLAS and PyTorch on one thread each"})
    sizes = QUICK if arguments.quick else FULL
    if arguments.repeats:
        sizes = Sizes(sizes.points, sizes.epochs, arguments.repeats)
    torch = load_optional("torch")
    with threads(arguments.one_thread):
        workload = fit_workload(moons_problem(sizes.points, (16, 16)), sizes, torch,
                                arguments.one_thread)
        time_workload(Workload(workload.name, 1, workload.contenders))  # warm-up round
        timings = medians(time_workload(workload))
        print(description(torch, sizes, arguments.one_thread))
    seconds = per_epoch(timings, sizes.epochs)
    print()
    print(epoch_table(seconds, timings, workload.missing))
    print()
    print(target_table(seconds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
