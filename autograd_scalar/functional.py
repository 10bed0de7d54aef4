"""Functional differentiation: ``grad``, ``jvp``, ``vjp``, Jacobians, Hessians, ``gradcheck``.

``grad(f)`` is a new function that returns the derivative of ``f``, in the
style of JAX and HIPS autograd. Called with numbers it returns floats; called
with Values (which is what happens inside another transform) it returns Values
that can be differentiated again, so transforms nest to any order:

>>> from autograd_scalar import grad
>>> import autograd_scalar as ag
>>> d3 = grad(grad(grad(lambda x: x ** 4)))
>>> d3(0.5)  # 24 x
12.0

Both modes of automatic differentiation are here, in JAX's shapes:

* reverse mode (``backward``): :func:`grad`, :func:`value_and_grad`,
  :func:`vjp` and :func:`jacrev` (alias :func:`jacobian`), one pass per output;
* forward mode (:mod:`autograd_scalar.forward`): :func:`jvp` and
  :func:`jacfwd`, one pass per input;
* both: :func:`hessian` (forward over reverse) and :func:`hvp`.

A function may take several numbers and return one Value or a list or tuple of
them. A Jacobian has a row per output (the output's container, list or tuple)
and, when ``argnums`` is a tuple, a tuple per row with an entry per argument.

>>> from autograd_scalar import jacfwd, jacrev
>>> f = lambda x, y: [x * y, x + y]
>>> jacrev(f, argnums=(0, 1))(2.0, 3.0)  # [[y, x], [1, 1]]
[(3.0, 2.0), (1.0, 1.0)]
>>> jacfwd(f, argnums=(0, 1))(2.0, 3.0)
[(3.0, 2.0), (1.0, 1.0)]
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any

from .engine import Value, is_grad_enabled, no_grad, topological_order
from .forward import parents_first, propagate, recording, recording_here
from .ops import accumulate

__all__ = [
    "GradcheckError",
    "grad",
    "gradcheck",
    "hessian",
    "hvp",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "value_and_grad",
    "vjp",
]

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
    positions = _positions(argnums)

    @functools.wraps(f)
    def evaluate(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        _require_graph("grad")
        nested, inputs, out = _trace(f, args, kwargs, positions)
        grads = _gradients(out, inputs, create_graph=nested)
        return _result(out, nested), _per_argument(grads, argnums, nested)

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


def jvp(
    f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]
) -> tuple[Any, Any]:
    """Forward mode: ``(f(*primals), tangent_out)``, the directional derivative along ``tangents``.

    ``tangent_out = sum_i d f / d primals[i] * tangents[i]`` (the Jacobian times
    the tangent vector), computed in one forward pass, never by running backward
    (:mod:`autograd_scalar.forward`): with numbers in, as dual numbers, each op
    computing its result's tangent with its value while ``f`` runs
    (:func:`~autograd_scalar.forward.recording`); with Values in, or inside
    another transform, by a walk over the graph ``f`` built, on Values.
    ``primals`` and ``tangents`` are tuples (or lists) of the same length, one
    number per argument of ``f``. ``tangent_out`` has the shape of
    ``f``'s result: a number, or a list or tuple of them.

    Numbers in give floats out; Values in, or a call inside another transform,
    give Values that can be differentiated again. Every argument is a fresh
    variable, as in :func:`grad`.

    >>> jvp(lambda x, y: x * y + x.sin(), (1.0, 2.0), (1.0, 0.0))  # y + cos x
    (2.8414709848078967, 2.5403023058681398)
    >>> jvp(lambda x: [x * x, x.exp()], (0.0,), (2.0,))
    ([0.0, 1.0], [0.0, 2.0])
    """
    primals = _sequence(primals, "jvp", "primals")
    tangents = _sequence(tangents, "jvp", "tangents")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents; "
                         "give one tangent per primal")
    seeds = [_number_or_value(t, f"jvp: tangent {i}") for i, t in enumerate(tangents)]
    _require_graph("jvp")
    positions = tuple(range(len(primals)))
    numbers = _dual(primals, positions) and not any(isinstance(t, Value) for t in seeds)
    if numbers:  # dual numbers: each tangent computed with its value, as f runs
        with recording() as found:
            _, inputs, out = _trace(f, primals, {}, positions, partial(_seed, found, seeds))
    else:  # tangents to differentiate again: Values, from a walk over the graph f built
        _, inputs, out = _trace(f, primals, {}, positions)
    outputs = _outputs(out, "jvp")
    if not numbers:
        order = parents_first([o for o in outputs if isinstance(o, Value)])
        found = propagate(order, dict(zip(inputs, seeds)), create_graph=True)
    moved = _column(outputs, found)
    return _rebuild(out, iter(outputs), not numbers), _rebuild(out, iter(moved), not numbers)


def _seed(tangents: dict[Value, float], seeds: list[float], inputs: list[Value]) -> None:
    """Give the fresh ``inputs`` their tangents (none for an exact 0.0, as in ``propagate``)."""
    for x, t in zip(inputs, seeds):
        if t != 0.0:
            tangents[x] = t


def _dual(args: Sequence[Any], positions: tuple[int, ...]) -> bool:
    """Whether forward mode can run as dual numbers: numbers in, outside other transforms."""
    return not (_depth() or recording_here() or any(
        isinstance(args[p], Value) for p in positions if -len(args) <= p < len(args)))


def _dual_columns(
    f: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any],
    positions: tuple[int, ...],
) -> tuple[Any, list[list[Any]]]:
    """Run ``f`` once per argument in ``positions`` as dual numbers, that argument's tangent 1:
    (what ``f`` returned, and from each run a column: every output's tangent)."""
    columns = []
    for k in range(len(positions)):
        seeds = [1.0 if j == k else 0.0 for j in range(len(positions))]
        with recording() as found:
            _, _, out = _trace(f, args, kwargs, positions, partial(_seed, found, seeds))
        columns.append(_column(_outputs(out, "jacfwd"), found))
    return out, columns


def _column(outputs: list[Any], tangents: dict[Value, Any]) -> list[Any]:
    """Each output's tangent (0.0 for a number, or a Value without one)."""
    return [tangents.get(o, 0.0) if isinstance(o, Value) else 0.0 for o in outputs]


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
    """Reverse mode as a function: ``(f(*primals), vjp_fn)``.

    ``vjp_fn(cotangent)`` returns ``sum_j cotangent[j] * d f_j / d primals[i]``
    for each primal ``i``, as a tuple (one entry per primal): the cotangent
    vector times the Jacobian. ``cotangent`` has the shape of ``f``'s result,
    a number or a list or tuple of them. ``f`` runs once; ``vjp_fn`` runs a
    backward pass per output over the graph it built, and may be called any
    number of times. Every argument is a fresh variable, as in :func:`grad`.

    >>> out, vjp_fn = vjp(lambda x, y: [x * y, x + y], 2.0, 3.0)
    >>> out
    [6.0, 5.0]
    >>> vjp_fn([1.0, 0.0]), vjp_fn([0.0, 1.0])  # the Jacobian's rows
    ((3.0, 2.0), (1.0, 1.0))
    """
    _require_graph("vjp")
    nested, inputs, out = _trace(f, primals, {}, tuple(range(len(primals))))
    outputs = _outputs(out, "vjp")

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        if _shape(cotangent) != _shape(out):
            raise ValueError(
                f"vjp_fn: the cotangent must have the shape of f's result ({_describe(out)}), "
                f"not {_describe(cotangent)}"
            )
        cotangents = [_number_or_value(c, "vjp_fn: cotangent") for c in _flatten(cotangent)]
        graph = nested or any(isinstance(c, Value) for c in cotangents)
        if graph:
            _require_graph("vjp_fn")
        totals: list[Any] = [0.0] * len(inputs)
        for output, weight in zip(outputs, cotangents):
            if isinstance(output, Value) and not (type(weight) is float and weight == 0.0):
                grads = _gradients(output, inputs, create_graph=graph, cotangent=weight)
                totals = [accumulate(t, g) for t, g in zip(totals, grads)]
        return tuple(_result(t, graph) for t in totals)

    return _rebuild(out, iter(outputs), nested), vjp_fn


def jacrev(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Make a function returning the Jacobian of ``f`` by reverse mode: one backward per output.

    ``f`` runs once; each of its outputs is differentiated with respect to the
    arguments named by ``argnums``, as by :func:`grad` (a fresh variable per
    argument; the others are passed as given). The Jacobian has the shape of
    ``f``'s result with each output replaced by its derivatives: a number when
    ``argnums`` is an index, a tuple (one per argument) when it is a tuple.
    Cheaper than :func:`jacfwd` when there are more inputs than outputs.
    :func:`jacobian` is the same function.

    >>> jacrev(lambda x, y: x * x * y, argnums=(0, 1))(3.0, 2.0)  # (2xy, x^2)
    (12.0, 9.0)
    >>> jacrev(lambda x: [x.sin(), x * 3.0])(0.0)
    [1.0, 3.0]
    """
    positions = _positions(argnums)

    @functools.wraps(f)
    def jacobian(*args: Any, **kwargs: Any) -> Any:
        _require_graph("jacrev")
        nested, inputs, out = _trace(f, args, kwargs, positions)
        outputs = _outputs(out, "jacrev")
        rows = [_gradients(o, inputs, create_graph=nested) for o in outputs]
        return _rebuild(out, (_per_argument(row, argnums, nested) for row in rows), nested)

    return jacobian


jacobian = jacrev


def jacfwd(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Make a function returning the Jacobian of ``f`` by forward mode: one pass per input.

    Each argument named by ``argnums`` in turn gets the tangent 1 and the others
    none, and one forward pass gives the derivatives of every output with
    respect to it (a column). With numbers in, each pass is a run of ``f`` as
    dual numbers (as :func:`jvp` runs it), so ``f`` runs once per argument; with
    Values in, or inside another transform, ``f`` runs once and each pass walks
    the graph it built. Arguments, results and shapes are those of
    :func:`jacrev`, which gives the same numbers; this is cheaper when there are
    more outputs than inputs.

    >>> jacfwd(lambda x, y: x * x * y, argnums=(0, 1))(3.0, 2.0)  # (2xy, x^2)
    (12.0, 9.0)
    >>> jacfwd(lambda x: [x.sin(), x * 3.0])(0.0)
    [1.0, 3.0]
    """
    positions = _positions(argnums)

    @functools.wraps(f)
    def jacobian(*args: Any, **kwargs: Any) -> Any:
        _require_graph("jacfwd")
        if _dual(args, positions):
            out, columns = _dual_columns(f, args, kwargs, positions)
            nested = False
        else:
            nested, inputs, out = _trace(f, args, kwargs, positions)
            outputs = _outputs(out, "jacfwd")
            order = parents_first([o for o in outputs if isinstance(o, Value)])
            columns = [_column(outputs, propagate(order, {x: 1.0}, create_graph=nested))
                       for x in inputs]
        rows = [list(row) for row in zip(*columns)]
        return _rebuild(out, (_per_argument(row, argnums, nested) for row in rows), nested)

    return jacobian


def hessian(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Make a function returning the Hessian of ``f``: ``jacfwd(jacrev(f, argnums), argnums)``.

    Forward over reverse: one backward pass builds the gradient as a graph
    (``create_graph=True``), then one forward pass per argument differentiates
    it. With ``argnums`` an index the result is d^2 f / dx^2; with a tuple, a
    tuple of rows (row i holds d^2 f / dx_i dx_j for each j). A function with
    several outputs has a Hessian per output.

    >>> hessian(lambda x, y: 3 * x * x + 2 * x * y + y * y, argnums=(0, 1))(1.0, 2.0)
    ((6.0, 2.0), (2.0, 2.0))
    >>> hessian(lambda x: x ** 3)(2.0)  # 6x
    12.0
    """
    return jacfwd(jacrev(f, argnums), argnums)


def hvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    """The Hessian of ``f`` at ``primals`` times the vector ``tangents``, without forming it.

    ``jvp(grad(f), primals, tangents)``'s tangent, as in JAX's autodiff
    cookbook: forward over reverse, one backward and one forward pass whatever
    the number of arguments. ``f`` returns one number; every argument is
    differentiated. The result is a number for a function of one argument,
    else a tuple with an entry per argument.

    >>> f = lambda x, y: 3 * x * x + 2 * x * y + y * y  # Hessian [[6, 2], [2, 2]]
    >>> hvp(f, (1.0, 2.0), (1.0, -1.0))
    (4.0, 0.0)
    """
    primals = _sequence(primals, "hvp", "primals")
    argnums = 0 if len(primals) == 1 else tuple(range(len(primals)))
    return jvp(grad(f, argnums), primals, tangents)[1]


def _positions(argnums: int | Sequence[int]) -> tuple[int, ...]:
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


def _trace(
    f: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any],
    positions: tuple[int, ...], made: Callable[[list[Value]], object] | None = None,
) -> tuple[bool, list[Value], Any]:
    """Run ``f`` with a fresh variable for each argument in ``positions``; ``made(inputs)``
    is called with them first.

    Returns whether the results must be Values (a Value argument, or a call
    inside another transform), the fresh variables, and what ``f`` returned.
    """
    for position in positions:
        if not -len(args) <= position < len(args):
            raise IndexError(
                f"argnums names argument {position}, but {len(args)} arguments were given"
            )
    nested = _depth() > 0 or any(isinstance(args[p], Value) for p in positions)
    inputs = [_as_input(args[p], p) for p in positions]
    if made is not None:
        made(inputs)
    call_args = list(args)
    for position, leaf in zip(positions, inputs):
        call_args[position] = leaf
    _nesting.depth = _depth() + 1
    try:
        out = f(*call_args, **kwargs)
    finally:
        _nesting.depth -= 1
    return nested, inputs, out


def _require_graph(transform: str) -> None:
    if not is_grad_enabled():
        raise RuntimeError(
            f"{transform} differentiates through the graph the function builds, but it was "
            "called inside a no_grad() block, where no graph is built; call it outside the "
            "block (no_grad inside the function is fine: what it computes is a constant)"
        )


def _sequence(items: Any, transform: str, name: str) -> tuple[Any, ...]:
    if not isinstance(items, (tuple, list)):
        raise TypeError(f"{transform}: {name} must be a tuple or list with one number per "
                        f"argument, not {type(items).__name__}; write ({items!r},) for one")
    return tuple(items)


def _number_or_value(x: Any, what: str) -> Any:
    """``x`` as a float, or the Value itself; a TypeError naming ``what`` for anything else."""
    if isinstance(x, Value):
        return x
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"{what} must be a number or a Value, not {type(x).__name__}")
    return float(x)


def _flatten(tree: Any) -> list[Any]:
    """The items in ``tree`` (one, or a list or tuple of them, nested), in order."""
    if isinstance(tree, (list, tuple)):
        return [leaf for item in tree for leaf in _flatten(item)]
    return [tree]


def _outputs(out: Any, transform: str) -> list[Any]:
    """The Values and numbers a function returned, in order; a TypeError for anything else."""
    outputs = _flatten(out)
    for output in outputs:
        if not isinstance(output, Value) and (
            isinstance(output, bool) or not isinstance(output, (int, float))
        ):
            raise TypeError(f"{transform}: the differentiated function must return a Value, a "
                            f"number, or a list or tuple of them, not {type(output).__name__}")
    return outputs


def _shape(tree: Any) -> Any:
    """The nesting of ``tree``'s lists and tuples (alike), its Values and numbers as None."""
    if isinstance(tree, (list, tuple)):
        return tuple(_shape(item) for item in tree)
    return None


def _describe(tree: Any) -> str:
    if isinstance(tree, (list, tuple)):
        return f"a {type(tree).__name__} of {len(tree)}"
    return "one number" if isinstance(tree, (Value, int, float)) else type(tree).__name__


def _rebuild(tree: Any, items: Iterator[Any], nested: bool) -> Any:
    """``tree`` with its leaves replaced, in order, by ``items``: each a result (see
    :func:`_result`), or a tuple of them."""
    if isinstance(tree, list):
        return [_rebuild(item, items, nested) for item in tree]
    if isinstance(tree, tuple):
        return tuple(_rebuild(item, items, nested) for item in tree)
    item = next(items)
    return item if isinstance(item, tuple) else _result(item, nested)


def _per_argument(derivatives: list[Any], argnums: int | Sequence[int], nested: bool) -> Any:
    """One derivative for an index ``argnums``, a tuple of them for a tuple."""
    if isinstance(argnums, int):
        return _result(derivatives[0], nested)
    return tuple(_result(d, nested) for d in derivatives)


def _result(x: Any, nested: bool) -> Any:
    """A result as a transform returns it: a Value when nested, else a float."""
    if nested:
        return x if isinstance(x, Value) else Value(_plain(x))
    return _plain(x)


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
    still differentiates through it. It keeps ``arg``'s label (or is named
    ``arg<position>``, as a number argument is), so that an error names it at any depth.
    """
    if isinstance(arg, Value):
        fresh = arg * 1.0
        fresh.label = arg.label or f"arg{position}"
        return fresh
    if isinstance(arg, bool) or not isinstance(arg, (int, float)):
        raise TypeError(
            f"argument {position} is differentiated, so it must be a number or a Value, "
            f"not {type(arg).__name__}"
        )
    return Value(arg, label=f"arg{position}")


def _gradients(
    out: Value | float, inputs: list[Value], create_graph: bool, cotangent: float | Value = 1.0
) -> list[Any]:
    """``cotangent`` times d out / d input for each input, leaving every leaf's ``.grad`` as it
    was."""
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
        out.backward(cotangent, create_graph=create_graph)
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
