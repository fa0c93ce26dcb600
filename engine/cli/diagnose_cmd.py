"""``podnet diagnose FILE...``: ranked causes for a case."""

from __future__ import annotations

import argparse

from .common import add_lang, add_rules, write_output


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("diagnose", help="diagnose a fact file (or - for stdin)", description="Diagnose a case from a fact file.")
    p.add_argument("files", nargs="+", metavar="FILE", help="fact file(s); several are merged into one case; - reads stdin")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.add_argument("--strict", action="store_true", help="contradictory observations are an error (exit 2) instead of a warning")
    p.add_argument("--raw", action="store_true", help="FILE is raw command output (a folder or a transcript), see 'podnet ingest'")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    add_lang(p)
    add_rules(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .. import diagnose
    from ..facts.merge import load_many
    from ..render import render

    from ..diagnosis import DiagnosisWarning

    facts, notes = load_many(args.files, raw=args.raw, lang=args.lang)
    result = diagnose(facts, lang=args.lang, rule_dirs=tuple(args.rules), strict=args.strict)
    result.warnings.extend(DiagnosisWarning(code="W-INGEST", message=m, location=loc) for loc, m in notes)
    write_output(render(result, args.format), args.output)
    return 0 if result.causes else 1
