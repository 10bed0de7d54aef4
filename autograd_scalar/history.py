"""What training records: :class:`History`, the loss and accuracy of every epoch.

:func:`~autograd_scalar.train.fit` fills one; the live view
(:mod:`autograd_scalar.live`), the plots (:mod:`autograd_scalar.plot`) and the
animations read it. It lives apart from the training loop so that what reads a
history needs nothing of how it was made.

>>> history = History(loss=[0.7, 0.4], accuracy=[0.5, 0.9])
>>> history.epochs, history.loss[-1]
(2, 0.4)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["History"]


@dataclass
class History:
    """What happened in :func:`fit`, one entry per finished epoch.

    ``loss[i]``: the objective minimised in epoch ``i + 1`` (the loss plus the
    ``l2`` term), averaged over the epoch's batches weighted by their size.
    ``accuracy[i]``: the fraction of training samples the model got right in
    that epoch, judged from the predictions made for the updates (each batch's
    before its own update). ``interrupted``: training was stopped by Ctrl-C.

    With ``fit(..., validation=(X_val, y_val))``, ``validation_loss[i]`` and
    ``validation_accuracy[i]`` are the model's loss and accuracy on the held-out
    samples at the end of epoch ``i + 1``, after its updates. That loss is the
    loss function alone, *without* the ``l2`` term: it measures the fit to new
    data, whatever the penalty, so it is below ``loss[i]`` by the penalty when the
    model fits the held-out samples as well as the training ones. Without
    validation both lists stay empty. An epoch is recorded whole or not at all:
    every list that is filled has ``epochs`` entries.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    validation_loss: list[float] = field(default_factory=list)
    validation_accuracy: list[float] = field(default_factory=list)
    interrupted: bool = False

    @property
    def epochs(self) -> int:
        """How many epochs finished."""
        return len(self.loss)

    def to_dict(self) -> dict[str, Any]:
        """The history as plain lists and values, ready for ``json.dump``; the validation
        lists only when there was validation (so a history without it reads as before).

        >>> History(loss=[0.5], accuracy=[1.0]).to_dict()
        {'loss': [0.5], 'accuracy': [1.0], 'interrupted': False}
        """
        fields = asdict(self)
        if not self.validation_loss:
            del fields["validation_loss"], fields["validation_accuracy"]
        return fields

