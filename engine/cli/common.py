"""Options shared by several subcommands."""

from __future__ import annotations

import argparse

from .output import write_output

__all__ = ["add_lang", "add_rules", "write_output"]


def add_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the output (default en)")


def add_rules(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", action="append", default=[], metavar="DIR", help="extra rule folder (repeatable)")
