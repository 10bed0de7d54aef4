"""The table of operations: each op's forward rule and local derivatives, side by side.

Every operation is one :class:`Op` entry in :data:`OPS`. Its forward rule and
the local derivative for each operand are short Python expression templates
over these names:

``{a}``, ``{b}``
    the operands (``{b}`` only for binary ops; for ``sum`` and ``dot``, one term's
    operands: a term of ``dot`` is ``{a} * {b}``, a weight times an input);
``{out}``
    the op's result;
``{g}``
    the gradient arriving at the result;
``{negative_slope}``, ``{alpha}``, ``{min}`` ...
    the op's fixed parameters, by name (see :attr:`Op.parameters`).

Each template is one expression, so the same text serves every interpreter of
the graph:

* ``python -m autograd_scalar.codegen`` writes from it ``Value``'s operator
  methods and the module functions (``autograd_scalar.tanh``), the engine's
  backward rules on floats (``_rules.py``) and on Values for
  ``create_graph=True``, so derivatives are themselves differentiable;
* the compiler pastes the templates into straight-line replay code;
* the renderer labels an op node with :meth:`Op.label`.

A template may call the functions in :data:`FLOAT_FUNCTIONS`. Each has a Value
form too: an op's name stands for that op (``exp({a})`` is the ``exp`` op on a
Value), and the helpers below are written once for floats and Values alike.
:func:`check_table` runs at import and rejects a template that uses an unknown
name or calls a function without both forms.

Another interpreter (a numpy replay, forward-mode derivatives) keeps its own
rule for each op in :attr:`Op.rules`, registered with :func:`register_rule`,
without touching the engine, as JAX registers a rule per primitive and
interpreter.

Adding an operation means adding one entry to :data:`OPS`, then running
``python -m autograd_scalar.codegen`` (the test suite fails while the generated
code is stale) and giving the op its sample points in ``tests/test_ops.py``.

>>> OPS["mul"].grads
('{g} * {b}', '{g} * {a}')
>>> OPS["leaky_relu"].parameters
(('negative_slope', 0.01),)
"""

from __future__ import annotations

import ast
import math
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "FLOAT_FUNCTIONS",
    "HELPERS",
    "OPS",
    "Op",
    "accumulate",
    "check_table",
    "on_values",
    "register_rule",
]


@dataclass(frozen=True)
class Op:
    """One operation: its name, how it is called and drawn, and its rules.

    * ``arity``: 1 or 2 operands, or 0 for an n-ary op (``sum``, ``dot``) whose
      result is the sum of its terms plus a bias; ``forward`` is then one term;
    * ``symbol``: an operator (``*``) or the function's name, for labels;
    * ``forward``, ``grads``: the templates (one derivative per operand);
    * ``doc``: one line saying what it computes, for the generated docstrings;
    * ``domain``: where the op is defined, in words; it becomes part of the
      error raised for an operand outside it;
    * ``parameters``: ``(name, default)`` of each fixed parameter, in order; an
      infinite default means "no bound", and None may be passed for it (``clamp``);
    * ``check``: a condition on the parameters, and what to say when it fails;
    * ``methods``: the ``Value`` methods that apply it (the reflected operator
      second for a binary op); ``function``: whether ``autograd_scalar.<name>``
      exists; ``activation``: whether a ``Neuron`` may use it;
    * ``kinks``: points where the derivative is a convention (PyTorch's),
      documented in ``doc`` and tested;
    * ``rules``: each other interpreter's rule for this op, by interpreter name.

    >>> OPS["tanh"].label({"a": "x"})
    'tanh'
    >>> OPS["mul"].label({"a": "x", "b": 2.0})
    '* 2'
    """

    name: str
    symbol: str
    arity: int
    forward: str
    grads: tuple[str, ...]
    doc: str
    domain: str = ""
    parameters: tuple[tuple[str, float], ...] = ()
    methods: tuple[str, ...] = ()
    function: bool = True
    activation: bool = False
    kinks: tuple[float, ...] = ()
    check: tuple[str, str] | tuple[()] = ()
    rules: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def operands(self) -> tuple[str, ...]:
        """The template names of the operands: ``("a",)`` or ``("a", "b")``."""
        return ("a", "b")[: self.arity] if self.arity else ("a", "b")[: len(self.grads)]

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.parameters)

    @property
    def method(self) -> str:
        """The ``Value`` method that applies this op with the Value as first operand."""
        return self.methods[0] if self.methods else self.name

    @property
    def reflected(self) -> str:
        """For a binary op: the method applying it with the Value as second operand."""
        return self.methods[1] if len(self.methods) > 1 else f"_r{self.name}"

    @property
    def is_operator(self) -> bool:
        """True when ``symbol`` is an operator (``+``), drawn between operands."""
        return not self.symbol.isidentifier()

    @property
    def roles(self) -> tuple[str, ...]:
        """For an n-ary op: the names of its argument sequences (``weights``, ``inputs``)."""
        return _ROLES.get(self.name, ())

    def label(self, arguments: Mapping[str, Any]) -> str:
        """A short label for a node of this op: its symbol with its constants (``* 2``).

        ``arguments`` are the node's (:attr:`autograd_scalar.engine.Value.arguments`):
        Values, or floats for constants.
        """
        if self.arity == 0:
            bias = arguments.get("bias", 0.0)
            return f"{self.symbol} + {bias:g}" if type(bias) is float and bias else self.symbol
        shown = [_short(arguments[n]) if type(arguments[n]) is float else "" for n in self.operands]
        params = [_short(arguments[name]) for name in self.parameter_names]
        if self.is_operator and self.arity == 2 and any(shown):
            return f"{self.symbol} {shown[1]}" if shown[1] else f"{shown[0]} {self.symbol}"
        if not params and not any(shown):
            return self.symbol
        inside = [text or "·" for text in shown] if any(shown) else []
        return f"{self.symbol}({', '.join(inside + params)})"


_ROLES = {"sum": ("terms",), "dot": ("weights", "inputs")}


def _short(x: float) -> str:
    return f"{x:g}"


# ---------------------------------------------------------------------------
# Derivative helpers: each is written once and works on floats and on Values,
# so the same template serves plain backward and create_graph=True.


def data(x: Any) -> float:
    """The number behind ``x``: a float itself, or a Value's ``data``."""
    return x if type(x) is float else x.data


def sign(x: Any) -> float:
    """-1.0, 0.0 or 1.0: the derivative of ``abs`` (0 at 0, as PyTorch defines it; nan at nan)."""
    x = data(x)
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0 if x == 0.0 else x


def sqrt_grad(root: Any) -> Any:
    """d sqrt(x)/dx = 1 / (2 sqrt(x)), taken from the result; +inf at 0, as in PyTorch.

    On a Value at 0 the +inf is a node too (``0.5 * reciprocal(root)``), so that it
    stays infinite when differentiated again: d/dx of 1 / (2 sqrt x) is -inf at 0.
    """
    if data(root):
        return 0.5 / root
    return math.inf if type(root) is float else 0.5 * on_values.reciprocal(root)


def reciprocal(x: float) -> float:
    """1 / x in IEEE arithmetic: +-inf at +-0, for derivative formulas that reach a pole."""
    return 1.0 / x if x else math.copysign(math.inf, x)


def power(base: Any, exponent: Any) -> Any:
    """base ** exponent: ``math.pow`` on floats (never a complex number), ``**`` on Values."""
    if type(base) is float and type(exponent) is float:
        return math.pow(base, exponent)
    return base**exponent


def pow_grad_base(base: Any, exponent: Any) -> Any:
    """d(a**b)/da = b * a**(b-1); 0 when b == 0 (even at a == 0), +-inf at a == 0 for b < 1."""
    b, e = data(base), data(exponent)
    if e == 0.0 and (b == 0.0 or type(exponent) is float):
        return 0.0  # a Value exponent keeps its term elsewhere: its derivative is not 0
    if b == 0.0 and e < 1.0:
        if type(base) is float or e <= 0.0:
            return math.copysign(math.inf, e)
        # b * a**(b-1) = b / a**(1-b): a node that is +inf at 0 and stays infinite when
        # differentiated again, as PyTorch's formula does in IEEE arithmetic.
        return exponent * on_values.reciprocal(power(base, 1.0 - exponent))
    try:
        return exponent * power(base, exponent - 1.0)
    except OverflowError:  # IEEE gives +-inf here, as PyTorch does
        odd = b < 0.0 and (e - 1.0) % 2.0 == 1.0
        return math.copysign(math.inf, -e if odd else e)


def pow_grad_exponent(base: Any, result: Any) -> Any:
    """d(a**b)/db = a**b * log(a); 0 at a == 0 and nan for a < 0, as in PyTorch."""
    b = data(base)
    if b > 0.0:
        return result * on_values.log(base)
    if b == 0.0:
        return 0.0
    # log(a) is undefined for a < 0. On Values, nan times the result, so that every
    # derivative taken through it is nan too, in whatever order.
    return math.nan if type(result) is float else result * math.nan


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x), computed without overflow for any float ``x``."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def softplus(x: float) -> float:
    """log(1 + e^x), computed without overflow or cancellation for any float ``x``."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def accumulate(total: Any, term: Any) -> Any:
    """``total + term`` for create_graph backward, without a useless ``0.0 + term`` node."""
    if type(total) is float and total == 0.0:
        return term
    return total + term


HELPERS: dict[str, Callable[..., Any]] = {
    "sign": sign,
    "sqrt_grad": sqrt_grad,
    "power": power,
    "pow_grad_base": pow_grad_base,
    "pow_grad_exponent": pow_grad_exponent,
}
"""Functions templates may call that serve floats and Values alike."""

FLOAT_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "exp": math.exp,
    "log": math.log,
    "tanh": math.tanh,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "atan": math.atan,
    "sqrt": math.sqrt,
    "erf": math.erf,
    "sigmoid": sigmoid,
    "softplus": softplus,
    "reciprocal": reciprocal,
    **HELPERS,
}
"""The functions op templates may call, on floats: forward, plain backward, compiled code."""


class _OnValues:
    """The Value form of each function a template calls: the op's method, or its float form.

    ``on_values.exp(x)`` is ``x.exp()`` for a Value and ``math.exp(x)`` for a
    float (a constant operand stays a constant).
    """

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name in HELPERS:
            return HELPERS[name]
        op = OPS.get(name)
        if op is None or name not in FLOAT_FUNCTIONS:
            raise AttributeError(name)
        on_floats = FLOAT_FUNCTIONS[name]
        method = op.method

        def apply(x: Any, *parameters: float) -> Any:
            if type(x) is float:
                return on_floats(x, *parameters)
            return getattr(x, method)(*parameters)

        apply.__name__ = name
        setattr(self, name, apply)
        return apply


on_values = _OnValues()


# ---------------------------------------------------------------------------
# The table


def _entries(*ops: Op) -> dict[str, Op]:
    return {op.name: op for op in ops}


_RELU_LIKE = "the derivative at 0 is 0, as in PyTorch"

OPS: dict[str, Op] = _entries(
    # --- arithmetic: the operators of Value ---------------------------------
    Op("add", "+", 2, "{a} + {b}", ("{g}", "{g}"), "a + b",
       methods=("__add__", "__radd__"), function=False),
    Op("sub", "-", 2, "{a} - {b}", ("{g}", "-{g}"), "a - b",
       methods=("__sub__", "__rsub__"), function=False),
    Op("mul", "*", 2, "{a} * {b}", ("{g} * {b}", "{g} * {a}"), "a * b",
       methods=("__mul__", "__rmul__"), function=False),
    Op("div", "/", 2, "{a} / {b}", ("{g} / {b}", "-{g} * {out} / {b}"), "a / b",
       domain="the divisor must not be zero",
       methods=("__truediv__", "__rtruediv__"), function=False),
    Op("pow", "**", 2, "power({a}, {b})",
       ("{g} * pow_grad_base({a}, {b})", "{g} * pow_grad_exponent({a}, {out})"),
       "a ** b; d/da is +-inf at a = 0 for b < 1, d/db is nan for a < 0, as in PyTorch",
       domain="zero has no negative powers and a negative base needs an integer exponent",
       methods=("__pow__", "__rpow__"), function=False),
    Op("neg", "-", 1, "-{a}", ("-{g}",), "-a", methods=("__neg__",), function=False),
    Op("abs", "abs", 1, "abs({a})", ("{g} * sign({a})",), f"|a|; {_RELU_LIKE}",
       methods=("abs", "__abs__"), function=False, kinks=(0.0,)),
    # --- functions ----------------------------------------------------------
    Op("exp", "exp", 1, "exp({a})", ("{g} * {out}",), "e ** a",
       domain="the result must fit in a float"),
    Op("log", "log", 1, "log({a})", ("{g} / {a}",), "the natural logarithm of a",
       domain="log needs an argument > 0"),
    Op("sqrt", "sqrt", 1, "sqrt({a})", ("{g} * sqrt_grad({out})",),
       "the square root of a; its derivative is +inf at 0, as in PyTorch",
       domain="sqrt needs an argument >= 0"),
    Op("sin", "sin", 1, "sin({a})", ("{g} * cos({a})",), "the sine of a (radians)",
       domain="sin needs a finite argument"),
    Op("cos", "cos", 1, "cos({a})", ("-{g} * sin({a})",), "the cosine of a (radians)",
       domain="cos needs a finite argument"),
    Op("tan", "tan", 1, "tan({a})", ("{g} * (1.0 + {out} * {out})",),
       "the tangent of a (radians)", domain="tan needs a finite argument"),
    Op("atan", "atan", 1, "atan({a})", ("{g} / (1.0 + {a} * {a})",),
       "the arctangent of a, in (-pi/2, pi/2)"),
    Op("erf", "erf", 1, "erf({a})", ("{g} * 1.1283791670955126 * exp(-{a} * {a})",),
       "the error function, 2/sqrt(pi) times the integral of e**-t**2 from 0 to a"),
    Op("reciprocal", "reciprocal", 1, "reciprocal({a})", ("-{g} * {out} * {out}",),
       "1 / a in IEEE arithmetic (+-inf at +-0), for derivative formulas that reach a pole; "
       "user code writes 1 / a, which refuses a = 0",
       methods=("_reciprocal",), function=False),
    # --- activations ----------------------------------------------------------
    Op("relu", "relu", 1, "(0.0 if {a} <= 0.0 else {a})", ("(0.0 if {a} <= 0.0 else {g})",),
       f"max(a, 0); {_RELU_LIKE}", activation=True, kinks=(0.0,)),
    Op("leaky_relu", "leaky_relu", 1,
       "({a} if {a} > 0.0 else {a} * {negative_slope})",
       ("({g} if {a} > 0.0 else {g} * {negative_slope})",),
       "a for a > 0, else negative_slope * a; the derivative at 0 is negative_slope, "
       "as in PyTorch",
       parameters=(("negative_slope", 0.01),), activation=True, kinks=(0.0,)),
    Op("tanh", "tanh", 1, "tanh({a})", ("{g} * (1.0 - {out} * {out})",),
       "the hyperbolic tangent of a", activation=True),
    Op("sigmoid", "sigmoid", 1, "sigmoid({a})", ("{g} * {out} * (1.0 - {out})",),
       "1 / (1 + e ** -a), stable for large |a|", activation=True),
    Op("elu", "elu", 1,
       "({a} if {a} > 0.0 else {alpha} * (exp({a}) - 1.0))",
       ("({g} if {a} > 0.0 else {g} * ({out} + {alpha}))",),
       "a for a > 0, else alpha * (e ** a - 1); the derivative at 0 is alpha, as in PyTorch "
       "(and so is the second, where PyTorch's is 0)",
       parameters=(("alpha", 1.0),), activation=True, kinks=(0.0,)),
    Op("softplus", "softplus", 1, "softplus({a})", ("{g} * sigmoid({a})",),
       "log(1 + e ** a), stable for large |a|", activation=True),
    Op("gelu", "gelu", 1,
       "0.5 * {a} * (1.0 + erf({a} * 0.7071067811865476))",
       ("{g} * (0.5 * (1.0 + erf({a} * 0.7071067811865476))"
        " + {a} * 0.3989422804014327 * exp(-0.5 * {a} * {a}))",),
       "a * Phi(a), Phi the standard normal CDF (the exact erf form, PyTorch's default)",
       activation=True),
    # --- comparisons --------------------------------------------------------
    Op("maximum", "maximum", 2,
       "({b} if {b} > {a} or {b} != {b} else {a})",
       ("({g} if {a} > {b} else 0.0 if {a} < {b} else 0.5 * {g})",
        "(0.0 if {a} > {b} else {g} if {a} < {b} else 0.5 * {g})"),
       "the larger of a and b; at a tie each gets half the gradient, as in PyTorch"),
    Op("minimum", "minimum", 2,
       "({b} if {b} < {a} or {b} != {b} else {a})",
       ("({g} if {a} < {b} else 0.0 if {a} > {b} else 0.5 * {g})",
        "(0.0 if {a} < {b} else {g} if {a} > {b} else 0.5 * {g})"),
       "the smaller of a and b; at a tie each gets half the gradient, as in PyTorch"),
    Op("clamp", "clamp", 1,
       "({min} if {a} < {min} else {max} if {a} > {max} else {a})",
       ("(0.0 if {a} < {min} or {a} > {max} else {g})",),
       "a limited to [min, max] (None: no bound); the derivative is 1 at the bounds, "
       "as in PyTorch",
       parameters=(("min", -math.inf), ("max", math.inf)),
       check=("{min} <= {max}", "min must not be greater than max")),
    # --- n-ary: one node for many terms; ``forward`` is one term -----------------
    Op("sum", "sum", 0, "{a}", ("{g}",),
       "the sum of the terms; plain numbers among them add up into one constant",
       function=False),
    Op("dot", "dot", 0, "{a} * {b}", ("{g} * {b}", "{g} * {a}"),
       "sum_k weights[k] * inputs[k] + bias, one node for a neuron's weighted sum",
       function=False),
)


def register_rule(op_name: str, interpreter: str, rule: Any) -> None:
    """Give the op ``op_name`` a rule of another interpreter (``"numpy"``, ``"jvp"``).

    >>> register_rule("neg", "doctest", "-x")
    >>> OPS["neg"].rules["doctest"]
    '-x'
    >>> del OPS["neg"].rules["doctest"]
    """
    if op_name not in OPS:
        raise KeyError(f"no op named {op_name!r}; the ops are {', '.join(OPS)}")
    OPS[op_name].rules[interpreter] = rule


# ---------------------------------------------------------------------------
# Checking the table


def template_names(template: str) -> set[str]:
    """The ``{names}`` a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def called_functions(template: str) -> set[str]:
    """The names of the functions a template calls."""
    fields = {name: name for name in template_names(template)}
    tree = ast.parse(template.format(**fields), mode="eval")
    return {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }


def check_table(ops: Mapping[str, Op]) -> None:
    """Raise ValueError, naming the op and the missing piece, for an op the interpreters
    cannot run: a template with an unknown name, or a call of a function that lacks its
    float form (in :data:`FLOAT_FUNCTIONS`) or its Value form (an op of that name, or a
    helper in :data:`HELPERS`)."""
    for op in ops.values():
        known = {*op.operands, "g", "out", *op.parameter_names}
        if len(op.grads) != len(op.operands):
            raise ValueError(f"op {op.name!r}: {len(op.grads)} derivatives for "
                             f"{len(op.operands)} operands; give one per operand")
        for template in (op.forward, *op.grads):
            unknown = template_names(template) - known
            if unknown:
                raise ValueError(
                    f"op {op.name!r}: template {template!r} uses unknown name(s) "
                    f"{', '.join(sorted(unknown))}; it may use {', '.join(sorted(known))}"
                )
            for name in sorted(called_functions(template)):
                if name not in FLOAT_FUNCTIONS:
                    raise ValueError(
                        f"op {op.name!r}: template {template!r} calls {name}, which has no "
                        "float form; add it to autograd_scalar.ops.FLOAT_FUNCTIONS"
                    )
                if name not in HELPERS and (name not in ops or not ops[name].arity == 1):
                    raise ValueError(
                        f"op {op.name!r}: template {template!r} calls {name}, which has no "
                        f"Value form; add an op named {name!r} to OPS or a helper serving "
                        "floats and Values to autograd_scalar.ops.HELPERS"
                    )


check_table(OPS)
