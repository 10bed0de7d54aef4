"""The expression language: a safe parser that turns text into a graph of Values.

:func:`evaluate` takes an expression such as ``"tanh(x*w + b)"`` and a number
for each variable, and builds the expression with the engine: each variable is
a leaf ``Value`` labelled with its name, so ``backward()`` fills its ``grad``.
The ``autograd-scalar graph`` command (:mod:`autograd_scalar.cli.graph`) is
built on it.

The expression language is a small, safe part of Python's: numbers, the
constants ``e`` and ``pi`` (:data:`CONSTANTS`, which is why no variable may be
named ``e`` or ``pi``), variables, ``+ - * / **``, unary ``-`` and ``+``,
parentheses, and calls of the engine's functions (:data:`FUNCTIONS`). It is
parsed with :mod:`ast` and every node is checked against an allow-list before
anything is computed; nothing is ever passed to ``eval`` or ``exec``. Every
number is a float, so ``9**9**9**9`` overflows at once instead of computing a
giant integer.

The limits are the parser's own, the same on every Python version: at most
:data:`MAX_LENGTH` characters and :data:`MAX_DEPTH` levels of nesting, checked
on the text before Python's parser sees it (whose own limits differ from one
CPython release to the next). Every error names a 1-based column.

>>> y, variables = evaluate("x * exp(-x)", {"x": 1.0})
>>> y.backward()
>>> round(y.data, 4), round(variables["x"].grad, 4)   # d/dx x e^-x = (1 - x) e^-x = 0
(0.3679, 0.0)
"""

from __future__ import annotations

import ast
import keyword
import math
import operator
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import cast

from . import engine
from .engine import Value
from .ops import OPS, Op

__all__ = [
    "ALLOWED",
    "CALLABLE_OPS",
    "CONSTANTS",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "NUMBER_FORMAT",
    "ExpressionError",
    "evaluate",
    "variables",
]

MAX_LENGTH = 10_000
"""The longest expression accepted, in characters."""

MAX_DEPTH = 200
"""The deepest nesting accepted. Each open bracket (a parenthesis or a call's) is
a level, and so is each operator, unary or binary, inside the same bracket up to
the next comma: ``-(x + y*z)`` is 4 levels deep, and a sum of n terms is n - 1
levels deep, as in the tree Python's parser builds. Every CPython from 3.10
parses anything within this limit, so an expression is accepted or refused the
same way on all of them."""

CONSTANTS: dict[str, float] = {"e": math.e, "pi": math.pi}
"""The named constants of the expression language. A variable may not have one of
these names: ``evaluate`` refuses it rather than let it silently change what
``e`` or ``pi`` means."""

CALLABLE_OPS: dict[str, Op] = {
    op.name: op for op in OPS.values()
    if op.arity and not op.is_operator and not op.method.startswith("_")
}
"""The ops an expression may call by name: every op of the table that is not an operator
(nor an engine-internal op, whose method is private)."""

FUNCTIONS: dict[str, Callable[..., Value]] = {
    name: getattr(engine, name) if op.function else getattr(Value, op.method)
    for name, op in CALLABLE_OPS.items()
}
"""The functions an expression may call. Each takes its op's operands (any
expressions), then optionally its parameters, which must be numbers:
``leaky_relu(x, 0.1)``, ``clamp(x, 0, 1)``."""

_BINARY: dict[type[ast.operator], Callable[[Value | float, Value | float], Value]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_SYMBOLS: dict[type[ast.AST], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
    ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.Not: "not", ast.Invert: "~",
}
_NOT_ALLOWED = {
    "Attribute": "attribute access",
    "Subscript": "subscripts ([...])",
    "Lambda": "lambda",
    "ListComp": "comprehensions",
    "SetComp": "comprehensions",
    "DictComp": "comprehensions",
    "GeneratorExp": "generator expressions",
    "IfExp": "conditional expressions (... if ... else ...)",
    "Compare": "comparisons",
    "BoolOp": "'and' and 'or'",
    "NamedExpr": "assignments (:=)",
    "List": "lists",
    "Tuple": "tuples",
    "Set": "sets",
    "Dict": "dicts",
    "JoinedStr": "f-strings",
    "Starred": "unpacking (*)",
}
Result = Value | float  # a constant sub-expression stays a float, so the graph shows it inline
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
ALLOWED = ("numbers, the constants e and pi, variables, + - * / **, parentheses and calls of "
           + ", ".join(FUNCTIONS))
"""What an expression may contain, in words, as error messages and ``--help`` say it."""


class ExpressionError(ValueError):
    """An expression that cannot be evaluated: what is wrong and, in ``column``, where.

    ``column`` counts characters from 1 across the whole expression (one past
    the last character for a missing end, as in ``x**``). Every error in the
    expression has one; it is None only for a bad variable name, which is not
    in the expression.

    >>> try:
    ...     evaluate("x + y", {"x": 1.0})
    ... except ExpressionError as error:
    ...     print(error.column, error.message)
    5 unknown variable 'y'; give it a value, as in y=1.0
    """

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column

    def __str__(self) -> str:
        return self.message if self.column is None else f"column {self.column}: {self.message}"


def evaluate(expression: str, variables: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    """The Value of ``expression`` and the leaf Value of each variable, by name.

    Each variable becomes a leaf ``Value(number, label=name)``; call
    ``backward()`` on the result to fill their ``grad``. Names are compared as
    Python compares identifiers, after NFKC normalisation, which Python applies
    to the names in the expression: a fullwidth x (U+FF58) is the variable
    ``x``, the key and label it has in the result. Raises
    :class:`ExpressionError` for anything outside the expression language,
    an unknown name, a math error (overflow, ``log(-1)``, division by zero),
    a variable named like a constant (``e``, ``pi``), or two variables that
    are one name once normalised.

    >>> y, variables = evaluate("2*x**3 - x", {"x": 2.0})
    >>> y.data
    14.0
    >>> y.backward(); variables["x"].grad   # 6x^2 - 1
    23.0
    >>> evaluate("x.data", {"x": 2.0})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    autograd_scalar.expression.ExpressionError: column 3: not allowed: attribute access (.data); ...
    """
    leaves: dict[str, Value] = {}
    given: dict[str, str] = {}  # each normalised name as it was given
    for written, number in variables.items():
        name = unicodedata.normalize("NFKC", written)
        if name in CONSTANTS:
            raise ExpressionError(
                f"{written!r} is the constant {CONSTANTS[name]!r} in expressions; "
                "give the variable another name"
            )
        if name in leaves:
            raise ExpressionError(
                f"the variables {given[name]!r} and {written!r} are one name, {name!r}, "
                "as Python reads names (NFKC normalisation); give one of them another name"
            )
        given[name] = written
        leaves[name] = Value(float(number), label=name)
    body = _parse(expression).body
    result = _Evaluator(expression, leaves).run(body)
    return (result if isinstance(result, Value) else Value(result)), leaves


NUMBER_FORMAT = ".6g"
"""How values and gradients are shown: ``autograd-scalar graph`` prints them so, and the
playground's expression lab shows them so (six significant digits)."""


def variables(expression: str) -> list[str]:
    """The names of the variables ``expression`` uses, in the order they first appear.

    Names are normalised as Python normalises them (NFKC), and the constants
    (``e``, ``pi``) and called functions are not variables. Raises
    :class:`ExpressionError` where the expression cannot be parsed; whether it
    may be evaluated is :func:`evaluate`'s to say.

    >>> variables("tanh(x*w + b) + w * pi")
    ['x', 'w', 'b']
    """
    tree = _parse(expression)
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    names = sorted(
        (node.lineno, node.col_offset, node.id) for node in ast.walk(tree)
        if isinstance(node, ast.Name) and id(node) not in called
        and node.id not in CONSTANTS and node.id not in FUNCTIONS
    )
    return list(dict.fromkeys(name for _, _, name in names))


def _parse(expression: str) -> ast.Expression:
    """The syntax tree of ``expression``, or an ExpressionError saying why it has none."""
    if len(expression) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(expression):,} characters long; the limit is {MAX_LENGTH:,}",
            MAX_LENGTH + 1,
        )
    if not expression.strip():
        raise ExpressionError("the expression is empty", 1)
    _check_characters(expression)
    _check_depth(expression)
    try:
        return ast.parse(expression, mode="eval")
    except SyntaxError as error:
        # Python gives no offset (or 0) for a missing end, as in "x**": point past the text.
        column = len(expression.rstrip()) + 1
        if error.lineno is not None and error.offset:
            column = min(_line_start(expression, error.lineno) + error.offset, column)
        message = error.msg if error.msg.startswith("invalid syntax") else (
            f"invalid syntax: {error.msg}")
        raise ExpressionError(message, column) from None
    except (RecursionError, MemoryError):  # not expected within MAX_DEPTH; a safety net
        raise ExpressionError("the expression is nested too deeply for Python's parser",
                              1) from None


def _check_characters(expression: str) -> None:
    """Refuse the characters Python's parser refuses differently from one version to the next."""
    for offset, character in enumerate(expression):
        if character == "\0":
            raise ExpressionError("the expression contains a null character (\\0)", offset + 1)
        if "\ud800" <= character <= "\udfff":
            raise ExpressionError(
                f"the expression is not valid text: a lone surrogate ({character!r})", offset + 1
            )


# The tokens that matter for nesting: strings (skipped whole), numbers and names
# (operands), brackets, commas, and operators; anything else is one character.
_TOKEN = re.compile(
    r"""(?P<string>[rRbBuUfF]{0,2}(?:'(?:[^'\\\n]|\\.)*'?|"(?:[^"\\\n]|\\.)*"?))"""
    r"|(?P<number>(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][-+]?\d[\d_]*)?\w*)"
    r"|(?P<name>[^\W\d]\w*)"
    r"|(?P<open>[(\[{])|(?P<close>[)\]}])|(?P<comma>,)|(?P<space>[ \t\r\n\f\\]+)"
    r"|(?P<operator>\*\*|//|<<|>>|->|:=|[<>=!]=|\.\.\.|\S)"
)
# Keywords that are operands rather than operators.
_OPERAND_KEYWORDS = frozenset({"True", "False", "None"})


def _check_depth(expression: str) -> None:
    """Refuse an expression nested more than MAX_DEPTH levels deep (see MAX_DEPTH).

    Counted on the text: each open bracket starts a level, and each operator
    (any token but an operand, a bracket or a comma) adds one to the bracket
    it is in, until the next comma there; so does a call or subscript of a
    bracketed result (``f(x)(y)``, which nests like an operator).
    """
    levels = [0]  # per open bracket (and the outermost), the operators counted in it
    depth = 0  # always sum(levels) + len(levels) - 1
    after_bracket = False
    for match in _TOKEN.finditer(expression):
        kind, text = match.lastgroup, match.group()
        if kind == "space":
            continue
        if kind in ("number", "string") or (
                kind == "name" and (text in _OPERAND_KEYWORDS or not keyword.iskeyword(text))):
            after_bracket = False
            continue
        if kind == "close":
            if len(levels) > 1:
                depth -= levels.pop() + 1
            after_bracket = True
            continue
        if kind == "comma":
            depth -= levels[-1]
            levels[-1] = 0
        elif kind == "open":
            if after_bracket:
                levels[-1] += 1
                depth += 1
            levels.append(0)
            depth += 1
        else:  # an operator, or a keyword such as not, lambda or if
            levels[-1] += 1
            depth += 1
        after_bracket = False
        if depth > MAX_DEPTH:
            raise ExpressionError(
                f"the expression is nested more than {MAX_DEPTH} levels deep (each bracket, "
                "and each operator within a bracket, is a level)",
                match.start() + 1,
            )


def _line_start(text: str, lineno: int) -> int:
    """The character offset at which line ``lineno`` (from 1) of ``text`` starts."""
    starts = [0, *(match.end() for match in _LINE_BREAK.finditer(text))]
    return starts[lineno - 1]


class _Evaluator:
    """Checks and evaluates a syntax tree bottom-up, with an explicit stack (no recursion)."""

    def __init__(self, text: str, leaves: dict[str, Value]) -> None:
        self.text = text
        self.leaves = leaves

    def run(self, body: ast.expr) -> Result:
        """Check every node of ``body``, then compute its value."""
        unchecked = [body]
        while unchecked:
            unchecked.extend(self.operands(unchecked.pop()))
        results: list[Result] = []
        # (node, None) asks to schedule the node's operands before it; (node, n) to
        # apply it to the last n results, once those are computed.
        stack: list[tuple[ast.expr, int | None]] = [(body, None)]
        while stack:
            node, arity = stack.pop()
            if arity is None:
                operands = self.operands(node)
                stack.append((node, len(operands)))
                stack.extend((operand, None) for operand in reversed(operands))
            else:
                arguments = results[len(results) - arity :]
                del results[len(results) - arity :]
                results.append(self.apply(node, arguments))
        return results[0]

    def operands(self, node: ast.expr) -> list[ast.expr]:
        """The sub-expressions ``node`` is computed from, after checking ``node`` is allowed."""
        if isinstance(node, ast.Constant):
            self.check_constant(node)
            return []
        if isinstance(node, ast.Name):
            return self.check_name(node)
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                symbol = _SYMBOLS.get(type(node.op), type(node.op).__name__)
                raise self.not_allowed(f"the operator {symbol}", self.operator_column(node))
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                symbol = _SYMBOLS.get(type(node.op), type(node.op).__name__)
                raise self.not_allowed(f"the operator {symbol}", self.column(node))
            return [node.operand]
        if isinstance(node, ast.Call):
            return self.check_call(node)
        raise self.refuse(node)

    def check_constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            kind = "strings" if isinstance(value, str) else f"the constant {value!r}"
            raise self.not_allowed(kind, self.column(node))
        try:
            number = float(value)
        except OverflowError:  # an int beyond the float range
            number = math.inf
        if not math.isfinite(number):
            raise ExpressionError("this number is too large for a float", self.column(node))

    def check_name(self, node: ast.Name) -> list[ast.expr]:
        if node.id in self.leaves or node.id in CONSTANTS:
            return []
        if node.id in FUNCTIONS:
            message = f"{node.id} is a function; call it, as in {node.id}(x)"
        else:
            message = f"unknown variable {node.id!r}; give it a value, as in {node.id}=1.0"
        raise ExpressionError(message, self.column(node))

    def check_call(self, node: ast.Call) -> list[ast.expr]:
        if not isinstance(node.func, ast.Name):
            if isinstance(node.func, ast.Attribute):
                raise self.refuse(node.func)
            raise self.not_allowed("calling anything but a function's name", self.column(node))
        name = node.func.id
        if name not in FUNCTIONS:
            raise ExpressionError(
                f"unknown function {name!r}; the functions are {', '.join(FUNCTIONS)}",
                self.column(node),
            )
        if node.keywords:
            raise self.not_allowed("keyword arguments", self.column(node.keywords[0]))
        op = CALLABLE_OPS[name]
        least, most = op.arity, op.arity + len(op.parameters)
        if not least <= len(node.args) <= most:
            takes = f"{least} to {most}" if most > least + 1 else (
                f"{least} or {most}" if most > least else str(least))
            plural = "s" if most > 1 else ""
            raise ExpressionError(
                f"{name} takes {takes} argument{plural}, not {len(node.args)}", self.column(node)
            )
        for argument, (parameter, _) in zip(node.args[op.arity :], op.parameters):
            if _literal(argument) is None:
                raise ExpressionError(
                    f"the {parameter} of {name} must be a number, as in {_example(op)}",
                    self.column(argument),
                )
        return node.args[: op.arity]

    def apply(self, node: ast.expr, arguments: list[Result]) -> Result:
        """The value of ``node`` given the values of its operands."""
        if isinstance(node, ast.Constant):
            return float(cast("int | float", node.value))  # checked by check_constant
        if isinstance(node, ast.Name):
            return CONSTANTS[node.id] if node.id in CONSTANTS else self.leaves[node.id]
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.UAdd):
                return arguments[0]
            return self.compute(operator.neg, arguments, "-", node)
        if isinstance(node, ast.BinOp):
            return self.compute(_BINARY[type(node.op)], arguments, _SYMBOLS[type(node.op)], node)
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        name = node.func.id
        parameters = [_literal(argument) for argument in node.args[CALLABLE_OPS[name].arity :]]
        return self.compute(
            lambda *xs: FUNCTIONS[name](*xs, *parameters), arguments, name, node
        )

    def compute(
        self, function: Callable[..., Value], arguments: list[Result], name: str, node: ast.expr
    ) -> Result:
        """``function(*arguments)`` with the engine, or a float if every argument is a constant.

        An error names the column of ``node``: of its operator if it is a BinOp.
        """
        constant = not any(isinstance(x, Value) for x in arguments)
        if constant:  # run the engine's own rule on a throw-away Value, keep the number
            arguments = [Value(float(arguments[0])), *arguments[1:]]
        try:
            result = function(*arguments)
        except (ArithmeticError, ValueError) as error:
            raise ExpressionError(str(error), self.place(node)) from None
        if not math.isfinite(result.data):
            raise ExpressionError(f"the result of {name} is too large for a float",
                                  self.place(node))
        return result.data if constant else result

    def place(self, node: ast.expr) -> int:
        return self.operator_column(node) if isinstance(node, ast.BinOp) else self.column(node)

    def column(self, node: ast.expr | ast.keyword) -> int:
        """The 1-based character column of ``node`` (the AST counts UTF-8 bytes in a line)."""
        return self.offset(node.lineno, node.col_offset) + 1

    def offset(self, lineno: int, byte_offset: int) -> int:
        """The character offset in the expression of a (line, UTF-8 byte offset) position."""
        start = _line_start(self.text, lineno)
        line = self.text[start:].encode("utf-8", "surrogatepass")
        return start + len(line[:byte_offset].decode("utf-8", "replace"))

    def operator_column(self, node: ast.BinOp) -> int:
        """The column of a binary operator: its symbol, between the two operands."""
        after_left = self.offset(node.left.end_lineno or node.left.lineno,
                                 node.left.end_col_offset or 0)
        right = self.offset(node.right.lineno, node.right.col_offset)
        symbol = _SYMBOLS.get(type(node.op), "")
        found = self.text.find(symbol, after_left, right)
        return (found if found >= 0 else after_left) + 1

    def refuse(self, node: ast.expr) -> ExpressionError:
        """The error for a node outside the language; an attribute is placed at its name."""
        description = _NOT_ALLOWED.get(type(node).__name__, type(node).__name__)
        if not isinstance(node, ast.Attribute):
            return self.not_allowed(description, self.column(node))
        end = self.offset(node.end_lineno or node.lineno, node.end_col_offset or 0)
        return self.not_allowed(f"{description} (.{node.attr})", end - len(node.attr) + 1)

    @staticmethod
    def not_allowed(what: str, column: int) -> ExpressionError:
        return ExpressionError(f"not allowed: {what}; an expression may use {ALLOWED}", column)


def _example(op: Op) -> str:
    """A call of ``op`` with every parameter given, as the error messages show it."""
    numbers = [("0" if default < 0 else "1") if math.isinf(default) else f"{default:g}"
               for _, default in op.parameters]
    return f"{op.name}({', '.join(['x', *'y'[: op.arity - 1], *numbers])})"


def _literal(node: ast.expr) -> float | None:
    """The number written at ``node`` (``0.1``, ``-0.1``), or None if it is not a plain number."""
    sign = 1.0
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        node = node.operand
    if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
        return None
    if not isinstance(node.value, (int, float)):
        return None
    return sign * float(node.value)
