"""``podnet diagnose FILE...``: ranked causes for a case."""

from __future__ import annotations

import argparse

from .common import add_lang, add_rules, write_output
from .output import REPORT_FORMATS, add_output, one_stdin, render_report


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "diagnose",
        help="diagnose a fact file (or - for stdin)",
        description="Diagnose a case from a fact file: ranked causes with evidence, remediation and next checks.",
        epilog="Examples: podnet diagnose case.json | podnet diagnose case.json -o json | "
        "kubectl ... | podnet ingest - | podnet diagnose - -o markdown --out report.md",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="fact file(s); several are merged into one case; - reads stdin")
    add_output(p, REPORT_FORMATS, default="text", what="the report")
    p.add_argument("--strict", action="store_true", help="contradictory observations are an error (exit 2) instead of a warning")
    p.add_argument("--raw", action="store_true", help="FILE is raw command output (a folder or a transcript), see 'podnet ingest'")
    add_lang(p)
    add_rules(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .. import diagnose
    from ..facts.merge import load_many
    from ..diagnosis import DiagnosisWarning

    one_stdin(args.files, "FILE")
    facts, notes = load_many(args.files, raw=args.raw, lang=args.lang)
    result = diagnose(facts, lang=args.lang, rule_dirs=tuple(args.rules), strict=args.strict)
    result.warnings.extend(DiagnosisWarning(code="W-INGEST", message=m, location=loc) for loc, m in notes)
    write_output(render_report(result, args.format), args.out)
    return 0 if result.causes else 1
