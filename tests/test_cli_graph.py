"""``autograd-scalar graph``: the printed value and gradients, the picture, ``python -m``.

The expression language itself (``evaluate``) is tested in ``test_expression.py``.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd_scalar.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["graph", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def table(output: str) -> dict[str, tuple[float, float]]:
    """The printed ``variable  value  gradient`` rows, by name."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split() == ["variable", "value",
                                                                        "gradient"])
    rows = {}
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        name, value, gradient = line.split()
        rows[name] = (float(value), float(gradient))
    return rows


def test_cli_prints_the_value_and_each_gradient(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_cli(capsys, "tanh(x*w + b)", "x=0.5", "w=-1.2", "b=0.3")
    t = math.tanh(0.5 * -1.2 + 0.3)
    local = 1.0 - t * t
    assert status == 0 and err == ""
    assert out.splitlines()[0] == f"tanh(x*w + b) = {t:.6g}"
    rows = table(out)
    assert list(rows) == ["x", "w", "b"]
    for name, value, gradient in [("x", 0.5, -1.2 * local), ("w", -1.2, 0.5 * local),
                                  ("b", 0.3, local)]:
        assert rows[name][0] == value
        assert rows[name][1] == pytest.approx(gradient, rel=1e-5)


def test_cli_draws_the_graph_with_variable_names(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "neuron.svg"
    status, out, _ = run_cli(capsys, "tanh(x*w + b)", "x=0.5", "w=-1.2", "b=0.3", "-o", str(path))
    texts = {"".join(e.itertext()).strip() for e in ET.parse(path).iter()
             if e.tag.endswith("text")}
    assert status == 0 and f"graph written to {path}" in out
    assert {"x", "w", "b", "tanh", "*", "+"} <= texts


def test_cli_writes_dot_source_with_options(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "graph.dot"
    status, _, _ = run_cli(capsys, "x*y", "x=2", "y=3", "-o", str(path), "--rankdir", "TB",
                           "--show-order")
    source = path.read_text(encoding="utf-8")
    assert status == 0
    assert "rankdir=TB" in source and 'label="#1 | data 6 | grad 1"' in source


def test_cli_without_output_writes_no_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, _ = run_cli(capsys, "x", "x=1")
    assert status == 0 and "graph written" not in out
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_a_graph_over_max_nodes_naming_the_flag(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, err = run_cli(capsys, "x*x*x", "x=1", "-o", str(tmp_path / "g.dot"),
                               "--max-nodes", "2")
    assert status == 2 and table(out) == {"x": (1.0, 3.0)}  # the numbers, then the refusal
    assert err == ("autograd-scalar graph: error: the graph has 3 Values, more than "
                   "--max-nodes 2; pass --max-nodes 3 (or more) to draw it\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("separator", [[], ["--"]], ids=["bare", "after --"])
def test_an_expression_may_start_with_a_minus(
    separator: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "g.dot"
    status, out, err = run_cli(capsys, "-o", str(path), *separator, "-x*y", "x=1", "y=2")
    assert status == 0, err
    assert out.startswith("-x*y = -2\n") and table(out) == {"x": (1.0, -2.0), "y": (2.0, -1.0)}
    assert path.exists()


def test_options_may_follow_an_expression_that_starts_with_a_minus(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "g.dot"
    status, out, err = run_cli(capsys, "--x", "x=3", "--out", str(path), "--show-order")
    assert status == 0, err
    assert out.startswith("--x = 3\n") and "#1" in path.read_text(encoding="utf-8")


def test_version_is_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    version = re.search(r'^version = "(.+)"$', text, re.M)
    assert version is not None
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out == f"autograd-scalar {version[1]}\n" == "autograd-scalar 0.1.0\n"


def test_e_and_pi_are_constants_and_not_variable_names(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(capsys, "x*e + pi", "x=2")
    assert status == 0 and table(out)["x"] == (2.0, float(f"{math.e:.6g}"))
    status, out, err = run_cli(capsys, "x", "x=1", "pi=3")
    assert status == 2 and out == "" and "'pi' is the constant" in err


def subprocess_environment(**changes: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **changes}


def test_python_dash_m_runs_the_graph_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "autograd_scalar", "graph", "x**3", "x=2"],
        capture_output=True, text=True, env=subprocess_environment(), timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("x**3 = 8\n")
    assert table(result.stdout)["x"] == (2.0, 12.0)  # 3x^2


def test_missing_dot_is_one_clear_line_after_the_numbers(tmp_path: Path) -> None:
    empty = tmp_path / "empty-path"
    empty.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "autograd_scalar", "graph", "x*2", "x=1", "-o", "g.png"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60, check=False,
        env=subprocess_environment(PATH=str(empty)),
    )
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert "dot" in result.stderr and "apt-get install graphviz" in result.stderr
    # The value and gradient were computed: they are printed before the error.
    assert result.stdout.startswith("x*2 = 2\n") and table(result.stdout) == {"x": (1.0, 2.0)}
    assert "graph written" not in result.stdout
    assert not (tmp_path / "g.png").exists()


def test_the_console_script_prints_its_version() -> None:
    script = Path(sys.executable).with_name("autograd-scalar")
    if not script.exists():  # run from a checkout without pip install
        pytest.skip("the autograd-scalar script is not installed beside this Python")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True,
                            timeout=60, check=False)
    assert (result.returncode, result.stdout) == (0, "autograd-scalar 0.1.0\n")
