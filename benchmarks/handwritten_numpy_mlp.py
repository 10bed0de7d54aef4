"""The floor for numpy: an MLP training step written by hand with float64 arrays.

``bench_numpy.py`` compares the compiler's numpy replay with this. It is the
network ``MLP(2, [h1, h2, 1])`` builds (two ReLU hidden layers, a linear output)
trained with the loss ``mean_i relu(1 - y_i s_i) + alpha * sum(p^2)`` (the hinge
loss on ±1 labels plus L2 over every weight and bias) and plain gradient
descent, written the way a person writes it in numpy: the whole batch at once,
three ``@`` forward and five backward, and an in-place update.

It computes the same loss and gradients as the engine (up to rounding):

>>> import numpy as np
>>> from autograd_scalar.nn import MLP
>>> from autograd_scalar.losses import hinge_loss
>>> from autograd_scalar.train import batch_loss
>>> model = MLP(2, [4, 4, 1], seed=1)
>>> points, labels = [[0.5, -1.0], [1.0, 2.0], [-0.5, 0.25]], [1, -1, 1]
>>> loss, _ = batch_loss(model, points, labels, hinge_loss, l2=1e-4)
>>> loss.backward()
>>> floor = NumpyMLP.from_flat([p.data for p in model.parameters()], (4, 4))
>>> value, gradients = floor.loss_and_gradients(np.array(points), np.array(labels), 1e-4)
>>> abs(value - loss.data) < 1e-15
True
>>> max(abs(g - p.grad) for g, p in zip(flat(gradients), model.parameters())) < 1e-15
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["NumpyMLP", "flat"]

Array = npt.NDArray[np.float64]
Layers = list[tuple[Array, Array]]
"""(weights, biases) of each layer: weights hold one row per unit, the unit's input weights."""


class NumpyMLP:
    """A 2 → h1 → h2 → 1 ReLU MLP trained on the hinge loss with L2, on float64 arrays."""

    def __init__(self, layers: Layers) -> None:
        self.layers = layers

    @classmethod
    def from_flat(cls, values: Sequence[float], widths: tuple[int, int]) -> NumpyMLP:
        """The MLP whose parameters are ``values`` in the engine's order: unit by unit, its
        weights then its bias (the order of ``MLP(2, [*widths, 1]).parameters()``)."""
        layers, start = [], 0
        for fan_in, units in zip((2, *widths), (*widths, 1)):
            rows = np.array(values[start : start + units * (fan_in + 1)], dtype=np.float64)
            rows = rows.reshape(units, fan_in + 1)
            layers.append((rows[:, :-1].copy(), rows[:, -1].copy()))
            start += units * (fan_in + 1)
        if start != len(values):
            raise ValueError(f"{len(values)} values do not fit an MLP(2, [{widths[0]}, "
                             f"{widths[1]}, 1]), which has {start} parameters")
        return cls(layers)

    def loss_and_gradients(
        self, points: Array, labels: Array, alpha: float
    ) -> tuple[float, Layers]:
        """The loss mean_i relu(1 - y_i s_i) + alpha sum(p^2) and its gradient, layer by layer.

        ``points`` is an (n, 2) array and ``labels`` holds n numbers, each -1 or +1.
        """
        (w1, b1), (w2, b2), (w3, b3) = self.layers
        z1 = points @ w1.T + b1
        h1 = np.maximum(z1, 0.0)
        z2 = h1 @ w2.T + b2
        h2 = np.maximum(z2, 0.0)
        scores = (h2 @ w3.T + b3)[:, 0]
        margins = 1.0 - labels * scores
        squares = sum(float(np.sum(p * p)) for layer in self.layers for p in layer)
        loss = float(np.mean(np.maximum(margins, 0.0))) + alpha * squares
        # d loss / d score_i is -y_i / n where the hinge is active; a ReLU passes the
        # gradient where its input was positive.
        d_scores = np.where(margins > 0.0, -labels / len(labels), 0.0)[:, None]
        d_z2 = (d_scores @ w3) * (z2 > 0.0)
        d_z1 = (d_z2 @ w2) * (z1 > 0.0)
        data_gradients = [(d_z1.T @ points, d_z1.sum(axis=0)),
                          (d_z2.T @ h1, d_z2.sum(axis=0)),
                          (d_scores.T @ h2, d_scores.sum(axis=0))]
        gradients = [(dw + 2.0 * alpha * w, db + 2.0 * alpha * b)
                     for (dw, db), (w, b) in zip(data_gradients, self.layers)]
        return loss, gradients

    def step(self, points: Array, labels: Array, alpha: float, lr: float) -> float:
        """One step of gradient descent, p ← p - lr dL/dp, in place; returns the loss before it."""
        loss, gradients = self.loss_and_gradients(points, labels, alpha)
        for (w, b), (dw, db) in zip(self.layers, gradients):
            w -= lr * dw
            b -= lr * db
        return loss


def flat(layers: Layers) -> list[float]:
    """Every number of ``layers`` in the engine's order (the inverse of ``from_flat``)."""
    return [float(x) for w, b in layers for x in np.column_stack([w, b]).ravel()]
