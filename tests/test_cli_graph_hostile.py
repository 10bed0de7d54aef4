"""Hostile or broken input to ``autograd-scalar graph``: refused fast, in one line, nothing run.

The hostile expressions are those of ``test_expression_hostile.py``, which checks that
``evaluate`` refuses each of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_expression_hostile import HOSTILE_EXPRESSIONS

from autograd_scalar.cli import main

VARIABLES = ["x=0.5", "y=2"]

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


@pytest.mark.parametrize(
    "expression", [e for e in HOSTILE_EXPRESSIONS if e.startswith("-")], ids=lambda e: repr(e[:40])
)
def test_hostile_expressions_starting_with_a_minus_need_no_separator(
    expression: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, [expression, *VARIABLES])
    assert_refused(status, out, err)
    assert "nested more than" in err  # refused by the parser, not taken for an option


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


def test_an_unwritable_output_is_one_line_after_the_numbers(
    capsys: pytest.CaptureFixture[str], in_empty_directory: Path
) -> None:
    status, out, err = run(capsys, ["x", "x=1", "-o", "missing/graph.dot"])
    assert status == 2 and out.startswith("x = 1\n")
    assert len(err.splitlines()) == 1
    assert err.startswith("autograd-scalar graph: error: cannot write")
    assert list(in_empty_directory.iterdir()) == []
