"""The README's Python examples run as written and print what their comments say."""

from __future__ import annotations

import contextlib
import io
import math
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
# Examples stand at the start of a line; the indented blocks of a numbered procedure are
# its steps, which the procedure's own test follows (tests/test_adding_an_op.py).
EXAMPLES = re.findall(r"^```python\n(.*?)^```", README.read_text(encoding="utf-8"),
                      re.S | re.M)


def run(example: str) -> str:
    """What ``example`` prints, run in a fresh namespace."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(example, "README.md", "exec"), {})
    return printed.getvalue()


def test_the_readme_has_its_examples() -> None:
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_every_example_runs(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # examples may write files (a model, a picture)
    run(EXAMPLES[index])


def test_the_first_example_prints_the_gradient_and_the_third_derivative() -> None:
    lines = run(EXAMPLES[0]).splitlines()
    assert lines[0] == "10.0 6.0"
    t = math.tanh(0.5)
    sech2 = 1.0 - t * t
    third = -2.0 * sech2 * (sech2 - 2.0 * t * t)  # d³/dx³ tanh x, by hand
    assert float(lines[1]) == pytest.approx(third, rel=1e-12)
