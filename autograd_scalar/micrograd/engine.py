"""micrograd's ``Value``, computed and differentiated by autograd_scalar's engine.

:class:`Value` has the interface of ``micrograd.engine.Value`` (micrograd 0.1.0):
``Value(data, _children=(), _op='')``, the attributes ``data``, ``grad``,
``_prev`` and ``_op``, the operators ``+ - * / **`` (with reflected forms and
unary ``-``), ``relu()`` and ``backward()``. Each instance holds one node of
the engine (:class:`autograd_scalar.Value`, reachable as :attr:`Value.node`):
the arithmetic is the engine's, and ``backward()`` runs the engine's
``backward``.

The graph is built the way micrograd builds it, so that walks over ``_prev``
(``draw_dot``, a topological sort) see micrograd's nodes and ops, and the numbers
are micrograd's: a plain number operand becomes a leaf Value in ``_prev``,
``a - b`` is ``a + (-b)``, ``-a`` is ``a * -1`` and ``a / b`` is ``a * b**-1``.

Where this class and micrograd differ, observably:

* the engine computes in floats; ``data`` and ``grad`` are ints where
  micrograd's would be (``Value(0)``, ``Value(2) * 3``, the grad ``1`` that ``+``
  passes down from the root), converted from the engine's float, so ints
  beyond 2**53 are not exact;
* ``relu()`` of ``-0.0`` or ``nan`` gives ``0`` (micrograd keeps ``-0.0`` and
  ``nan``), and a zero gradient through ``relu`` is ``0.0``, never ``-0.0``;
* ``x ** k`` for a negative ``x`` and a non-integer ``k`` raises ``ValueError``
  (micrograd returns a complex number), and ``0.0 ** -1`` raises the engine's
  ``ZeroDivisionError`` with a message naming the op;
* several contributions to one gradient are added in the engine's order, not
  micrograd's (which follows ``set`` iteration, so it changes with memory
  addresses): such sums can differ from micrograd's in the last bit;
* a Value built directly with ``_children`` (the way to write a custom op in
  micrograd, with a hand-written ``_backward``) is shown in ``_prev``, but the
  engine cannot differentiate through it: ``backward()`` over it raises
  ``NotImplementedError``;
* ``backward()`` walks the graph iteratively, so graphs deeper than Python's
  recursion limit work (micrograd's recursive sort raises ``RecursionError``).

>>> a = Value(-4.0)
>>> b = Value(2.0)
>>> c = a + b
>>> d = a * b + b**3
>>> c += c + 1
>>> c += 1 + c + (-a)
>>> d += d * 2 + (b + a).relu()
>>> d += 3 * d + (b - a).relu()
>>> e = c - d
>>> f = e**2
>>> g = f / 2.0
>>> g += 10.0 / f
>>> g.backward()
>>> f"{g.data:.4f} {a.grad:.4f} {b.grad:.4f}"
'24.7041 138.8338 645.5773'
>>> g
Value(data=24.70408163265306, grad=1)
"""

from __future__ import annotations

from collections.abc import Iterable
from numbers import Integral, Real

from autograd_scalar import engine as _engine

__all__ = ["Value"]

_Node = _engine.Value


def _as_number(data: object) -> tuple[float, bool]:
    """``data`` as the engine's float, and whether micrograd would hold it as an int."""
    if type(data) is float:
        return data, False
    if isinstance(data, Integral):  # int, bool, numpy integers
        return float(int(data)), True
    if isinstance(data, Real):  # float subclasses, numpy floats, Fraction ...
        return float(data), False
    raise TypeError(f"Value data must be a real number, not {type(data).__name__} ({data!r})")


class Value:
    """A scalar and its gradient, with micrograd's interface, computed by our engine.

    ``Value(data)`` makes a leaf. ``_children`` and ``_op`` are micrograd's
    graph-construction arguments: they are recorded in ``_prev`` and ``_op``,
    but a Value built with children is a leaf to the engine, which cannot
    differentiate through it (``backward()`` refuses it).

    Attributes, as in micrograd:

    * ``data``: the number (an int where micrograd's would be an int);
    * ``grad``: ``d root / d self`` after ``root.backward()``; ``0`` until then;
    * ``_prev``: the set of Values this one was computed from;
    * ``_op``: the op that made it: ``'+'``, ``'*'``, ``'**k'``, ``'ReLU'``, or ``''``.

    >>> x = Value(3.0)
    >>> y = x * x - 1
    >>> y.backward()
    >>> y, x.grad, y._op, len(y._prev)
    (Value(data=8.0, grad=1), 6.0, '+', 2)
    """

    _node: _Node
    _int: bool
    _external: bool
    grad: float
    _prev: set[Value]
    _op: str

    def __init__(self, data: float, _children: Iterable[Value] = (), _op: str = "") -> None:
        number, is_int = _as_number(data)
        self._node = _Node(number)
        self._int = is_int
        self._prev = set(_children)
        # Children given here are display-only: the engine node is a leaf.
        self._external = bool(self._prev)
        self._op = _op
        self.grad = 0

    @property
    def data(self) -> float:
        """The number this Value holds (an int where micrograd's would be an int).

        Assigning to it (``p.data -= lr * p.grad``) updates the engine's node,
        so a later ``backward()`` of a graph built on it uses the new value,
        as micrograd's does.
        """
        number = self._node.data
        return int(number) if self._int else number

    @data.setter
    def data(self, value: float) -> None:
        self._node.data, self._int = _as_number(value)

    @property
    def node(self) -> _Node:
        """The engine's node behind this Value (an :class:`autograd_scalar.Value`).

        >>> x = Value(2.0)
        >>> (x * x).node.op
        'mul'
        """
        return self._node

    def __add__(self, other: Value | float) -> Value:
        """self + other: a ``'+'`` node; a number ``other`` becomes a leaf Value."""
        operand = _lift(other)
        return _make(self._node + operand._node, (self, operand), "+", self._int and operand._int)

    def __mul__(self, other: Value | float) -> Value:
        """self * other: a ``'*'`` node; a number ``other`` becomes a leaf Value."""
        operand = _lift(other)
        return _make(self._node * operand._node, (self, operand), "*", self._int and operand._int)

    def __pow__(self, other: float) -> Value:
        """self ** other for an int or float exponent: a ``'**other'`` node (``'**2'``).

        The exponent is a constant, not a Value, and not in ``_prev``; any
        other exponent raises ``AssertionError``, as in micrograd.
        """
        if not isinstance(other, (int, float)):
            raise AssertionError("only supporting int/float powers for now")
        is_int = self._int and isinstance(other, int) and other >= 0
        return _make(self._node ** float(other), (self,), f"**{other}", is_int)

    def relu(self) -> Value:
        """max(self, 0): a ``'ReLU'`` node; its derivative is 0 for ``self <= 0``."""
        is_int = self._int or self._node.data < 0.0  # micrograd writes the int 0
        return _make(self._node.relu(), (self,), "ReLU", is_int)

    def __neg__(self) -> Value:
        """-self, built as micrograd builds it: ``self * -1``."""
        return self * -1

    def __radd__(self, other: float) -> Value:
        """other + self, built as ``self + other``."""
        return self + other

    def __sub__(self, other: Value | float) -> Value:
        """self - other, built as micrograd builds it: ``self + (-other)``."""
        return self + (-other)

    def __rsub__(self, other: float) -> Value:
        """other - self, built as micrograd builds it: ``(-self) + other``."""
        return (-self) + other

    def __rmul__(self, other: float) -> Value:
        """other * self, built as ``self * other``."""
        return self * other

    def __truediv__(self, other: Value | float) -> Value:
        """self / other, built as micrograd builds it: ``self * other**-1``.

        ``x / 3.0`` is therefore ``x * (1/3.0)``, micrograd's number, which can
        differ in the last bit from the quotient ``x / 3.0``.
        """
        return self * other**-1

    def __rtruediv__(self, other: float) -> Value:
        """other / self, built as micrograd builds it: ``self**-1 * other``."""
        return self**-1 * other

    def backward(self) -> None:
        """Set this Value's grad to 1 and add ``d self / d v`` into the grad of every Value below.

        micrograd's semantics, computed by the engine's ``backward``: every
        Value reachable through ``_prev`` (leaves and intermediate results)
        has the gradient added to its ``grad``, so calling ``backward()``
        again without zeroing grads accumulates, exactly as micrograd does
        (an intermediate's old grad is propagated down again with the new one).

        >>> x = Value(2.0)
        >>> y = x * x
        >>> y.backward(); x.grad
        4.0
        >>> y.backward(); x.grad   # accumulates, as in micrograd
        8.0
        """
        nodes = _reachable(self)
        int_grads = {value: type(value.grad) is int for value in nodes}
        weights: list[float] = []
        seeded: list[_Node] = []
        for value in nodes:
            if value._external:
                raise NotImplementedError(
                    f"backward() through a Value built with _children (op {value._op!r}): the "
                    "engine differentiates only Values made by its operators "
                    "(+ - * / ** relu)"
                )
            node = value._node
            if node.is_leaf:
                # A leaf: the engine adds this call's gradient to what it holds.
                node.grad = float(value.grad)
            elif value is not self and value.grad != 0:
                # An intermediate with an old gradient, which micrograd sends down
                # again: it seeds the engine's backward with that weight.
                weights.append(float(value.grad))
                seeded.append(node)
        root = self._node
        if not root.is_leaf:
            if seeded:
                _engine.dot(weights, seeded, bias=root).backward()
            else:
                root.backward()
            for value in nodes:
                value.grad = value._node.grad
            int_grads[self] = True
            for value in _int_gradients(self, nodes, int_grads):
                value.grad = int(value.grad)
        self.grad = 1

    def __repr__(self) -> str:
        """``Value(data=..., grad=...)``, exactly micrograd's form."""
        return f"Value(data={self.data}, grad={self.grad})"


def _lift(x: Value | float) -> Value:
    """``x`` as a Value: micrograd wraps a number operand in a new leaf."""
    return x if isinstance(x, Value) else Value(x)


def _make(node: _Node, children: tuple[Value, ...], op: str, is_int: bool) -> Value:
    """The Value for an engine result ``node`` made from ``children`` by ``op``."""
    out = Value.__new__(Value)
    out._node = node
    out._int = is_int
    out._prev = set(children)
    out._external = False
    out._op = op
    out.grad = 0
    return out


def _int_gradients(root: Value, nodes: list[Value], int_grads: dict[Value, bool]) -> list[Value]:
    """The Values whose grad micrograd would hold as an int after ``root.backward()``.

    micrograd adds Python numbers, so a grad stays an int while every term added
    to it is one (from the root's ``1``, through ``+``, ``ReLU``, and ``*`` or
    ``**k`` of int data). ``int_grads`` says which grads start as ints; the
    terms are followed from the root down, each node once all its consumers are done.
    """
    pending: dict[Value, int] = dict.fromkeys(nodes, 0)
    for value in nodes:
        for child in value._prev:
            pending[child] += 1
    ready = [root]
    while ready:
        value = ready.pop()
        op = value._op
        passes = int_grads[value]
        for child in value._prev:
            if not passes:
                term = False
            elif op == "*":
                others = value._prev - {child}
                other = next(iter(others)) if others else child
                term = other._int
            elif op.startswith("**"):
                exponent = op[2:]
                term = child._int and exponent.isdigit() and int(exponent) >= 1
            else:  # '+' and 'ReLU' pass the consumer's grad on as it is
                term = True
            if not term:
                int_grads[child] = False
            pending[child] -= 1
            if not pending[child]:
                ready.append(child)
    return [value for value in nodes if int_grads[value]]


def _reachable(root: Value) -> list[Value]:
    """Every Value reachable from ``root`` through ``_prev`` (``root`` first), iteratively."""
    seen = {root}
    found = [root]
    stack = [root]
    while stack:
        for child in stack.pop()._prev:
            if child not in seen:
                seen.add(child)
                found.append(child)
                stack.append(child)
    return found
