"""Hostile or broken input to ``autograd-scalar graph``: refused fast, in one line, nothing run."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograd_scalar.cli import main
from autograd_scalar.expression import ExpressionError, evaluate

VARIABLES = ["x=0.5", "y=2"]

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

MALFORMED_VARIABLES = [
    ["x5"],
    ["=3"],
    ["x=abc"],
    ["x="],
    ["1x=3"],
    ["for=1"],
    ["x=1", "x=2"],
    ["x=nan"],
    ["x=1e999"],
]


def assert_refused(status: int, out: str, err: str) -> None:
    assert status == 2
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert err.startswith("autograd-scalar graph: error: ")
    assert "Traceback" not in err


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    status = main(["graph", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture(autouse=True)
def in_empty_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("expression", HOSTILE_EXPRESSIONS, ids=lambda e: repr(e[:40]))
def test_hostile_expressions_are_refused_in_one_line(
    expression: str, capsys: pytest.CaptureFixture[str], in_empty_directory: Path
) -> None:
    # "--" lets an expression start with a minus sign.
    assert_refused(*run(capsys, ["--", expression, *VARIABLES]))
    assert list(in_empty_directory.iterdir()) == []  # nothing ran: no PWNED file


@pytest.mark.parametrize("expression", HOSTILE_EXPRESSIONS, ids=lambda e: repr(e[:40]))
def test_hostile_expressions_raise_expression_error(expression: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(expression, {"x": 0.5, "y": 2.0})


@pytest.mark.parametrize("variables", MALFORMED_VARIABLES, ids=" ".join)
def test_malformed_variables_are_refused_in_one_line(
    variables: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert_refused(*run(capsys, ["x", *variables]))


def test_a_missing_value_names_the_variable(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, ["x * w", "x=1"])
    assert status == 2 and "unknown variable 'w'" in err and "column 5" in err


def test_an_unknown_function_lists_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run(capsys, ["__import__('os')"])
    assert "unknown function '__import__'" in err and "tanh" in err


def test_an_unwritable_output_is_one_line(
    capsys: pytest.CaptureFixture[str], in_empty_directory: Path
) -> None:
    assert_refused(*run(capsys, ["x", "x=1", "-o", "missing/graph.dot"]))
    assert list(in_empty_directory.iterdir()) == []
