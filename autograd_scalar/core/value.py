"""``Value``: one float in a computation graph, and how it was computed.

Read this second, after the op table (:mod:`autograd_scalar.core.ops`). A
Value holds its number (``data``), its gradient (``grad``), a ``label``, and
for a computed Value the :class:`~autograd_scalar.core.rule.Rule` of the op
that made it and its parents. The operator methods (``+``, ``*``, ``tanh``
...) are generated from the op table into
``autograd_scalar/_generated/value_methods.py``, the class this one inherits
them from; ``backward()`` is in :mod:`autograd_scalar.core.backward`.

>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> x.grad  # d(x^2 + 3x)/dx = 2x + 3
7.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Union

from .._generated import value_methods
from .._generated.value_methods import ValueMethods
from .backward import backward
from .copying import deep_copy, flatten, unflatten
from .numbers import number
from .ops import Op

__all__ = ["Number", "Operand", "Value"]

Number = int | float
Operand = Union["Value", int, float]
"""What an op accepts as an operand: a Value, or a plain number (a constant)."""


class Value(ValueMethods):
    """A scalar in a computation graph: its ``data``, its ``grad``, and how it was made.

    ``Value(data, label="")`` makes a leaf (an input or a parameter). Arithmetic
    on Values (``+ - * / **``, unary ``-``, ``abs``) and the methods named after
    the ops of the op table (``exp``, ``tanh``, ``relu``, ``maximum``, ``clamp``
    ...) make new Values that record:

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

    # A node keeps its parents in two slots rather than a tuple: most nodes have one or
    # two, and a tuple would be a third object per node. ``_rule`` is the node's Rule (None
    # for a leaf), whose layout says what ``_first`` and ``_second`` hold; only the
    # engine's own modules read them. ``_consumers`` is backward's scratch count.
    __slots__ = ("_consumers", "_first", "_rule", "_second", "data", "grad", "label")

    draw: Callable[..., Any]
    """``value.draw(**options)``: its graph as a picture. The package attaches it (see
    ``autograd_scalar/__init__.py``), so that the engine imports no renderer."""

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
        self._rule = None
        self._first = self._second = None
        self._consumers = 0

    # --- the node, read the same way for every op ---------------------------------

    @property
    def op(self) -> str:
        """The name of the operation that made this Value (``""`` for a leaf)."""
        rule = self._rule
        return "" if rule is None else rule.op.name

    @property
    def operation(self) -> Op | None:
        """The op-table entry of the operation that made this Value (None for a leaf)."""
        rule = self._rule
        return None if rule is None else rule.op

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this one was computed from (plain-number operands are not among them)."""
        rule = self._rule
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
        rule = self._rule
        return {} if rule is None else rule.arguments(self)

    @property
    def is_leaf(self) -> bool:
        """True for a Value with no parents: an input, a parameter, or a ``no_grad`` result."""
        return self._rule is None

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
        backward(self, gradient, create_graph)

    # --- as a number: shown, compared, never converted silently --------------------

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

    # Converting a Value to a number without saying so would drop it from the graph, and
    # every derivative through it would silently be 0: math.cos(x), float(x), int(x) ...
    # refuse, and say what to write instead.
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
        return self.data < number(other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= number(other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > number(other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= number(other)

    def __reduce_ex__(self, protocol: Any) -> Any:
        # A leaf pickles as itself; a graph pickles flat, with no recursion (see core.copying).
        if self._rule is None:
            return super().__reduce_ex__(protocol)
        return unflatten, (flatten(self),)

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """A copy of the graph below this Value (iteratively: any depth), sharing nothing."""
        return deep_copy(self, memo)


value_methods.make_results_of(Value)  # the generated methods make Values of this class


def _conversion_message(value: Value, target: str) -> str:
    shown = f"Value {value.label!r}" if value.label else f"a Value ({value.data!r})"
    return (
        f"cannot convert {shown} to {target} implicitly: the number would leave the graph "
        "and its gradient would be lost. For a differentiable function use the Value's own "
        "(x.cos(), autograd_scalar.cos(x), not math.cos(x)); for the plain number use "
        "x.data or x.item()"
    )
