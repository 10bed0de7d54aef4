"""The ``autograd-scalar`` command: ``demo`` trains an MLP, ``graph`` differentiates an expression.

Each subcommand lives in its own module of this package (:mod:`.demo`,
:mod:`.graph`), which provides ``configure(parser)`` and ``run(args) -> int``;
this module only dispatches, importing nothing but the module of the command
being run. The commands are built on the library; the library never imports
this package.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from .. import __version__

__all__ = ["main"]

COMMANDS = {
    "demo": (
        "autograd_scalar.cli.demo",
        "train an MLP on the two-moons data and save the results",
    ),
    "graph": (
        "autograd_scalar.cli.graph",
        "evaluate an expression, print its gradients and draw its computation graph",
    ),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; only ``command``'s module is imported and its options added."""
    parser = argparse.ArgumentParser(
        prog="autograd-scalar",
        description="A scalar reverse-mode automatic differentiation engine.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, summary) in COMMANDS.items():
        subparser = subcommands.add_parser(name, help=summary, description=summary)
        if name == command:
            module = importlib.import_module(module_name)
            module.configure(subparser)
            subparser.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); returns the exit status.

    A command's module may provide ``prepare(arguments) -> arguments``, run before
    parsing (``graph`` marks an expression that starts with ``-`` as a positional).
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in arguments if not a.startswith("-")), None)
    parser = build_parser(command)
    if command in COMMANDS:
        module = importlib.import_module(COMMANDS[command][0])
        prepare: Callable[[list[str]], list[str]] | None = getattr(module, "prepare", None)
        if prepare is not None:
            position = arguments.index(command) + 1
            arguments[position:] = prepare(arguments[position:])
    args = parser.parse_args(arguments)
    status: int = args.run(args)
    return status

