"""Functional differentiation: ``grad``, ``value_and_grad`` and ``gradcheck``.

``grad(f)`` is a new function that returns the derivative of ``f``, in the
style of JAX and HIPS autograd. Called with numbers it returns floats; called
with Values (which is what happens inside another ``grad``) it returns Values
built with ``create_graph=True``, so transforms nest to any order:

>>> from autograd_scalar import grad
>>> import autograd_scalar as ag
>>> d3 = grad(grad(grad(lambda x: x ** 4)))
>>> d3(0.5)  # 24 x
12.0
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from typing import Any

from .engine import Value, no_grad, topological_order

__all__ = ["GradcheckError", "grad", "gradcheck", "value_and_grad"]

_nesting = threading.local()


def _depth() -> int:
    depth: int = getattr(_nesting, "depth", 0)
    return depth


def value_and_grad(
    f: Callable[..., Value | float], argnums: int | Sequence[int] = 0
) -> Callable[..., tuple[Any, Any]]:
    """Make a function returning ``(f(*args), df/d args[argnums])``.

    The arguments named by ``argnums`` (an index, or a tuple of indices) are
    differentiated; the others are passed to ``f`` as given. With numbers in,
    the value and the gradient come out as floats (a tuple of gradients when
    ``argnums`` is a tuple). With Values in, or when called inside another
    ``grad``, they come out as Values that can be differentiated again;
    ``f`` may close over Values of an outer level.

    The leaves' ``.grad`` fields are left as they were.

    >>> value_and_grad(lambda x, y: x * y + y, argnums=(0, 1))(2.0, 3.0)
    (9.0, (3.0, 3.0))
    """
    positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    @functools.wraps(f)
    def evaluate(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        for position in positions:
            if not -len(args) <= position < len(args):
                raise IndexError(
                    f"argnums names argument {position}, but {len(args)} arguments were given"
                )
        nested = _depth() > 0 or any(isinstance(args[p], Value) for p in positions)
        inputs = [_as_input(args[p], p) for p in positions]
        call_args = list(args)
        for position, leaf in zip(positions, inputs):
            call_args[position] = leaf
        _nesting.depth = _depth() + 1
        try:
            out = f(*call_args, **kwargs)
        finally:
            _nesting.depth -= 1
        grads = _gradients(out, inputs, create_graph=nested)
        value: Any
        if nested:
            value = out if isinstance(out, Value) else Value(_plain(out))
            grads = [g if isinstance(g, Value) else Value(g) for g in grads]
        else:
            value = _plain(out)
            grads = [_plain(g) for g in grads]
        return value, grads[0] if isinstance(argnums, int) else tuple(grads)

    return evaluate


def grad(f: Callable[..., Value | float], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Make a function returning the gradient of ``f`` with respect to ``args[argnums]``.

    See :func:`value_and_grad` for the rules on arguments and results.

    >>> grad(lambda x: x.sin() * x)(0.0)
    0.0
    >>> grad(grad(lambda x: x ** 3))(2.0)  # 6x
    12.0
    """
    with_value = value_and_grad(f, argnums)

    @functools.wraps(f)
    def gradient(*args: Any, **kwargs: Any) -> Any:
        return with_value(*args, **kwargs)[1]

    return gradient


def _plain(x: Any) -> float:
    """The number behind a Value or a plain number."""
    return x.data if isinstance(x, Value) else float(x)


def _as_input(arg: Any, position: int) -> Value:
    """A fresh variable for a differentiated argument.

    A Value argument becomes a new node computed from it (``arg * 1.0``), never the
    Value itself: ``f`` may also reach that Value another way (a closure, or the same
    Value passed twice), and differentiating with respect to the object itself would
    then give a total derivative where the partial one is asked for ("perturbation
    confusion"). The new node passes gradients on to ``arg``, so an outer ``grad``
    still differentiates through it.
    """
    if isinstance(arg, Value):
        return arg * 1.0
    if isinstance(arg, bool) or not isinstance(arg, (int, float)):
        raise TypeError(
            f"argument {position} is differentiated, so it must be a number or a Value, "
            f"not {type(arg).__name__}"
        )
    return Value(arg, label=f"arg{position}")


def _gradients(out: Value | float, inputs: list[Value], create_graph: bool) -> list[Any]:
    """d out / d input for each input, leaving every leaf's ``.grad`` as it was."""
    if not isinstance(out, Value):
        if isinstance(out, (int, float)) and not isinstance(out, bool):
            return [0.0 for _ in inputs]  # a constant function
        raise TypeError(
            f"the differentiated function must return a Value, not {type(out).__name__}"
        )
    graph = topological_order(out)
    leaves = [node for node in graph if node.is_leaf]
    saved = [leaf.grad for leaf in leaves]
    for leaf in leaves:
        leaf.grad = 0.0
    try:
        out.backward(create_graph=create_graph)
        members = set(graph)
        return [x.grad if x in members else 0.0 for x in inputs]
    finally:
        for leaf, previous in zip(leaves, saved):
            leaf.grad = previous


class GradcheckError(AssertionError):
    """Backward's gradients disagree with finite differences; the message lists each mismatch."""


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> bool:
    """Check ``f``'s backward gradients against central finite differences.

    ``f`` takes one Value per number in ``inputs`` and returns a Value. For each
    input i, the analytic ``d f / d x_i`` from ``backward()`` must match
    ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` within
    ``atol + rtol * |numeric|``. Returns True, or raises :class:`GradcheckError`
    naming every failing input with both values.

    >>> gradcheck(lambda x, y: (x * y).tanh(), [0.3, -0.7])
    True
    """
    points = [float(x) for x in inputs]
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(points)]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, not {type(out).__name__}")
    out.backward()
    failures = []
    for i, leaf in enumerate(leaves):
        numeric = (_evaluate(f, points, i, eps) - _evaluate(f, points, i, -eps)) / (2.0 * eps)
        analytic = _plain(leaf.grad)
        if not abs(analytic - numeric) <= atol + rtol * abs(numeric):
            failures.append(
                f"  input {i} (x{i} = {points[i]!r}): analytic {analytic!r}, numeric {numeric!r}, "
                f"difference {abs(analytic - numeric):.3g}"
            )
    if failures:
        raise GradcheckError(
            f"gradcheck: {len(failures)} of {len(points)} gradients disagree with central "
            f"differences (eps={eps}, atol={atol}, rtol={rtol}):\n" + "\n".join(failures)
        )
    return True


def _evaluate(f: Callable[..., Value], points: list[float], i: int, step: float) -> float:
    shifted = list(points)
    shifted[i] += step
    with no_grad():
        return _plain(f(*(Value(x) for x in shifted)))
