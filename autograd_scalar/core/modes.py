"""Modes: ``no_grad``, and forward mode's recording of tangents as the graph is built.

``no_grad`` is per thread and nests: inside it, results are plain leaves. A
recording is opened by one thread, once at a time in that thread, and works as
dual numbers do: while it is open, every op that is not inside a ``no_grad``
block gives its result the tangent its operands carry in the recording,
whichever thread computes it. So a Value computed from the recording's inputs
gets its tangent however it was made, and nothing else gets one.

Every op method first tests one global count, ``OPEN.count``, of the blocks
open in any thread, so the common case (none) costs one attribute read. When
the only block open is a recording (the common case of ``jvp``), the method
applies the op's tangent rule to ``OPEN.tangents`` itself; otherwise it hands
the node to :func:`observe`.

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
    tangents: dict[Any, Any] | None = None  # the recording this thread opened, while open


class _Open:
    """What every op method reads first: how many blocks are open in any thread, and the
    tangents of the recording that is the only block open, if it is."""

    __slots__ = ("count", "tangents")

    def __init__(self) -> None:
        self.count = 0
        self.tangents: dict[Any, Any] | None = None


_state = _ThreadState()
_lock = threading.Lock()
_recordings: tuple[dict[Any, Any], ...] = ()  # every open recording's tangents
OPEN = _Open()
"""``OPEN.count``: the ``no_grad`` blocks and recordings open in any thread."""


def _opened(change: int) -> None:
    """Count a block opened (+1) or closed (-1); called with the lock held."""
    OPEN.count += change
    alone = OPEN.count == 1 and len(_recordings) == 1
    OPEN.tangents = _recordings[0] if alone else None


def observe(node: Value) -> Value:
    """What an op does with its new node while blocks are open: returns the node.

    Inside this thread's ``no_grad`` the node becomes a leaf; otherwise each open
    recording gives it the tangent its operands carry there, by the op's tangent rule.
    """
    if _state.depth:
        node._rule = node._first = node._second = None
        return node
    for tangents in _recordings:
        node._rule.tangent(node, tangents)  # type: ignore[union-attr]
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
        with _lock:
            _opened(+1)
        _state.depth += 1  # what is computed here is a constant, with no tangent either
        return self

    def __exit__(self, *exc: object) -> None:
        _state.depth -= 1
        with _lock:
            _opened(-1)


class recording:
    """Forward mode as dual numbers: inside the block every op gives its result the tangent
    its operands carry in ``tangents`` (by Value), by the op's tangent rule on floats.

    A Value without an entry has tangent 0. One recording at a time per thread, not
    inside ``no_grad``. :mod:`autograd_scalar.forward` builds ``jvp`` on it.
    """

    __slots__ = ("tangents",)

    def __init__(self, tangents: dict[Any, Any]) -> None:
        self.tangents = tangents

    def __enter__(self) -> dict[Any, Any]:
        global _recordings
        state = _state
        if state.tangents is not None or state.depth:
            raise RuntimeError("forward mode cannot record inside another recording or no_grad")
        state.tangents = self.tangents
        with _lock:
            _recordings = (*_recordings, self.tangents)
            _opened(+1)
        return self.tangents

    def __exit__(self, *exc: object) -> None:
        global _recordings
        with _lock:
            _recordings = tuple(t for t in _recordings if t is not self.tangents)
            _opened(-1)
        _state.tangents = None


def tangents_recorded() -> bool:
    """Whether this thread has a :func:`recording` open."""
    return _state.tangents is not None
