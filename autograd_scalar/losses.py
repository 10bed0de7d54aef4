"""Loss functions: one Value that measures how wrong a batch of predictions is.

Every loss takes a batch, ``loss(predictions, targets)``: a list of model
outputs (one Value per sample, or a list of logits per sample for
:func:`cross_entropy`) and a list of targets of the same length. It returns one
Value, the mean over the batch (``reduction="mean"``) or the sum
(``reduction="sum"``), built from engine operations so that ``backward()``
reaches every parameter. Reductions are one n-ary ``sum`` node.

>>> from autograd_scalar import Value
>>> from autograd_scalar.losses import mse_loss
>>> predictions = [Value(0.5), Value(2.0)]
>>> loss = mse_loss(predictions, [1.0, 1.0])
>>> loss.data  # ((0.5 - 1)^2 + (2 - 1)^2) / 2
0.625
>>> loss.backward()
>>> [p.grad for p in predictions]  # 2 (prediction - target) / n
[-0.5, 1.0]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from .engine import Value, dot
from .engine import sum as sum_values

__all__ = [
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge_loss",
    "l2_penalty",
    "log_softmax",
    "mse_loss",
    "softmax",
]

REDUCTIONS = ("mean", "sum")


def mse_loss(
    predictions: Sequence[Value], targets: Sequence[float], reduction: str = "mean"
) -> Value:
    """Mean squared error: mean of (ŷ - y)²; derivative 2 (ŷ - y) / n.

    Targets are any real numbers.
    """
    _check_batch("mse_loss", predictions, targets, reduction)
    errors = [p - y for p, y in zip(predictions, targets)]
    return _reduce([e * e for e in errors], reduction)


def hinge_loss(
    predictions: Sequence[Value], targets: Sequence[int], reduction: str = "mean"
) -> Value:
    """The max-margin (SVM) loss on labels ±1: mean of relu(1 - y ŷ).

    A sample costs nothing once its score is on the right side with a margin
    of 1; derivative -y where ``1 - y ŷ > 0``, else 0. Labels must be -1 or +1:
    turn 0/1 labels into ±1 with :func:`autograd_scalar.data.to_plus_minus`.

    >>> from autograd_scalar import Value
    >>> hinge_loss([Value(0.5), Value(-2.0)], [1, -1]).data  # (0.5 + 0) / 2
    0.25
    """
    _check_batch("hinge_loss", predictions, targets, reduction)
    _check_labels(
        "hinge_loss", targets, lambda y: y in (-1, 1), "-1 or +1",
        "turn 0/1 labels into ±1 with autograd_scalar.data.to_plus_minus(y)",
    )
    return _reduce([(1 - y * p).relu() for p, y in zip(predictions, targets)], reduction)


def binary_cross_entropy_with_logits(
    logits: Sequence[Value], targets: Sequence[float], reduction: str = "mean"
) -> Value:
    """Cross-entropy of sigmoid(z) against a label y in [0, 1], from the logit z.

    Computed as ``max(z, 0) - z y + log(1 + exp(-|z|))``, which never overflows;
    its derivative is ``sigmoid(z) - y``. ``max(z, 0)`` is written
    ``(z + |z|) / 2`` so that the derivative is right at z = 0 too (the
    one-sided derivatives of relu and abs would give -y there, not 0.5 - y).

    >>> from autograd_scalar import Value
    >>> z = Value(0.0)
    >>> loss = binary_cross_entropy_with_logits([z], [1])
    >>> round(loss.data, 6)  # log 2
    0.693147
    >>> loss.backward(); z.grad  # sigmoid(0) - 1
    -0.5
    """
    _check_batch("binary_cross_entropy_with_logits", logits, targets, reduction)
    _check_labels(
        "binary_cross_entropy_with_logits", targets, lambda y: 0 <= y <= 1,
        "in [0, 1]", "use 0/1 labels (or probabilities)",
    )
    return _reduce([_logistic_loss(z, y) for z, y in zip(logits, targets)], reduction)


def _logistic_loss(z: Value, y: float) -> Value:
    magnitude = abs(z)
    return (z + magnitude) * 0.5 - z * y + ((-magnitude).exp() + 1.0).log()


def cross_entropy(
    logits: Sequence[Sequence[Value]], targets: Sequence[int], reduction: str = "mean"
) -> Value:
    """Multi-class cross-entropy: mean of -log_softmax(logits)[class], per sample.

    Each prediction is a list of logits (one per class) and each target the
    index of the right class. The derivative for logit k is softmax_k - [k = class].

    >>> from autograd_scalar import Value
    >>> round(cross_entropy([[Value(0.0), Value(0.0)]], [1]).data, 6)  # log 2
    0.693147
    """
    _check_batch("cross_entropy", logits, targets, reduction)
    for index, (row, target) in enumerate(zip(logits, targets)):
        if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < len(row):
            raise ValueError(
                f"cross_entropy: target {index} is {target!r}, but it must be a class index "
                f"0 ... {len(row) - 1} for {len(row)} logits"
            )
    # -log_softmax(row)[y] as a dot with the one-hot target: the same number, and a graph
    # of one shape for every class, which a compiled replay runs for all samples at once.
    return _reduce(
        [-dot(log_softmax(row), [float(k == y) for k in range(len(row))])
         for row, y in zip(logits, targets)],
        reduction,
    )


def log_softmax(logits: Sequence[Value]) -> list[Value]:
    """log softmax_k = z_k - log Σ_j exp(z_j), with a stable log-sum-exp.

    The largest logit m is subtracted before exponentiating:
    ``log Σ exp(z_j) = m + log Σ exp(z_j - m)``. That is exact for any
    constant m, so m is a plain number and the gradient is unaffected. A
    compiled replay (:func:`~autograd_scalar.compile.compile_graph`) keeps the m
    of the step that built the graph: the results stay exact, and only logits
    that grow by hundreds during training could make ``exp`` overflow.

    >>> from autograd_scalar import Value
    >>> [round(v.data, 4) for v in log_softmax([Value(1000.0), Value(1000.0)])]
    [-0.6931, -0.6931]
    """
    shift = max(z.data for z in logits)
    log_total = sum_values([(z - shift).exp() for z in logits]).log() + shift
    return [z - log_total for z in logits]


def softmax(logits: Sequence[Value]) -> list[Value]:
    """softmax_k = exp(z_k) / Σ_j exp(z_j): probabilities that sum to 1.

    The largest logit is subtracted first, which changes nothing but keeps
    ``exp`` from overflowing.

    >>> from autograd_scalar import Value
    >>> [round(p.data, 4) for p in softmax([Value(0.0), Value(2.0)])]
    [0.1192, 0.8808]
    """
    shift = max(z.data for z in logits)
    exponentials = [(z - shift).exp() for z in logits]
    total = sum_values(exponentials)
    return [e / total for e in exponentials]


def l2_penalty(params: Iterable[Value]) -> Value:
    """Σ p², the L2 (weight decay) penalty; derivative 2p. One ``dot`` node: p · p.

    Add ``l2 * l2_penalty(model.parameters())`` to a loss to keep weights small.

    >>> from autograd_scalar import Value
    >>> l2_penalty([Value(3.0), Value(-4.0)]).data
    25.0
    """
    values = list(params)
    return dot(values, values)


def _check_batch(
    name: str, predictions: Sequence[object], targets: Sequence[object], reduction: str
) -> None:
    if len(predictions) != len(targets):
        raise ValueError(
            f"{name}: got {len(predictions)} predictions but {len(targets)} targets; "
            f"they must match"
        )
    if not predictions:
        raise ValueError(f"{name}: the batch is empty")
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean' or 'sum', not {reduction!r}")


def _check_labels(
    name: str,
    targets: Sequence[float],
    allowed: Callable[[float], bool],
    expected: str,
    advice: str,
) -> None:
    for index, target in enumerate(targets):
        # A target may be a Value (a leaf a compiled graph rebinds); its data is checked.
        y = target.data if isinstance(target, Value) else target
        if isinstance(y, bool) or not isinstance(y, (int, float)) or not allowed(y):
            raise ValueError(
                f"{name}: target {index} is {y!r}, but labels must be {expected}; {advice}"
            )


def _reduce(terms: list[Value], reduction: str) -> Value:
    total = sum_values(terms)
    return total / len(terms) if reduction == "mean" else total
