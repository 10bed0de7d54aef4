"""Fuzzing ``autograd-scalar graph``'s arguments: a result or one line on stderr, never a traceback.

Random expressions and NAME=VALUE pairs (any text, and fullwidth and other
NFKC-equivalent spellings of the names) go through :func:`main` in-process.
Bounded to a few seconds: fixed example counts, no deadline.
"""

from __future__ import annotations

import contextlib
import io
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_scalar.cli import main

FUZZ = settings(max_examples=200, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])
NAMES = st.sampled_from(["x", "y", "\uff58", "\uff59", "\u2170", "\ufb01", "e", "pi", "for",
                         "_", "x1", "\u00f1", "n\u0303"])
PAIRS = st.one_of(
    st.tuples(NAMES, st.sampled_from(["1", "-2.5", "0", "1e3", "nan", "x", ""])).map("=".join),
    st.text(max_size=12),
)
EXPRESSION = st.one_of(
    st.lists(st.one_of(NAMES, st.sampled_from(["+", "*", "-", "(", ")", "tanh(", "2"])),
             max_size=8).map("".join),
    st.text(max_size=20),
)


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(["graph", *argv])
        except SystemExit as exit:  # argparse refusing the arguments
            status = exit.code if isinstance(exit.code, int) else 1
    return status, out.getvalue(), err.getvalue()


@FUZZ
@given(EXPRESSION, st.lists(PAIRS, max_size=3))
def test_any_arguments_give_a_result_or_a_one_line_error(expression: str, pairs: list[str]) -> None:
    status, out, err = run(["--", expression, *pairs])
    assert "Traceback" not in err
    if status == 0:
        assert err == "" and " = " in out.splitlines()[0]
    else:
        assert status == 2
        lines = err.splitlines()
        assert lines and lines[-1].startswith("autograd-scalar graph: error: "), err


VARIABLE_NAMES = st.sampled_from(["x", "\uff58", "y", "\uff59", "\u2170", "i", "\ufb01", "fi",
                                  "\u00f1", "n\u0303"])


@FUZZ
@given(st.lists(VARIABLE_NAMES, min_size=1, max_size=3, unique=True))
def test_every_spelling_of_a_name_binds_the_variable_the_expression_means(
    names: list[str],
) -> None:
    # The expression writes the names one way, the variables the other way round.
    expression = " + ".join(names)
    status, out, err = run(["--", expression, *(f"{name}=1" for name in reversed(names))])
    normalised = [unicodedata.normalize("NFKC", name) for name in names]
    if len(set(normalised)) < len(names):
        assert status == 2 and "given twice" in err  # two spellings of one name
    else:
        assert status == 0, err
        rows = {line.split()[0] for line in out.splitlines()[3:] if line.strip()}
        assert rows == set(normalised)
