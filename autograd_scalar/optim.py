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

import itertools
import math
from collections.abc import Callable, Iterable
from typing import Any

from .engine import Value

__all__ = ["SGD", "Adam", "Optimizer", "RMSprop"]

LearningRate = float | Callable[[int], float]
"""A learning rate: a number, or a function of the step number (0, 1, 2, ...)."""


class Optimizer:
    """The base of every optimizer: the parameters, the learning rate and the step count.

    A subclass names its running state (one number per parameter, starting at 0)
    in ``state_names`` and defines :meth:`_rule`, how far to move a parameter given
    its gradient (weight decay already added), this step's learning rate and its
    state. The rule is written once, with arithmetic only, so that it applies to
    one float at a time (:meth:`step`) and to a numpy array of all of them at once
    (:meth:`step_arrays`, which a compiled numpy replay uses).
    """

    state_names: tuple[str, ...] = ()

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
        self.state: dict[str, Any] = {name: [0.0] * len(self.params) for name in self.state_names}
        """Each running quantity, one number per parameter: a list of floats, or a numpy
        array after :meth:`step_arrays`."""

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
        gradients = [p.grad for p in self.params]
        if not set(map(type, gradients)) <= _FLOAT:  # Values, after create_graph=True
            gradients = list(map(_data, gradients))
        if decay:
            gradients = [g + decay * p.data for g, p in zip(gradients, self.params)]
        self.steps += 1  # the rule sees this step's number t, counted from 1
        for parameter, delta in zip(self.params, self._deltas(gradients, lr)):
            parameter.data -= delta

    def step_arrays(self, data: Any, gradients: Any) -> Any:
        """One step on numpy arrays of every parameter's data and gradient (in ``params``
        order); returns the new data and updates nothing else. The same step as
        :meth:`step`, which a compiled numpy replay takes without a loop over Values."""
        lr = self.current_lr()
        if self.weight_decay:
            gradients = gradients + self.weight_decay * data
        self.steps += 1
        import numpy  # only numpy code calls this: numpy is not a dependency of the optimizers

        states = [numpy.asarray(self.state[name], dtype=float) for name in self.state_names]
        delta, *new = self._rule(lr, gradients, *states)
        self.state.update(zip(self.state_names, new))
        return data - delta

    def _deltas(self, gradients: list[float], lr: float) -> list[float]:
        """Each parameter's step, the rule applied one float at a time."""
        states = [self._state_list(name) for name in self.state_names]
        if not states:
            return [self._rule(lr, g)[0] for g in gradients]
        results = list(zip(*map(self._rule, itertools.repeat(lr), gradients, *states)))
        self.state.update(zip(self.state_names, map(list, results[1:])))
        return list(results[0])

    def _state_list(self, name: str) -> list[float]:
        vector = self.state[name]
        if type(vector) is not list:  # an array, after step_arrays
            vector = self.state[name] = vector.tolist()
        return vector  # type: ignore[no-any-return]

    def _rule(self, lr: float, g: Any, *state: Any) -> tuple[Any, ...]:
        """(how far to move, the new state ...) for gradient ``g``: floats or arrays."""
        raise NotImplementedError(f"{type(self).__name__} must define _rule()")

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
        _check_range("momentum", momentum, 0.0, 1.0)
        self.momentum = momentum
        self.state_names = ("momentum_buffer",) if momentum else ()
        super().__init__(params, lr, weight_decay)

    def _rule(self, lr: float, g: Any, *state: Any) -> tuple[Any, ...]:
        if not state:
            return (lr * g,)
        buffer = g if self.steps == 1 else self.momentum * state[0] + g
        return lr * buffer, buffer


class RMSprop(Optimizer):
    """RMSprop: divide each step by a running root mean square of the gradient.

    v ← alpha v + (1 - alpha) g² (v starts at 0), then p ← p - lr g / (√v + ε).
    """

    state_names = ("square_average",)

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

    def _rule(self, lr: float, g: Any, *state: Any) -> tuple[Any, ...]:
        v = self.alpha * state[0] + (1.0 - self.alpha) * g * g
        return lr * g / (_sqrt(v) + self.eps), v


class Adam(Optimizer):
    """Adam: steps from bias-corrected running means of the gradient and its square.

    m ← β₁ m + (1 - β₁) g and v ← β₂ v + (1 - β₂) g² (both start at 0); at step
    t (from 1), m̂ = m / (1 - β₁ᵗ), v̂ = v / (1 - β₂ᵗ) and p ← p - lr m̂ / (√v̂ + ε).
    The first step therefore moves every parameter by about lr, whatever the
    size of its gradient.
    """

    state_names = ("mean", "square_average")

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

    def _rule(self, lr: float, g: Any, *state: Any) -> tuple[Any, ...]:
        beta1, beta2 = self.betas
        m = beta1 * state[0] + (1.0 - beta1) * g
        v = beta2 * state[1] + (1.0 - beta2) * g * g
        step = lr * (m / (1.0 - beta1**self.steps)) / (_sqrt(v / (1.0 - beta2**self.steps))
                                                       + self.eps)
        return step, m, v


def _check_range(name: str, value: float, low: float, high: float) -> None:
    """Require ``low <= value < high`` (a hyperparameter), naming it if not."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value < high:
        limit = "" if high == math.inf else f" and below {high}"
        raise ValueError(f"invalid {name}: {value!r}; it must be a number >= {low}{limit}")


_FLOAT = {float}


def _sqrt(x: Any) -> Any:
    """The square root of a float (``math.sqrt``) or of a numpy array (``** 0.5`` is its sqrt)."""
    return math.sqrt(x) if type(x) is float else x**0.5


def _data(grad: float | Value) -> float:
    """A gradient as a number: after ``backward(create_graph=True)`` it is a Value."""
    return grad.data if isinstance(grad, Value) else grad
