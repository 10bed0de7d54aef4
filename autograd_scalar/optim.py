"""Optimizers: move each parameter against its gradient, exactly as PyTorch's do.

An optimizer holds a list of parameters (Values). ``step()`` reads every
``p.grad`` and updates ``p.data`` in place with plain floats (it builds no
graph); ``zero_grad()`` resets the gradients before the next ``backward()``.

For each parameter p with gradient g, ``weight_decay`` λ first adds the L2
term: g ← g + λ p. Then the rules, with learning rate lr:

* :class:`SGD`: with momentum μ, a buffer b ← g on the first step and
  b ← μ b + g after; then p ← p - lr b (p ← p - lr g without momentum).
* :class:`RMSprop`: v ← alpha v + (1 - alpha) g² (v starts at 0); p ← p - lr g / (√v + ε).
* :class:`Adam`: m ← β₁ m + (1 - β₁) g, v ← β₂ v + (1 - β₂) g² (both start at 0);
  at step t = 1, 2, ...: m̂ = m / (1 - β₁ᵗ), v̂ = v / (1 - β₂ᵗ); p ← p - lr m̂ / (√v̂ + ε).

``lr`` may be a number or a function of the step number (0 for the first
step), for a schedule.

>>> from autograd_scalar import Value
>>> w = Value(1.0)
>>> optimizer = SGD([w], lr=0.1)
>>> loss = w * w
>>> optimizer.zero_grad(); loss.backward(); optimizer.step()
>>> w.data  # 1 - 0.1 * 2
0.8
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from .engine import Value

__all__ = ["SGD", "Adam", "Optimizer", "RMSprop"]

LearningRate = float | Callable[[int], float]
"""A learning rate: a number, or a function of the step number (0, 1, 2, ...)."""


class Optimizer:
    """The base of every optimizer: the parameters, the learning rate and the step count.

    A subclass defines :meth:`_deltas`, how far to move each parameter given
    the gradients (weight decay already added) and this step's learning rate.
    """

    def __init__(self, params: Iterable[Value], lr: LearningRate, weight_decay: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        for index, parameter in enumerate(self.params):
            if not isinstance(parameter, Value):
                raise TypeError(
                    f"{type(self).__name__}: parameter {index} is a "
                    f"{type(parameter).__name__}, not a Value"
                )
        if not callable(lr):
            _check_range("lr", lr, 0.0, math.inf)
        _check_range("weight_decay", weight_decay, 0.0, math.inf)
        self.lr = lr
        self.weight_decay = weight_decay
        self.steps = 0
        """How many steps have been taken."""

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0."""
        for parameter in self.params:
            parameter.grad = 0.0

    def current_lr(self) -> float:
        """The learning rate the next step will use."""
        return float(self.lr(self.steps)) if callable(self.lr) else self.lr

    def step(self) -> None:
        """Update every parameter from its gradient."""
        lr = self.current_lr()
        decay = self.weight_decay
        gradients = [_data(p.grad) + decay * p.data for p in self.params]
        self.steps += 1  # _deltas sees this step's number t, counted from 1
        for parameter, delta in zip(self.params, self._deltas(gradients, lr)):
            parameter.data -= delta

    def _deltas(self, gradients: list[float], lr: float) -> list[float]:
        raise NotImplementedError(f"{type(self).__name__} must define _deltas()")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.params)} parameters, lr={self.lr!r})"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum: p ← p - lr b.

    b is g without momentum; with momentum μ, b starts as the first gradient
    and then b ← μ b + g (PyTorch's rule, without dampening).

    >>> from autograd_scalar import Value
    >>> w = Value(0.0)
    >>> optimizer = SGD([w], lr=0.5, momentum=0.9)
    >>> for _ in range(2):
    ...     w.grad = 1.0
    ...     optimizer.step()
    >>> w.data  # -0.5 * 1, then -0.5 * (0.9 + 1)
    -1.45
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        _check_range("momentum", momentum, 0.0, 1.0)
        self.momentum = momentum
        self._buffers: list[float] | None = None

    def _deltas(self, gradients: list[float], lr: float) -> list[float]:
        if self.momentum:
            if self._buffers is None:
                self._buffers = gradients
            else:
                mu = self.momentum
                self._buffers = [mu * b + g for b, g in zip(self._buffers, gradients)]
            gradients = self._buffers
        return [lr * g for g in gradients]


class RMSprop(Optimizer):
    """RMSprop: divide each step by a running root mean square of the gradient.

    v ← alpha v + (1 - alpha) g² (v starts at 0), then p ← p - lr g / (√v + ε).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        _check_range("alpha", alpha, 0.0, 1.0)
        _check_range("eps", eps, 0.0, math.inf)
        self.alpha = alpha
        self.eps = eps
        self._square_averages = [0.0] * len(self.params)

    def _deltas(self, gradients: list[float], lr: float) -> list[float]:
        alpha, eps = self.alpha, self.eps
        self._square_averages = [
            alpha * v + (1.0 - alpha) * g * g for v, g in zip(self._square_averages, gradients)
        ]
        return [lr * g / (math.sqrt(v) + eps) for g, v in zip(gradients, self._square_averages)]


class Adam(Optimizer):
    """Adam: steps from bias-corrected running means of the gradient and its square.

    m ← β₁ m + (1 - β₁) g and v ← β₂ v + (1 - β₂) g² (both start at 0); at step
    t (from 1), m̂ = m / (1 - β₁ᵗ), v̂ = v / (1 - β₂ᵗ) and p ← p - lr m̂ / (√v̂ + ε).
    The first step therefore moves every parameter by about lr, whatever the
    size of its gradient.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        _check_range("betas[0]", betas[0], 0.0, 1.0)
        _check_range("betas[1]", betas[1], 0.0, 1.0)
        _check_range("eps", eps, 0.0, math.inf)
        self.betas = betas
        self.eps = eps
        self._means = [0.0] * len(self.params)
        self._square_averages = [0.0] * len(self.params)

    def _deltas(self, gradients: list[float], lr: float) -> list[float]:
        beta1, beta2 = self.betas
        self._means = [beta1 * m + (1.0 - beta1) * g for m, g in zip(self._means, gradients)]
        self._square_averages = [
            beta2 * v + (1.0 - beta2) * g * g for v, g in zip(self._square_averages, gradients)
        ]
        correction1 = 1.0 - beta1**self.steps
        correction2 = 1.0 - beta2**self.steps
        return [
            lr * (m / correction1) / (math.sqrt(v / correction2) + self.eps)
            for m, v in zip(self._means, self._square_averages)
        ]


def _check_range(name: str, value: float, low: float, high: float) -> None:
    """Require ``low <= value < high`` (a hyperparameter), naming it if not."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value < high:
        limit = "" if high == math.inf else f" and below {high}"
        raise ValueError(f"invalid {name}: {value!r}; it must be a number >= {low}{limit}")


def _data(grad: float | Value) -> float:
    """A gradient as a number: after ``backward(create_graph=True)`` it is a Value."""
    return grad.data if isinstance(grad, Value) else grad
