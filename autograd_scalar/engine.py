"""The engine: :class:`Value`, reverse-mode ``backward``, and ``no_grad``.

A :class:`Value` wraps one float and remembers the operation and the Values
(its ``parents``) it was computed from. ``backward()`` walks that graph from
the output back to the leaves, applying each operation's local derivative
(the chain rule), so every Value learns ``d output / d value`` in ``.grad``.

The operations themselves are data: :data:`autograd_scalar.ops.OPS` holds each
op's forward rule and local derivatives as expression templates. From them,
``python -m autograd_scalar.codegen`` writes ``Value``'s operator methods and the
module functions into the marked regions of this file, and the backward rules
into ``_rules.py``: ordinary source, with no helper calls, closures or sets on
the hot path (every arithmetic operation creates a node).

A node is read through its public properties, the same for every op:
``op`` (the name), ``operation`` (the table entry), ``parents`` (the Values it
was computed from) and ``arguments`` (every operand and parameter by name,
Values and plain-number constants in their places). :func:`topological_order`
is the one walk of a graph that every interpreter shares.

>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> x.grad  # d(x^2 + 3x)/dx = 2x + 3
7.0
"""

from __future__ import annotations

import builtins
import copy
import importlib
import math
import operator
import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import ContextDecorator
from math import inf
from typing import Any, Union

from . import _rules, _tangents, ops
from .ops import OPS, Op, accumulate

# <generated: all>
# written by `python -m autograd_scalar.codegen` from the op table; do not edit
__all__ = [
    "Operand",
    "Rule",
    "Value",
    "atan",
    "clamp",
    "cos",
    "describe_op",
    "dot",
    "dot_operands",
    "elu",
    "erf",
    "exp",
    "gelu",
    "is_grad_enabled",
    "leaky_relu",
    "log",
    "math_error",
    "maximum",
    "minimum",
    "no_grad",
    "relu",
    "sigmoid",
    "sin",
    "softplus",
    "sqrt",
    "tan",
    "tanh",
    "topological_order",
]
# </generated: all>

Number = int | float
Operand = Union["Value", int, float]
"""What an op accepts as an operand: a Value, or a plain number (a constant)."""


class Value:
    """A scalar in a computation graph: its ``data``, its ``grad``, and how it was made.

    ``Value(data, label="")`` makes a leaf (an input or a parameter). Arithmetic
    on Values (``+ - * / **``, unary ``-``, ``abs``) and the methods named after
    the ops of :data:`autograd_scalar.ops.OPS` (``exp``, ``tanh``, ``relu``,
    ``maximum``, ``clamp`` ...) make new Values that record:

    * ``data``: the float result;
    * ``grad``: ``d output / d self`` after ``backward()`` (0.0 until then);
    * ``label``: a name for display (``""`` if none);
    * ``op``: the operation's name (``""`` for a leaf);
    * ``parents``: the Values it was computed from. A plain number operand
      (``x * 2``) is kept by the node as a constant, not wrapped in a Value;
    * ``arguments``: every operand and parameter by name.

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
    # one or two, and a tuple would be a third object per node. ``_op`` is the
    # node's Rule (None for a leaf), whose layout says what ``_first`` and
    # ``_second`` hold; only Rule and the generated code read them.
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
    def operation(self) -> Op | None:
        """The op-table entry of the operation that made this Value (None for a leaf)."""
        rule = self._op
        return None if rule is None else rule.op

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
    def arguments(self) -> dict[str, Any]:
        """Every operand and parameter of the op that made this Value, by name.

        Operands are Values or, for constants, floats. Unary and binary ops
        name them ``a`` and ``b``, as their templates do; parameters go by
        their own names; ``sum`` has ``terms`` and ``bias``, ``dot`` has
        ``weights``, ``inputs`` and ``bias``. A leaf has none.

        >>> x = Value(1.0, label="x")
        >>> (2 - x).arguments
        {'a': 2.0, 'b': Value(data=1.0, grad=0.0, label='x')}
        >>> x.leaky_relu(0.1).arguments["negative_slope"]
        0.1
        """
        rule = self._op
        return {} if rule is None else rule.arguments(self)

    @property
    def is_leaf(self) -> bool:
        """True for a Value with no parents: an input, a parameter, or a ``no_grad`` result."""
        return self._op is None

    def __repr__(self) -> str:
        grad = self.grad
        shown = repr(grad) if type(grad) is float else f"Value({grad.data!r})"
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={shown}{label})"

    def item(self) -> float:
        """The number this Value holds, as a plain float (the same as ``.data``).

        >>> Value(2.5).item()
        2.5
        """
        return self.data

    # Converting a Value to a number without saying so would drop it from the graph,
    # and every derivative through it would silently be 0: math.cos(x), float(x),
    # int(x) ... refuse, and say what to write instead.
    def __float__(self) -> float:
        raise TypeError(_conversion_message(self, "float"))

    def __int__(self) -> int:
        raise TypeError(_conversion_message(self, "int"))

    def __index__(self) -> int:
        raise TypeError(_conversion_message(self, "an index"))

    def __complex__(self) -> complex:
        raise TypeError(_conversion_message(self, "complex"))

    def __bool__(self) -> bool:
        """``bool(v)`` is ``bool(v.data)``, as for a PyTorch scalar tensor."""
        return bool(self.data)

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"`` formats ``data``; an empty spec gives the repr.

        >>> f"{Value(0.12345):.3f}"
        '0.123'
        """
        return format(self.data, spec) if spec else repr(self)

    def __round__(self, ndigits: int | None = None) -> float:
        """``round(v, n)`` rounds ``data``: a plain number, as for a float."""
        return round(self.data, ndigits)

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

        Backward passes from several threads are safe, also through shared nodes:
        they take turns (one lock), so every leaf receives each pass's gradient
        exactly once; an intermediate shared by two passes holds the gradient of
        whichever finished last.

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

    def __reduce_ex__(self, protocol: Any) -> Any:
        # A leaf pickles as itself. A graph pickles flat, its nodes listed inputs first
        # and linked by position, so that a chain of any depth needs no recursion; its
        # leaves are pickled as objects, so a model's parameters stay shared with it.
        if self._op is None:
            return super().__reduce_ex__(protocol)
        return _unflatten, (_flatten(self),)

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """A copy of the graph below this Value (iteratively: any depth), sharing nothing."""
        for node in reversed(topological_order(self)):
            if id(node) in memo:
                continue
            twin = _new(Value)
            twin.data, twin.label, twin._consumers = node.data, node.label, 0
            twin.grad = copy.deepcopy(node.grad, memo)
            twin._op = node._op
            twin._first = _relink(node._first, memo)
            twin._second = _relink(node._second, memo)
            memo[id(node)] = twin
        copied: Value = memo[id(self)]
        return copied

    def draw(self, **options: Any) -> Any:
        """Draw this Value's computation graph (a ``graphviz.Digraph``, shown inline in Jupyter).

        Takes the options of :func:`autograd_scalar.viz.draw_dot`. The renderer
        (and graphviz) is loaded on the first call, so the engine runs without it.
        """
        draw_dot = importlib.import_module("autograd_scalar.viz").draw_dot
        return draw_dot(self, **options)

    # <generated: methods>
    # written by `python -m autograd_scalar.codegen` from the op table; do not edit
    def __add__(self, other: Operand) -> Value:
        """a + b.

        out = a + b; with g the gradient arriving at out, d/da = g; d/db = g.
        """
        a = self.data
        b: float | None
        if type(other) is Value:
            b = other.data
            rule = _ADD_VALUES
            second: Any = other
        else:
            if type(other) is float:
                b = other
            elif type(other) is int:
                b = float(other)
            else:
                b = _constant(other)
            if b is None:
                return NotImplemented
            rule = _ADD_LEFT
            second = b
        data = a + b
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                tb = tangents.get(second) if rule is _ADD_VALUES else None
                if tb is None:
                    if ta is not None:
                        tangents[out] = ta
                elif ta is None:
                    tangents[out] = tb
                else:
                    t = ta + tb
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = rule
        out._first = self
        out._second = second
        return out

    def __radd__(self, other: Operand) -> Value:
        """add with this Value as the second operand: other + self."""
        a: float | None
        if type(other) is float:
            a = other
        elif type(other) is int:
            a = float(other)
        else:
            a = _constant(other)
        if a is None:
            return NotImplemented
        b = self.data
        data = a + b
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                tb = tangents.get(self)
                if tb is not None:
                    tangents[out] = tb
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _ADD_RIGHT
        out._first = self
        out._second = a
        return out

    def __sub__(self, other: Operand) -> Value:
        """a - b.

        out = a - b; with g the gradient arriving at out, d/da = g; d/db = -g.
        """
        a = self.data
        b: float | None
        if type(other) is Value:
            b = other.data
            rule = _SUB_VALUES
            second: Any = other
        else:
            if type(other) is float:
                b = other
            elif type(other) is int:
                b = float(other)
            else:
                b = _constant(other)
            if b is None:
                return NotImplemented
            rule = _SUB_LEFT
            second = b
        data = a - b
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                tb = tangents.get(second) if rule is _SUB_VALUES else None
                if tb is None:
                    if ta is not None:
                        tangents[out] = ta
                elif ta is None:
                    tangents[out] = -tb
                else:
                    t = ta + -tb
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = rule
        out._first = self
        out._second = second
        return out

    def __rsub__(self, other: Operand) -> Value:
        """sub with this Value as the second operand: other - self."""
        a: float | None
        if type(other) is float:
            a = other
        elif type(other) is int:
            a = float(other)
        else:
            a = _constant(other)
        if a is None:
            return NotImplemented
        b = self.data
        data = a - b
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                tb = tangents.get(self)
                if tb is not None:
                    tangents[out] = -tb
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _SUB_RIGHT
        out._first = self
        out._second = a
        return out

    def __mul__(self, other: Operand) -> Value:
        """a * b.

        out = a * b; with g the gradient arriving at out, d/da = g * b; d/db = g * a.
        """
        a = self.data
        b: float | None
        if type(other) is Value:
            b = other.data
            rule = _MUL_VALUES
            second: Any = other
        else:
            if type(other) is float:
                b = other
            elif type(other) is int:
                b = float(other)
            else:
                b = _constant(other)
            if b is None:
                return NotImplemented
            rule = _MUL_LEFT
            second = b
        data = a * b
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                tb = tangents.get(second) if rule is _MUL_VALUES else None
                if tb is None:
                    if ta is not None:
                        t = ta * b
                        if t != 0.0:
                            tangents[out] = t
                elif ta is None:
                    t = tb * a
                    if t != 0.0:
                        tangents[out] = t
                else:
                    t = ta * b + tb * a
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = rule
        out._first = self
        out._second = second
        return out

    def __rmul__(self, other: Operand) -> Value:
        """mul with this Value as the second operand: other * self."""
        a: float | None
        if type(other) is float:
            a = other
        elif type(other) is int:
            a = float(other)
        else:
            a = _constant(other)
        if a is None:
            return NotImplemented
        b = self.data
        data = a * b
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                tb = tangents.get(self)
                if tb is not None:
                    t = tb * a
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _MUL_RIGHT
        out._first = self
        out._second = a
        return out

    def __truediv__(self, other: Operand) -> Value:
        """a / b.

        out = a / b; with g the gradient arriving at out, d/da = g / b; d/db = -g * out / b. It
        raises a clear error outside its domain: the divisor must not be zero.
        """
        a = self.data
        b: float | None
        if type(other) is Value:
            b = other.data
            rule = _DIV_VALUES
            second: Any = other
        else:
            if type(other) is float:
                b = other
            elif type(other) is int:
                b = float(other)
            else:
                b = _constant(other)
            if b is None:
                return NotImplemented
            rule = _DIV_LEFT
            second = b
        try:
            data = a / b
        except (ArithmeticError, ValueError) as error:
            raise math_error(error, OPS['div'], (self, second)) from None
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                tb = tangents.get(second) if rule is _DIV_VALUES else None
                if tb is None:
                    if ta is not None:
                        t = ta / b
                        if t != 0.0:
                            tangents[out] = t
                elif ta is None:
                    t = -tb * data / b
                    if t != 0.0:
                        tangents[out] = t
                else:
                    t = ta / b + -tb * data / b
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = rule
        out._first = self
        out._second = second
        return out

    def __rtruediv__(self, other: Operand) -> Value:
        """div with this Value as the second operand: other / self."""
        a: float | None
        if type(other) is float:
            a = other
        elif type(other) is int:
            a = float(other)
        else:
            a = _constant(other)
        if a is None:
            return NotImplemented
        b = self.data
        try:
            data = a / b
        except (ArithmeticError, ValueError) as error:
            raise math_error(error, OPS['div'], (a, self)) from None
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                tb = tangents.get(self)
                if tb is not None:
                    t = -tb * data / b
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _DIV_RIGHT
        out._first = self
        out._second = a
        return out

    def __pow__(self, other: Operand) -> Value:
        """a ** b.

        a ** b; d/da is +-inf at a = 0 for b < 1, d/db is nan for a < 0, as in PyTorch.

        out = power(a, b); with g the gradient arriving at out, d/da = g * pow_grad_base(a, b);
        d/db = g * pow_grad_exponent(a, out). It raises a clear error outside its domain: zero
        has no negative powers and a negative base needs an integer exponent.
        """
        a = self.data
        b: float | None
        if type(other) is Value:
            b = other.data
            rule = _POW_VALUES
            second: Any = other
        else:
            if type(other) is float:
                b = other
            elif type(other) is int:
                b = float(other)
            else:
                b = _constant(other)
            if b is None:
                return NotImplemented
            rule = _POW_LEFT
            second = b
        try:
            data = ops.power(a, b)
        except (ArithmeticError, ValueError) as error:
            raise math_error(error, OPS['pow'], (self, second)) from None
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                tb = tangents.get(second) if rule is _POW_VALUES else None
                if tb is None:
                    if ta is not None:
                        t = ta * ops.pow_grad_base(a, b)
                        if t != 0.0:
                            tangents[out] = t
                elif ta is None:
                    t = tb * ops.pow_grad_exponent(a, data)
                    if t != 0.0:
                        tangents[out] = t
                else:
                    t = ta * ops.pow_grad_base(a, b) + tb * ops.pow_grad_exponent(a, data)
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = rule
        out._first = self
        out._second = second
        return out

    def __rpow__(self, other: Operand) -> Value:
        """pow with this Value as the second operand: other ** self."""
        a: float | None
        if type(other) is float:
            a = other
        elif type(other) is int:
            a = float(other)
        else:
            a = _constant(other)
        if a is None:
            return NotImplemented
        b = self.data
        try:
            data = ops.power(a, b)
        except (ArithmeticError, ValueError) as error:
            raise math_error(error, OPS['pow'], (a, self)) from None
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                tb = tangents.get(self)
                if tb is not None:
                    t = tb * ops.pow_grad_exponent(a, data)
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _POW_RIGHT
        out._first = self
        out._second = a
        return out

    def __neg__(self) -> Value:
        """-a.

        out = -a; with g the gradient arriving at out, d/da = -g.
        """
        a = self.data
        data = -a
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                if ta is not None:
                    tangents[out] = -ta
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _NEG_UNARY
        out._first = self
        out._second = None
        return out

    def abs(self) -> Value:
        """a.abs(): |a|; the derivative at 0 is 0, as in PyTorch.

        out = abs(a); with g the gradient arriving at out, d/da = g * sign(a).

        >>> a = Value(0.5)
        >>> out = a.abs()
        >>> out.backward()
        >>> out.data, a.grad
        (0.5, 1.0)
        """
        a = self.data
        data = abs(a)
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                if ta is not None:
                    t = ta * ops.sign(a)
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _ABS_UNARY
        out._first = self
        out._second = None
        return out

    __abs__ = abs

    def exp(self) -> Value:
        """a.exp(): e ** a.

        out = exp(a); with g the gradient arriving at out, d/da = g * out. It raises a clear
        error outside its domain: the result must fit in a float.

        >>> a = Value(0.5)
        >>> out = a.exp()
        >>> out.backward()
        >>> out.data, a.grad
        (1.6487212707001282, 1.6487212707001282)
        """
        a = self.data
        try:
            data = math.exp(a)
        except (ArithmeticError, ValueError) as error:
            raise math_error(error, OPS['exp'], (self,)) from None
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                if ta is not None:
                    t = ta * data
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _EXP_UNARY
        out._first = self
        out._second = None
        return out

    def log(self) -> Value:
        """a.log(): the natural logarithm of a.

        out = log(a); with g the gradient arriving at out, d/da = g / a. It raises a clear error
        outside its domain: log needs an argument > 0.

        >>> a = Value(0.5)
        >>> out = a.log()
        >>> out.backward()
        >>> out.data, a.grad
        (-0.6931471805599453, 2.0)
        """
        a = self.data
        try:
            data = math.log(a)
        except (ArithmeticError, ValueError) as error:
            raise math_error(error, OPS['log'], (self,)) from None
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                if ta is not None:
                    t = ta / a
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _LOG_UNARY
        out._first = self
        out._second = None
        return out

    def sqrt(self) -> Value:
        """a.sqrt(): the square root of a; its derivative is +inf at 0, as in PyTorch.

        out = sqrt(a); with g the gradient arriving at out, d/da = g * sqrt_grad(out). It raises
        a clear error outside its domain: sqrt needs an argument >= 0.

        >>> a = Value(0.5)
        >>> out = a.sqrt()
        >>> out.backward()
        >>> out.data, a.grad
        (0.7071067811865476, 0.7071067811865475)
        """
        a = self.data
        try:
            data = math.sqrt(a)
        except (ArithmeticError, ValueError) as error:
            raise math_error(error, OPS['sqrt'], (self,)) from None
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                if ta is not None:
                    t = ta * ops.sqrt_grad(data)
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _SQRT_UNARY
        out._first = self
        out._second = None
        return out

    def sin(self) -> Value:
        """a.sin(): the sine of a (radians).

        out = sin(a); with g the gradient arriving at out, d/da = g * cos(a). It raises a clear
        error outside its domain: sin needs a finite argument.

        >>> a = Value(0.5)
        >>> out = a.sin()
        >>> out.backward()
        >>> out.data, a.grad
        (0.479425538604203, 0.8775825618903728)
        """
        a = self.data
        try:
            data = math.sin(a)
        except (ArithmeticError, ValueError) as error:
            raise math_error(error, OPS['sin'], (self,)) from None
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                if ta is not None:
                    t = ta * math.cos(a)
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _SIN_UNARY
        out._first = self
        out._second = None
        return out

    def cos(self) -> Value:
        """a.cos(): the cosine of a (radians).

        out = cos(a); with g the gradient arriving at out, d/da = -g * sin(a). It raises a clear
        error outside its domain: cos needs a finite argument.

        >>> a = Value(0.5)
        >>> out = a.cos()
        >>> out.backward()
        >>> out.data, a.grad
        (0.8775825618903728, -0.479425538604203)
        """
        a = self.data
        try:
            data = math.cos(a)
        except (ArithmeticError, ValueError) as error:
            raise math_error(error, OPS['cos'], (self,)) from None
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                if ta is not None:
                    t = -ta * math.sin(a)
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _COS_UNARY
        out._first = self
        out._second = None
        return out

    def tan(self) -> Value:
        """a.tan(): the tangent of a (radians).

        out = tan(a); with g the gradient arriving at out, d/da = g * (1.0 + out * out). It
        raises a clear error outside its domain: tan needs a finite argument.

        >>> a = Value(0.5)
        >>> out = a.tan()
        >>> out.backward()
        >>> out.data, a.grad
        (0.5463024898437905, 1.2984464104095248)
        """
        a = self.data
        try:
            data = math.tan(a)
        except (ArithmeticError, ValueError) as error:
            raise math_error(error, OPS['tan'], (self,)) from None
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                if ta is not None:
                    t = ta * (1.0 + data * data)
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _TAN_UNARY
        out._first = self
        out._second = None
        return out

    def atan(self) -> Value:
        """a.atan(): the arctangent of a, in (-pi/2, pi/2).

        out = atan(a); with g the gradient arriving at out, d/da = g / (1.0 + a * a).

        >>> a = Value(0.5)
        >>> out = a.atan()
        >>> out.backward()
        >>> out.data, a.grad
        (0.4636476090008061, 0.8)
        """
        a = self.data
        data = math.atan(a)
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                if ta is not None:
                    t = ta / (1.0 + a * a)
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _ATAN_UNARY
        out._first = self
        out._second = None
        return out

    def erf(self) -> Value:
        """a.erf().

        the error function, 2/sqrt(pi) times the integral of e**-t**2 from 0 to a.

        out = erf(a); with g the gradient arriving at out, d/da = g * 1.1283791670955126 *
        exp(-a * a).

        >>> a = Value(0.5)
        >>> out = a.erf()
        >>> out.backward()
        >>> out.data, a.grad
        (0.5204998778130465, 0.8787825789354448)
        """
        a = self.data
        data = math.erf(a)
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                if ta is not None:
                    t = ta * 1.1283791670955126 * math.exp(-a * a)
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _ERF_UNARY
        out._first = self
        out._second = None
        return out

    def _reciprocal(self) -> Value:
        """a._reciprocal().

        1 / a in IEEE arithmetic (+-inf at +-0), for derivative formulas that reach a pole; user
        code writes 1 / a, which refuses a = 0.

        out = reciprocal(a); with g the gradient arriving at out, d/da = -g * out * out.

        >>> a = Value(0.5)
        >>> out = a._reciprocal()
        >>> out.backward()
        >>> out.data, a.grad
        (2.0, -4.0)
        """
        a = self.data
        data = ops.reciprocal(a)
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                if ta is not None:
                    t = -ta * data * data
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _RECIPROCAL_UNARY
        out._first = self
        out._second = None
        return out

    def relu(self) -> Value:
        """a.relu(): max(a, 0); the derivative at 0 is 0, as in PyTorch.

        out = (0.0 if a <= 0.0 else a); with g the gradient arriving at out, d/da = (0.0 if a <=
        0.0 else g).

        >>> a = Value(0.5)
        >>> out = a.relu()
        >>> out.backward()
        >>> out.data, a.grad
        (0.5, 1.0)
        """
        a = self.data
        data = (0.0 if a <= 0.0 else a)
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                if ta is not None:
                    t = (0.0 if a <= 0.0 else ta)
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _RELU_UNARY
        out._first = self
        out._second = None
        return out

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        """a.leaky_relu(negative_slope).

        a for a > 0, else negative_slope * a; the derivative at 0 is negative_slope, as in
        PyTorch.

        out = (a if a > 0.0 else a * negative_slope); with g the gradient arriving at out, d/da
        = (g if a > 0.0 else g * negative_slope).

        >>> a = Value(0.5)
        >>> out = a.leaky_relu()
        >>> out.backward()
        >>> out.data, a.grad
        (0.5, 1.0)
        """
        negative_slope_ = _parameter('leaky_relu', 'negative_slope', negative_slope)
        a = self.data
        data = (a if a > 0.0 else a * negative_slope_)
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                if ta is not None:
                    t = (ta if a > 0.0 else ta * negative_slope_)
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _LEAKY_RELU_UNARY
        out._first = self
        out._second = negative_slope_
        return out

    def tanh(self) -> Value:
        """a.tanh(): the hyperbolic tangent of a.

        out = tanh(a); with g the gradient arriving at out, d/da = g * (1.0 - out * out).

        >>> a = Value(0.5)
        >>> out = a.tanh()
        >>> out.backward()
        >>> out.data, a.grad
        (0.46211715726000974, 0.7864477329659274)
        """
        a = self.data
        data = math.tanh(a)
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                if ta is not None:
                    t = ta * (1.0 - data * data)
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _TANH_UNARY
        out._first = self
        out._second = None
        return out

    def sigmoid(self) -> Value:
        """a.sigmoid(): 1 / (1 + e ** -a), stable for large |a|.

        out = sigmoid(a); with g the gradient arriving at out, d/da = g * out * (1.0 - out).

        >>> a = Value(0.5)
        >>> out = a.sigmoid()
        >>> out.backward()
        >>> out.data, a.grad
        (0.6224593312018546, 0.2350037122015945)
        """
        a = self.data
        data = ops.sigmoid(a)
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                if ta is not None:
                    t = ta * data * (1.0 - data)
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _SIGMOID_UNARY
        out._first = self
        out._second = None
        return out

    def elu(self, alpha: float = 1.0) -> Value:
        """a.elu(alpha).

        a for a > 0, else alpha * (e ** a - 1); the derivative at 0 is alpha, as in PyTorch (and
        so is the second, where PyTorch's is 0).

        out = (a if a > 0.0 else alpha * (exp(a) - 1.0)); with g the gradient arriving at out,
        d/da = (g if a > 0.0 else g * (out + alpha)).

        >>> a = Value(0.5)
        >>> out = a.elu()
        >>> out.backward()
        >>> out.data, a.grad
        (0.5, 1.0)
        """
        alpha_ = _parameter('elu', 'alpha', alpha)
        a = self.data
        data = (a if a > 0.0 else alpha_ * (math.exp(a) - 1.0))
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                if ta is not None:
                    t = (ta if a > 0.0 else ta * (data + alpha_))
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _ELU_UNARY
        out._first = self
        out._second = alpha_
        return out

    def softplus(self) -> Value:
        """a.softplus(): log(1 + e ** a), stable for large |a|.

        out = softplus(a); with g the gradient arriving at out, d/da = g * sigmoid(a).

        >>> a = Value(0.5)
        >>> out = a.softplus()
        >>> out.backward()
        >>> out.data, a.grad
        (0.9740769841801067, 0.6224593312018546)
        """
        a = self.data
        data = ops.softplus(a)
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                if ta is not None:
                    t = ta * ops.sigmoid(a)
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _SOFTPLUS_UNARY
        out._first = self
        out._second = None
        return out

    def gelu(self) -> Value:
        """a.gelu().

        a * Phi(a), Phi the standard normal CDF (the exact erf form, PyTorch's default).

        out = 0.5 * a * (1.0 + erf(a * 0.7071067811865476)); with g the gradient arriving at
        out, d/da = g * (0.5 * (1.0 + erf(a * 0.7071067811865476)) + a * 0.3989422804014327 *
        exp(-0.5 * a * a)).

        >>> a = Value(0.5)
        >>> out = a.gelu()
        >>> out.backward()
        >>> out.data, a.grad
        (0.34573123063700656, 0.8674951246561629)
        """
        a = self.data
        data = 0.5 * a * (1.0 + math.erf(a * 0.7071067811865476))
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                if ta is not None:
                    t = _tangents.gelu_tangent(a, data, ta)
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _GELU_UNARY
        out._first = self
        out._second = None
        return out

    def maximum(self, other: Operand) -> Value:
        """a.maximum(b).

        the larger of a and b; at a tie each gets half the gradient, as in PyTorch.

        out = (b if b > a or b != b else a); with g the gradient arriving at out, d/da = (g if a
        > b else 0.0 if a < b else 0.5 * g); d/db = (0.0 if a > b else g if a < b else 0.5 * g).

        >>> a, b = Value(0.5), Value(-1.5)
        >>> out = a.maximum(b)
        >>> out.backward()
        >>> out.data, a.grad, b.grad
        (0.5, 1.0, 0.0)
        """
        a = self.data
        b: float | None
        if type(other) is Value:
            b = other.data
            rule = _MAXIMUM_VALUES
            second: Any = other
        else:
            if type(other) is float:
                b = other
            elif type(other) is int:
                b = float(other)
            else:
                b = _constant(other)
            if b is None:
                raise TypeError(f"maximum: the other operand must be a Value or a number, "
                                f"not {type(other).__name__}")
            rule = _MAXIMUM_LEFT
            second = b
        data = (b if b > a or b != b else a)
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                tb = tangents.get(second) if rule is _MAXIMUM_VALUES else None
                if ta is not None or tb is not None:
                    t = _tangents.maximum_tangent(a, b, data, ta, tb)
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = rule
        out._first = self
        out._second = second
        return out

    def _rmaximum(self, other: Operand) -> Value:
        """maximum(other, self): this Value as the second operand."""
        a: float | None
        if type(other) is float:
            a = other
        elif type(other) is int:
            a = float(other)
        else:
            a = _constant(other)
        if a is None:
            raise TypeError(f"maximum: the other operand must be a Value or a number, "
                                f"not {type(other).__name__}")
        b = self.data
        data = (b if b > a or b != b else a)
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                tb = tangents.get(self)
                if tb is not None:
                    t = (0.0 if a > b else tb if a < b else 0.5 * tb)
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _MAXIMUM_RIGHT
        out._first = self
        out._second = a
        return out

    def minimum(self, other: Operand) -> Value:
        """a.minimum(b).

        the smaller of a and b; at a tie each gets half the gradient, as in PyTorch.

        out = (b if b < a or b != b else a); with g the gradient arriving at out, d/da = (g if a
        < b else 0.0 if a > b else 0.5 * g); d/db = (0.0 if a < b else g if a > b else 0.5 * g).

        >>> a, b = Value(0.5), Value(-1.5)
        >>> out = a.minimum(b)
        >>> out.backward()
        >>> out.data, a.grad, b.grad
        (-1.5, 0.0, 1.0)
        """
        a = self.data
        b: float | None
        if type(other) is Value:
            b = other.data
            rule = _MINIMUM_VALUES
            second: Any = other
        else:
            if type(other) is float:
                b = other
            elif type(other) is int:
                b = float(other)
            else:
                b = _constant(other)
            if b is None:
                raise TypeError(f"minimum: the other operand must be a Value or a number, "
                                f"not {type(other).__name__}")
            rule = _MINIMUM_LEFT
            second = b
        data = (b if b < a or b != b else a)
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                tb = tangents.get(second) if rule is _MINIMUM_VALUES else None
                if ta is not None or tb is not None:
                    t = _tangents.minimum_tangent(a, b, data, ta, tb)
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = rule
        out._first = self
        out._second = second
        return out

    def _rminimum(self, other: Operand) -> Value:
        """minimum(other, self): this Value as the second operand."""
        a: float | None
        if type(other) is float:
            a = other
        elif type(other) is int:
            a = float(other)
        else:
            a = _constant(other)
        if a is None:
            raise TypeError(f"minimum: the other operand must be a Value or a number, "
                                f"not {type(other).__name__}")
        b = self.data
        data = (b if b < a or b != b else a)
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                tb = tangents.get(self)
                if tb is not None:
                    t = (0.0 if a < b else tb if a > b else 0.5 * tb)
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _MINIMUM_RIGHT
        out._first = self
        out._second = a
        return out

    def clamp(self, min: float | None = None, max: float | None = None) -> Value:
        """a.clamp(min, max).

        a limited to [min, max] (None: no bound); the derivative is 1 at the bounds, as in
        PyTorch.

        out = (min if a < min else max if a > max else a); with g the gradient arriving at out,
        d/da = (0.0 if a < min or a > max else g).

        >>> a = Value(0.5)
        >>> out = a.clamp()
        >>> out.backward()
        >>> out.data, a.grad
        (0.5, 1.0)
        """
        min_ = -inf if min is None else _parameter('clamp', 'min', min)
        max_ = inf if max is None else _parameter('clamp', 'max', max)
        if not min_ <= max_:
            raise ValueError(
                f"clamp: min must not be greater than max (got min={min_!r}, max={max_!r})"
        )
        a = self.data
        data = (min_ if a < min_ else max_ if a > max_ else a)
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._consumers = 0
        if _modes:
            tangents = _local.tangents
            if tangents is not None:
                ta = tangents.get(self)
                if ta is not None:
                    t = (0.0 if a < min_ or a > max_ else ta)
                    if t != 0.0:
                        tangents[out] = t
            elif _local.depth:
                out._op = out._first = out._second = None
                return out
        out._op = _CLAMP_UNARY
        out._first = self
        out._second = (min_, max_)
        return out
    # </generated: methods>


_new = object.__new__


class _Ref(int):
    """In a flattened graph: the position of the node a slot refers to."""


def _relink(slot: Any, found: Any) -> Any:
    """A node slot with each Value in it replaced by ``found[id(value)]`` (or ``found[_Ref]``)."""
    if type(slot) is tuple:
        return tuple(_relink(item, found) for item in slot)
    if type(slot) is Value:
        return found[id(slot)]
    if type(slot) is _Ref:
        return found[slot]
    return slot


def _flatten(root: Value) -> list[Any]:
    """The graph below ``root`` as records, inputs first: a leaf as itself, any other node
    as (data, grad, label, rule, first, second) with its parents as positions."""
    position: dict[int, _Ref] = {}
    records: list[Any] = []
    for node in reversed(topological_order(root)):
        if node._op is None:
            records.append(node)
        else:
            records.append((node.data, node.grad, node.label, node._op,
                            _relink(node._first, position), _relink(node._second, position)))
        position[id(node)] = _Ref(len(records) - 1)
    return records


def _unflatten(records: list[Any]) -> Value:
    """The graph :func:`_flatten` listed; returns its root (the last record)."""
    nodes: list[Value] = []
    for record in records:
        if type(record) is Value:
            nodes.append(record)
            continue
        node = _new(Value)
        node.data, node.grad, node.label, node._op = record[:4]
        node._first = _relink(record[4], nodes)
        node._second = _relink(record[5], nodes)
        node._consumers = 0
        nodes.append(node)
    return nodes[-1]


def _conversion_message(value: Value, target: str) -> str:
    shown = f"Value {value.label!r}" if value.label else f"a Value ({value.data!r})"
    return (
        f"cannot convert {shown} to {target} implicitly: the number would leave the graph "
        "and its gradient would be lost. For a differentiable function use the Value's own "
        "(x.cos(), autograd_scalar.cos(x), not math.cos(x)); for the plain number use "
        "x.data or x.item()"
    )


def _number(x: object) -> float:
    """The float behind a Value or a plain number, for comparisons."""
    if type(x) is Value:
        return x.data
    constant = _constant(x)
    if constant is None:
        raise TypeError(f"cannot compare a Value with {type(x).__name__}")
    return constant


def _constant(x: object) -> float | None:
    """``x`` as a float if it is a plain real number (not a bool, not a Value), else None."""
    kind = type(x)
    if kind is float or kind is int:
        return float(x)  # type: ignore[arg-type]
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return float(x)
    if hasattr(x, "__float__") and not hasattr(x, "__index__") and not isinstance(x, Value):
        # numpy scalars and other real-number types that convert losslessly
        try:
            return float(x)
        except (TypeError, ValueError):
            return None
    return None


def _parameter(op_name: str, name: str, value: object) -> float:
    """An op's parameter as a float, or a TypeError naming the op and the parameter."""
    number = _constant(value)
    if number is None:
        raise TypeError(f"{op_name}: {name} must be a number, not {type(value).__name__}")
    return number


def _operand(x: Operand, op_name: str) -> float:
    """A plain-number operand as a float, or a TypeError naming the op."""
    number = _constant(x)
    if number is None:
        raise TypeError(f"{op_name}: operands must be Values or numbers, not {type(x).__name__}")
    return number


def _as_value(x: Operand) -> Value:
    return x if isinstance(x, Value) else Value(_operand(x, "Value"))


def math_error(error: Exception, op: Op, operands: Sequence[Operand]) -> Exception:
    """The error for an op whose forward rule failed: same type, a message that names the op,
    the operand values and labels, and where the op is defined.

    Every interpreter raises this, so that an error reads the same wherever it happens.

    >>> math_error(ValueError("math domain error"), OPS["log"], [Value(-1.0, label="x")])
    ValueError("log(-1.0 (Value 'x')) is undefined: log needs an argument > 0")
    """
    shown = ", ".join(_describe_operand(x) for x in operands)
    if isinstance(error, OverflowError):
        return OverflowError(f"{op.name}({shown}) overflows: the result is too large for a float")
    return type(error)(f"{op.name}({shown}) is undefined: {op.domain}")


def _describe_operand(x: Operand) -> str:
    if isinstance(x, Value):
        return f"{x.data!r} (Value {x.label!r})" if x.label else repr(x.data)
    return repr(x)


# ---------------------------------------------------------------------------
# Modes: no_grad and forward mode's recording, thread-local and nestable. The
# operator methods first read one global, the number of no_grad blocks and
# recordings open in any thread, so the common case (none) costs a single lookup;
# only when it is non-zero do they ask the thread.

class _ThreadState(threading.local):
    depth = 0  # no_grad blocks open in this thread
    tangents: dict[Value, float] | None = None  # forward mode's, while it records
    nary: Callable[[Value, dict[Value, float]], None] | None = None  # sum and dot's tangent
    paused: tuple[Any, Any] | None = None  # the tangents no_grad blocks put aside, innermost first


_local = _ThreadState()
_modes_lock = threading.Lock()
_modes = 0


def _open_mode(opening: bool) -> None:
    global _modes
    with _modes_lock:
        _modes += 1 if opening else -1


class _TangentRecording:
    """Forward mode as dual numbers, in this thread: inside the block every op also
    gives its result a tangent in ``tangents`` (by Value), from its operands' tangents
    there and its derivative templates; ``nary(out, tangents)`` does so for ``sum`` and
    ``dot``. A Value without an entry has tangent 0. See :mod:`autograd_scalar.forward`.
    """

    __slots__ = ("nary", "tangents")

    def __init__(self, tangents: dict[Value, float],
                 nary: Callable[[Value, dict[Value, float]], None]) -> None:
        self.tangents, self.nary = tangents, nary

    def __enter__(self) -> dict[Value, float]:
        state = _local
        if state.tangents is not None or state.depth:
            raise RuntimeError("forward mode cannot record inside another recording or no_grad")
        state.tangents, state.nary = self.tangents, self.nary
        _open_mode(True)
        return self.tangents

    def __exit__(self, *exc: object) -> None:
        _open_mode(False)
        _local.tangents = _local.nary = None


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
        _open_mode(True)
        state = _local
        state.depth += 1
        # Forward mode pauses: what is computed here is a constant, with no tangent.
        state.paused = (state.tangents, state.paused)
        state.tangents = None
        return self

    def __exit__(self, *exc: object) -> None:
        state = _local
        state.tangents, state.paused = state.paused  # type: ignore[misc]
        state.depth -= 1
        _open_mode(False)


# ---------------------------------------------------------------------------
# Rules: an op as a node runs it. An op has a rule per operand layout, which
# says what the node's ``_first`` and ``_second`` slots hold:
#
#   "unary"   _first: the operand;  _second: the parameter, a tuple of them, or None
#   "values"  _first, _second: the two operands, both Values
#   "left"    _first: the first operand;  _second: the second, a constant (x * 2)
#   "right"   _first: the second operand;  _second: the first, a constant (2 * x)
#   "nary"    _first: every operand, all Values, role by role (then the bias if a
#             Value);  _second: the bias as a constant, or None
#   "mixed"   _first: the Values among the operands;  _second: (role tuples..., bias)
#             with Values and constants in place


Ready = Callable[[Value], None]
BackwardRule = Callable[[Value, Ready], None]
"""``backward(node, ready)``: see :class:`Rule`."""

_FANIN = {"values": 2, "nary": 0, "mixed": 0}


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
        self, op: Op, layout: str, backward: BackwardRule, backward_graph: BackwardRule
    ) -> None:
        self.op = op
        self.layout = layout
        self.fanin = _FANIN.get(layout, 1)
        self.backward = backward
        self.backward_graph = backward_graph

    def __repr__(self) -> str:
        return f"Rule({self.op.name}, {self.layout})"

    def __reduce__(self) -> tuple[Callable[[str, str], Rule], tuple[str, str]]:
        # Pickled and copied graphs share the engine's own rules (and so its op table).
        return _rule, (self.op.name, self.layout)

    def arguments(self, node: Value) -> dict[str, Any]:
        """The node's operands and parameters by name (see :attr:`Value.arguments`)."""
        layout, first, second = self.layout, node._first, node._second
        op = self.op
        if layout == "nary":
            count = len(op.roles)
            n = (len(first) - (second is None)) // count
            found: dict[str, Any] = {
                role: first[k * n : (k + 1) * n] for k, role in enumerate(op.roles)
            }
            found["bias"] = first[-1] if second is None else second
            return found
        if layout == "mixed":
            return {**dict(zip(op.roles, second)), "bias": second[-1]}
        if layout == "values" or layout == "left":
            return {"a": first, "b": second}
        if layout == "right":
            return {"a": second, "b": first}
        names = op.parameter_names
        values = (second,) if len(names) == 1 else (second or ())
        return {"a": first, **dict(zip(names, values))}


# <generated: rules>
# written by `python -m autograd_scalar.codegen` from the op table; do not edit
_ADD_VALUES = Rule(OPS["add"], "values", _rules.add_values, _rules.add_values_graph)
_ADD_LEFT = Rule(OPS["add"], "left", _rules.add_left, _rules.add_left_graph)
_ADD_RIGHT = Rule(OPS["add"], "right", _rules.add_right, _rules.add_right_graph)
_SUB_VALUES = Rule(OPS["sub"], "values", _rules.sub_values, _rules.sub_values_graph)
_SUB_LEFT = Rule(OPS["sub"], "left", _rules.sub_left, _rules.sub_left_graph)
_SUB_RIGHT = Rule(OPS["sub"], "right", _rules.sub_right, _rules.sub_right_graph)
_MUL_VALUES = Rule(OPS["mul"], "values", _rules.mul_values, _rules.mul_values_graph)
_MUL_LEFT = Rule(OPS["mul"], "left", _rules.mul_left, _rules.mul_left_graph)
_MUL_RIGHT = Rule(OPS["mul"], "right", _rules.mul_right, _rules.mul_right_graph)
_DIV_VALUES = Rule(OPS["div"], "values", _rules.div_values, _rules.div_values_graph)
_DIV_LEFT = Rule(OPS["div"], "left", _rules.div_left, _rules.div_left_graph)
_DIV_RIGHT = Rule(OPS["div"], "right", _rules.div_right, _rules.div_right_graph)
_POW_VALUES = Rule(OPS["pow"], "values", _rules.pow_values, _rules.pow_values_graph)
_POW_LEFT = Rule(OPS["pow"], "left", _rules.pow_left, _rules.pow_left_graph)
_POW_RIGHT = Rule(OPS["pow"], "right", _rules.pow_right, _rules.pow_right_graph)
_NEG_UNARY = Rule(OPS["neg"], "unary", _rules.neg_unary, _rules.neg_unary_graph)
_ABS_UNARY = Rule(OPS["abs"], "unary", _rules.abs_unary, _rules.abs_unary_graph)
_EXP_UNARY = Rule(OPS["exp"], "unary", _rules.exp_unary, _rules.exp_unary_graph)
_LOG_UNARY = Rule(OPS["log"], "unary", _rules.log_unary, _rules.log_unary_graph)
_SQRT_UNARY = Rule(OPS["sqrt"], "unary", _rules.sqrt_unary, _rules.sqrt_unary_graph)
_SIN_UNARY = Rule(OPS["sin"], "unary", _rules.sin_unary, _rules.sin_unary_graph)
_COS_UNARY = Rule(OPS["cos"], "unary", _rules.cos_unary, _rules.cos_unary_graph)
_TAN_UNARY = Rule(OPS["tan"], "unary", _rules.tan_unary, _rules.tan_unary_graph)
_ATAN_UNARY = Rule(OPS["atan"], "unary", _rules.atan_unary, _rules.atan_unary_graph)
_ERF_UNARY = Rule(OPS["erf"], "unary", _rules.erf_unary, _rules.erf_unary_graph)
_RECIPROCAL_UNARY = Rule(
    OPS["reciprocal"], "unary", _rules.reciprocal_unary, _rules.reciprocal_unary_graph
)
_RELU_UNARY = Rule(OPS["relu"], "unary", _rules.relu_unary, _rules.relu_unary_graph)
_LEAKY_RELU_UNARY = Rule(
    OPS["leaky_relu"], "unary", _rules.leaky_relu_unary, _rules.leaky_relu_unary_graph
)
_TANH_UNARY = Rule(OPS["tanh"], "unary", _rules.tanh_unary, _rules.tanh_unary_graph)
_SIGMOID_UNARY = Rule(OPS["sigmoid"], "unary", _rules.sigmoid_unary, _rules.sigmoid_unary_graph)
_ELU_UNARY = Rule(OPS["elu"], "unary", _rules.elu_unary, _rules.elu_unary_graph)
_SOFTPLUS_UNARY = Rule(OPS["softplus"], "unary", _rules.softplus_unary, _rules.softplus_unary_graph)
_GELU_UNARY = Rule(OPS["gelu"], "unary", _rules.gelu_unary, _rules.gelu_unary_graph)
_MAXIMUM_VALUES = Rule(OPS["maximum"], "values", _rules.maximum_values, _rules.maximum_values_graph)
_MAXIMUM_LEFT = Rule(OPS["maximum"], "left", _rules.maximum_left, _rules.maximum_left_graph)
_MAXIMUM_RIGHT = Rule(OPS["maximum"], "right", _rules.maximum_right, _rules.maximum_right_graph)
_MINIMUM_VALUES = Rule(OPS["minimum"], "values", _rules.minimum_values, _rules.minimum_values_graph)
_MINIMUM_LEFT = Rule(OPS["minimum"], "left", _rules.minimum_left, _rules.minimum_left_graph)
_MINIMUM_RIGHT = Rule(OPS["minimum"], "right", _rules.minimum_right, _rules.minimum_right_graph)
_CLAMP_UNARY = Rule(OPS["clamp"], "unary", _rules.clamp_unary, _rules.clamp_unary_graph)
_SUM_NARY = Rule(OPS["sum"], "nary", _rules.sum_nary, _rules.sum_nary_graph)
_DOT_NARY = Rule(OPS["dot"], "nary", _rules.dot_nary, _rules.dot_nary_graph)
_DOT_MIXED = Rule(OPS["dot"], "mixed", _rules.dot_mixed, _rules.dot_mixed_graph)
# </generated: rules>


# ---------------------------------------------------------------------------
# Module functions: tanh(x), maximum(a, b) ... for a Value or a plain number.

def _rule(op_name: str, layout: str) -> Rule:
    """The engine's Rule of an op in a layout, by name (for unpickling)."""
    return _RULES[op_name, layout]


_RULES = {(rule.op.name, rule.layout): rule for rule in list(globals().values())
          if isinstance(rule, Rule)}


# <generated: functions>
# written by `python -m autograd_scalar.codegen` from the op table; do not edit
def exp(a: Operand) -> Value:
    """exp(a): e ** a.

    out = exp(a); with g the gradient arriving at out, d/da = g * out. It raises a clear error
    outside its domain: the result must fit in a float.

    >>> a = Value(0.5)
    >>> out = exp(a)
    >>> out.backward()
    >>> out.data, a.grad
    (1.6487212707001282, 1.6487212707001282)
    """
    return _as_value(a).exp()


def log(a: Operand) -> Value:
    """log(a): the natural logarithm of a.

    out = log(a); with g the gradient arriving at out, d/da = g / a. It raises a clear error
    outside its domain: log needs an argument > 0.

    >>> a = Value(0.5)
    >>> out = log(a)
    >>> out.backward()
    >>> out.data, a.grad
    (-0.6931471805599453, 2.0)
    """
    return _as_value(a).log()


def sqrt(a: Operand) -> Value:
    """sqrt(a): the square root of a; its derivative is +inf at 0, as in PyTorch.

    out = sqrt(a); with g the gradient arriving at out, d/da = g * sqrt_grad(out). It raises a
    clear error outside its domain: sqrt needs an argument >= 0.

    >>> a = Value(0.5)
    >>> out = sqrt(a)
    >>> out.backward()
    >>> out.data, a.grad
    (0.7071067811865476, 0.7071067811865475)
    """
    return _as_value(a).sqrt()


def sin(a: Operand) -> Value:
    """sin(a): the sine of a (radians).

    out = sin(a); with g the gradient arriving at out, d/da = g * cos(a). It raises a clear
    error outside its domain: sin needs a finite argument.

    >>> a = Value(0.5)
    >>> out = sin(a)
    >>> out.backward()
    >>> out.data, a.grad
    (0.479425538604203, 0.8775825618903728)
    """
    return _as_value(a).sin()


def cos(a: Operand) -> Value:
    """cos(a): the cosine of a (radians).

    out = cos(a); with g the gradient arriving at out, d/da = -g * sin(a). It raises a clear
    error outside its domain: cos needs a finite argument.

    >>> a = Value(0.5)
    >>> out = cos(a)
    >>> out.backward()
    >>> out.data, a.grad
    (0.8775825618903728, -0.479425538604203)
    """
    return _as_value(a).cos()


def tan(a: Operand) -> Value:
    """tan(a): the tangent of a (radians).

    out = tan(a); with g the gradient arriving at out, d/da = g * (1.0 + out * out). It raises a
    clear error outside its domain: tan needs a finite argument.

    >>> a = Value(0.5)
    >>> out = tan(a)
    >>> out.backward()
    >>> out.data, a.grad
    (0.5463024898437905, 1.2984464104095248)
    """
    return _as_value(a).tan()


def atan(a: Operand) -> Value:
    """atan(a): the arctangent of a, in (-pi/2, pi/2).

    out = atan(a); with g the gradient arriving at out, d/da = g / (1.0 + a * a).

    >>> a = Value(0.5)
    >>> out = atan(a)
    >>> out.backward()
    >>> out.data, a.grad
    (0.4636476090008061, 0.8)
    """
    return _as_value(a).atan()


def erf(a: Operand) -> Value:
    """erf(a): the error function, 2/sqrt(pi) times the integral of e**-t**2 from 0 to a.

    out = erf(a); with g the gradient arriving at out, d/da = g * 1.1283791670955126 * exp(-a *
    a).

    >>> a = Value(0.5)
    >>> out = erf(a)
    >>> out.backward()
    >>> out.data, a.grad
    (0.5204998778130465, 0.8787825789354448)
    """
    return _as_value(a).erf()


def relu(a: Operand) -> Value:
    """relu(a): max(a, 0); the derivative at 0 is 0, as in PyTorch.

    out = (0.0 if a <= 0.0 else a); with g the gradient arriving at out, d/da = (0.0 if a <= 0.0
    else g).

    >>> a = Value(0.5)
    >>> out = relu(a)
    >>> out.backward()
    >>> out.data, a.grad
    (0.5, 1.0)
    """
    return _as_value(a).relu()


def leaky_relu(a: Operand, negative_slope: float = 0.01) -> Value:
    """leaky_relu(a, negative_slope).

    a for a > 0, else negative_slope * a; the derivative at 0 is negative_slope, as in PyTorch.

    out = (a if a > 0.0 else a * negative_slope); with g the gradient arriving at out, d/da = (g
    if a > 0.0 else g * negative_slope).

    >>> a = Value(0.5)
    >>> out = leaky_relu(a)
    >>> out.backward()
    >>> out.data, a.grad
    (0.5, 1.0)
    """
    return _as_value(a).leaky_relu(negative_slope)


def tanh(a: Operand) -> Value:
    """tanh(a): the hyperbolic tangent of a.

    out = tanh(a); with g the gradient arriving at out, d/da = g * (1.0 - out * out).

    >>> a = Value(0.5)
    >>> out = tanh(a)
    >>> out.backward()
    >>> out.data, a.grad
    (0.46211715726000974, 0.7864477329659274)
    """
    return _as_value(a).tanh()


def sigmoid(a: Operand) -> Value:
    """sigmoid(a): 1 / (1 + e ** -a), stable for large |a|.

    out = sigmoid(a); with g the gradient arriving at out, d/da = g * out * (1.0 - out).

    >>> a = Value(0.5)
    >>> out = sigmoid(a)
    >>> out.backward()
    >>> out.data, a.grad
    (0.6224593312018546, 0.2350037122015945)
    """
    return _as_value(a).sigmoid()


def elu(a: Operand, alpha: float = 1.0) -> Value:
    """elu(a, alpha).

    a for a > 0, else alpha * (e ** a - 1); the derivative at 0 is alpha, as in PyTorch (and so
    is the second, where PyTorch's is 0).

    out = (a if a > 0.0 else alpha * (exp(a) - 1.0)); with g the gradient arriving at out, d/da
    = (g if a > 0.0 else g * (out + alpha)).

    >>> a = Value(0.5)
    >>> out = elu(a)
    >>> out.backward()
    >>> out.data, a.grad
    (0.5, 1.0)
    """
    return _as_value(a).elu(alpha)


def softplus(a: Operand) -> Value:
    """softplus(a): log(1 + e ** a), stable for large |a|.

    out = softplus(a); with g the gradient arriving at out, d/da = g * sigmoid(a).

    >>> a = Value(0.5)
    >>> out = softplus(a)
    >>> out.backward()
    >>> out.data, a.grad
    (0.9740769841801067, 0.6224593312018546)
    """
    return _as_value(a).softplus()


def gelu(a: Operand) -> Value:
    """gelu(a).

    a * Phi(a), Phi the standard normal CDF (the exact erf form, PyTorch's default).

    out = 0.5 * a * (1.0 + erf(a * 0.7071067811865476)); with g the gradient arriving at out,
    d/da = g * (0.5 * (1.0 + erf(a * 0.7071067811865476)) + a * 0.3989422804014327 * exp(-0.5 *
    a * a)).

    >>> a = Value(0.5)
    >>> out = gelu(a)
    >>> out.backward()
    >>> out.data, a.grad
    (0.34573123063700656, 0.8674951246561629)
    """
    return _as_value(a).gelu()


def maximum(a: Operand, b: Operand) -> Value:
    """maximum(a, b).

    the larger of a and b; at a tie each gets half the gradient, as in PyTorch.

    out = (b if b > a or b != b else a); with g the gradient arriving at out, d/da = (g if a > b
    else 0.0 if a < b else 0.5 * g); d/db = (0.0 if a > b else g if a < b else 0.5 * g).

    >>> a, b = Value(0.5), Value(-1.5)
    >>> out = maximum(a, b)
    >>> out.backward()
    >>> out.data, a.grad, b.grad
    (0.5, 1.0, 0.0)
    """
    if isinstance(a, Value):
        return a.maximum(b)
    if isinstance(b, Value):
        return b._rmaximum(a)
    return Value(_operand(a, 'maximum')).maximum(b)


def minimum(a: Operand, b: Operand) -> Value:
    """minimum(a, b).

    the smaller of a and b; at a tie each gets half the gradient, as in PyTorch.

    out = (b if b < a or b != b else a); with g the gradient arriving at out, d/da = (g if a < b
    else 0.0 if a > b else 0.5 * g); d/db = (0.0 if a < b else g if a > b else 0.5 * g).

    >>> a, b = Value(0.5), Value(-1.5)
    >>> out = minimum(a, b)
    >>> out.backward()
    >>> out.data, a.grad, b.grad
    (-1.5, 0.0, 1.0)
    """
    if isinstance(a, Value):
        return a.minimum(b)
    if isinstance(b, Value):
        return b._rminimum(a)
    return Value(_operand(a, 'minimum')).minimum(b)


def clamp(a: Operand, min: float | None = None, max: float | None = None) -> Value:
    """clamp(a, min, max).

    a limited to [min, max] (None: no bound); the derivative is 1 at the bounds, as in PyTorch.

    out = (min if a < min else max if a > max else a); with g the gradient arriving at out, d/da
    = (0.0 if a < min or a > max else g).

    >>> a = Value(0.5)
    >>> out = clamp(a)
    >>> out.backward()
    >>> out.data, a.grad
    (0.5, 1.0)
    """
    return _as_value(a).clamp(min, max)
# </generated: functions>


# ---------------------------------------------------------------------------
# n-ary operations: one node for many terms. A neuron's sum of w_i * x_i + b is
# one ``dot`` node instead of 2n binary ones.


def sum(terms: Iterable[Operand]) -> Value:
    """The sum of many terms as one node; each Value term gets derivative 1.

    Plain numbers among the terms add up into one constant, not parents.

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
    return _node(data, tuple(parents), _SUM_NARY, constant)


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
    # A hidden neuron's case first, checked with C-level loops: every weight and
    # every input a Value, and the bias a Value or absent.
    if (
        (bias is None or type(bias) is Value)
        and set(map(type, weights)) <= _VALUE_TYPE
        and set(map(type, inputs)) <= _VALUE_TYPE
    ):
        data = builtins.sum(
            map(operator.mul, [w.data for w in weights], [x.data for x in inputs])  # type: ignore[union-attr]
        )
        parents: tuple[Value, ...] = (*weights, *inputs)  # type: ignore[arg-type]
        if bias is None:
            return _node(data + 0.0, parents, _DOT_NARY, 0.0)
        return _node(data + bias.data, (*parents, bias), _DOT_NARY, None)
    ws = tuple(_dot_operand(w, "weights") for w in weights)
    xs = tuple(_dot_operand(x, "inputs") for x in inputs)
    b = _dot_operand(0.0 if bias is None else bias, "bias")
    data = builtins.sum(map(operator.mul, map(_number, ws), map(_number, xs))) + _number(b)
    parents = tuple(v for v in (*ws, *xs, b) if type(v) is not float)  # type: ignore[misc]
    return _node(data, parents, _DOT_MIXED, (ws, xs, b))


_VALUE_TYPE = {Value}


def _dot_operand(x: Operand, role: str) -> Value | float:
    """A dot operand as stored: a Value, or a plain number as a float."""
    if isinstance(x, Value):
        return x
    number = _constant(x)
    if number is None:
        raise TypeError(f"dot: {role} must be Values or numbers, not {type(x).__name__}")
    return number


def _node(data: float, parents: tuple[Value, ...], rule: Rule, second: Any) -> Value:
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._consumers = 0
    if not parents or (_modes and _grad_disabled()):
        out._op = out._first = out._second = None
        return out
    out._op = rule
    out._first = parents
    out._second = second
    if _modes and _local.nary is not None:
        _local.nary(out, _local.tangents)  # type: ignore[arg-type]
    return out


def dot_operands(node: Value) -> tuple[tuple[Operand, ...], tuple[Operand, ...], Operand]:
    """The (weights, inputs, bias) of a ``dot`` node, Values and constants in their places.

    >>> w = Value(2.0)
    >>> dot_operands(dot([w], [3.0]))
    ((Value(data=2.0, grad=0.0),), (3.0,), 0.0)
    """
    arguments = node.arguments
    return arguments["weights"], arguments["inputs"], arguments["bias"]


def describe_op(node: Value) -> str:
    """A short label for the operation that made ``node``, constants included.

    >>> x = Value(1.0)
    >>> describe_op(x * 2), describe_op(2 - x), describe_op(x.leaky_relu(0.1))
    ('* 2', '2 -', 'leaky_relu(0.1)')
    """
    op = node.operation
    return "" if op is None else op.label(node.arguments)


# ---------------------------------------------------------------------------
# backward


_backward_lock = threading.RLock()
"""Held by every backward pass: passes through shared nodes from several threads take
turns, because each pass keeps scratch counts and gradients in the nodes it visits."""


def _backward(root: Value, gradient: float | Value, create_graph: bool) -> None:
    with _backward_lock:
        _backward_locked(root, gradient, create_graph)


def _backward_locked(root: Value, gradient: float | Value, create_graph: bool) -> None:
    if root._op is None:  # a leaf: nothing to propagate
        if create_graph:
            total = accumulate(root.grad, gradient)
            root.grad = total if isinstance(total, Value) else Value(total)
        else:
            root.grad = root.grad + gradient
        return
    _count_consumers(root)
    root.grad = gradient if create_graph else _number(gradient)
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
    any depth works; every interpreter of the graph (compiler, renderer) walks
    it with this.

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
