"""The generated code is current, and the table is the only step to add an op."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from autograd_scalar import codegen, ops
from autograd_scalar.ops import OPS, Op, check_table


def test_committed_generated_code_matches_the_table() -> None:
    stale = codegen.stale_files()
    assert not stale, f"run python -m autograd_scalar.codegen; stale: {stale}"


def test_check_command_exits_zero_when_current() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "autograd_scalar.codegen", "--check"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_generated_file_says_it_is_generated_and_how() -> None:
    for path, text in codegen.generate().items():
        assert "python -m autograd_scalar.codegen" in text, path


def cube() -> Op:
    return Op("cube", "cube", 1, "{a} * {a} * {a}", ("{g} * 3.0 * {a} * {a}",), "a ** 3",
              activation=True)


def test_one_table_entry_gives_a_method_a_function_rules_and_a_readme_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(codegen, "OPS", {**OPS, "cube": cube()})
    files = {path.name: text for path, text in codegen.generate().items()}
    assert "    def cube(self) -> Value:" in files["engine.py"]
    assert "def cube(a: Operand) -> Value:" in files["engine.py"]
    assert '    "cube",' in files["engine.py"]  # in __all__
    assert '    "cube",' in files["__init__.py"]
    assert "def cube_unary(node: Node, ready: Ready) -> None:" in files["_rules.py"]
    assert "def cube_unary_graph(node: Node, ready: Ready) -> None:" in files["_rules.py"]
    assert "| `cube(a)` | a ** 3 |" in files["README.md"]


def test_an_unknown_template_name_is_rejected_naming_the_op() -> None:
    bad = Op("twice", "twice", 1, "{a} * {c}", ("{g} * {c}",), "2a")
    with pytest.raises(ValueError, match=r"op 'twice'.*unknown name\(s\) c"):
        check_table({"twice": bad})


def test_a_function_without_a_float_form_is_rejected_naming_it() -> None:
    bad = Op("lgam", "lgam", 1, "lgamma({a})", ("{g} * digamma({a})",), "log gamma")
    with pytest.raises(ValueError, match=r"op 'lgam'.*calls lgamma, which has no float form"):
        check_table({"lgam": bad})


def test_a_function_without_a_value_form_is_rejected_naming_the_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(ops.FLOAT_FUNCTIONS, "erfc", math.erfc)
    bad = Op("tail", "tail", 1, "erfc({a})", ("{g} * erfc({a})",), "erfc")
    with pytest.raises(ValueError, match=r"calls erfc, which has no Value form; add an op"):
        check_table({"tail": bad})


def test_a_derivative_per_operand_is_required() -> None:
    bad = Op("pair", "pair", 2, "{a} + {b}", ("{g}",), "a + b")
    with pytest.raises(ValueError, match=r"op 'pair': 1 derivatives for 2 operands"):
        check_table({"pair": bad})


def test_every_op_of_the_table_passes_the_check() -> None:
    check_table(OPS)
