"""The numpy replay benchmark runs and prints its tables (quick mode; no timing assertions),
and its hand-written numpy floor computes the engine's loss and gradients."""

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

import numpy as np
import pytest

from autograd_scalar.data import make_moons, to_plus_minus
from autograd_scalar.losses import hinge_loss
from autograd_scalar.nn import MLP
from autograd_scalar.optim import SGD
from autograd_scalar.train import batch_loss

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPT = BENCHMARKS / "bench_numpy.py"
SCRIPT_MODULES = ("bench_numpy", "bench_compile", "bench_engine", "handwritten_mlp",
                  "handwritten_numpy_mlp")
ALPHA, LR = 1e-4, 0.1

EAGER, NUMPY, FLOAT = "ours, eager", "ours, numpy replay", "ours, float replay"
NUMPY_STEP = "ours, numpy g.step(optimizer)"
COMPILING, FIT_COMPILED = 'compile_graph(backend="numpy"), once', "ours, compile=True"
FLOOR, TORCH, JAX = "hand-written numpy", "PyTorch float64", "JAX jit float64"
MOONS, WIDE = "MLP(2, [16, 16, 1]) step", "MLP(2, [8, 8, 1]) step"  # the quick sizes


def tables(output: str) -> dict[str, list[list[str]]]:
    """Every markdown table printed, by the name of its first column: its body rows, as cells."""
    found = {}
    for block in output.split("\n\n"):
        lines = [line for line in block.splitlines() if line.startswith("|")]
        if lines:
            header, _, *body = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
            found[header[0]] = body
    return found


def without_size(workload: str) -> str:
    """'MLP(2, [8, 8, 1]) step, 20 points' -> 'MLP(2, [8, 8, 1]) step'."""
    return re.sub(r", [\d,]+ (points|epochs)$", "", workload)


def installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def optional_rows(present: bool, engine: str) -> tuple[list[str], list[str]]:
    """An optional engine's place in the median table: after ours if it ran, else at the end."""
    return ([engine], []) if present else ([], [engine])


@pytest.fixture(scope="module")
def quick_run() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=BENCHMARKS.parent,
    )


@pytest.fixture(scope="module")
def quick_tables(quick_run: subprocess.CompletedProcess[str]) -> dict[str, list[list[str]]]:
    return tables(quick_run.stdout)


@pytest.fixture
def scripts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Lets the test import the modules in benchmarks/ (not a package), and forgets them after."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    yield
    for name in SCRIPT_MODULES:
        sys.modules.pop(name, None)


@pytest.fixture
def floor(scripts: None) -> ModuleType:
    """The floor's module."""
    return importlib.import_module("handwritten_numpy_mlp")


@pytest.fixture
def benchmark(scripts: None) -> ModuleType:
    """The benchmark script, as a module."""
    return importlib.import_module("bench_numpy")


def test_quick_run_exits_zero(quick_run: subprocess.CompletedProcess[str]) -> None:
    assert quick_run.returncode == 0, quick_run.stderr


def test_median_table_has_every_engine_of_every_workload(
    quick_tables: dict[str, list[list[str]]],
) -> None:
    seen = [(without_size(row[0]), row[1]) for row in quick_tables["workload"]]
    torch, no_torch = optional_rows(installed("torch"), TORCH)
    jax, no_jax = optional_rows(installed("jax"), JAX)
    engines = {
        MOONS: [EAGER, NUMPY, NUMPY_STEP, FLOAT, FLOOR, *torch, *jax, *no_torch, *no_jax],
        WIDE: [EAGER, NUMPY, NUMPY_STEP, FLOAT, COMPILING] * 2,  # 20 points, then 40
        "fit": [EAGER, FIT_COMPILED],
    }
    assert seen == [(workload, engine) for workload, names in engines.items() for engine in names]


def test_engines_that_are_not_installed_say_so(
    quick_tables: dict[str, list[list[str]]],
) -> None:
    for engine, module in ((TORCH, "torch"), (JAX, "jax")):
        (row,) = [row for row in quick_tables["workload"] if row[1] == engine]
        assert (row[2] == "not installed") is not installed(module)


def test_every_time_and_ratio_is_a_number(quick_tables: dict[str, list[list[str]]]) -> None:
    ran = [row for row in quick_tables["workload"] if row[2] != "not installed"]
    for workload, engine, median, samples, over_eager, numpy_over_it in ran:
        assert float(median) > 0 and int(samples) >= 1, (workload, engine)
        if engine == COMPILING:
            assert re.fullmatch(r"costs [\d.]+ eager", over_eager)
        else:
            assert re.fullmatch(r"[\d.]+x", over_eager) and re.fullmatch(r"[\d.]+x", numpy_over_it)


def test_memory_table_has_eager_and_numpy_peaks_for_each_wide_size(
    quick_tables: dict[str, list[list[str]]],
) -> None:
    rows = quick_tables["peak memory of one step"]
    assert [row[0] for row in rows] == [f"{WIDE}, 20 points", f"{WIDE}, 40 points"]
    for _, eager, numpy, ratio in rows:
        assert float(eager) > 0 and float(numpy) > 0 and ratio.endswith("x")


def test_target_table_judges_every_target(quick_tables: dict[str, list[list[str]]]) -> None:
    rows = quick_tables["target (GC on)"]
    assert [row[0] for row in rows] == [
        "numpy replay >= 4x faster than PyTorch eager",
        "numpy replay <= 1.5x the hand-written numpy floor",
        "numpy replay <= 3x JAX jit",
        "numpy replay >= 100x faster than float replay, 20 points",
        "numpy compile <= 3 eager steps, 20 points",
        "numpy replay >= 100x faster than float replay, 40 points",
        "numpy compile <= 3 eager steps, 40 points",
        "fit >= 20x faster with compile=True (compile included)",
    ]
    judged = {"torch": rows[0], "jax": rows[2]}
    for module, row in judged.items():
        assert row[2] in ({"PASS", "MISS"} if installed(module) else {"-"}), row
    assert {row[2] for row in rows if row not in judged.values()} <= {"PASS", "MISS"}


def test_warm_up_checks_every_engine_against_eager(
    quick_run: subprocess.CompletedProcess[str],
) -> None:
    optional = [name for name, module in ((TORCH, "torch"), (JAX, "jax")) if installed(module)]
    checked = {
        f"{MOONS}, 10 points": [NUMPY, NUMPY_STEP, FLOAT, FLOOR, *optional],
        f"{WIDE}, 20 points": [NUMPY, NUMPY_STEP, FLOAT],
        f"{WIDE}, 40 points": [NUMPY, NUMPY_STEP, FLOAT],
        "fit, 3 epochs": [FIT_COMPILED],
    }
    lines = [line for line in quick_run.stdout.splitlines() if " agrees with " in line]
    expected = [f"- {workload}: {engine} agrees with {EAGER}: "
                for workload, engines in checked.items() for engine in engines]
    assert [line[: len(start)] for line, start in zip(lines, expected)] == expected
    assert len(lines) == len(expected)


def test_without_torch_and_jax_their_rows_say_not_installed(
    benchmark: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("torch", "jax"):
        monkeypatch.setitem(sys.modules, name, None)  # makes ``import torch`` fail

    assert benchmark.main(["--quick", "--repeats", "1"]) == 0

    output = tables(capsys.readouterr().out)
    missing = [row for row in output["workload"] if row[2] == "not installed"]
    assert [(without_size(row[0]), row[1]) for row in missing] == [(MOONS, TORCH), (MOONS, JAX)]
    targets = {row[0]: row[1:] for row in output["target (GC on)"]}
    assert targets["numpy replay >= 4x faster than PyTorch eager"] == [
        f"{TORCH}: not installed", "-"]
    assert targets["numpy replay <= 3x JAX jit"] == [f"{JAX}: not installed", "-"]


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
def test_numpy_floor_computes_the_engines_loss_and_gradients(
    floor: ModuleType, tweak: Any
) -> None:
    points, labels = moons(40)
    if tweak is no_active_hinge:
        labels = [1] * len(points)  # ...for labels that are all +1
    model = MLP(2, [16, 12, 1], seed=0)
    tweak(model)
    loss, gradients = engine_loss_and_gradients(model, points, labels)
    mlp = floor.NumpyMLP.from_flat([p.data for p in model.parameters()], (16, 12))

    floor_loss, floor_gradients = mlp.loss_and_gradients(
        np.array(points), np.array(labels, dtype=float), ALPHA
    )

    assert math.isclose(floor_loss, loss, rel_tol=1e-12)
    assert len(floor.flat(floor_gradients)) == len(gradients) == 16 * 3 + 12 * 17 + 13
    assert max(abs(a - b) for a, b in zip(floor.flat(floor_gradients), gradients)) <= 1e-9


def test_numpy_floor_step_matches_the_engines_sgd_step(floor: ModuleType) -> None:
    points, labels = moons(40)
    model = MLP(2, [16, 16, 1], seed=0)
    mlp = floor.NumpyMLP.from_flat([p.data for p in model.parameters()], (16, 16))
    optimizer = SGD(model.parameters(), lr=LR)
    for _ in range(3):
        loss, _ = engine_loss_and_gradients(model, points, labels)
        optimizer.step()
        optimizer.zero_grad()

        floor_loss = mlp.step(np.array(points), np.array(labels, dtype=float), ALPHA, LR)

        assert math.isclose(floor_loss, loss, rel_tol=1e-12)
    after = [p.data for p in model.parameters()]
    assert max(abs(a - b) for a, b in zip(floor.flat(mlp.layers), after)) <= 1e-12


def test_numpy_floor_reads_and_writes_the_engines_order(floor: ModuleType) -> None:
    values = [float(i) for i in range(4 * 3 + 3 * 5 + 4)]  # MLP(2, [4, 3, 1])
    mlp = floor.NumpyMLP.from_flat(values, (4, 3))
    (w1, b1), _, (w3, b3) = mlp.layers
    assert w1[1].tolist() == [3.0, 4.0] and b1[1] == 5.0
    assert w3.shape == (1, 3) and b3.tolist() == [values[-1]]
    assert floor.flat(mlp.layers) == values
    with pytest.raises(ValueError, match="do not fit an MLP"):
        floor.NumpyMLP.from_flat([*values, 0.0], (4, 3))
