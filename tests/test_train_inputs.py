"""fit and accuracy take lists or numpy arrays, and refuse bad data with a clear error
before training starts."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from autograd_scalar import MLP, SGD, accuracy, fit, make_moons, mse_loss
from autograd_scalar.losses import binary_cross_entropy_with_logits

X, Y = make_moons(24, noise=0.1, seed=0)


def train(X_: Any, y_: Any, **options: Any) -> list[float]:
    model = MLP(2, [4, 1], seed=0)
    history = fit(model, X_, y_, loss=binary_cross_entropy_with_logits,
                  optimizer=SGD(model.parameters(), lr=0.1), epochs=3, progress=False, **options)
    return history.loss


def test_numpy_arrays_train_exactly_as_lists() -> None:
    assert train(np.array(X), np.array(Y)) == train(X, Y)
    numpy_scalars = [[np.float64(a) for a in x] for x in X]
    assert train(numpy_scalars, [np.int64(t) for t in Y]) == train(X, Y)


def test_accuracy_takes_numpy_arrays() -> None:
    model = MLP(2, [4, 1], seed=0)
    assert accuracy(model, np.array(X), np.array(Y)) == accuracy(model, X, Y)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_input_is_refused_naming_the_sample(bad: float) -> None:
    data = [list(x) for x in X]
    data[5][1] = bad
    with pytest.raises(ValueError, match=rf"fit: input 5 is {bad!r}: every input and target"):
        train(data, Y)
    with pytest.raises(ValueError, match=r"accuracy: input 5"):
        accuracy(MLP(2, [4, 1], seed=0), data, Y)


def test_a_non_finite_target_is_refused_naming_it() -> None:
    targets = list(Y)
    targets[3] = math.nan  # type: ignore[call-overload]
    with pytest.raises(ValueError, match=r"fit: target 3 is nan"):
        train(X, targets)


def test_nan_inputs_no_longer_count_as_right() -> None:
    # A nan input used to give a 0.0 output, so accuracy counted it as class 0.
    with pytest.raises(ValueError, match="input 0 is nan"):
        accuracy(MLP(2, [4, 1], seed=0), [[math.nan, 1.0]], [0])


def test_string_labels_are_refused_with_mse_and_cross_entropy() -> None:
    model = MLP(2, [4, 1], seed=0)
    with pytest.raises(TypeError, match=r"fit: target 0 is 'a', not a number"):
        fit(model, X[:2], ["a", "b"], loss=mse_loss, epochs=1, progress=False)


@pytest.mark.parametrize("epochs", [2.5, 2.0, "3", True])
def test_epochs_must_be_a_whole_number(epochs: Any) -> None:
    with pytest.raises(TypeError, match="fit: epochs must be a whole number"):
        fit(MLP(2, [1], seed=0), X, Y, loss=mse_loss, epochs=epochs, progress=False)


@pytest.mark.parametrize("l2", [-1e-4, math.nan, math.inf])
def test_l2_must_be_finite_and_not_negative(l2: float) -> None:
    with pytest.raises(ValueError, match="fit: l2 must be a finite number >= 0"):
        train(X, Y, l2=l2)
