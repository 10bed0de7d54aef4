"""Hostile or broken expressions: ``evaluate`` refuses each with an ExpressionError.

The same inputs given to ``autograd-scalar graph`` are tested in ``test_cli_graph_hostile.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograd_scalar.expression import ExpressionError, evaluate

HOSTILE_EXPRESSIONS = [
    "__import__('os').system('touch PWNED')",
    "__import__('os')",
    "().__class__",
    "x.__class__.__bases__[0].__subclasses__()",
    "x.data",
    "x[0]",
    "[x for x in y]",
    "(x for x in y)",
    "lambda: 1",
    "'a'*9",
    "b'a'",
    "f'{x}'",
    "9**9**9**9",
    "x" + "+x" * 5000,  # 10,001 characters
    "(" * 5000 + "x" + ")" * 5000,
    "(" * 300 + "x" + ")" * 300,  # within the length limit, too deep for the parser
    "-" * 3000 + "x",
    "x**" * 3000 + "x",
    "f(x=1)",
    "tanh(x=1)",
    "tanh(*y)",
    "tanh()",
    "tanh(x, y)",
    "leaky_relu(x, y)",
    "tanh(x)(y)",
    "tanh",
    "x if x else 1",
    "x < 1",
    "x and y",
    "not x",
    "~x",
    "x // y",
    "x % y",
    "x @ y",
    "(x := 1)",
    "{x: y}",
    "[x, y]",
    "(x, y)",
    "3j",
    "True",
    "None",
    "...",
    "z + 1",  # a variable with no value
    "1" * 400,  # too large for a float
    "1e999",
    "exp(1000*y)",
    "1e308 * 10 * x",
    "log(-x)",
    "sqrt(-y)",
    "x / (y - 2)",
    "(-8)**(1/3)",
    "x +* y",
    "tanh(x",
    "",
    "   ",
    "x\x00",
    "\ud800",
]


@pytest.fixture(autouse=True)
def in_empty_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("expression", HOSTILE_EXPRESSIONS, ids=lambda e: repr(e[:40]))
def test_hostile_expressions_raise_expression_error(expression: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(expression, {"x": 0.5, "y": 2.0})


@pytest.mark.parametrize("expression", HOSTILE_EXPRESSIONS, ids=lambda e: repr(e[:40]))
def test_every_refusal_names_a_column_from_1(expression: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(expression, {"x": 0.5, "y": 2.0})
    column = caught.value.column
    assert column is not None and 1 <= column <= len(expression) + 1, column
    assert str(caught.value).startswith(f"column {column}: ")
