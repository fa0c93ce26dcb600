"""The ``podnet`` command: one subcommand per module, every error a located one-liner."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from ..errors import PodnetError

COMMANDS: tuple[str, ...] = (
    "diagnose",
    "schema",
    "rules",
    "explain",
    "tools",
    "capture-plan",
    "triage",
    "collect",
    "ingest",
)
"""Subcommand modules in ``podnet.cli``; each has ``add_parser(subparsers)`` and ``run(args) -> int``."""

EXIT_OK = 0
EXIT_NO_CAUSE = 1
EXIT_BAD_INPUT = 2
EXIT_BAD_KNOWLEDGE = 3
EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 70


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"podnet: E-USAGE: {message} (see '{self.prog} --help')\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, just that subcommand's module is imported (fast start)."""
    parser = _Parser(prog="podnet", description="Diagnose Kubernetes Pod network failures from observations.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        if only is None or name == only:
            module = importlib.import_module(f"podnet.cli.{name.replace('-', '_')}_cmd")
            module.add_parser(sub)
    return parser


def _command_in(argv: Sequence[str]) -> str | None:
    for arg in argv:
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``podnet`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_in(argv))
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except PodnetError as exc:
        print(f"podnet: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("podnet: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the CLI never shows a traceback unless asked
        if args.debug:
            raise
        print(f"podnet: E-INTERNAL: {type(exc).__name__}: {exc} (run with --debug for details)", file=sys.stderr)
        return EXIT_INTERNAL


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
