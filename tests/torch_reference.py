"""PyTorch's numbers for every op sample of ``tests/test_ops.py``, kept in a JSON fixture.

Run ``python tests/torch_reference.py`` (with torch installed) after changing the
samples; it rewrites ``tests/data/torch_reference.json`` with torch's float64
value, first derivatives and second derivatives (``torch.autograd.grad`` with
``create_graph=True``) of every case, keyed by the case's id.

The tests compare the engine with the JSON on every Python, torch or not; where
torch is importable, one test recomputes the reference in memory and compares it
with the file, so the fixture cannot drift from what torch computes.

Floats are written with ``repr`` (exact round trip); inf and nan, which JSON
lacks, as the strings ``"inf"``, ``"-inf"`` and ``"nan"``. This module imports
torch only inside :func:`compute`, so it can be imported (and collected by
pytest) without it.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

PATH = Path(__file__).resolve().parent / "data" / "torch_reference.json"

Encoded = float | str


def encode(x: float) -> Encoded:
    """``x`` as JSON can hold it: the float itself, or "inf", "-inf", "nan"."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def decode(x: Encoded) -> float:
    """The float :func:`encode` wrote."""
    return float(x)


def dumps(reference: dict[str, Any]) -> str:
    """The file's text: sorted keys, one value a line, no bare NaN or Infinity."""
    return json.dumps(reference, indent=1, sort_keys=True, allow_nan=False) + "\n"


def load(path: Path = PATH) -> dict[str, Any]:
    """The reference as written: ``{"cases": {id: {...}}, "torch": version, ...}``."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def torch_calls(torch: Any) -> dict[str, Callable[..., Any]]:
    """Each op of the table as torch computes it, on 0-d float64 tensors."""
    functional = torch.nn.functional

    def clamp(a: Any, min: float | None = None, max: float | None = None) -> Any:
        # torch.clamp needs a bound; no bounds is the identity with derivative 1.
        return torch.clamp(a, min=-math.inf if min is None and max is None else min, max=max)

    return {
        "add": lambda a, b: a + b,
        "sub": lambda a, b: a - b,
        "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b,
        "pow": torch.pow,
        "neg": torch.neg,
        "abs": torch.abs,
        "exp": torch.exp,
        "log": torch.log,
        "sqrt": torch.sqrt,
        "sin": torch.sin,
        "cos": torch.cos,
        "tan": torch.tan,
        "atan": torch.atan,
        "erf": torch.erf,
        "reciprocal": torch.reciprocal,
        "relu": torch.relu,
        "leaky_relu": lambda a, negative_slope=0.01: functional.leaky_relu(a, negative_slope),
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "elu": lambda a, alpha=1.0: functional.elu(a, alpha),
        "softplus": functional.softplus,  # beta=1, threshold=20: samples keep |x| <= 15
        "gelu": functional.gelu,  # approximate="none", the erf form
        "maximum": torch.maximum,
        "minimum": torch.minimum,
        "clamp": clamp,
        "sum": lambda *terms: torch.stack(terms).sum(),
        "dot": lambda w0, w1, x0, x1, bias: (
            torch.dot(torch.stack([w0, w1]), torch.stack([x0, x1])) + bias
        ),
    }


def derivatives(torch: Any, call: Callable[..., Any], point: tuple[float, ...],
                constant: tuple[bool, ...], parameters: dict[str, float | None]) -> dict[str, Any]:
    """Value, gradient and Hessian (over the non-constant operands) of one call, encoded."""
    def tensor(x: float, leaf: bool) -> Any:
        return torch.tensor(x, dtype=torch.float64, requires_grad=leaf)

    operands = [tensor(x, not fixed) for x, fixed in zip(point, constant)]
    leaves = [t for t, fixed in zip(operands, constant) if not fixed]
    out = call(*operands, **parameters)
    grads = torch.autograd.grad(out, leaves, create_graph=True, allow_unused=True)
    hessian = []
    for g in grads:
        if g is None or not g.requires_grad:  # a derivative that is constant in the inputs
            hessian.append([0.0] * len(leaves))
            continue
        row = torch.autograd.grad(g, leaves, retain_graph=True, allow_unused=True)
        hessian.append([0.0 if r is None else r.item() for r in row])
    return {
        "value": encode(out.item()),
        "grad": [encode(0.0 if g is None else g.item()) for g in grads],
        "hessian": [[encode(h) for h in row] for row in hessian],
    }


def compute() -> dict[str, Any]:
    """The whole reference, computed now with torch (which must be importable)."""
    import torch
    from test_ops import ALL_CASES

    calls = torch_calls(torch)
    cases = {
        case.id: derivatives(torch, calls[case.name], case.sample.point, case.sample.constant,
                             dict(case.sample.parameters))
        for case in ALL_CASES
    }
    return {
        "about": "PyTorch float64 value, gradient and Hessian of each case of tests/test_ops.py; "
                 "regenerate with: python tests/torch_reference.py",
        "cases": cases,
        "torch": torch.__version__.split("+")[0],
    }


def main() -> int:
    PATH.parent.mkdir(exist_ok=True)
    reference = compute()
    PATH.write_text(dumps(reference), encoding="utf-8")
    print(f"wrote {len(reference['cases'])} cases to {PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
