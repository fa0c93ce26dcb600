"""Output options as kubectl users know them: ``-o FORMAT`` picks the format, ``--out FILE`` the file.

``-o`` never names a file (``-o json`` prints JSON); ``--out`` (alias ``--output-file``) writes the
output atomically: a temporary file in the same folder, renamed over the target only once it is
complete, so a failure never leaves half a file nor loses the previous one. A bad output path is a
one-line ``E-USAGE`` error naming the path as the user typed it.
"""

from __future__ import annotations

import argparse
import difflib
import os
from typing import TYPE_CHECKING, Callable, Sequence

from ..errors import UsageError
from ..outfile import _new_file_mode, check_output_path, write_output  # noqa: F401 - the commands' --out
from ..render.report import REPORT_FORMATS, render_report, to_yaml  # noqa: F401 - the commands' -o

if TYPE_CHECKING:
    from ..diagnosis import Diagnosis

_ALIASES = {"md": "markdown", "yml": "yaml", "txt": "text", "plain": "text"}
"""Spellings people try, for the did-you-mean only (kubectl does not accept aliases either)."""


def format_type(formats: Sequence[str]) -> Callable[[str], str]:
    """An argparse ``type`` accepting one of ``formats``; anything else gets a did-you-mean."""

    def check(value: str) -> str:
        if value in formats:
            return value
        choose = f"(choose from {', '.join(formats)})"
        if "." in value or "/" in value or os.sep in value:  # a file name: -o used to mean the file
            raise argparse.ArgumentTypeError(f"unknown output format {value!r} {choose}; to write to a file use --out {value}")
        alias = _ALIASES.get(value.lower())
        close = [alias] if alias in formats else difflib.get_close_matches(value.lower(), formats, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise argparse.ArgumentTypeError(f"unknown output format {value!r}{hint} {choose}")

    check.__name__ = "format"
    return check


def add_output(parser: argparse.ArgumentParser, formats: Sequence[str], *, default: str | None, what: str) -> None:
    """``-o/--output FORMAT``, the old ``--format`` as a hidden alias, and ``--out/--output-file FILE``."""
    shown = default or formats[0]
    parser.add_argument(
        "-o",
        "--output",
        dest="format",
        type=format_type(formats),
        default=default,
        metavar="FORMAT",
        help=f"output format: {', '.join(formats)} (default {shown})",
    )
    # Deprecated spelling kept so that existing scripts keep working; not shown in --help.
    parser.add_argument("--format", dest="format", type=format_type(formats), default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    add_out(parser, what)


def add_out(parser: argparse.ArgumentParser, what: str) -> None:
    """``--out/--output-file FILE``: where to write instead of stdout."""
    parser.add_argument(
        "--out",
        "--output-file",
        dest="out",
        metavar="FILE",
        help=f"write {what} to FILE instead of stdout (replaced only once complete; - is stdout)",
    )


def add_view(parser: argparse.ArgumentParser) -> None:
    """``-v/--verbose`` (the full text report) and ``--color auto|always|never``."""
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="the full text report: all evidence, remediation and verification steps, next checks and the packet path (= -o wide)",
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text report: auto (on a terminal only, not with NO_COLOR set), always or never (default auto)",
    )


def report_for(diagnosis: Diagnosis, args: argparse.Namespace) -> str:
    """The report ``-o``, ``--verbose`` and ``--color`` ask for, at the width of the terminal (or
    ``COLUMNS``) it is printed on; coloured only where :func:`~podnet.render.terminal.use_color` says."""
    import sys

    from ..render.terminal import report_width, use_color

    fmt = "wide" if args.format == "text" and getattr(args, "verbose", False) else args.format
    stream = sys.stdout if args.out in (None, "-") else None
    color = use_color(getattr(args, "color", "never"), stream)
    return render_report(diagnosis, fmt, width=report_width(stream=stream), color=color)


def dump(data: object, fmt: str) -> str:
    """JSON-compatible data as ``json`` or ``yaml`` text."""
    if fmt == "yaml":
        return to_yaml(data)
    import json

    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def one_stdin(names: Sequence[str | None], what: str) -> None:
    """Stdin can be read once: refuse ``-`` given for two inputs."""
    if sum(1 for n in names if n == "-") > 1:
        raise UsageError("- (stdin) can be given only once", location=what)
