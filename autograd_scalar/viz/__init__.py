"""Computation graphs as pictures: :func:`draw_dot` builds one, :func:`render` writes it to a file.

The documented import path of the renderer. The drawing itself lives in
:mod:`autograd_scalar.drawing` (``draw_dot``, the Graphviz layout and its errors)
and writing files by extension in :mod:`autograd_scalar.rendering` (``render``,
which also writes the explorer's page and the animation); this package only
re-exports their public names, so that it imports them and nothing imports it.

>>> from autograd_scalar import Value
>>> x, w = Value(0.5, label="x"), Value(-1.2, label="w")
>>> y = (x * w).tanh()
>>> y.backward()
>>> draw_dot(y).source.count("->")   # x and w into *, * into x*w, x*w into tanh, tanh into y
5
>>> render(y, "neuron.svg")       # doctest: +SKIP
PosixPath('neuron.svg')
"""

from __future__ import annotations

from ..drawing import (
    DEFAULT_TIMEOUT,
    LABEL_LENGTH,
    PAGE_RENDERER,
    Drawing,
    GraphvizNotFoundError,
    RenderTimeout,
    draw_dot,
    pipe,
)
from ..rendering import FORMATS, render

__all__ = [
    "DEFAULT_TIMEOUT",
    "FORMATS",
    "LABEL_LENGTH",
    "PAGE_RENDERER",
    "Drawing",
    "GraphvizNotFoundError",
    "RenderTimeout",
    "draw_dot",
    "pipe",
    "render",
]
