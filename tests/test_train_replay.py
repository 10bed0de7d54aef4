"""fit(compile=...) through the replay interface: what it records, and the weights it leaves.

The numpy replay keeps the parameters in its arrays between epochs nobody watches and
counts the accuracy on its output arrays; these tests check what fit records against
numbers computed here by hand from the model's own outputs, and the weights against eager
training.
"""

from __future__ import annotations

from typing import Any

import pytest

from autograd_scalar import (
    MLP,
    SGD,
    History,
    cross_entropy,
    fit,
    hinge_loss,
    make_blobs,
    make_moons,
    no_grad,
    to_plus_minus,
)


def by_hand_accuracy(model: MLP, X: list[list[float]], y: list[Any]) -> float:
    """The fraction right, from the model's outputs: the sign for one output, the index of
    the largest score for several."""
    right = 0
    with no_grad():
        for x, label in zip(X, y):
            output = model(x)
            if isinstance(output, list):
                scores = [o.data for o in output]
                right += max(range(len(scores)), key=scores.__getitem__) == label
            else:
                right += (output.data > 0.0) == (label > 0)
    return right / len(X)


def problem(classes: int) -> tuple[list[list[float]], list[Any], Any]:
    if classes == 1:
        X, y = make_moons(40, noise=0.2, seed=3)
        return X, to_plus_minus(y), hinge_loss
    X, y = make_blobs(30, centers=3, seed=1)
    return X, y, cross_entropy


def train(compile: bool | str, X: list[list[float]], y: list[Any], loss: Any, classes: int,
          epochs: int, **options: Any) -> tuple[MLP, History]:
    model = MLP(2, [8, classes], seed=5)
    history = fit(model, X, y, loss=loss, optimizer=SGD(model.parameters(), lr=0.1),
                  epochs=epochs, l2=1e-3, progress=False, compile=compile, **options)
    return model, history


EVERY_REPLAY_AND_MODEL = pytest.mark.parametrize(
    ("backend", "classes"), [(b, c) for b in ("numpy", "python") for c in (1, 3)])
"""Both replays, on a model with one output (hinge loss) and one with three (cross entropy)."""


@EVERY_REPLAY_AND_MODEL
def test_compiled_fit_records_the_accuracy_of_the_weights_before_each_epoch(
    backend: str, classes: int
) -> None:
    X, y, loss = problem(classes)
    _, history = train(backend, X, y, loss, classes, epochs=4)
    # Full batch: epoch k is judged on the weights after k - 1 epochs, before its update.
    expected = [by_hand_accuracy(train(backend, X, y, loss, classes, epochs=done)[0], X, y)
                for done in range(4)]
    assert history.accuracy == expected


@EVERY_REPLAY_AND_MODEL
def test_compiled_fit_records_eager_history_and_leaves_eager_weights(
    backend: str, classes: int
) -> None:
    X, y, loss = problem(classes)
    eager_model, eager = train(False, X, y, loss, classes, epochs=6)
    model, compiled = train(backend, X, y, loss, classes, epochs=6)
    assert compiled.accuracy == eager.accuracy
    assert compiled.loss == pytest.approx(eager.loss, rel=1e-9, abs=0.0)
    weights = [p.data for p in model.parameters()]
    assert weights == pytest.approx([p.data for p in eager_model.parameters()], rel=1e-9,
                                    abs=1e-12)
    gradients = [p.grad for p in model.parameters()]
    assert gradients == pytest.approx([p.grad for p in eager_model.parameters()], rel=1e-7,
                                      abs=1e-12)


@pytest.mark.parametrize("batch_size", [None, 8])
def test_a_callback_sees_the_weights_of_every_epoch_as_eager_training_does(
    batch_size: int | None
) -> None:
    X, y, loss = problem(1)
    seen: dict[bool | str, list[list[float]]] = {False: [], "numpy": []}
    for compile in seen:
        model = MLP(2, [8, 1], seed=5)

        def look(epoch: int, history: History, model: MLP = model,
                 compile: bool | str = compile) -> None:
            seen[compile].append([p.data for p in model.parameters()])

        fit(model, X, y, loss=loss, optimizer=SGD(model.parameters(), lr=0.1), epochs=4,
            batch_size=batch_size, progress=False, compile=compile, callback=look)
    for eager, compiled in zip(seen[False], seen["numpy"], strict=True):
        assert compiled == pytest.approx(eager, rel=1e-9, abs=1e-12)


def test_a_diverging_compiled_fit_leaves_the_last_finite_weights_as_eager_does() -> None:
    X, y, loss = problem(1)
    X = [[1e3 * v for v in x] for x in X]
    weights = {}
    for compile in (False, "numpy"):
        model = MLP(2, [8, 1], seed=5)
        with pytest.raises(FloatingPointError, match="at epoch"):
            fit(model, X, y, loss=loss, optimizer=SGD(model.parameters(), lr=1e12),
                epochs=50, progress=False, compile=compile)
        weights[compile] = [p.data for p in model.parameters()]
    assert weights["numpy"] == pytest.approx(weights[False], rel=1e-9)


@pytest.mark.parametrize("batch_size", [None, 8])
def test_compiled_validation_reads_the_weights_of_each_epoch(batch_size: int | None) -> None:
    X, y, loss = problem(1)
    held_out = make_moons(20, noise=0.2, seed=9)
    X_val, y_val = held_out[0], to_plus_minus(held_out[1])
    histories = [train(compile, X, y, loss, 1, epochs=5, batch_size=batch_size,
                       validation=(X_val, y_val))[1] for compile in (False, "numpy")]
    eager, compiled = histories
    assert compiled.validation_accuracy == eager.validation_accuracy
    assert compiled.validation_loss == pytest.approx(eager.validation_loss, rel=1e-9)
