"""The engine is real source: inspect, tracebacks and pdb see every op, and a node is read
through its public properties."""

from __future__ import annotations

import inspect
import linecache
import re
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

import autograd_scalar as ag
from autograd_scalar import Value
from autograd_scalar._generated import backward_rules, tangent_rules, value_methods
from autograd_scalar._generated.value_methods import RULES
from autograd_scalar.engine import dot_operands
from autograd_scalar.ops import OPS

METHODS = sorted({m for op in OPS.values() if op.arity for m in (*op.methods, op.method)}
                 | {OPS[n].reflected for n in OPS if OPS[n].arity == 2})
METHODS_FILE = Path(value_methods.__file__)
PACKAGE = Path(ag.__file__).parent


@pytest.mark.parametrize("method", METHODS)
def test_every_value_method_has_source(method: str) -> None:
    source = inspect.getsource(getattr(Value, method))
    assert source.lstrip().startswith("def ")
    assert Path(inspect.getsourcefile(getattr(Value, method)) or "") == METHODS_FILE


@pytest.mark.parametrize("module", [backward_rules, tangent_rules])
def test_every_rule_is_a_function_with_source(module: object) -> None:
    rules = [f for f in vars(module).values()
             if inspect.isfunction(f) and f.__module__ == module.__name__]  # type: ignore[attr-defined]
    assert len(rules) == 2 * len(RULES)  # on floats and on Values, per op and layout
    for rule in rules:
        assert inspect.getsource(rule).startswith("def ")


def test_the_engine_never_calls_exec() -> None:
    for path in [*(PACKAGE / "core").glob("*.py"), *(PACKAGE / "_generated").glob("*.py")]:
        assert "exec(" not in path.read_text(encoding="utf-8"), path


def test_a_traceback_through_an_op_shows_its_source_line() -> None:
    with pytest.raises(ValueError) as caught:
        Value(-1.0, label="x").log()
    frames = traceback.extract_tb(caught.value.__traceback__)
    last = frames[-1]
    assert last.filename == str(METHODS_FILE)
    assert last.line and "math_error" in last.line


def test_debuggers_find_each_method_line_in_linecache() -> None:
    code = Value.tanh.__code__
    assert "def tanh(self)" in linecache.getline(code.co_filename, code.co_firstlineno)


def test_pdb_steps_into_a_generated_method(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from autograd_scalar import Value\nx = Value(0.5)\ny = x.tanh()\n")
    done = subprocess.run(
        [sys.executable, "-m", "pdb", str(probe)],
        input="until 3\nstep\nlist\nquit\n", capture_output=True, text=True,
        check=False, timeout=60,
    )
    assert "def tanh(self) -> Value:" in done.stdout, done.stdout


ENGINE_MODULES = ("autograd_scalar", "autograd_scalar.engine", "autograd_scalar.core",
                  "autograd_scalar._generated")


@pytest.mark.parametrize("module", ["autograd_scalar", "autograd_scalar.core.value",
                                    "autograd_scalar.engine"])
def test_importing_the_engine_loads_only_the_engine(module: str) -> None:
    probe = (
        f"import sys, {module}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('autograd_scalar', 'tqdm', 'numpy', 'matplotlib', 'graphviz')))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    loaded = eval(result.stdout)
    assert loaded and all(m.startswith(ENGINE_MODULES) for m in loaded), loaded
    assert not any(m.startswith(("autograd_scalar.core.", "autograd_scalar._generated.")) is False
                   and m not in ENGINE_MODULES for m in loaded), loaded


def test_every_exported_name_loads_on_first_use() -> None:
    probe = (
        "import autograd_scalar as ag\n"
        "missing = [n for n in ag.__all__ if getattr(ag, n, None) is None]\n"
        "from autograd_scalar import *\n"
        "print(missing, len(ag.__all__))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    missing, count = result.stdout.rsplit(" ", 1)
    assert missing == "[]" and int(count) > 60


def test_the_renderer_loads_when_a_picture_is_asked_for() -> None:
    x = Value(1.0, label="x")
    assert "digraph" in ag.draw_dot(x * 2).source


# --- the node API ------------------------------------------------------------


def test_a_leaf_has_no_op_parents_or_arguments() -> None:
    x = Value(1.0)
    assert (x.op, x.operation, x.parents, x.arguments) == ("", None, (), {})


def test_binary_arguments_put_values_and_constants_in_their_places() -> None:
    x, y = Value(1.0), Value(2.0)
    assert (x * y).arguments == {"a": x, "b": y}
    assert (x * 3).arguments == {"a": x, "b": 3.0}
    assert (3 - x).arguments == {"a": 3.0, "b": x}
    assert ag.maximum(2, x).arguments == {"a": 2.0, "b": x}


def test_parameters_are_arguments_by_name() -> None:
    x = Value(1.0)
    assert x.clamp(0, 1).arguments == {"a": x, "min": 0.0, "max": 1.0}
    assert x.clamp(max=2).arguments == {"a": x, "min": float("-inf"), "max": 2.0}
    assert x.elu(0.5).arguments == {"a": x, "alpha": 0.5}


def test_sum_and_dot_arguments_list_their_terms() -> None:
    x, y, w = Value(1.0), Value(2.0), Value(3.0)
    assert ag.sum([x, 2, y]).arguments == {"terms": (x, y), "bias": 2.0}
    assert ag.dot([w, w], [x, y]).arguments == {"weights": (w, w), "inputs": (x, y), "bias": 0.0}
    assert ag.dot([w], [x], bias=y).arguments == {"weights": (w,), "inputs": (x,), "bias": y}
    assert dot_operands(ag.dot([w, 2], [1.5, x], 0.5)) == ((w, 2.0), (1.5, x), 0.5)


def test_operation_is_the_table_entry() -> None:
    x = Value(1.0)
    assert x.tanh().operation is OPS["tanh"]
    assert ag.sum([x]).operation is OPS["sum"] and ag.dot([x], [x]).operation is OPS["dot"]


def test_clamp_refuses_min_above_max() -> None:
    with pytest.raises(ValueError, match=r"clamp: min must not be greater than max \(got min=2"):
        Value(1.0).clamp(2, 1)


def test_a_parameter_must_be_a_number() -> None:
    with pytest.raises(TypeError, match="elu: alpha must be a number, not str"):
        Value(1.0).elu("big")  # type: ignore[arg-type]


def test_a_named_binary_op_refuses_a_non_number() -> None:
    with pytest.raises(TypeError, match="maximum: the other operand must be a Value or a number"):
        Value(1.0).maximum("x")  # type: ignore[arg-type]


def test_the_three_files_the_readme_points_to_are_the_engine_in_under_700_lines() -> None:
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    reading = re.findall(r"^\d\. \[`(core/\w+\.py)`\]", readme, re.M)
    assert reading == ["core/ops.py", "core/value.py", "core/backward.py"]
    lines = sum(len((PACKAGE / name).read_text(encoding="utf-8").splitlines())
                for name in reading)
    assert lines <= 700, lines
