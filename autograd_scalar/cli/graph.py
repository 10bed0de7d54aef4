"""``autograd-scalar graph``: differentiate an expression typed on the command line, and draw it.

::

    $ autograd-scalar graph "tanh(x*w + b)" x=0.5 w=-1.2 b=0.3 -o neuron.svg

evaluates the expression with the engine (the safe parser of
:mod:`autograd_scalar.expression`), runs ``backward()``, prints the value and
each variable's gradient, and draws the computation graph into the file with
:func:`autograd_scalar.viz.render`. Anything refused, from a malformed
``NAME=VALUE`` to an expression outside the language, is reported as one line
on stderr with exit status 2. The value and gradients are printed as soon as
they are known, so a picture that cannot be drawn (no Graphviz ``dot`` for a
PNG, a graph over ``--max-nodes``, an unwritable file) still leaves them on
stdout before the one-line error.

An expression may start with a minus sign, ``graph "-x*y" x=1 y=2``: an
argument that starts with ``-`` but is none of the options is the expression.
``--`` before the expression also works, and is needed when the expression
starts like an option (``-o``, ``-h``).
"""

from __future__ import annotations

import argparse
import keyword
import math
import sys
import unicodedata
from collections.abc import Sequence

from ..engine import Value, topological_order
from ..expression import ALLOWED, NUMBER_FORMAT, evaluate
from ..viz import DEFAULT_TIMEOUT, FORMATS, RenderTimeout, render

__all__ = ["configure", "prepare", "run"]

# The options, each with whether it takes a value; configure() adds exactly these.
_OPTIONS = {"-h": False, "--help": False, "-o": True, "--output": True, "--rankdir": True,
            "--max-nodes": True, "--show-order": False, "--timeout": True}
# Marks an argument that argparse must take as a positional although it starts with "-".
# No argument from a real command line can hold a NUL, so the mark cannot be mistaken.
_MARK = "\0"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``graph`` command's arguments to ``parser``."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = (
        "example:\n"
        '  autograd-scalar graph "tanh(x*w + b)" x=0.5 w=-1.2 b=0.3 -o neuron.svg\n\n'
        f"An expression may use {ALLOWED}.\n"
        "Parameters follow the operands, as numbers: leaky_relu(x, 0.1), clamp(x, 0, 1).\n"
        'An expression may start with a minus: graph "-x*y" x=1 y=2 (or graph -- "-x*y" ...;\n'
        "use -- when it starts like an option, -o or -h)."
    )
    parser.add_argument("expression", help="the expression, in quotes")
    parser.add_argument(
        "variables", nargs="*", metavar="NAME=VALUE", help="a value for each variable"
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE",
        help=f"draw the computation graph into FILE ({', '.join(FORMATS)})",
    )
    parser.add_argument("--rankdir", choices=("LR", "TB"), default="LR",
                        help="draw left to right (LR, the default) or top to bottom (TB)")
    parser.add_argument("--max-nodes", type=int, default=500, metavar="N",
                        help="refuse to draw graphs of more than N Values (default: 500)")
    parser.add_argument("--show-order", action="store_true",
                        help="number each Value by the step at which backward reaches it")
    parser.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help="stop Graphviz if laying the graph out takes longer "
                             f"(default: {DEFAULT_TIMEOUT:g})")


def _seconds(text: str) -> float:
    """``--timeout``'s value: a positive, finite number of seconds."""
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return seconds


def prepare(arguments: list[str]) -> list[str]:
    """``arguments`` with an expression that starts with ``-`` marked as a positional.

    argparse takes any argument that starts with ``-`` for an option, so
    ``graph "-x*y" x=1`` would be refused as an unknown option. Each such
    argument that is not one of the options (nor the value of one, nor after
    ``--``) is marked here, and :func:`run` removes the mark; so is any
    argument that already starts with the mark, so that removing it gives the
    arguments back exactly.
    """
    marked = []
    positional_only = takes_value = False
    for argument in arguments:
        if argument.startswith(_MARK):
            argument = _MARK + argument
        elif not (positional_only or takes_value) and argument.startswith("-"):
            option = _option(argument)
            if argument == "--":
                positional_only = True
            elif option is None:
                argument = _MARK + argument
            else:
                takes_value = _OPTIONS[option] and "=" not in argument and (
                    len(argument) == 2 or argument.startswith("--"))
                marked.append(argument)
                continue
        takes_value = False
        marked.append(argument)
    return marked


def _option(argument: str) -> str | None:
    """The option ``argument`` names, as argparse reads it (``--out`` is ``--output``), or None."""
    if not argument.startswith("--"):
        return argument[:2] if argument[:2] in _OPTIONS else None
    name = argument.split("=", 1)[0]
    if name in _OPTIONS:
        return name
    matches = [option for option in _OPTIONS if option.startswith(name)]
    return matches[0] if len(matches) == 1 else None


def _unmark(argument: str) -> str:
    return argument[len(_MARK):] if argument.startswith(_MARK) else argument


def run(args: argparse.Namespace) -> int:
    """Evaluate, differentiate, print, draw; 0 on success, 2 (with one line on stderr) if not.

    The value and gradients are printed before the graph is drawn, so they are
    on stdout even when drawing fails.
    """
    expression = _unmark(args.expression)
    try:
        root, leaves = evaluate(expression, _parse_variables([_unmark(v) for v in args.variables]))
        root.backward()
    except (ValueError, RuntimeError) as error:
        return _fail(str(error))
    print(_table(expression, root, leaves), flush=True)
    if not args.output:
        return 0
    values = len(topological_order(root))
    if values > args.max_nodes:
        return _fail(f"the graph has {values} Values, more than --max-nodes {args.max_nodes}; "
                     f"pass --max-nodes {values} (or more) to draw it")
    try:
        written = render(root, args.output, rankdir=args.rankdir, max_nodes=args.max_nodes,
                         show_order=args.show_order, timeout=args.timeout)
    except OSError as error:  # writing the picture failed
        return _fail(f"cannot write {args.output}: {error.strerror or error}")
    except RenderTimeout as error:
        tb = "" if args.rankdir == "TB" else "try --rankdir TB, "
        return _fail(f"{error.program} took more than {error.timeout:g} s to lay out this graph "
                     f"of {error.values} Values and {error.edges} edges, and was stopped; "
                     f"draw a smaller expression, {tb}write it to a .dot file and lay that "
                     f"out elsewhere, or allow more time with --timeout SECONDS")
    except (ValueError, RuntimeError) as error:
        return _fail(str(error))
    print(f"\ngraph written to {written}")
    return 0


def _fail(message: str) -> int:
    """Report ``message`` as one line on stderr; returns 2, the status of a refused command."""
    print(f"autograd-scalar graph: error: {' '.join(message.split())}", file=sys.stderr)
    return 2


def _parse_variables(pairs: Sequence[str]) -> dict[str, float]:
    """``["x=0.5", "w=-1.2"]`` as ``{"x": 0.5, "w": -1.2}``, or a ValueError naming the bad pair.

    Each NAME is normalised as Python normalises the names in an expression
    (NFKC: the fullwidth x, U+FF58, is ``x``), so the expression and the
    variables may write a name either way and still mean the one variable,
    and the two spellings given together are one variable given twice.
    """
    variables: dict[str, float] = {}
    written: dict[str, str] = {}  # each normalised name as it was given
    for pair in pairs:
        name, equals, text = pair.partition("=")
        name = name.strip()
        if not equals or not name:
            raise ValueError(f"expected NAME=VALUE, as in x=0.5, not {pair!r}")
        given, name = name, unicodedata.normalize("NFKC", name)
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(f"{given!r} is not a variable name (in {pair!r})")
        if name in variables:
            both = "" if written[name] == given else (
                f" (as {written[name]!r} and {given!r}, which Python reads as the same name)")
            raise ValueError(f"variable {name!r} is given twice{both}")
        written[name] = given
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a number (in {pair!r})") from None
        if not math.isfinite(number):
            raise ValueError(f"{name} must be a finite number, not {text!r}")
        variables[name] = number
    return variables


def _table(expression: str, root: Value, leaves: dict[str, Value]) -> str:
    """The value, then a table of each variable's value and gradient."""
    lines = [f"{' '.join(expression.split())} = {root.data:{NUMBER_FORMAT}}"]
    if leaves:
        rows = [("variable", "value", "gradient")]
        rows += [(name, f"{v.data:{NUMBER_FORMAT}}", f"{v.grad:{NUMBER_FORMAT}}")
                 for name, v in leaves.items()]
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        lines.append("")
        lines += [
            f"{name:<{widths[0]}}  {value:>{widths[1]}}  {grad:>{widths[2]}}"
            for name, value, grad in rows
        ]
    return "\n".join(lines)
