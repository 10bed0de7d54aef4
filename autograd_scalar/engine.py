"""The engine: :class:`Value`, reverse-mode ``backward``, and ``no_grad``.

A :class:`Value` wraps one float and remembers the operation and the Values
(its ``parents``) it was computed from. ``backward()`` walks that graph from
the output back to the leaves, applying each operation's local derivative
(the chain rule), so every Value learns ``d output / d value`` in ``.grad``.

The operations themselves are data: :data:`autograd_scalar.ops.OPS` holds each
op's forward rule and local derivatives as expression templates, and this
module turns them, once at import, into ``Value``'s operator methods and into
the backward rules the engine runs. The methods are generated rather than
written out so that the hot path (every arithmetic operation creates a node)
has no helper calls, closures or sets in it.

>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> x.grad  # d(x^2 + 3x)/dx = 2x + 3
7.0
"""

from __future__ import annotations

import builtins
import math
import operator
import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import ContextDecorator
from typing import TYPE_CHECKING, Any, Union, cast

from .ops import FLOAT_FUNCTIONS, OPS, Op

__all__ = [
    "Rule",
    "Value",
    "cos",
    "describe_op",
    "dot",
    "exp",
    "is_grad_enabled",
    "leaky_relu",
    "log",
    "no_grad",
    "relu",
    "sigmoid",
    "sin",
    "sqrt",
    "tanh",
    "topological_order",
]
# ``sum`` is public too (``autograd_scalar.sum``) but stays out of ``__all__``
# so that ``from autograd_scalar import *`` never shadows the built-in.

Number = int | float
Operand = Union["Value", int, float]


class Value:
    """A scalar in a computation graph: its ``data``, its ``grad``, and how it was made.

    ``Value(data, label="")`` makes a leaf (an input or a parameter). Arithmetic
    on Values (``+ - * / **``, unary ``-``, ``abs``) and the methods ``exp``,
    ``log``, ``tanh``, ``sigmoid``, ``relu``, ``leaky_relu``, ``sin``, ``cos`` and
    ``sqrt`` make new Values that record:

    * ``data``: the float result;
    * ``grad``: ``d output / d self`` after ``backward()`` (0.0 until then);
    * ``label``: a name for display (``""`` if none);
    * ``op``: the operation's name (``""`` for a leaf);
    * ``parents``: the Values it was computed from. A plain number operand
      (``x * 2``) is kept by the node as a constant, not wrapped in a Value.

    ``< <= > >=`` compare ``data`` and return a bool. ``==`` and ``hash`` are
    identity-based, so Values can be members of sets and keys of dicts; compare
    ``a.data == b.data`` to compare numbers.

    >>> a, b = Value(3.0, label="a"), Value(-2.0, label="b")
    >>> c = (a * b).tanh()
    >>> c.op, [p.op for p in c.parents]
    ('tanh', ['mul'])
    >>> Value(2.0, label="x")
    Value(data=2.0, grad=0.0, label='x')
    """

    # A node keeps its parents in two slots rather than a tuple: most nodes have
    # one or two, and a tuple would be a third object per node. ``_first`` is the
    # first parent (an n-ary op: the tuple of all); ``_second`` is the second
    # parent, the op's constant (``x * 2``), or None. ``_op.fanin`` says which.
    __slots__ = ("_consumers", "_first", "_op", "_second", "data", "grad", "label")

    data: float
    grad: Any  # a float, or a Value after ``backward(create_graph=True)``
    label: str
    _op: Rule | None
    _first: Any
    _second: Any
    _consumers: int  # scratch space for backward: edges into this node not yet processed

    def __init__(self, data: Number, label: str = "") -> None:
        kind = type(data)
        if kind is not float and (kind is bool or not isinstance(data, (int, float))):
            raise TypeError(
                f"Value data must be an int or float, not {kind.__name__} ({data!r})"
            )
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, not {type(label).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self._op = None
        self._first = self._second = None
        self._consumers = 0

    @property
    def op(self) -> str:
        """The name of the operation that made this Value (``""`` for a leaf)."""
        rule = self._op
        return "" if rule is None else rule.op.name

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this one was computed from (plain-number operands are not among them)."""
        rule = self._op
        if rule is None:
            return ()
        fanin = rule.fanin
        if fanin == 1:
            return (self._first,)
        return (self._first, self._second) if fanin == 2 else self._first

    @property
    def is_leaf(self) -> bool:
        """True for a Value with no parents: an input, a parameter, or a ``no_grad`` result."""
        return self._op is None

    def __repr__(self) -> str:
        grad = self.grad
        shown = repr(grad) if type(grad) is float else f"Value({grad.data!r})"
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={shown}{label})"

    def __float__(self) -> float:
        return self.data

    def __lt__(self, other: Operand) -> bool:
        return self.data < _number(other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= _number(other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > _number(other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _number(other)

    def backward(self, gradient: float | Value = 1.0, create_graph: bool = False) -> None:
        """Fill each Value's ``.grad`` in this graph with ``d self / d value`` (times ``gradient``).

        The graph is ordered iteratively (no recursion, so chains of millions of
        nodes work) and each operation's local derivative is applied once, output
        first. Gradient semantics:

        * leaves (Values without parents) *accumulate*: their ``.grad`` is added
          to, across calls, until you reset it (``v.grad = 0.0`` or an
          optimizer's ``zero_grad()``). Calling ``backward`` twice gives each
          leaf twice the gradient;
        * every other node's ``.grad`` is reset at the start of each call and
          holds that call's gradient afterwards;
        * a Value used several times gets the sum of its contributions.

        With ``create_graph=True`` every ``.grad`` becomes a Value built from
        differentiable operations, so gradients can be differentiated again.

        >>> x = Value(3.0)
        >>> y = x ** 3
        >>> y.backward(create_graph=True)
        >>> dy = x.grad            # 3x^2 = 27, as a Value
        >>> x.grad = 0.0
        >>> dy.backward()
        >>> x.grad                 # 6x = 18
        18.0
        """
        _backward(self, gradient, create_graph)

    def draw(self, **options: Any) -> Any:
        """Draw this Value's computation graph (a ``graphviz.Digraph``, shown inline in Jupyter).

        Takes the options of :func:`autograd_scalar.viz.draw_dot`.
        """
        from .viz import draw_dot

        return draw_dot(self, **options)

    if TYPE_CHECKING:
        # Generated at import from the op table (see _install_operators); declared
        # here so type checkers and readers see the interface.
        def __add__(self, other: Operand) -> Value: ...
        def __radd__(self, other: Operand) -> Value: ...
        def __sub__(self, other: Operand) -> Value: ...
        def __rsub__(self, other: Operand) -> Value: ...
        def __mul__(self, other: Operand) -> Value: ...
        def __rmul__(self, other: Operand) -> Value: ...
        def __truediv__(self, other: Operand) -> Value: ...
        def __rtruediv__(self, other: Operand) -> Value: ...
        def __pow__(self, other: Operand) -> Value: ...
        def __rpow__(self, other: Operand) -> Value: ...
        def __neg__(self) -> Value: ...
        def __abs__(self) -> Value: ...
        def abs(self) -> Value: ...
        def exp(self) -> Value: ...
        def log(self) -> Value: ...
        def tanh(self) -> Value: ...
        def sigmoid(self) -> Value: ...
        def relu(self) -> Value: ...
        def leaky_relu(self, negative_slope: float = 0.01) -> Value: ...
        def sin(self) -> Value: ...
        def cos(self) -> Value: ...
        def sqrt(self) -> Value: ...


_new = object.__new__


def _number(x: object) -> float:
    """The float behind a Value or a plain number, for comparisons."""
    if type(x) is Value:
        return x.data
    constant = _constant(x)
    if constant is None:
        raise TypeError(f"cannot compare a Value with {type(x).__name__}")
    return constant


def _constant(x: object) -> float | None:
    """``x`` as a float if it is a plain real number (not a bool), else None."""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return float(x)
    if hasattr(x, "__float__") and hasattr(x, "__index__") is False and not isinstance(x, Value):
        # numpy scalars and other real-number types that convert losslessly
        try:
            return float(x)
        except (TypeError, ValueError):
            return None
    return None


# ---------------------------------------------------------------------------
# no_grad: thread-local, nestable. The generated operator methods first read one
# global, the number of no_grad blocks open in any thread, so the common case
# (none) costs a single lookup; only when it is non-zero do they ask the thread.

class _ThreadState(threading.local):
    depth = 0  # no_grad blocks open in this thread


_local = _ThreadState()
_no_grad_lock = threading.Lock()
_GENERATED_GLOBALS: dict[str, Any] = {"_no_grad_count": 0}
"""The globals of the generated operator methods."""


def is_grad_enabled() -> bool:
    """False inside a ``with no_grad():`` block of the calling thread."""
    return not _local.depth


def _grad_disabled() -> bool:
    return _local.depth > 0


class no_grad(ContextDecorator):
    """Build no graph inside this block: results are plain leaves.

    Use it for evaluation, where no gradient is wanted. It applies to the
    current thread only, nests, and also works as a decorator.

    >>> x = Value(2.0)
    >>> with no_grad():
    ...     y = x * 3
    >>> y.parents, y.op
    ((), '')
    """

    def __enter__(self) -> no_grad:
        with _no_grad_lock:
            _GENERATED_GLOBALS["_no_grad_count"] += 1
        _local.depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        _local.depth -= 1
        with _no_grad_lock:
            _GENERATED_GLOBALS["_no_grad_count"] -= 1


# ---------------------------------------------------------------------------
# Rules: an op as the engine runs it. An element-wise op has a rule per operand
# layout: "values" (every operand a Value), "left" (``x * 2``: the right operand
# is a constant, kept in ``_second``) and "right" (``2 * x``: the left one is),
# and "unary". ``backward`` works on floats; ``backward_graph`` builds Values.


BackwardRule = Callable[[Value, Callable[[Value], None]], None]
"""``backward(node, ready)``: see :class:`Rule`."""


class Rule:
    """An operation as one node runs it: the op, the operand layout, and its backward rules.

    ``fanin`` is how the node holds its parents: 1 (``_first``), 2 (``_first``
    and ``_second``) or 0 (all of them, as a tuple in ``_first``).

    ``backward(node, ready)`` adds the node's gradient, times its local
    derivatives, into its parents' ``grad``, then releases each parent: it
    counts down the parent's ``_consumers`` and calls ``ready(parent)`` when
    none are left, so the parent's gradient is complete (see :func:`_propagate`).
    ``backward_graph`` does the same with Values, for ``create_graph=True``.
    """

    __slots__ = ("backward", "backward_graph", "fanin", "layout", "op")

    def __init__(
        self,
        op: Op,
        layout: str,
        backward: BackwardRule,
        backward_graph: BackwardRule,
    ) -> None:
        self.op = op
        self.layout = layout
        self.fanin = {"values": 2, "nary": 0}.get(layout, 1)
        self.backward = backward
        self.backward_graph = backward_graph

    def __repr__(self) -> str:
        return f"Rule({self.op.name}, {self.layout})"


def _accumulate(total: Any, term: Any) -> Any:
    """``total + term`` for create_graph backward, without a useless ``0.0 + term`` node."""
    if type(total) is float and total == 0.0:
        return term
    return total + term


def _operand_names(layout: str) -> tuple[str, ...]:
    """Which template names are read from the node's parents (the rest are its constant)."""
    return {"values": ("a", "b"), "left": ("a",), "right": ("b",), "unary": ("a",)}[layout]


def _backward_source(op: Op, layout: str, graph: bool) -> str:
    """Python source of one backward rule, from the op's templates."""
    from_parents = _operand_names(layout)
    lines = ["def backward(node, ready):", "    g = node.grad"]
    for slot, name in zip(("_first", "_second"), from_parents):
        lines.append(f"    p{name} = node.{slot}")
    used = " ".join(grad for name, grad in zip(("a", "b"), op.grads) if name in from_parents)
    for name in ("a", "b"):
        if "{" + name + "}" not in used:
            continue
        if name in from_parents:
            lines.append(f"    {name} = p{name}" + ("" if graph else ".data"))
        elif name in ("a", "b")[: op.arity]:
            lines.append(f"    {name} = node._second")
    if "{c}" in used:
        lines.append("    c = node._second")
    if "{out}" in used:
        lines.append("    out = node" + ("" if graph else ".data"))
    for name, template in zip(("a", "b"), op.grads):
        if name not in from_parents:
            continue
        term = template.format(a="a", b="b", c="c", g="g", out="out")
        if graph:
            lines.append(f"    p{name}.grad = _accumulate(p{name}.grad, {term})")
        else:
            lines.append(f"    p{name}.grad += {term}")
    for name in from_parents:
        lines += [
            f"    if p{name}._op is not None:",
            f"        count = p{name}._consumers - 1",
            f"        p{name}._consumers = count",
            "        if not count:",
            f"            ready(p{name})",
        ]
    return "\n".join(lines) + "\n"


_NODE = """\
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _no_grad_count and _grad_disabled():
            out._op = out._first = out._second = None
        else:
            out._op = {rule}
            out._first = {first}
            out._second = {second}
        return out
"""


def _compute(op: Op, operands: dict[str, str], indent: str) -> str:
    """Source computing ``data`` by the op's forward rule, turning math errors into clear ones."""
    expression = op.forward.format(**operands, c="c", out="out", g="g")
    if not op.domain:
        return f"{indent}data = {expression}\n"
    return (
        f"{indent}try:\n"
        f"{indent}    data = {expression}\n"
        f"{indent}except (ArithmeticError, ValueError) as error:\n"
        f"{indent}    raise _math_error(error, OPS[{op.name!r}], {operands['_args']}) from None\n"
    )


def _constant_source(name: str, source: str, otherwise: str) -> str:
    """Source that reads the plain number ``source`` into ``name``, or runs ``otherwise``."""
    return (
        f"    kind = type({source})\n"
        f"    if kind is float:\n"
        f"        {name} = {source}\n"
        f"    elif kind is int:\n"
        f"        {name} = float({source})\n"
        f"    else:\n"
        f"        {name} = _constant({source})\n"
        f"        if {name} is None:\n"
        f"            {otherwise}\n"
    )


def _binary_source(op: Op, method: str, reflected: bool) -> str:
    """Source of ``__op__`` (or ``__rop__`` when ``reflected``) for a binary op."""
    name = op.name
    lines = [f"def {method}(self, other):\n"]
    if not reflected:
        lines.append("    if type(other) is Value:\n")
        lines.append("        a = self.data\n        b = other.data\n")
        lines.append(_compute(op, {"a": "a", "b": "b", "_args": "(self, other)"}, "        "))
        rule = _rule_name(name, "values")
        lines.append(_NODE.format(rule=rule, first="self", second="other"))
        lines.append(_constant_source("b", "other", "return NotImplemented"))
        lines.append("    a = self.data\n")
        layout, args, const_name = "left", "(self, b)", "b"
    else:
        lines.append(_constant_source("a", "other", "return NotImplemented"))
        lines.append("    b = self.data\n")
        layout, args, const_name = "right", "(a, self)", "a"
    body = _compute(op, {"a": "a", "b": "b", "_args": args}, "    ")
    node = _NODE.format(rule=_rule_name(name, layout), first="self", second=const_name)
    lines.append(body)
    lines.append("\n".join(line[4:] for line in node.splitlines()) + "\n")
    return "".join(lines)


def _unary_source(op: Op, method: str) -> str:
    """Source of a unary method (``__neg__``, ``exp``, ``leaky_relu`` ...)."""
    signature = f"self, {op.parameter}=0.01" if op.parameter else "self"
    lines = [f"def {method}({signature}):\n", "    a = self.data\n"]
    const = "None"
    if op.parameter:
        failure = f"raise _parameter_error({op.name!r}, {op.parameter!r}, {op.parameter})"
        lines.append(_constant_source("c", op.parameter, failure))
        const = "c"
    lines.append(_compute(op, {"a": "a", "_args": "(self,)"}, "    "))
    node = _NODE.format(rule=_rule_name(op.name, "unary"), first="self", second=const)
    lines.append("\n".join(line[4:] for line in node.splitlines()) + "\n")
    return "".join(lines)


def _rule_name(op_name: str, layout: str) -> str:
    """The global name under which generated methods find a rule."""
    return f"RULE_{op_name}_{layout}"


def _parameter_error(op_name: str, parameter: str, value: object) -> TypeError:
    return TypeError(f"{op_name}: {parameter} must be a number, not {type(value).__name__}")


_BINARY_METHODS = {
    "add": ("__add__", "__radd__"),
    "sub": ("__sub__", "__rsub__"),
    "mul": ("__mul__", "__rmul__"),
    "div": ("__truediv__", "__rtruediv__"),
    "pow": ("__pow__", "__rpow__"),
}
_UNARY_METHODS = {"neg": ("__neg__",), "abs": ("__abs__", "abs")}


def _math_error(error: Exception, op: Op, operands: tuple[Operand, ...]) -> Exception:
    """The error for an op whose forward rule failed: same type, a message that names the op,
    the operand values and labels, and where the op is defined."""
    shown = ", ".join(_describe_operand(x) for x in operands)
    if isinstance(error, OverflowError):
        return OverflowError(f"{op.name}({shown}) overflows: the result is too large for a float")
    return type(error)(f"{op.name}({shown}) is undefined: {op.domain}")


def _describe_operand(x: Operand) -> str:
    if isinstance(x, Value):
        return f"{x.data!r} (Value {x.label!r})" if x.label else repr(x.data)
    return repr(x)


def _graph_functions() -> dict[str, Callable[..., Any]]:
    """Value versions of the functions op templates call, for create_graph backward."""

    def sign(x: Value) -> float:
        return FLOAT_FUNCTIONS["sign"](x.data)

    def sqrt_grad(root: Value) -> Value | float:
        return 0.5 / root if root.data else math.inf

    def pow_grad_base(base: Value | float, exponent: Value | float) -> Value | float:
        b, e = _number(base), _number(exponent)
        if e == 0.0 and (b == 0.0 or not isinstance(exponent, Value)):
            return 0.0  # elsewhere a Value exponent keeps its term: its derivative is not 0
        if b == 0.0 and e < 1.0:
            return math.copysign(math.inf, e)
        return exponent * base ** (exponent - 1.0)

    def pow_grad_exponent(base: Value | float, result: Value) -> Value | float:
        b = _number(base)
        if b > 0.0:
            return result * (base.log() if isinstance(base, Value) else math.log(b))
        return 0.0 if b == 0.0 else math.nan

    return {
        "abs": abs,
        "pow": operator.pow,
        "exp": exp,
        "log": log,
        "tanh": tanh,
        "sin": sin,
        "cos": cos,
        "sqrt": sqrt,
        "sigmoid": sigmoid,
        "sign": sign,
        "sqrt_grad": sqrt_grad,
        "pow_grad_base": pow_grad_base,
        "pow_grad_exponent": pow_grad_exponent,
    }


_RULES: dict[tuple[str, str], Rule] = {}
GENERATED_SOURCE: dict[str, str] = {}
"""The source of every generated method and backward rule, by name, for readers and debuggers."""


def _install_operators() -> None:
    """Generate Value's operator methods and every backward rule from the op table."""
    float_namespace = {**FLOAT_FUNCTIONS, "_accumulate": _accumulate}
    graph_namespace = {**_graph_functions(), "_accumulate": _accumulate}

    def define(source: str, name: str, namespace: dict[str, Any]) -> Any:
        GENERATED_SOURCE[name] = source
        scope: dict[str, Any] = {}
        exec(compile(source, f"<autograd_scalar generated {name}>", "exec"), namespace, scope)
        return next(iter(scope.values()))

    for op in OPS.values():
        layouts = ("values", "left", "right") if op.arity == 2 else ("unary",)
        for layout in layouts:
            rule = Rule(
                op, layout,
                define(_backward_source(op, layout, False), f"{op.name}.{layout}.backward",
                       float_namespace),
                define(_backward_source(op, layout, True), f"{op.name}.{layout}.backward_graph",
                       graph_namespace),
            )
            _RULES[op.name, layout] = rule
            _GENERATED_GLOBALS[_rule_name(op.name, layout)] = rule

    _GENERATED_GLOBALS.update(
        FLOAT_FUNCTIONS, Value=Value, OPS=OPS, _RULES=_RULES, _new=_new, _constant=_constant,
        _math_error=_math_error, _grad_disabled=_grad_disabled, _parameter_error=_parameter_error,
    )
    for op in OPS.values():
        if op.arity == 2:
            forward, reflected = _BINARY_METHODS[op.name]
            sources = {forward: _binary_source(op, forward, False),
                       reflected: _binary_source(op, reflected, True)}
        else:
            sources = {m: _unary_source(op, m) for m in _UNARY_METHODS.get(op.name, (op.name,))}
        for method, source in sources.items():
            function = define(source, f"Value.{method}", _GENERATED_GLOBALS)
            function.__doc__ = _method_doc(op)
            function.__qualname__ = f"Value.{method}"
            setattr(Value, method, function)


def _method_doc(op: Op) -> str:
    fields = dict(a="x", b="y", c=op.parameter or "c", out="out", g="g")
    names = ("x", "y")[: op.arity]
    derivatives = "; ".join(
        f"d/d{n}: {t.format(**fields)}" for n, t in zip(names, op.grads)
    )
    return (
        f"{op.name}: out = {op.forward.format(**fields)}.\n\n"
        f"Local derivatives, times the incoming gradient g: {derivatives}."
    )


# ---------------------------------------------------------------------------
# Module-level functions: exp(x), tanh(x) ... for a Value or a plain number.


def _as_value(x: Operand) -> Value:
    return x if isinstance(x, Value) else Value(x)


def exp(x: Operand) -> Value:
    """e^x; derivative e^x. ``exp(1000)`` raises OverflowError."""
    return _as_value(x).exp()


def log(x: Operand) -> Value:
    """Natural logarithm, for x > 0; derivative 1/x."""
    return _as_value(x).log()


def tanh(x: Operand) -> Value:
    """Hyperbolic tangent; derivative 1 - tanh(x)^2. Stable for large |x|."""
    return _as_value(x).tanh()


def sigmoid(x: Operand) -> Value:
    """1 / (1 + e^-x); derivative s(1 - s). Stable for large |x|."""
    return _as_value(x).sigmoid()


def relu(x: Operand) -> Value:
    """max(x, 0); derivative 1 for x > 0, else 0 (0 at 0)."""
    return _as_value(x).relu()


def leaky_relu(x: Operand, negative_slope: float = 0.01) -> Value:
    """x for x > 0, else negative_slope * x; derivative 1 or negative_slope (the latter at 0)."""
    return _as_value(x).leaky_relu(negative_slope)


def sin(x: Operand) -> Value:
    """Sine; derivative cos(x)."""
    return _as_value(x).sin()


def cos(x: Operand) -> Value:
    """Cosine; derivative -sin(x)."""
    return _as_value(x).cos()


def sqrt(x: Operand) -> Value:
    """Square root, for x >= 0; derivative 1 / (2 sqrt(x)), +inf at 0."""
    return _as_value(x).sqrt()


# ---------------------------------------------------------------------------
# n-ary operations: one node for many terms. A neuron's sum of w_i * x_i + b is
# one ``dot`` node instead of 2n binary ones.

_SUM = Op("sum", "sum", 0, "", ())
_DOT = Op("dot", "dot", 0, "", ())


def _release(parents: tuple[Value, ...], ready: Callable[[Value], None]) -> None:
    """Count down each non-leaf parent's consumers; ``ready`` the ones with none left."""
    for parent in parents:
        if parent._op is not None:
            count = parent._consumers - 1
            parent._consumers = count
            if not count:
                ready(parent)


def _sum_backward(node: Value, ready: Callable[[Value], None]) -> None:
    g = node.grad
    parents = node._first
    for parent in parents:
        parent.grad += g
    _release(parents, ready)


def _sum_backward_graph(node: Value, ready: Callable[[Value], None]) -> None:
    g = node.grad
    parents = node._first
    for parent in parents:
        parent.grad = _accumulate(parent.grad, g)
    _release(parents, ready)


def sum(terms: Iterable[Operand]) -> Value:
    """The sum of many terms as one node; each Value term gets derivative 1.

    Plain numbers among the terms are constants, not parents.

    >>> import autograd_scalar as ag
    >>> xs = [Value(1.0), Value(2.0), 3]
    >>> s = ag.sum(xs)
    >>> s.data, len(s.parents)
    (6.0, 2)
    """
    parents: list[Value] = []
    constant = 0.0
    for term in terms:
        if isinstance(term, Value):
            parents.append(term)
        else:
            number = _constant(term)
            if number is None:
                raise TypeError(f"sum: terms must be Values or numbers, not {type(term).__name__}")
            constant += number
    data = builtins.sum([p.data for p in parents]) + constant
    return _node(data, tuple(parents), _SUM_RULE, constant)


class _DotLayout:
    """A dot node's weights, inputs and bias: Values (also its parents) and float constants."""

    __slots__ = ("bias", "inputs", "weights")

    def __init__(self, weights: tuple[Operand, ...], inputs: tuple[Operand, ...], bias: Operand):
        self.weights = weights
        self.inputs = inputs
        self.bias = bias


def _dot_backward(node: Value, ready: Callable[[Value], None]) -> None:
    g = node.grad
    parents = node._first
    if g:  # 0 below a relu that is off: nothing to pass on
        _dot_add_gradient(g, parents, node._second)
    _release(parents, ready)


def _dot_add_gradient(g: float, parents: tuple[Value, ...], layout: Any) -> None:
    """Add ``g`` times each operand's local derivative into the operand's ``grad``."""
    if type(layout) is int:  # every weight and input is a Value
        n = layout
        for w, x in zip(parents[:n], parents[n : 2 * n]):
            w.grad += g * x.data
            x.grad += g * w.data
        if len(parents) > 2 * n:
            parents[2 * n].grad += g
    elif type(layout) is tuple:  # Value weights, constant inputs
        for w, x in zip(parents, layout):
            w.grad += g * x
        if len(parents) > len(layout):
            parents[-1].grad += g
    else:
        for w, x in zip(layout.weights, layout.inputs):
            if type(w) is Value:
                w.grad += g * (x.data if type(x) is Value else x)
            if type(x) is Value:
                x.grad += g * (w.data if type(w) is Value else w)
        if type(layout.bias) is Value:
            layout.bias.grad += g


def _dot_backward_graph(node: Value, ready: Callable[[Value], None]) -> None:
    g = node.grad
    weights, inputs, bias = dot_operands(node)
    for w, x in zip(weights, inputs):
        if type(w) is Value:
            w.grad = _accumulate(w.grad, g * x)
        if type(x) is Value:
            x.grad = _accumulate(x.grad, g * w)
    if type(bias) is Value:
        bias.grad = _accumulate(bias.grad, g)
    _release(node._first, ready)


def dot_operands(node: Value) -> tuple[tuple[Operand, ...], tuple[Operand, ...], Operand]:
    """The (weights, inputs, bias) of a ``dot`` node, Values and constants in their places."""
    layout = node._second
    parents = node._first
    if type(layout) is int:
        bias: Operand = parents[2 * layout] if len(parents) > 2 * layout else 0.0
        return parents[:layout], parents[layout : 2 * layout], bias
    if type(layout) is tuple:
        n = len(layout)
        bias = parents[n] if len(parents) > n else 0.0
        return parents[:n], layout, bias
    return layout.weights, layout.inputs, layout.bias


def dot(
    weights: Sequence[Operand], inputs: Sequence[Operand], bias: Operand | None = None
) -> Value:
    """sum_i weights[i] * inputs[i] + bias, as one node.

    Derivatives: d/dw_i = x_i, d/dx_i = w_i, d/dbias = 1. Numbers among the
    arguments are constants; the Values among them are the node's parents.

    >>> w = [Value(0.5), Value(-1.0)]
    >>> out = dot(w, [2.0, 3.0], bias=Value(0.25))
    >>> out.data
    -1.75
    >>> out.backward(); [wi.grad for wi in w]
    [2.0, 3.0]
    """
    if len(weights) != len(inputs):
        raise ValueError(
            f"dot: got {len(weights)} weights but {len(inputs)} inputs; they must match"
        )
    # A neuron's cases first, checked with C-level loops: every weight a Value,
    # and every input a Value (a hidden layer) or a float (the first layer).
    if (bias is None or type(bias) is Value) and set(map(type, weights)) <= _VALUE_TYPE:
        ws = cast("Sequence[Value]", weights)
        weight_data = [w.data for w in ws]
        input_types = set(map(type, inputs))
        parents: tuple[Value, ...]
        layout: int | tuple[float, ...]
        if input_types <= _VALUE_TYPE:
            xs = cast("Sequence[Value]", inputs)
            data = builtins.sum(map(operator.mul, weight_data, [x.data for x in xs]))
            parents = (*ws, *xs)
            layout = len(ws)
        elif input_types <= _FLOAT_TYPE:
            layout = tuple(cast("Sequence[float]", inputs))
            data = builtins.sum(map(operator.mul, weight_data, layout))
            parents = tuple(ws)
        else:
            return _general_dot(weights, inputs, bias)
        if bias is not None:
            data += bias.data
            parents += (bias,)
        return _node(data, parents, _DOT_RULE, layout)
    return _general_dot(weights, inputs, bias)


_VALUE_TYPE = {Value}
_FLOAT_TYPE = {float}


def _general_dot(
    weights: Sequence[Operand], inputs: Sequence[Operand], bias: Operand | None
) -> Value:
    """``dot`` with constants anywhere (or ints), kept in a :class:`_DotLayout`."""
    ws = tuple(_dot_operand(w, "weights") for w in weights)
    xs = tuple(_dot_operand(x, "inputs") for x in inputs)
    b = _dot_operand(0.0 if bias is None else bias, "bias")
    data = builtins.sum(map(operator.mul, map(_number, ws), map(_number, xs))) + _number(b)
    parents = tuple(v for v in (*ws, *xs, b) if isinstance(v, Value))
    return _node(data, parents, _DOT_RULE, _DotLayout(ws, xs, b))


def _dot_operand(x: Operand, role: str) -> Value | float:
    """A dot operand as stored: a Value, or a plain number as a float."""
    if isinstance(x, Value):
        return x
    number = _constant(x)
    if number is None:
        raise TypeError(f"dot: {role} must be Values or numbers, not {type(x).__name__}")
    return number


def _node(data: float, parents: tuple[Value, ...], rule: Rule, const: Any) -> Value:
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._consumers = 0
    if not parents or (_GENERATED_GLOBALS["_no_grad_count"] and _grad_disabled()):
        out._op = out._first = out._second = None
    else:
        out._op = rule
        out._first = parents
        out._second = const
    return out


_SUM_RULE = Rule(_SUM, "nary", _sum_backward, _sum_backward_graph)
_DOT_RULE = Rule(_DOT, "nary", _dot_backward, _dot_backward_graph)


def describe_op(node: Value) -> str:
    """A short label for the operation that made ``node``, constants included.

    >>> x = Value(1.0)
    >>> describe_op(x * 2), describe_op(2 - x), describe_op(x.leaky_relu(0.1))
    ('* 2', '2 -', 'leaky_relu(0.1)')
    """
    rule = node._op
    if rule is None:
        return ""
    op, layout = rule.op, rule.layout
    if layout == "left":
        return f"{op.symbol} {_short(node._second)}"
    if layout == "right":
        return f"{_short(node._second)} {op.symbol}"
    if op.parameter:
        return f"{op.symbol}({_short(node._second)})"
    if op is _SUM and node._second:
        return f"sum + {_short(node._second)}"
    return op.symbol


def _short(x: float) -> str:
    return f"{x:g}"


# ---------------------------------------------------------------------------
# backward


def _backward(root: Value, gradient: float | Value, create_graph: bool) -> None:
    if root._op is None:  # a leaf: nothing to propagate
        if create_graph:
            total = _accumulate(root.grad, gradient)
            root.grad = total if isinstance(total, Value) else Value(total)
        else:
            root.grad = root.grad + gradient
        return
    _count_consumers(root)
    root.grad = gradient if create_graph else float(gradient)
    try:
        _propagate(root, create_graph)
    except BaseException:
        _clear_counts(root)
        raise
    if create_graph:
        for node in topological_order(root):
            if type(node.grad) is not Value:
                node.grad = Value(node.grad)


def _count_consumers(root: Value) -> None:
    """Set ``_consumers`` of every non-leaf below ``root`` to the number of edges into it,
    and reset its grad. Leaves are skipped: they are never processed, only added to."""
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        fanin = node._op.fanin  # type: ignore[union-attr]  # only non-leaves are pushed
        if fanin == 1:  # the commonest case, without making a tuple
            parent = node._first
            if parent._op is not None:
                count = parent._consumers
                parent._consumers = count + 1
                if not count:
                    parent.grad = 0.0
                    push(parent)
            continue
        for parent in (node._first, node._second) if fanin else node._first:
            if parent._op is not None:
                count = parent._consumers
                parent._consumers = count + 1
                if not count:
                    parent.grad = 0.0
                    push(parent)


def _propagate(root: Value, create_graph: bool) -> None:
    # Kahn's algorithm from the output: a node's gradient is complete once every
    # node that consumes it has been processed, so it is processed right then.
    # Each rule releases its parents (Rule.backward); each count returns to zero,
    # ready for the next backward.
    ready = [root]
    pop, push = ready.pop, ready.append
    if create_graph:
        while ready:
            node = pop()
            node._op.backward_graph(node, push)  # type: ignore[union-attr]
    else:
        while ready:
            node = pop()
            node._op.backward(node, push)  # type: ignore[union-attr]  # only non-leaves


def _clear_counts(root: Value) -> None:
    """Zero every consumer count below ``root`` after a backward that raised part-way."""
    for node in topological_order(root):
        node._consumers = 0


def topological_order(root: Value) -> list[Value]:
    """Every Value in ``root``'s graph, each after all the Values computed from it.

    The order backward visits them: ``root`` first, leaves last. Iterative, so
    any depth works.

    >>> x = Value(1.0, label="x")
    >>> y = (x * 2).exp()
    >>> [v.op or v.label for v in topological_order(y)]
    ['exp', 'mul', 'x']
    """
    consumers: dict[Value, int] = {}
    stack = [root]
    while stack:
        for parent in stack.pop().parents:
            if parent in consumers:
                consumers[parent] += 1
            else:
                consumers[parent] = 1
                stack.append(parent)
    order = []
    ready = [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in node.parents:
            consumers[parent] -= 1
            if not consumers[parent]:
                ready.append(parent)
    return order


_install_operators()
