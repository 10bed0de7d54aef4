"""The ``autograd-scalar`` command: ``demo`` trains an MLP, ``graph`` differentiates an expression.

Each subcommand lives in its own module of this package (:mod:`.demo`,
:mod:`.graph`), which provides ``configure(parser)`` and ``run(args) -> int``;
this module only dispatches, importing nothing but the module of the command
being run. The commands are built on the library; the library never imports
this package.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

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
    "playground": (
        "autograd_scalar.cli.playground",
        "build the browser playground (the engine in a web page) and serve it here",
    ),
}


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose ``--help`` and usage messages report a failed write.

    argparse ignores an error writing them, and would exit with status 0 after
    ``--help > /dev/full``; here the error reaches :func:`main`, which reports it.
    """

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            (file or sys.stderr).write(message)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; only ``command``'s module is imported and its options added."""
    parser = _Parser(
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

    Nothing ends in a traceback: when standard output cannot be written (a
    full disk, a closed pipe as in ``| head -c0``, an encoding that cannot show
    a name) or the command is interrupted with Ctrl-C, one line on stderr says
    so and the status is 1 (130 for Ctrl-C).
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in arguments if not a.startswith("-")), None)
    name = f"autograd-scalar {command}" if command in COMMANDS else "autograd-scalar"
    try:
        try:
            status = _run(arguments, command)
        finally:  # also when argparse exits after --help: its text must reach stdout too
            sys.stdout.flush()
    except KeyboardInterrupt:
        _report(f"{name}: interrupted")
        return 130
    except UnicodeEncodeError as error:
        _discard_stdout()
        shown = error.object[error.start : error.end]
        _report(f"{name}: error: cannot write {shown!a} to standard output, whose "
                f"encoding is {error.encoding}; set PYTHONIOENCODING=utf-8 to show it")
        return 1
    except OSError as error:
        _discard_stdout()
        reason = "it was closed" if isinstance(error, BrokenPipeError) else (
            error.strerror or str(error))
        _report(f"{name}: error: cannot write to standard output: {reason}")
        return 1
    return status


def _run(arguments: list[str], command: str | None) -> int:
    """Parse ``arguments`` for ``command`` and run it; its exit status."""
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


def _discard_stdout() -> None:
    """Send what is left in stdout's buffer nowhere, so that Python's exit does not fail on it."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (captured output)
        pass


def _report(message: str) -> None:
    """``message`` as one line on stderr, if stderr can still be written."""
    with contextlib.suppress(OSError, UnicodeEncodeError):
        print(message, file=sys.stderr, flush=True)
