"""Layers to PyTorch and back, as plain numbers: :func:`to_sequential` and :func:`from_sequential`.

The bridge speaks in :class:`LinearLayer` records (a weight matrix, a bias and
an activation name), not in models: :meth:`autograd_scalar.nn.Module.to_torch`
describes its layers that way, and :meth:`autograd_scalar.nn.MLP.from_torch`
builds an MLP from the records read back, so this module needs nothing of
``nn`` (the arrow points from ``nn`` to here, one way).

An :class:`~autograd_scalar.nn.MLP` becomes a ``torch.nn.Sequential`` of float64
``Linear`` layers, each followed by the activation module that computes the same
function (none for a ``linear`` layer); its weights are copied exactly, neuron
``j``'s ``w[k]`` to ``weight[j, k]`` and its ``b`` to ``bias[j]``. The same
Sequential comes back as an equal MLP. For example (this needs PyTorch)::

    net = MLP(2, [4, 1], seed=0).to_torch()
    net        # Sequential(Linear(2, 4), ReLU(), Linear(4, 1))
    net(torch.tensor([[0.5, -1.0]], dtype=torch.float64))   # shape (1, 1)
    MLP.from_torch(net)    # MLP(2 → 4 relu → 1 linear, 17 parameters)

One difference in shape: an MLP with one output returns a single Value, torch a
tensor whose last dimension is 1.

PyTorch is optional: this module imports it only when called, through
:func:`import_torch`, which says how to install it when it is missing.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from .ops import OPS

__all__ = [
    "MIN_SOFTPLUS_THRESHOLD",
    "SOFTPLUS_THRESHOLD",
    "TORCH_ACTIVATIONS",
    "LinearLayer",
    "from_sequential",
    "import_torch",
    "to_sequential",
]

SOFTPLUS_THRESHOLD = 40.0
"""The ``threshold`` of the ``torch.nn.Softplus`` that :func:`to_sequential` writes.

Above it torch returns ``x`` instead of ``log(1 + e ** x)``, and its derivative 1
instead of ``sigmoid(x)``. torch's default of 20 is off by up to e ** -20 = 2.1e-9
there (1e-10 relative); beyond 37.5, e ** -x is below half a float64 ulp of both
``x`` and 1, so at 40 torch's Softplus agrees with this engine's to rounding."""

MIN_SOFTPLUS_THRESHOLD = 20.0
"""The lowest Softplus ``threshold`` :func:`from_sequential` accepts: torch's default,
within e ** -20 = 2.1e-9 of the exact softplus this engine computes."""

TORCH_ACTIVATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "relu": ("ReLU", {}),
    "leaky_relu": ("LeakyReLU", dict(OPS["leaky_relu"].parameters)),
    "tanh": ("Tanh", {}),
    "sigmoid": ("Sigmoid", {}),
    "elu": ("ELU", dict(OPS["elu"].parameters)),
    "softplus": ("Softplus", {"beta": 1.0, "threshold": SOFTPLUS_THRESHOLD}),
    "gelu": ("GELU", {"approximate": "none"}),
}
"""Each activation a neuron may use (but ``linear``, which is no module) as the
``torch.nn`` class that computes it and the settings that make it compute the same:
each setting is both a constructor argument and an attribute of that name. The
``negative_slope`` and ``alpha`` are the op table's parameters (named as in torch)
with their defaults, the ones a neuron applies."""



@dataclass(frozen=True)
class LinearLayer:
    """One ``torch.nn.Linear`` and the activation after it, as plain numbers.

    ``weight[j][k]`` is neuron ``j``'s weight ``w[k]`` and ``bias[j]`` its bias;
    ``activation`` is a name of :data:`TORCH_ACTIVATIONS`, or ``linear`` (none).

    >>> LinearLayer([[0.5, -1.0]], [0.25], "tanh").activation
    'tanh'
    """

    weight: list[list[float]]
    bias: list[float]
    activation: str


def import_torch() -> ModuleType:
    """``torch``, imported; ``ImportError`` saying how to install it if it is missing."""
    try:
        return importlib.import_module("torch")
    except ImportError as error:
        raise ImportError(
            "this needs PyTorch, which autograd_scalar does not install by itself: "
            "pip install 'autograd-scalar[torch]' (torch==2.13.0; add --extra-index-url "
            "https://download.pytorch.org/whl/cpu for the CPU build, as PyPI's Linux torch "
            "is a multi-GB CUDA build)"
        ) from error


def to_sequential(layers: Sequence[LinearLayer]) -> Any:
    """``layers`` as a float64 ``torch.nn.Sequential``: a ``Linear`` per layer, each
    followed by its activation module (see :data:`TORCH_ACTIVATIONS`; none for ``linear``).

    Weights and biases are copied exactly, and torch's random generator is left
    alone (the layers skip torch's initialisation).
    """
    torch: Any = import_torch()
    parts = []
    for layer in layers:
        linear = torch.nn.utils.skip_init(
            torch.nn.Linear, len(layer.weight[0]), len(layer.bias), dtype=torch.float64
        )
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(layer.weight, dtype=torch.float64))
            linear.bias.copy_(torch.tensor(layer.bias, dtype=torch.float64))
        parts.append(linear)
        if layer.activation != "linear":
            class_name, settings = TORCH_ACTIVATIONS[layer.activation]
            parts.append(getattr(torch.nn, class_name)(**settings))
    return torch.nn.Sequential(*parts)


def from_sequential(module: Any) -> list[LinearLayer]:
    """The layers of the ``torch.nn.Sequential`` ``module``, read as an MLP's layers.

    ``module`` holds ``Linear`` layers (with biases), each followed by at most one
    activation module of :data:`TORCH_ACTIVATIONS` with the settings listed there
    (a Softplus may keep torch's default threshold: see
    :data:`MIN_SOFTPLUS_THRESHOLD`), or ``Identity``; a Linear followed by no
    activation is a ``linear`` layer. The weights come across exactly, as Python
    floats of their (float32 or float64) values; ``module`` is not changed.

    Anything else raises an error that names the item: ``TypeError`` for a
    ``module`` that is not a Sequential or an item of an unsupported kind
    (``Conv2d``, ``Dropout`` ...), ``ValueError`` for an empty Sequential, a
    Linear without a bias, a Linear shared between two places, sizes that do not
    chain, an activation with other settings or not after a Linear, or weights
    that are not finite.
    """
    torch: Any = import_torch()
    if type(module) is not torch.nn.Sequential:
        raise TypeError(
            f"MLP.from_torch takes a torch.nn.Sequential of Linear layers and activations, "
            f"not a {type(module).__qualname__}"
        )
    return [
        LinearLayer(linear.weight.detach().double().tolist(),
                    linear.bias.detach().double().tolist(), activation)
        for linear, activation in _torch_layers(torch, list(module))
    ]


def _torch_layers(torch: Any, items: list[Any]) -> list[tuple[Any, str]]:
    """Each Linear of ``items`` with the name of the activation that follows it (``linear``
    if none), checked as :func:`from_sequential` says."""
    if not items:
        raise ValueError("cannot make an MLP from an empty Sequential: it has no layers")
    layers: list[tuple[Any, str]] = []
    follows_linear = False
    for position, item in enumerate(items):
        where = f"item {position} of the Sequential, {item!r},"
        if type(item) is torch.nn.Linear:
            _check_linear(torch, item, where, layers, items)
            layers.append((item, "linear"))
            follows_linear = True
            continue
        activation = _activation_name(torch, item, where)
        if not follows_linear:
            raise ValueError(
                f"{where} does not follow a Linear: an MLP applies one activation after "
                "each Linear layer, and begins with a Linear"
            )
        layers[-1] = (layers[-1][0], activation)
        follows_linear = False
    return layers


def _check_linear(
    torch: Any, linear: Any, where: str, before: list[tuple[Any, str]], items: list[Any]
) -> None:
    """ValueError if ``linear`` has no bias, is shared, does not read what the Linear
    ``before`` it writes, or has a weight that is not finite."""
    if linear.bias is None:
        raise ValueError(
            f"{where} has no bias, and every MLP neuron has one: build it with bias=True "
            "(and zero the bias to keep its function)"
        )
    if any(linear is earlier for earlier, _ in before):
        raise ValueError(
            f"{where} appears at items {[i for i, x in enumerate(items) if x is linear]}: "
            "a Linear shared between places has no MLP counterpart, whose layers are separate"
        )
    if before and linear.in_features != before[-1][0].out_features:
        raise ValueError(
            f"{where} takes {linear.in_features} inputs, but the Linear before it gives "
            f"{before[-1][0].out_features} outputs"
        )
    for name in ("weight", "bias"):
        values = getattr(linear, name).detach()
        bad = torch.nonzero(~torch.isfinite(values))
        if len(bad):
            index = bad[0].tolist()
            raise ValueError(
                f"{where} has {name}{index} = {values[tuple(index)].item()}: "
                "an MLP's weights must be finite"
            )


def _activation_name(torch: Any, item: Any, where: str) -> str:
    """The activation name of the torch module ``item`` (``linear`` for Identity); TypeError
    for a kind with no counterpart, ValueError for settings other than ours."""
    if type(item) is torch.nn.Identity:
        return "linear"
    for name, (class_name, settings) in TORCH_ACTIVATIONS.items():
        if type(item) is getattr(torch.nn, class_name):
            for setting, wanted in settings.items():
                _check_setting(name, class_name, setting, wanted, getattr(item, setting), where)
            return name
    supported = ", ".join(["Linear", "Identity"] + [c for c, _ in TORCH_ACTIVATIONS.values()])
    raise TypeError(
        f"{where} is a {type(item).__qualname__}, which has no MLP counterpart; "
        f"an MLP's Sequential holds only {supported}"
    )


def _check_setting(
    name: str, class_name: str, setting: str, wanted: Any, actual: Any, where: str
) -> None:
    """ValueError if the torch activation's ``setting`` is ``actual`` where ours is ``wanted``."""
    if setting == "threshold":  # torch's default threshold is close enough: see the docs
        if actual >= MIN_SOFTPLUS_THRESHOLD:
            return
        raise ValueError(
            f"{where} has threshold={actual!r}, above which it is linear; the MLP's softplus "
            f"is exact, within e ** -threshold of it only for threshold >= "
            f"{MIN_SOFTPLUS_THRESHOLD} (use Softplus(threshold={SOFTPLUS_THRESHOLD}))"
        )
    if actual != wanted:
        raise ValueError(
            f"{where} has {setting}={actual!r}, but an MLP's {name} has {setting}={wanted!r}, "
            f"fixed; use {class_name}({setting}={wanted!r})"
        )
