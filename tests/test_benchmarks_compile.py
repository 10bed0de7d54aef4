"""The compiler benchmark runs and prints its tables (quick mode; no timing assertions),
and its hand-written float floor computes the engine's loss and gradients."""

from __future__ import annotations

import importlib
import importlib.util
import math
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from autograd_scalar.data import make_moons, to_plus_minus
from autograd_scalar.losses import hinge_loss
from autograd_scalar.nn import MLP
from autograd_scalar.optim import SGD
from autograd_scalar.train import batch_loss

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPT = BENCHMARKS / "bench_compile.py"
SCRIPT_MODULES = ("bench_compile", "bench_engine", "handwritten_mlp")
ALPHA, LR = 1e-4, 0.1


def tables(output: str) -> dict[str, list[list[str]]]:
    """Every markdown table printed, by the name of its first column: its body rows, as cells."""
    found = {}
    for block in output.split("\n\n"):
        lines = [line for line in block.splitlines() if line.startswith("|")]
        if lines:
            header, _, *body = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
            found[header[0]] = body
    return found


def without_sizes(workload: str) -> str:
    """'chain, 20 steps' -> 'chain'."""
    return re.sub(r", MLP\(.*\)|, [\d,]+ (steps|terms|points|epochs)", "", workload)


def installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


@pytest.fixture(scope="module")
def quick_run() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=BENCHMARKS.parent,
    )


@pytest.fixture
def scripts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Lets the test import the modules in benchmarks/ (not a package), and forgets them after."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    yield
    for name in SCRIPT_MODULES:
        sys.modules.pop(name, None)


@pytest.fixture
def handwritten(scripts: None) -> ModuleType:
    """The floor's module."""
    return importlib.import_module("handwritten_mlp")


@pytest.fixture
def benchmark(scripts: None) -> ModuleType:
    """The benchmark script, as a module."""
    return importlib.import_module("bench_compile")


def test_quick_run_exits_zero(quick_run: subprocess.CompletedProcess[str]) -> None:
    assert quick_run.returncode == 0, quick_run.stderr


def test_median_table_has_every_engine_of_every_workload(
    quick_run: subprocess.CompletedProcess[str],
) -> None:
    rows = tables(quick_run.stdout)["workload"]
    seen = [(without_sizes(row[0]), row[1].split(" (")[0], row[2]) for row in rows]
    # micrograd comes first, PyTorch after ours; an engine that is not installed comes
    # last, in a row of its own marked "-" in the GC column.
    micrograd = [("micrograd", "on"), ("micrograd", "off")] if installed("micrograd") else []
    torch = [("PyTorch float64", "on")] if installed("torch") else []
    missing = [(name, "-") for name, module in (("micrograd", "micrograd"),
                                                ("PyTorch float64", "torch"))
               if not installed(module)]
    ours = [("ours, eager", "on"), ("ours, compiled", "on")]
    compiling, floor = ("compile_graph, once", "on"), ("hand-written floats", "on")
    no_micrograd = [row for row in missing if row[0] == "micrograd"]
    engines = {
        "chain": [*micrograd, *ours, compiling, *no_micrograd],
        "wide sum": [*micrograd, *ours, compiling, *no_micrograd],
        "training step": [*micrograd, *ours, compiling, floor, *torch, *missing],
        "fit": [*micrograd, *ours, floor, *torch, *missing],
        "batch compile": [("ours, eager", "on"), compiling],
    }
    assert seen == [(workload, *row) for workload, rows in engines.items() for row in rows]


def test_missing_engines_are_reported_as_not_installed(
    quick_run: subprocess.CompletedProcess[str],
) -> None:
    rows = tables(quick_run.stdout)["workload"]
    torch_rows = [row for row in rows if row[1] == "PyTorch float64"]
    assert len(torch_rows) == 2  # the training step and the fit
    if not installed("torch"):
        assert all(row[3] == "not installed" for row in torch_rows)


def test_target_table_judges_every_target(quick_run: subprocess.CompletedProcess[str]) -> None:
    rows = tables(quick_run.stdout)["target (GC on)"]
    assert [row[0] for row in rows] == [
        "compiled step >= 300x faster than micrograd's",
        "compiled step <= 1.2x the hand-written floor",
        "compiled step >= 5x faster than eager",
        "eager step >= 30x faster than micrograd's",
        "compile time <= 10 eager steps",
        "fit >= 5x faster compiled (compile included)",
        "batch compile <= 3 eager steps",
    ]
    expected = {"PASS", "MISS"} if installed("micrograd") else {"PASS", "MISS", "-"}
    assert {row[2] for row in rows} <= expected


def test_warm_up_checks_the_floor_and_the_replay_against_eager(
    quick_run: subprocess.CompletedProcess[str],
) -> None:
    for engine in ("hand-written floats", "ours, compiled"):
        line = f"training step, 10 points: {engine} agrees with ours, eager"
        assert line in quick_run.stdout


def test_without_micrograd_it_says_so_and_how_to_install_it(
    benchmark: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, "micrograd", None)  # makes ``import micrograd`` fail
    monkeypatch.setitem(sys.modules, "micrograd.nn", None)

    assert benchmark.main(["--quick", "--repeats", "1"]) == 0

    output = capsys.readouterr().out
    rows = tables(output)["workload"]
    assert [without_sizes(row[0]) for row in rows if row[1] == "micrograd"] == [
        "chain", "wide sum", "training step", "fit"
    ]
    assert all(row[3] == "not installed" for row in rows if row[1] == "micrograd")
    targets = tables(output)["target (GC on)"]
    assert [row[1] for row in targets if "micrograd" in row[0]] == ["micrograd: not installed"] * 2
    assert 'pip install -e ".[bench]"' in output


def test_slow_engines_samples_are_spread_over_the_rounds(benchmark: ModuleType) -> None:
    assert benchmark.sampled_rounds(7, 21) == {0, 3, 6, 9, 12, 15, 18}
    assert benchmark.sampled_rounds(None, 4) == benchmark.sampled_rounds(9, 4) == {0, 1, 2, 3}


# ---------------------------------------------------------------------------
# The floor itself: a real check against the engine, not a timing


def engine_loss_and_gradients(model: MLP, points: Any, labels: Any) -> tuple[float, list[float]]:
    loss, _ = batch_loss(model, points, labels, hinge_loss, ALPHA)
    loss.backward()
    return loss.data, [p.grad for p in model.parameters()]


def moons(n: int) -> tuple[list[list[float]], list[int]]:
    points, labels = make_moons(n, noise=0.1, seed=0)
    return points, to_plus_minus(labels)


def dead_first_layer(model: MLP) -> None:
    for neuron in model.layers[0].neurons:
        neuron.b.data = -100.0  # every first-layer unit off for every point


def no_active_hinge(model: MLP) -> None:
    model.layers[-1].neurons[0].b.data = 100.0  # every score far above 1: no margin left...


def no_change(model: MLP) -> None:
    pass


@pytest.mark.parametrize("tweak", [no_change, dead_first_layer, no_active_hinge])
def test_floor_computes_the_engines_loss_and_gradients(
    handwritten: ModuleType, tweak: Any
) -> None:
    points, labels = moons(40)
    if tweak is no_active_hinge:
        labels = [1] * len(points)  # ...for labels that are all +1
    model = MLP(2, [16, 16, 1], seed=0)
    tweak(model)
    loss, gradients = engine_loss_and_gradients(model, points, labels)
    weights = handwritten.Weights.from_flat([p.data for p in model.parameters()], (16, 16))

    floor_loss, floor_gradients = handwritten.HandwrittenMLP(weights).loss_and_gradients(
        points, labels, ALPHA
    )

    assert math.isclose(floor_loss, loss, rel_tol=1e-12)
    assert len(floor_gradients.flat()) == len(gradients) == 337
    assert max(abs(a - b) for a, b in zip(floor_gradients.flat(), gradients)) <= 1e-9


def test_floor_step_matches_the_engines_sgd_step(handwritten: ModuleType) -> None:
    points, labels = moons(40)
    model = MLP(2, [16, 16, 1], seed=0)
    floor = handwritten.HandwrittenMLP(
        handwritten.Weights.from_flat([p.data for p in model.parameters()], (16, 16))
    )
    optimizer = SGD(model.parameters(), lr=LR)
    for _ in range(3):
        loss, _ = engine_loss_and_gradients(model, points, labels)
        optimizer.step()
        optimizer.zero_grad()

        floor_loss = floor.step(points, labels, ALPHA, LR)

        assert math.isclose(floor_loss, loss, rel_tol=1e-12)
    after = [p.data for p in model.parameters()]
    assert max(abs(a - b) for a, b in zip(floor.weights.flat(), after)) <= 1e-12


def test_weights_round_trip_through_the_engines_order(handwritten: ModuleType) -> None:
    values = [float(i) for i in range(4 * 3 + 3 * 5 + 4)]  # MLP(2, [4, 3, 1])
    weights = handwritten.Weights.from_flat(values, (4, 3))
    assert weights.first[1] == [3.0, 4.0] and weights.first_bias[1] == 5.0
    assert weights.output_bias == values[-1]
    assert weights.flat() == values
    with pytest.raises(ValueError, match="too many values"):
        handwritten.Weights.from_flat([*values, 0.0], (4, 3))
