"""The op table: every operation of the engine, its forward rule and its local derivatives.

Read this first. Each operation is one :class:`Op` in :data:`OPS`; its forward
rule and the local derivative for each operand stand side by side, as short
Python expression templates over these names:

``{a}``, ``{b}``
    the operands (``{b}`` only for binary ops; for ``sum`` and ``dot``, one term's
    operands: a term of ``dot`` is ``{a} * {b}``, a weight times an input);
``{out}``
    the op's result;
``{g}``
    the gradient arriving at the result;
``{negative_slope}``, ``{alpha}``, ``{min}`` ...
    the op's fixed parameters, by name (see :attr:`Op.parameters`).

A template may call the functions of :data:`FUNCTIONS`. Each is one row holding
the function's float form (for the engine and the float replay), its numpy form
(for the numpy replay) and its torch form (for ``to_torch``). On Values, a call of
a function named after an op is that op (``exp({a})`` is the ``exp`` op), so a
derivative template is itself differentiable and ``create_graph=True`` works.

Every interpreter of a graph reads its own rule from this table, as each of
JAX's interpreters keeps a rule per primitive: ``python tools/codegen.py``
writes from it ``Value``'s operator methods, the module functions, the backward
rules and the tangent rules (``autograd_scalar/_generated/``); the replays paste
the templates into the code they write; the renderer labels nodes with
:meth:`Op.label`. This module imports nothing of the package, so the generator
can read it on a half-edited tree.

>>> OPS["mul"].grads
('{g} * {b}', '{g} * {a}')
>>> FUNCTIONS["tanh"].numpy
'numpy.tanh'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

__all__ = ["FUNCTIONS", "OPS", "Function", "Op", "called_functions", "template_names"]


class Function(NamedTuple):
    """A function op templates may call, in each interpreter's form.

    A form is a dotted name, ``module.function`` (``"math.exp"``,
    ``"numpy.arctan"``, ``"torch.special.erf"``), or a bare name: a helper of
    that name in the interpreter's own module of helpers
    (:mod:`autograd_scalar.core.functions` for floats and Values, the numpy
    replay's for arrays). An empty form means the interpreter has none: a
    graph using it cannot be replayed that way, and says so when asked to.
    """

    name: str
    float: str
    numpy: str = ""
    torch: str = ""


def _functions(*rows: Function) -> dict[str, Function]:
    return {row.name: row for row in rows}


FUNCTIONS: dict[str, Function] = _functions(
    Function("abs", "builtins.abs", "numpy.abs", "torch.abs"),
    Function("exp", "math.exp", "numpy.exp", "torch.exp"),
    Function("log", "math.log", "numpy.log", "torch.log"),
    Function("sqrt", "math.sqrt", "numpy.sqrt", "torch.sqrt"),
    Function("sin", "math.sin", "numpy.sin", "torch.sin"),
    Function("cos", "math.cos", "numpy.cos", "torch.cos"),
    Function("tan", "math.tan", "numpy.tan", "torch.tan"),
    Function("atan", "math.atan", "numpy.arctan", "torch.atan"),
    Function("tanh", "math.tanh", "numpy.tanh", "torch.tanh"),
    Function("erf", "math.erf", "erf", "torch.erf"),
    Function("sigmoid", "sigmoid", "sigmoid", "torch.sigmoid"),
    Function("softplus", "softplus", "softplus", "softplus"),
    Function("reciprocal", "reciprocal", "reciprocal", "torch.reciprocal"),
    Function("power", "power", "power", "torch.pow"),
    # Derivative helpers: only backward rules call them, so they need no torch form.
    Function("sign", "sign", "sign"),
    Function("sqrt_grad", "sqrt_grad", "sqrt_grad"),
    Function("pow_grad_base", "pow_grad_base", "pow_grad_base"),
    Function("pow_grad_exponent", "pow_grad_exponent", "pow_grad_exponent"),
)
"""Every function a template may call: its float, numpy and torch forms, one row each."""


class Op(NamedTuple):
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
      documented in ``doc`` and tested.

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

    @property
    def operands(self) -> tuple[str, ...]:
        """The template names of the operands: ``("a",)`` or ``("a", "b")``."""
        return ("a", "b")[: self.arity] if self.arity else ("a", "b")[: len(self.grads)]

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """The names of the op's fixed parameters, in order."""
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
        return ROLES.get(self.name, ())

    def label(self, arguments: Mapping[str, Any]) -> str:
        """A short label for a node of this op: its symbol with its constants (``* 2``).

        ``arguments`` are the node's (:attr:`autograd_scalar.Value.arguments`):
        Values, or floats for constants.
        """
        if self.arity == 0:
            bias = arguments.get("bias", 0.0)
            return f"{self.symbol} + {bias:g}" if type(bias) is float and bias else self.symbol
        shown = [f"{arguments[n]:g}" if type(arguments[n]) is float else ""
                 for n in self.operands]
        params = [f"{arguments[name]:g}" for name in self.parameter_names]
        if self.is_operator and self.arity == 2 and any(shown):
            return f"{self.symbol} {shown[1]}" if shown[1] else f"{shown[0]} {self.symbol}"
        if not params and not any(shown):
            return self.symbol
        inside = [text or "·" for text in shown] if any(shown) else []
        return f"{self.symbol}({', '.join(inside + params)})"


ROLES = {"sum": ("terms",), "dot": ("weights", "inputs")}
"""The argument sequences of each n-ary op, by op name."""


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


# The table itself is plain data: what reads templates imports its tools here, when it
# first reads one, so that importing the engine stays quick.


def template_names(template: str) -> set[str]:
    """The ``{names}`` a template uses.

    >>> sorted(template_names("{g} * {out} / {b}"))
    ['b', 'g', 'out']
    """
    import string

    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def called_functions(template: str) -> set[str]:
    """The names of the functions a template calls.

    >>> sorted(called_functions("{g} * 1.1283791670955126 * exp(-{a} * {a})"))
    ['exp']
    """
    import ast

    fields = {name: name for name in template_names(template)}
    tree = ast.parse(template.format(**fields), mode="eval")
    return {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
