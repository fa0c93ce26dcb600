"""The ``podnet`` command: one subcommand per module, every error a located one-liner.

Conventions follow kubectl: bare ``podnet`` and ``podnet help [COMMAND]`` print help (exit 0),
``--version``, a did-you-mean for mistyped commands, choices and options, ``-o FORMAT`` for the
output format and ``--out FILE`` for an output file (see :mod:`podnet.cli.output`).
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import re
import sys
from typing import Sequence

from ..errors import PodnetError, UsageError

COMMANDS: tuple[str, ...] = (
    "diagnose",
    "batch",
    "schema",
    "rules",
    "explain",
    "tools",
    "capture-plan",
    "triage",
    "collect",
    "ingest",
    "serve",
)
"""Subcommand modules in ``podnet.cli``; each has ``add_parser(subparsers)`` and ``run(args) -> int``."""

EXIT_OK = 0
EXIT_NO_CAUSE = 1
EXIT_BAD_INPUT = 2
EXIT_BAD_KNOWLEDGE = 3
EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 70

_INVALID_CHOICE = re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)$")


def did_you_mean(word: str, candidates: Sequence[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest candidate, or ``""``."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.5 if len(word) <= 2 else 0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        m = _INVALID_CHOICE.search(message)
        if m:
            choices = re.findall(r"'([^']*)'", m.group(2)) or [c.strip() for c in m.group(2).split(",")]
            message = f"{message[: m.start()]}invalid choice: {m.group(1)!r}{did_you_mean(m.group(1), choices)} (choose from {', '.join(choices)})"
        elif message.startswith("unrecognized arguments: "):
            options = [s for p in _all_parsers(self) for s in p._option_string_actions if s.startswith("--")]
            first = message.split(": ", 1)[1].split()[0]
            message += did_you_mean(first.split("=")[0], options) if first.startswith("--") else ""
        self.exit(EXIT_BAD_INPUT, f"podnet: E-USAGE: {message} (see '{self.prog} --help')\n")


def _all_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """A parser and every subcommand parser below it (options of the command typed live there)."""
    out = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                out.extend(_all_parsers(sub))
    return out


class _Version(argparse.Action):
    """``--version``: the installed distribution's version, read only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from .. import __version__

        print(f"podnet {__version__}")
        parser.exit(0)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, just that subcommand's module is imported (fast start)."""
    parser = _Parser(
        prog="podnet",
        description="Diagnose Kubernetes Pod network failures from observations.",
        epilog="Run 'podnet help COMMAND' (or 'podnet COMMAND --help') for a command's options.",
    )
    parser.add_argument("--version", action=_Version, help="print the version of podnet and exit")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors and every problem of an invalid input")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser, help="what to do")
    sub.required = True
    for name in COMMANDS:
        if only is None or name == only:
            module = importlib.import_module(f"podnet.cli.{name.replace('-', '_')}_cmd")
            module.add_parser(sub)
    return parser


def _words(argv: Sequence[str]) -> list[str]:
    """The arguments that are not options (the command, its action, its operands)."""
    return [a for a in argv if not a.startswith("-")]


def _subparser(parser: argparse.ArgumentParser, path: Sequence[str]) -> argparse.ArgumentParser:
    """The parser of ``podnet PATH...`` (``["rules", "list"]``); unknown words are usage errors."""
    for i, word in enumerate(path):
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            break
        choices = subs[0].choices
        if word not in choices:
            where = " ".join(["podnet", *path[:i]])
            raise UsageError(f"unknown command {word!r}{did_you_mean(word, list(choices))} (commands: {', '.join(choices)})", location=where)
        parser = choices[word]
    return parser


def _help(path: Sequence[str]) -> int:
    """``podnet help [COMMAND [ACTION]]``: that command's help (or the overview) on stdout."""
    if not path:
        build_parser().print_help()
        return EXIT_OK
    _check_command(path)
    _subparser(build_parser(path[0]), path).print_help()
    return EXIT_OK


def _check_command(argv: Sequence[str]) -> str | None:
    words = _words(argv)
    if not words:
        return None
    word = words[0]
    if word not in COMMANDS and word != "help":
        raise UsageError(f"unknown command {word!r}{did_you_mean(word, COMMANDS)} (commands: {', '.join(COMMANDS)})", location="podnet")
    return word


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``podnet`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        command = _check_command(argv)
        if command == "help":
            return _help(_words(argv)[1:])
        if command is None and not {"-h", "--help", "--version"} & set(argv):
            build_parser().print_help()  # bare `podnet` (or only --debug): help, as kubectl does
            return EXIT_OK
    except PodnetError as exc:
        print(f"podnet: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    parser = build_parser(command)
    args = parser.parse_args(argv)
    if args.debug:
        import os

        os.environ["PODNET_DEBUG"] = "1"  # the knowledge cache says why it is not used, as with PODNET_DEBUG=1
    try:
        from .output import check_output_path

        check_output_path(getattr(args, "out", None))  # before any work, so none is lost
        return int(args.run(args))
    except PodnetError as exc:
        print(f"podnet: {exc.one_line()}", file=sys.stderr)
        if args.debug:
            from ..render.safe import visible

            for line in exc.details:
                print(f"  {visible(line)}", file=sys.stderr)  # input reaches details too: one line each
        return exc.exit_code
    except KeyboardInterrupt:
        print("podnet: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the CLI never shows a traceback unless asked
        if args.debug:
            raise
        from ..render.safe import one_line

        print(f"podnet: E-INTERNAL: {type(exc).__name__}: {one_line(str(exc))} (run with --debug for details)", file=sys.stderr)
        return EXIT_INTERNAL


GC_YOUNG_THRESHOLD = 100_000
"""Allocations (less deallocations) between two young collections of the cyclic garbage collector
in the ``podnet`` process (Python's default: 700). A command's start-up makes a few hundred thousand
long-lived objects (classes, validation schemas, the knowledge, the engine's network): at the
default, the collector traversed them over a hundred times and once in full during a cold
``podnet diagnose`` of the ClusterIP example (50-70 ms of CPU, twice a bare Python start); now it
does not run before the diagnosis is printed. Garbage without cycles is freed at once as always;
cyclic garbage waits for at most this many allocations. Only the command line sets it: a program
importing podnet keeps its own settings.

At the end, every object left is frozen (``gc.freeze``) before the interpreter shuts down: its
shutdown otherwise runs full collections over all of them, about 100 ms of CPU after a cold
diagnosis had printed its report (four bare Python starts). Nothing else changes at exit: files
are closed where they are written, ``atexit`` handlers run, standard streams are flushed."""


def entry() -> None:
    import gc

    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    try:
        code = main()
    finally:
        gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    entry()
