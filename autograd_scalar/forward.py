"""Forward mode: tangents carried through a computation graph from its inputs to its outputs.

Reverse mode (``backward``) sends the gradient of one output back to every
input, so a full Jacobian of m outputs takes m passes. Forward mode sends one
direction of change forward instead: give each input a *tangent* (how fast it
moves), and every Value computed from them gets its own tangent, how fast it
then moves, by the chain rule applied input side first. A full Jacobian over n
inputs takes n passes; a Jacobian-vector product (``jvp``) takes one.

This is one more interpreter of the op table. Each op's tangent rule, generated
into ``autograd_scalar/_generated/tangent_rules.py`` and held by the op's Rule
beside its backward rule, is its own derivative templates (the ones backward
uses) with the operands' tangents in place of the incoming gradient ``g``::

    tangent(out) = d out/da · tangent(a) + d out/db · tangent(b)

so a kink or a pole has the same derivative in both modes (``relu`` at 0 passes
nothing on, ``sqrt`` at 0 gives +inf), as in PyTorch. The one set of rules is
applied node by node, with tangents kept by Value, at one of two moments:

* as each node is made (:func:`recording`, dual numbers): what ``jvp`` does with
  numbers, at little more than the cost of the forward pass itself. As with dual
  numbers, a tangent travels with its Value: while the recording is open, any
  thread computing with the recording's Values gives its results their tangents;
* over a graph already built (:func:`propagate`), parents first
  (:func:`parents_first`): for tangents that are Values, to differentiate again.

Tangents are plain floats, or with ``create_graph=True`` Values built from the
graph's own Values, so that a tangent can be differentiated again, by either
mode. A tangent of exactly ``0.0`` (a plain number) is passed on as no tangent
at all, as backward passes nothing on through ``relu`` and ``dot``: forward mode
never turns 0 · inf into nan below a unit that is off, and the tangent along
(1, 0, ...) is exactly the partial derivative that ``grad`` gives, even where
another input's derivative is infinite. (``torch.func.jvp`` gives nan there.)

>>> from autograd_scalar import Value
>>> x, y = Value(1.0, label="x"), Value(2.0, label="y")
>>> out = x * y + x.sin()
>>> tangents = propagate(parents_first([out]), {x: 1.0})
>>> tangents[out]  # d out/dx = y + cos x
2.5403023058681398
"""

from __future__ import annotations

from .core.graph import parents_first
from .core.modes import tangents_recorded
from .core.tangents import propagate, recording

__all__ = ["parents_first", "propagate", "recording", "recording_here"]


def recording_here() -> bool:
    """Whether this thread has a :func:`recording` open."""
    return tangents_recorded()
