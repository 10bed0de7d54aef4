"""The floor for pure Python: an MLP training step written by hand on plain floats.

``bench_compile.py`` compares the engine's compiled replay with this. It is
the network ``MLP(2, [16, 16, 1])`` builds (two ReLU hidden layers, a linear
output) trained with the loss ``mean_i relu(1 - y_i s_i) + alpha * sum(p^2)``
(the hinge loss on ±1 labels plus L2) and plain gradient descent, written as
fast as we could in pure Python, with no graph at all:

* dot products are ``sum(map(mul, w, x))``, the loops run inside builtins;
* ReLU units that are off are skipped, forward and backward: ``compress``
  drops them from a dot product (``0.0 * w`` adds nothing), and ``zip(*rows)``
  turns the weight rows of the units that are on into the columns it needs;
* only the samples whose hinge is active (margin > 0) are back-propagated,
  and each weight gradient is a dot product over those samples, skipping the
  samples where that unit is off.

It computes the same loss and gradients as the engine (up to rounding):

>>> from autograd_scalar.nn import MLP
>>> from autograd_scalar.losses import hinge_loss
>>> from autograd_scalar.train import batch_loss
>>> model = MLP(2, [4, 4, 1], seed=1)
>>> points, labels = [[0.5, -1.0], [1.0, 2.0], [-0.5, 0.25]], [1, -1, 1]
>>> loss, _ = batch_loss(model, points, labels, hinge_loss, l2=1e-4)
>>> loss.backward()
>>> floor = HandwrittenMLP(Weights.from_flat([p.data for p in model.parameters()], (4, 4)))
>>> value, gradients = floor.loss_and_gradients(points, labels, alpha=1e-4)
>>> abs(value - loss.data) < 1e-15
True
>>> max(abs(g - p.grad) for g, p in zip(gradients.flat(), model.parameters())) < 1e-15
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress
from operator import mul

__all__ = ["HandwrittenMLP", "Weights"]

Row = Sequence[float]
"""One sample's values, or one unit's weights."""


@dataclass
class Weights:
    """The parameters of a 2 → h1 → h2 → 1 MLP (or their gradients), layer by layer.

    Each weight matrix has one row per unit, holding the weights of its inputs.
    """

    first: list[list[float]]
    first_bias: list[float]
    second: list[list[float]]
    second_bias: list[float]
    output: list[float]
    output_bias: float

    @classmethod
    def from_flat(cls, values: Sequence[float], widths: tuple[int, int]) -> Weights:
        """Weights from a flat list in the engine's order: unit by unit, its weights then its bias.

        That is the order of ``MLP(2, list(widths) + [1]).parameters()``.
        """
        first_width, second_width = widths
        numbers = iter(values)

        def layer(units: int, fan_in: int) -> tuple[list[list[float]], list[float]]:
            rows, biases = [], []
            for _ in range(units):
                rows.append([next(numbers) for _ in range(fan_in)])
                biases.append(next(numbers))
            return rows, biases

        first, first_bias = layer(first_width, 2)
        second, second_bias = layer(second_width, first_width)
        (output,), (output_bias,) = layer(1, second_width)
        if next(numbers, None) is not None:
            raise ValueError(f"too many values for an MLP(2, [{first_width}, {second_width}, 1])")
        return cls(first, first_bias, second, second_bias, output, output_bias)

    def flat(self) -> list[float]:
        """Every number in the engine's order (the inverse of :meth:`from_flat`)."""
        values: list[float] = []
        for rows, biases in (
            (self.first, self.first_bias),
            (self.second, self.second_bias),
            ([self.output], [self.output_bias]),
        ):
            for row, bias in zip(rows, biases):
                values += row
                values.append(bias)
        return values

    def square_norm(self) -> float:
        """sum(p^2) over every number, the L2 penalty."""
        rows = (*self.first, *self.second, self.output, self.first_bias, self.second_bias)
        return sum(sum(map(mul, row, row)) for row in rows) + self.output_bias**2


class HandwrittenMLP:
    """A 2 → h1 → h2 → 1 ReLU MLP trained on the hinge loss with L2, on plain floats."""

    def __init__(self, weights: Weights) -> None:
        self.weights = weights

    def loss_and_gradients(
        self, points: Sequence[Row], labels: Sequence[int], alpha: float
    ) -> tuple[float, Weights]:
        """The loss mean_i relu(1 - y_i s_i) + alpha sum(p^2) and its gradient, by parameter."""
        w = self.weights
        first = _first_layer(points, w.first, w.first_bias)
        columns = list(zip(*w.second))
        second = [_relu_layer(h, columns, w.second_bias) for h in first]
        scores = [sum(map(mul, w.output, h)) + w.output_bias for h in second]
        margins = [1.0 - y * s for y, s in zip(labels, scores)]
        active = [i for i, margin in enumerate(margins) if margin > 0.0]
        loss = sum([margins[i] for i in active]) / len(points) + alpha * w.square_norm()
        gradients = self._backward(points, labels, active, first, second)
        return loss, _add_decay(gradients, w, 2.0 * alpha)

    def _backward(
        self,
        points: Sequence[Row],
        labels: Sequence[int],
        active: list[int],
        first: list[tuple[float, ...]],
        second: list[list[float]],
    ) -> Weights:
        """The data term's gradient, back-propagated through the samples whose hinge is active."""
        w = self.weights
        scale = -1.0 / len(points)
        score_grads = [scale * labels[i] for i in active]  # d loss / d score_i
        first_on = [first[i] for i in active]
        second_on = [second[i] for i in active]
        # d loss / d (pre-activation) of the second layer, then of the first
        second_grads = [
            [d * weight if h else 0.0 for weight, h in zip(w.output, hs)]
            for d, hs in zip(score_grads, second_on)
        ]
        first_grads = [
            _input_gradient(g, hs, h, w.second)
            for g, hs, h in zip(second_grads, second_on, first_on)
        ]
        first_width, second_width = len(w.first), len(w.second)
        output_grads = [[d] for d in score_grads]
        return Weights(
            first=_weight_gradient(first_grads, [points[i] for i in active], (first_width, 2)),
            first_bias=_column_sums(first_grads, first_width),
            second=_weight_gradient(second_grads, first_on, (second_width, first_width)),
            second_bias=_column_sums(second_grads, second_width),
            output=_weight_gradient(output_grads, second_on, (1, second_width))[0],
            output_bias=sum(score_grads),
        )

    def step(
        self, points: Sequence[Row], labels: Sequence[int], alpha: float, lr: float
    ) -> float:
        """One step of gradient descent, p ← p - lr dL/dp; returns the loss before it."""
        loss, gradients = self.loss_and_gradients(points, labels, alpha)
        w, g = self.weights, gradients
        self.weights = Weights(
            first=[_descend(row, grad, lr) for row, grad in zip(w.first, g.first)],
            first_bias=_descend(w.first_bias, g.first_bias, lr),
            second=[_descend(row, grad, lr) for row, grad in zip(w.second, g.second)],
            second_bias=_descend(w.second_bias, g.second_bias, lr),
            output=_descend(w.output, g.output, lr),
            output_bias=w.output_bias - lr * g.output_bias,
        )
        return loss


def _first_layer(
    points: Sequence[Row], rows: list[list[float]], biases: list[float]
) -> list[tuple[float, ...]]:
    """relu(w · x + b) of the first layer, one tuple per point; unit by unit over the batch."""
    units = [
        [z if (z := a * x1 + c * x2 + b) > 0.0 else 0.0 for x1, x2 in points]
        for (a, c), b in zip(rows, biases)
    ]
    return list(zip(*units))


def _relu_layer(inputs: Row, columns: list[tuple[float, ...]], biases: list[float]) -> list[float]:
    """relu(W x + b) for one sample, reading only the columns of W whose input is on."""
    on = list(compress(inputs, inputs))
    if not on:
        return [b if b > 0.0 else 0.0 for b in biases]
    rows = zip(*compress(columns, inputs))  # W restricted to the inputs that are on
    return [z if (z := sum(map(mul, on, row)) + b) > 0.0 else 0.0 for row, b in zip(rows, biases)]


def _input_gradient(
    grads: list[float], outputs: Row, inputs: Row, rows: list[list[float]]
) -> list[float]:
    """d loss / d pre-activation of the layer below: (Wᵀ g) where that ReLU is on, else 0.

    Only the rows of W whose unit is on (``outputs`` > 0) take part.
    """
    on = list(compress(grads, outputs))
    if not on:
        return [0.0] * len(inputs)
    columns = zip(*compress(rows, outputs))
    return [sum(map(mul, on, column)) if x else 0.0 for column, x in zip(columns, inputs)]


def _weight_gradient(
    grads: list[list[float]], inputs: Sequence[Row], shape: tuple[int, int]
) -> list[list[float]]:
    """sum_i outer(g_i, x_i), a (units, fan_in) matrix: unit by unit, a dot product over the
    samples where the unit is on."""
    units, fan_in = shape
    rows = []
    for column in _columns(grads, units):
        on = list(compress(column, column))
        if on:
            rows.append([sum(map(mul, on, x)) for x in zip(*compress(inputs, column))])
        else:
            rows.append([0.0] * fan_in)
    return rows


def _column_sums(grads: list[list[float]], units: int) -> list[float]:
    return [sum(column) for column in _columns(grads, units)]


def _columns(rows: list[list[float]], width: int) -> list[tuple[float, ...]]:
    """The columns of a list of rows of ``width`` numbers (``width`` empty ones if no rows)."""
    return list(zip(*rows)) if rows else [()] * width


def _add_decay(gradients: Weights, weights: Weights, factor: float) -> Weights:
    """gradients + factor * weights, the L2 term's gradient added to the data term's."""

    def add(grads: list[float], values: list[float]) -> list[float]:
        return [g + factor * v for g, v in zip(grads, values)]

    g, w = gradients, weights
    return Weights(
        first=[add(grad, row) for grad, row in zip(g.first, w.first)],
        first_bias=add(g.first_bias, w.first_bias),
        second=[add(grad, row) for grad, row in zip(g.second, w.second)],
        second_bias=add(g.second_bias, w.second_bias),
        output=add(g.output, w.output),
        output_bias=g.output_bias + factor * w.output_bias,
    )


def _descend(values: list[float], grads: list[float], lr: float) -> list[float]:
    return [v - lr * g for v, g in zip(values, grads)]
