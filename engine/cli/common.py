"""Options shared by several subcommands."""

from __future__ import annotations

import argparse


def add_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the output (default en)")


def add_rules(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", action="append", default=[], metavar="DIR", help="extra rule folder (repeatable)")


def write_output(text: str, path: str | None) -> None:
    """Print, or write to a file (atomically, so a failure never leaves half a file)."""
    import sys

    if not path or path == "-":
        sys.stdout.write(text)
        return
    import os
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".podnet-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
