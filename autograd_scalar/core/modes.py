"""Modes: ``no_grad``, and forward mode's recording of tangents as the graph is built.

Both are per thread and nest. Every op method first tests one global count,
``OPEN.count``, of the blocks open in any thread, so the common case (none)
costs one attribute read. When it is non-zero, the method gives the new node
its tangent by the op's tangent rule if ``OPEN.tangents`` is set, and otherwise
hands the node to :func:`observe`, which asks the thread what to do with it.

``OPEN.tangents`` is set while the only block open anywhere is one recording,
the common case of ``jvp``, and ``OPEN.recorder`` names its thread: the ops of
that thread then skip the per-thread look-up.

>>> from autograd_scalar import Value
>>> x = Value(2.0)
>>> with no_grad():
...     y = x * 3
>>> y.parents, y.op
((), '')
"""

from __future__ import annotations

import threading
from contextlib import ContextDecorator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .value import Value

__all__ = ["OPEN", "is_grad_enabled", "no_grad", "observe", "recording", "tangents_recorded"]


class _ThreadState(threading.local):
    depth = 0  # no_grad blocks open in this thread
    tangents: dict[Any, Any] | None = None  # forward mode's, while it records
    paused: tuple[Any, Any] | None = None  # the tangents no_grad blocks put aside, innermost first


_NO_TANGENTS: dict[Any, Any] = {}


class _Open:
    """What every op method reads first: how many blocks are open in any thread, and the
    tangents of the recording that is the only block open, if it is."""

    __slots__ = ("count", "recorder", "tangents")

    def __init__(self) -> None:
        self.count = 0
        self.recorder = 0  # the thread whose recording ``tangents`` is (0: none)
        self.tangents: dict[Any, Any] = _NO_TANGENTS


_state = _ThreadState()
_lock = threading.Lock()
_recordings: dict[int, dict[Any, Any]] = {}  # each recording thread's tangents
OPEN = _Open()
"""``OPEN.count``: the ``no_grad`` blocks and recordings open in any thread."""


def _opened(change: int) -> None:
    """Count a block opened (+1) or closed (-1); called with the lock held."""
    OPEN.count += change
    alone = OPEN.count == 1 and len(_recordings) == 1
    OPEN.recorder, OPEN.tangents = (next(iter(_recordings.items())) if alone
                                    else (0, _NO_TANGENTS))


def observe(node: Value) -> Value:
    """What an op does with its new node while a block is open anywhere: returns the node.

    While this thread's forward mode records, the node's tangent rule gives it its
    tangent, from its operands'; inside ``no_grad`` the node becomes a leaf.
    """
    state = _state
    tangents = state.tangents  # never set inside no_grad, which pauses the recording
    if tangents is not None:
        node._op.tangent(node, tangents)  # type: ignore[union-attr]
    elif state.depth:
        node._op = node._first = node._second = None
    return node


def is_grad_enabled() -> bool:
    """False inside a ``with no_grad():`` block of the calling thread."""
    return not _state.depth


class no_grad(ContextDecorator):
    """Build no graph inside this block: results are plain leaves.

    Use it for evaluation, where no gradient is wanted. It applies to the
    current thread only, nests, and also works as a decorator.
    """

    def __enter__(self) -> no_grad:
        state = _state
        with _lock:
            _opened(+1)
        state.depth += 1
        # Forward mode pauses: what is computed here is a constant, with no tangent.
        state.paused = (state.tangents, state.paused)
        state.tangents = None
        return self

    def __exit__(self, *exc: object) -> None:
        state = _state
        state.tangents, state.paused = state.paused  # type: ignore[misc]
        state.depth -= 1
        with _lock:
            _opened(-1)


class recording:
    """Forward mode as dual numbers, in this thread: inside the block every op also gives
    its result a tangent in ``tangents`` (by Value), by the op's tangent rule on floats.

    A Value without an entry has tangent 0. :mod:`autograd_scalar.forward` builds
    ``jvp`` on it.
    """

    __slots__ = ("tangents",)

    def __init__(self, tangents: dict[Any, Any]) -> None:
        self.tangents = tangents

    def __enter__(self) -> dict[Any, Any]:
        state = _state
        if state.tangents is not None or state.depth:
            raise RuntimeError("forward mode cannot record inside another recording or no_grad")
        state.tangents = self.tangents
        with _lock:
            _recordings[threading.get_ident()] = self.tangents
            _opened(+1)
        return self.tangents

    def __exit__(self, *exc: object) -> None:
        with _lock:
            del _recordings[threading.get_ident()]
            _opened(-1)
        _state.tangents = None


def tangents_recorded() -> bool:
    """Whether forward mode is :func:`recording` in this thread."""
    return _state.tangents is not None
