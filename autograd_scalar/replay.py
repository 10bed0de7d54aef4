"""What a compiled replay of a batch loss offers its users: the :class:`Replay` interface.

Both back ends of :func:`~autograd_scalar.compile.compile_graph` satisfy it: the
float replay (:class:`~autograd_scalar.compile.CompiledGraph`) and the numpy
replay (:class:`~autograd_scalar.compile_numpy.ArrayGraph`). :func:`fit
<autograd_scalar.train.fit>` and :class:`~autograd_scalar.train.Trainer` train
through it and never ask which one they hold: they ask what it can do.

A replay runs either on the samples its graph was built with, or, where it has
:attr:`~Replay.sample_leaves`, on other samples given as rows (one row per
sample, one column per sample leaf, in that order):

>>> from autograd_scalar import Value, compile_graph, sum
>>> w = Value(2.0, label="w")
>>> xs = [Value(x) for x in (1.0, 2.0, 3.0, 4.0)]
>>> outputs = [w * x for x in xs]
>>> replay: Replay = compile_graph(sum(outputs), observe=outputs)
>>> replay.sample_leaves, replay.forward(), list(replay.values(outputs[0]))
([], 20.0, [2.0, 4.0, 6.0, 8.0])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from .engine import Value

if TYPE_CHECKING:
    from .optim import Optimizer

__all__ = ["Replay", "SampleRows"]

SampleRows = Any
"""Samples for a replay to run on: one row per sample holding the values of its
:attr:`~Replay.sample_leaves`, as a list of lists or a 2-D numpy array."""


class Replay(Protocol):
    """A compiled graph of a loss, replayed with the leaves' current values.

    ``root`` is the Value the graph computes (the loss). Methods that take
    ``samples`` run on those rows instead of the samples the graph was built
    with; only a replay with :attr:`sample_leaves` accepts them (the others raise
    ``ValueError``).
    """

    root: Value
    write_observed: bool
    """True: a replay on the built samples writes the observed nodes' values into their
    Values. Setting it False lets a replay skip that (the numpy replay does, the float
    replay writes them anyway); :meth:`values` reads them either way."""

    @property
    def sample_leaves(self) -> list[Value]:
        """The first sample's leaves whose values a row of ``samples`` gives, in a row's
        order; empty when the replay runs only on the samples it was built with."""
        ...

    def forward(self, samples: SampleRows = None) -> float:
        """The loss for the leaves' current values (no gradients); sets ``root.data``."""
        ...

    def step(self, optimizer: Optimizer, samples: SampleRows = None,
             write_back: bool = True) -> float:
        """One training step: what ``optimizer.zero_grad()``, a replay forward and backward,
        and ``optimizer.step()`` do; returns the loss, and updates nothing when it is not
        finite (nan or infinite), for the caller to report.

        With ``write_back=False`` a replay may keep the new parameter values and
        gradients in its own arrays, read them at its next step instead of the Values,
        and leave the Values as they were until :meth:`write_back`: a loop of steps
        that nobody watches then skips writing every parameter at every step. Until
        then the parameters' Values must not be read or changed."""
        ...

    def write_back(self) -> None:
        """Write parameter values and gradients kept by ``step(..., write_back=False)``
        into their Values (nothing if none are kept)."""
        ...

    def values(self, node: Value) -> Sequence[float]:
        """The values an observed node (one passed in ``observe=``) took in the last replay,
        in every sample of its batch: given a node of any one sample, its counterparts in
        all of them, in order (the rows of ``samples`` when they were given). A list for
        the float replay, a numpy array for the numpy replay. ``KeyError`` for a node
        that is not observed in a batch of samples."""
        ...
