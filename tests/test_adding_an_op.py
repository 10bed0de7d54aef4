"""The README's "Adding an operation", followed step by step on a copy of the package.

The steps are read from the README itself: each names a file and a table, and
shows the lines to add at its end; the last shows the command to run. A
subprocess then uses the new op through every interpreter of the graph,
checking each number against an independent source (closed forms, sympy,
finite differences, PyTorch where it is installed).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECTION = re.compile(r"^### Adding an operation\n(.*?)(?=^### |^## )", re.M | re.S)
STEP = re.compile(r"^\d+\. (.*?)```(python|bash)\n(.*?)```", re.M | re.S)


def readme_steps() -> list[tuple[str, str, str]]:
    """(file, table, lines to add) for each edit, then ("", "", command) for the command."""
    section = SECTION.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert section, "README.md has no 'Adding an operation' section"
    steps, path = [], ""
    for text, language, code in STEP.findall(section.group(1)):
        code = textwrap.dedent(code)
        if language == "bash":
            steps.append(("", "", code.strip()))
            continue
        files = re.findall(r"`([\w/]+\.py)`", text)
        path = files[-1] if files else path  # "in the same file" keeps the last one
        table = re.search(r"at the end of `(\w+)`", text)
        assert table and path, f"a step that names no file or table: {text!r}"
        steps.append((path, table.group(1), code))
    return steps


def add_at_end_of_table(path: Path, table: str, lines: str) -> None:
    """Insert ``lines`` before the bracket that closes ``table`` (a top-level assignment)."""
    text = path.read_text(encoding="utf-8")
    start = re.search(rf"^{table}\b[^\n]*= [\w.]*[({{]\n", text, re.M)
    assert start, f"{path.name} has no table {table}"
    end = re.compile(r"^[)}]\n", re.M).search(text, start.end())
    assert end, f"the table {table} in {path.name} does not close"
    added = textwrap.indent(lines.rstrip() + "\n", "    ")
    path.write_text(text[: end.start()] + added + text[end.start():], encoding="utf-8")


def copy_of_the_project(where: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in ("autograd_scalar", "tools", "tests", "docs"):
        shutil.copytree(ROOT / part, where / part, ignore=ignore)
    return where


def follow_the_readme(project: Path, edit: dict[str, str] | None = None) -> None:
    """Make the README's edits in ``project`` (``edit`` may replace a step's lines, by
    table), then run its command there."""
    for path, table, code in readme_steps():
        if not path:
            command = code.split()
            assert command[0] == "python", code
            done = subprocess.run([sys.executable, *command[1:]], cwd=project,
                                  capture_output=True, text=True, check=False, timeout=300)
            assert done.returncode == 0, done.stdout + done.stderr
            continue
        add_at_end_of_table(project / path, table, (edit or {}).get(table, code))


def run_in(project: Path, script: str) -> str:
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(project), str(project / "tests")])}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=project,
                          env=environment, capture_output=True, text=True, check=False,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_readme_shows_three_edits_and_the_command() -> None:
    steps = readme_steps()
    assert [(path, table) for path, table, _ in steps] == [
        ("autograd_scalar/core/ops.py", "FUNCTIONS"),
        ("autograd_scalar/core/ops.py", "OPS"),
        ("tests/op_samples.py", "SAMPLES"),
        ("", ""),
    ]
    assert steps[-1][2] == "python tools/codegen.py"


CHECKS = """
import math, json, sys
from pathlib import Path
import sympy
import autograd_scalar as ag
from autograd_scalar import Value, grad, jvp, compile_graph, draw_dot, explore
assert Path(ag.__file__).resolve().is_relative_to(Path.cwd().resolve()), ag.__file__

def d(x):  # asinh' = 1 / sqrt(1 + x^2), in closed form
    return 1.0 / math.sqrt(1.0 + x * x)

# eager backward, as a method and as a module function
x = Value(0.7, label="x")
y = ag.asinh(x) * 2.0 + x.asinh()
y.backward()
assert math.isclose(y.data, 3 * math.asinh(0.7), rel_tol=1e-15)
assert math.isclose(x.grad, 3 * d(0.7), rel_tol=1e-14), x.grad

# nested grad to the third order, against sympy
t = sympy.symbols("t")
exact = [sympy.diff(sympy.asinh(t), t, k).subs(t, 0.7) for k in (1, 2, 3)]
ours = [grad(lambda u: u.asinh())(0.7), grad(grad(lambda u: u.asinh()))(0.7),
        grad(grad(grad(lambda u: u.asinh())))(0.7)]
for a, b in zip(ours, exact):
    assert math.isclose(a, float(b), rel_tol=1e-12), (ours, exact)

# forward mode: dual numbers, and over a built graph (Values in)
value, tangent = jvp(lambda u: u.asinh(), (0.7,), (2.0,))
assert math.isclose(tangent, 2 * d(0.7), rel_tol=1e-14)
inner = ag.jacfwd(ag.jacfwd(lambda u: u.asinh()))(0.7)
assert math.isclose(inner, float(exact[1]), rel_tol=1e-12)

# the float replay and the numpy replay, over a batch of samples
def batch():
    w = Value(0.5, label="w")
    loss = ag.sum([(w * float(k) - 1.0).asinh() ** 2 for k in range(8)])
    return w, loss
for backend in ("python", "numpy"):
    w, loss = batch()
    replay = compile_graph(loss, backend=backend)
    replay()
    expected = sum(2 * math.asinh(0.5 * k - 1.0) * d(0.5 * k - 1.0) * k for k in range(8))
    assert math.isclose(w.grad, expected, rel_tol=1e-12), (backend, w.grad, expected)
    assert "asinh" in replay.source, backend

# to_torch, where PyTorch is installed
try:
    import torch
except ImportError:
    torch = None
if torch is not None:
    w, loss = batch()
    replay = compile_graph(loss, backend="numpy")
    exported = replay.to_torch()
    leaves = exported.tensor()
    value = exported(leaves)
    expected = sum(math.asinh(0.5 * k - 1.0) ** 2 for k in range(8))
    assert math.isclose(value.item(), expected, rel_tol=1e-12)

# the picture's label, the graph command's parser, the explorer, the playground
assert "asinh" in draw_dot(Value(0.3).asinh()).source
from autograd_scalar.expression import evaluate
parsed, leaves = evaluate("asinh(x)", {"x": 0.7})
parsed.backward()
assert math.isclose(parsed.data, math.asinh(0.7), rel_tol=1e-15)
assert math.isclose(leaves["x"].grad, d(0.7), rel_tol=1e-15)
from autograd_scalar import cli
assert cli.main(["graph", "asinh(x)", "x=0.7"]) == 0
page = explore(Value(0.7, label="x").asinh()).to_html()
assert "asinh" in page
from autograd_scalar.playground import handle
answer = json.loads(handle(json.dumps({"action": "expression", "expression": "asinh(x)",
                                       "values": {"x": 0.7}, "explorer": False})))
assert answer["ok"], answer
assert answer["value"] == format(math.asinh(0.7), ".6g"), answer
assert answer["variables"][0]["gradient"] == format(d(0.7), ".6g"), answer
assert "from autograd_scalar import Value, asinh" in answer["python"], answer

# the sample entry: its points through the engine, against finite differences
import op_samples
samples = op_samples.SAMPLES["asinh"]
for sample in samples.samples:
    (point,) = sample.point
    out = samples.call(ag, Value(point))
    h = 1e-6
    numeric = (math.asinh(point + h) - math.asinh(point - h)) / (2 * h)
    assert math.isclose(grad(lambda u: samples.call(ag, u))(point), numeric, rel_tol=1e-7)
print("every interpreter runs asinh")
"""


@pytest.fixture(scope="module")
def project_with_asinh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_of_the_project(tmp_path_factory.mktemp("asinh"))
    follow_the_readme(project)
    return project


def test_the_generator_writes_the_new_op_into_the_generated_modules(
    project_with_asinh: Path,
) -> None:
    generated = project_with_asinh / "autograd_scalar" / "_generated"
    assert "    def asinh(self) -> Value:" in (generated / "value_methods.py").read_text()
    assert "def asinh(a: Operand) -> Value:" in (generated / "functions.py").read_text()
    assert "def asinh_unary(node: Node, ready: Ready)" in (
        generated / "backward_rules.py").read_text()
    assert "def asinh_unary(node: Node, tangents: Tangents)" in (
        generated / "tangent_rules.py").read_text()
    assert "| `asinh(a)` |" in (project_with_asinh / "docs" / "operations.md").read_text()


def test_the_new_op_works_in_every_interpreter(project_with_asinh: Path) -> None:
    assert "every interpreter runs asinh" in run_in(project_with_asinh, CHECKS)


def test_an_op_without_a_numpy_form_fails_only_where_replayed_with_numpy(
    tmp_path: Path,
) -> None:
    project = copy_of_the_project(tmp_path)
    follow_the_readme(project, {"FUNCTIONS": 'Function("asinh", "math.asinh"),\n'})
    output = run_in(project, """
        import math
        import autograd_scalar as ag
        from autograd_scalar import MLP, Value, compile_graph, fit, make_moons, mse_loss
        x = Value(0.7)
        x.asinh().backward()
        assert math.isclose(x.grad, 1 / math.sqrt(1.49), rel_tol=1e-15)
        X, y = make_moons(20, seed=0)
        history = fit(MLP(2, [4, 1], seed=0), X, y, loss=mse_loss, epochs=2, compile="numpy",
                      progress=False)
        assert len(history.loss) == 2  # models without the op still replay with numpy
        w = Value(0.5)
        loss = ag.sum([(w * float(k)).asinh() for k in range(8)])
        compile_graph(loss)()  # the float replay needs only the float form
        try:
            compile_graph(loss, backend="numpy")
        except NotImplementedError as error:
            print(error)
    """)
    assert "op 'asinh' calls asinh, which has no numpy form" in output


def test_an_op_without_a_torch_form_fails_only_where_exported_to_torch(tmp_path: Path) -> None:
    pytest.importorskip("torch")  # the one tool a test may lack: no CPU wheel off 3.11 here
    project = copy_of_the_project(tmp_path)
    follow_the_readme(project, {"FUNCTIONS": 'Function("asinh", "math.asinh", "numpy.arcsinh"),\n'})
    output = run_in(project, """
        import autograd_scalar as ag
        from autograd_scalar import Value, compile_graph
        w = Value(0.5)
        replay = compile_graph(ag.sum([(w * float(k)).asinh() for k in range(8)]),
                               backend="numpy")
        replay()  # the numpy replay needs only the numpy form
        plain = compile_graph(ag.sum([(w * float(k)).tanh() for k in range(8)]), backend="numpy")
        plain.to_torch()  # graphs without the op still export
        try:
            replay.to_torch()
        except NotImplementedError as error:
            print(error)
    """)
    assert "asinh (called by op 'asinh') has no torch form" in output
