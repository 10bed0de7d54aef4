"""fit and accuracy: convergence on small problems, the history, progress, and stopping safely."""

from __future__ import annotations

import math
import signal
from collections.abc import Sequence
from typing import Any

import pytest

from autograd_scalar import (
    MLP,
    SGD,
    Adam,
    Layer,
    Module,
    Neuron,
    Value,
    accuracy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    fit,
    hinge_loss,
    is_grad_enabled,
    make_blobs,
    make_circles,
    make_moons,
    make_xor,
    mse_loss,
    to_plus_minus,
)
from autograd_scalar import compile as compile_module
from autograd_scalar import train as train_module
from autograd_scalar.train import History, batch_loss

# ---------------------------------------------------------------------------
# convergence


def test_fit_separates_the_moons_with_the_hinge_loss_on_plus_minus_labels() -> None:
    X, y = make_moons(60, noise=0.1, seed=2)
    model = MLP(2, [12, 12, 1], seed=2)
    history = fit(model, X, to_plus_minus(y), loss=hinge_loss,
                  optimizer=Adam(model.parameters(), lr=0.03), epochs=80, progress=False)
    assert history.loss[-1] < 0.2 * history.loss[0]
    assert accuracy(model, X, y) >= 0.98


def test_fit_separates_the_circles_with_the_logistic_loss() -> None:
    X, y = make_circles(60, noise=0.05, seed=1)
    model = MLP(2, [8, 8, 1], seed=1)
    fit(model, X, y, loss=binary_cross_entropy_with_logits,
        optimizer=Adam(model.parameters(), lr=0.05), epochs=80, progress=False)
    assert accuracy(model, X, y) >= 0.95


def test_fit_learns_xor_with_the_default_optimizer() -> None:
    X, y = make_xor(40, seed=1)
    model = MLP(2, [8, 1], seed=3)
    fit(model, X, y, loss=binary_cross_entropy_with_logits, epochs=150, progress=False)
    assert accuracy(model, X, y) == 1.0


def test_fit_classifies_three_blobs_with_cross_entropy() -> None:
    X, y = make_blobs(45, centers=[[-2.0, 0.0], [2.0, 0.0], [0.0, 3.0]], cluster_std=0.5)
    model = MLP(2, [6, 3], seed=0)
    fit(model, X, y, loss=cross_entropy, optimizer=Adam(model.parameters(), lr=0.05),
        epochs=40, batch_size=15, progress=False)
    assert accuracy(model, X, y) >= 0.95


# ---------------------------------------------------------------------------
# the history and the training loop


def test_history_has_one_loss_and_accuracy_per_epoch() -> None:
    X, y = make_moons(20, seed=0)
    history = fit(MLP(2, [4, 1]), X, y, loss=binary_cross_entropy_with_logits, epochs=7,
                  progress=False)
    assert history.epochs == len(history.loss) == len(history.accuracy) == 7
    assert all(0.0 <= a <= 1.0 for a in history.accuracy)
    assert history.to_dict() == {
        "loss": history.loss, "accuracy": history.accuracy, "interrupted": False,
    }


def test_mini_batches_give_one_step_per_batch_and_are_reproducible() -> None:
    X, y = make_moons(23, seed=0)

    def train(seed: int) -> tuple[dict[str, float], int]:
        model = MLP(2, [4, 1], seed=0)
        optimizer = SGD(model.parameters(), lr=0.1)
        fit(model, X, y, loss=binary_cross_entropy_with_logits, optimizer=optimizer,
            epochs=3, batch_size=5, seed=seed, progress=False)
        return model.state_dict(), optimizer.steps

    weights, steps = train(seed=0)
    assert steps == 3 * 5  # 23 samples in batches of 5: 5 batches per epoch
    assert train(seed=0)[0] == weights
    assert train(seed=1)[0] != weights  # another seed shuffles the batches differently


def test_l2_adds_l2_times_the_sum_of_squared_parameters_to_the_loss() -> None:
    X, y = make_moons(10, seed=0)

    def first_loss(l2: float) -> float:
        model = MLP(2, [3, 1], seed=1)
        history = fit(model, X, y, loss=binary_cross_entropy_with_logits, epochs=1, l2=l2,
                      progress=False)
        return history.loss[0]

    squares = sum(w * w for w in MLP(2, [3, 1], seed=1).state_dict().values())
    assert first_loss(0.01) - first_loss(0.0) == pytest.approx(0.01 * squares, rel=1e-9)


def test_batch_loss_returns_the_loss_with_the_l2_term_and_the_predictions() -> None:
    model = Neuron(1, activation="linear")
    model.load_state_dict({"w.0": 2.0, "b": 1.0})
    loss, predictions = batch_loss(model, [[1.0], [-1.0]], [0.0, 0.0], mse_loss, l2=0.5)
    # predictions 3 and -1: mse (9 + 1) / 2 = 5; penalty 0.5 * (4 + 1) = 2.5
    assert [p.data for p in predictions if isinstance(p, Value)] == [3.0, -1.0]
    assert loss.data == 7.5


def train_twice(
    loss: Any, X: list[list[float]], y: Sequence[Any], batch_size: int | None, nouts: int = 1,
    backend: str = "python",
) -> tuple[tuple[History, list[float]], tuple[History, list[float]]]:
    """The same training run, eager and compiled: (history, final weights) of each."""
    runs = []
    for compiled in (False, backend):
        model = MLP(2, [8, nouts], seed=5)
        history = fit(
            model, X, y, loss=loss, optimizer=Adam(model.parameters(), lr=0.03), epochs=12,
            batch_size=batch_size, l2=1e-3, progress=False, compile=compiled,
        )
        runs.append((history, [p.data for p in model.parameters()]))
    return runs[0], runs[1]


@pytest.mark.parametrize("batch_size", [None, 16, 7])
@pytest.mark.parametrize("loss", [hinge_loss, binary_cross_entropy_with_logits, mse_loss])
def test_compiled_training_reports_the_same_history_and_weights_as_eager(
    loss: Any, batch_size: int | None
) -> None:
    X, y = make_moons(40, noise=0.2, seed=3)
    targets = to_plus_minus(y) if loss is hinge_loss else y
    (eager, eager_weights), (compiled, compiled_weights) = train_twice(loss, X, targets, batch_size)
    assert compiled.loss == eager.loss
    assert compiled.accuracy == eager.accuracy
    assert compiled_weights == eager_weights


@pytest.mark.parametrize("batch_size", [None, 16, 7])
@pytest.mark.parametrize("loss", [hinge_loss, binary_cross_entropy_with_logits, mse_loss])
def test_numpy_compiled_training_reports_eager_history_to_1e9(
    loss: Any, batch_size: int | None
) -> None:
    # Array code adds in another order (matrix products, sums over samples), so the
    # numbers agree to rounding, not bit for bit.
    X, y = make_moons(40, noise=0.2, seed=3)
    targets = to_plus_minus(y) if loss is hinge_loss else y
    (eager, eager_weights), (compiled, compiled_weights) = train_twice(
        loss, X, targets, batch_size, backend="numpy")
    assert compiled.loss == pytest.approx(eager.loss, rel=1e-9, abs=0.0)
    assert compiled.accuracy == eager.accuracy
    assert compiled_weights == pytest.approx(eager_weights, rel=1e-9, abs=1e-12)


def test_fit_compile_true_uses_the_numpy_replay_where_numpy_is_installed(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    used: list[str] = []
    original = compile_module.compile_graph

    def spy(root: Any, observe: Any = (), backend: str = "python") -> Any:
        used.append(backend)
        return original(root, observe, backend)

    monkeypatch.setattr(train_module, "compile_graph", spy)
    X, y = make_moons(12, seed=0)
    fit(MLP(2, [3, 1], seed=0), X, y, loss=mse_loss, epochs=2, progress=False, compile=True)
    assert used == ["numpy"]
    monkeypatch.setattr(train_module.importlib.util, "find_spec", lambda name: None)
    used.clear()
    fit(MLP(2, [3, 1], seed=0), X, y, loss=mse_loss, epochs=2, progress=False, compile=True)
    assert used == ["python"]


def test_fit_refuses_an_unknown_compile_backend() -> None:
    X, y = make_moons(12, seed=0)
    with pytest.raises(ValueError, match="compile must be True, False, 'numpy' or 'python'"):
        fit(MLP(2, [3, 1]), X, y, loss=mse_loss, epochs=1, progress=False, compile="jax")


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_compiled_full_batch_cross_entropy_matches_eager(backend: str) -> None:
    X, y = make_blobs(30, centers=3, seed=1)
    (eager, eager_weights), (compiled, compiled_weights) = train_twice(
        cross_entropy, X, y, None, nouts=3, backend=backend
    )
    # log_softmax subtracts the largest logit as a constant: the compiled graph
    # keeps the one it was built with, so the sums differ in the last bits.
    assert compiled.loss == pytest.approx(eager.loss, rel=1e-12)
    assert compiled_weights == pytest.approx(eager_weights, rel=1e-9, abs=1e-12)


def test_compiled_mini_batches_refuse_a_loss_that_cannot_take_value_targets() -> None:
    X, y = make_blobs(30, centers=3, seed=1)
    model = MLP(2, [4, 3], seed=0)
    with pytest.raises(ValueError, match="cross_entropy does not accept"):
        fit(model, X, y, loss=cross_entropy, batch_size=8, progress=False, compile=True)


# ---------------------------------------------------------------------------
# progress


def test_progress_false_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = make_moons(10)
    fit(MLP(2, [3, 1]), X, y, loss=binary_cross_entropy_with_logits, epochs=3, progress=False)
    assert capsys.readouterr() == ("", "")


def test_progress_bar_shows_loss_and_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = make_moons(10)
    fit(MLP(2, [3, 1]), X, y, loss=binary_cross_entropy_with_logits, epochs=3)
    bar = capsys.readouterr().err
    assert "3/3" in bar and "loss=" in bar and "accuracy=" in bar


# ---------------------------------------------------------------------------
# accuracy


def test_accuracy_with_one_output_counts_positive_outputs_as_class_one() -> None:
    model = Neuron(1, activation="linear")
    model.load_state_dict({"w.0": 1.0, "b": 0.0})
    X = [[2.0], [-1.0], [0.0], [3.0]]
    assert accuracy(model, X, [1, 0, 0, 1]) == 1.0  # an output of exactly 0 is class 0
    assert accuracy(model, X, [1, -1, -1, -1]) == 0.75  # ±1 labels work the same way


def test_accuracy_with_several_outputs_compares_the_largest_with_the_label() -> None:
    layer = Layer(1, 3, activation="linear")
    layer.load_state_dict({**layer.state_dict(), "neurons.0.w.0": 1.0, "neurons.1.w.0": -1.0,
                           "neurons.2.w.0": 0.5})
    layer.load_state_dict({**layer.state_dict(), **{f"neurons.{k}.b": 0.0 for k in range(3)}})
    # input 2 gives (2, -2, 1): class 0; input -1 gives (-1, 1, -0.5): class 1
    assert accuracy(layer, [[2.0], [-1.0]], [0, 1]) == 1.0
    assert accuracy(layer, [[2.0], [-1.0]], [0, 2]) == 0.5


def test_accuracy_evaluates_without_building_a_graph() -> None:
    class Recorder(Module):
        def __init__(self) -> None:
            self.grad_enabled: list[bool] = []

        def forward(self, x: Sequence[float]) -> Value:
            self.grad_enabled.append(is_grad_enabled())
            return Value(x[0])

    model = Recorder()
    accuracy(model, [[1.0], [-1.0]], [1, 0])
    assert model.grad_enabled == [False, False]


# ---------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"X": [[0.0, 0.0]] * 3, "y": [0, 1]}, "3 samples but 2 targets"),
        ({"X": [], "y": []}, "no samples"),
        ({"epochs": -1}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
    ],
)
def test_bad_fit_arguments_raise_value_error(arguments: dict[str, Any], message: str) -> None:
    X, y = make_moons(10)
    options: dict[str, Any] = {"X": X, "y": y, **arguments}
    with pytest.raises(ValueError, match=message):
        fit(MLP(2, [2, 1]), options.pop("X"), options.pop("y"), loss=hinge_loss,
            progress=False, **options)


def test_zero_one_labels_with_the_hinge_loss_raise_before_any_update() -> None:
    X, y = make_moons(10)
    model = MLP(2, [3, 1])
    before = model.state_dict()
    with pytest.raises(ValueError, match="to_plus_minus"):
        fit(model, X, y, loss=hinge_loss, progress=False)
    assert model.state_dict() == before


def test_nan_loss_stops_training_naming_the_epoch() -> None:
    X, y = make_moons(10)
    calls: list[int] = []

    def poisoned(predictions: list[Value], targets: list[int]) -> Value:
        calls.append(1)
        loss = binary_cross_entropy_with_logits(predictions, targets)
        return loss * math.nan if len(calls) == 3 else loss

    with pytest.raises(FloatingPointError, match="loss became nan at epoch 3"):
        fit(MLP(2, [3, 1]), X, y, loss=poisoned, progress=False)


def test_diverging_training_stops_with_an_error_naming_the_epoch() -> None:
    X = [[float(i)] for i in range(1, 6)]
    y = [100.0 * i for i in range(1, 6)]
    model = Neuron(1, activation="linear", seed=0)
    # lr 1 is far above 2 / (the curvature 2 mean(x^2) = 22): each step overshoots 20-fold
    with pytest.raises(FloatingPointError, match=r"loss became (inf|nan) at epoch \d+"):
        fit(model, X, y, loss=mse_loss, optimizer=SGD(model.parameters(), lr=1.0),
            epochs=1000, progress=False)


# ---------------------------------------------------------------------------
# Ctrl-C


def test_keyboard_interrupt_from_a_callback_returns_the_history_with_the_model_intact() -> None:
    X, y = make_moons(20)

    def train(epochs: int, callback: Any = None) -> tuple[History, dict[str, float]]:
        model = MLP(2, [4, 1], seed=0)
        history = fit(model, X, y, loss=binary_cross_entropy_with_logits,
                      optimizer=SGD(model.parameters(), lr=0.1), epochs=epochs,
                      callback=callback, progress=False)
        return history, model.state_dict()

    def interrupt_after_two(epoch: int, history: History) -> None:
        if epoch == 2:
            raise KeyboardInterrupt

    history, weights = train(10, interrupt_after_two)
    reference_history, reference_weights = train(2)
    assert history.interrupted and history.epochs == 2
    assert history.loss == reference_history.loss
    assert weights == reference_weights


def test_ctrl_c_during_an_update_lets_the_update_finish() -> None:
    class SignalMidStep(SGD):
        """Ctrl-C arrives after the first parameter has been updated."""

        def _deltas(self, gradients: list[float], lr: float) -> list[float]:
            deltas = super()._deltas(gradients, lr)

            def with_signal() -> Any:
                yield deltas[0]
                signal.raise_signal(signal.SIGINT)
                yield from deltas[1:]

            return with_signal()  # type: ignore[no-any-return]

    X, y = make_moons(10)
    model, reference = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=0)
    history = fit(model, X, y, loss=binary_cross_entropy_with_logits,
                  optimizer=SignalMidStep(model.parameters(), lr=0.5), epochs=5, progress=False)
    fit(reference, X, y, loss=binary_cross_entropy_with_logits,
        optimizer=SGD(reference.parameters(), lr=0.5), epochs=1, progress=False)
    assert history.interrupted and history.epochs == 0
    assert model.state_dict() == reference.state_dict()  # one whole step, not half of one
