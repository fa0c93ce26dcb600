"""``podnet diagnose FILE...``: ranked causes for a case."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..facts.model import FactFile

from .common import add_lang, add_rules, write_output
from .ingest_cmd import add_context_options, context_from_args, context_given
from .output import REPORT_FORMATS, add_output, add_view, one_stdin, report_for


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "diagnose",
        help="diagnose a fact file (or - for stdin)",
        description="Diagnose a case from a fact file: ranked causes with evidence, remediation and next checks. "
        "The default report is compact (the leading cause, the command to run now, the top three causes, why); "
        "--verbose or -o wide prints all of it.",
        epilog="Examples: podnet diagnose case.json | podnet diagnose case.json --verbose | podnet diagnose case.json -o json | "
        "kubectl ... | podnet ingest - | podnet diagnose - -o markdown --out report.md",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="fact file(s); several are merged into one case; - reads stdin")
    add_output(p, REPORT_FORMATS, default="text", what="the report")
    add_view(p)
    p.add_argument("--strict", action="store_true", help="contradictory observations are an error (exit 2) instead of a warning")
    p.add_argument("--raw", action="store_true", help="FILE is raw command output (a folder or a transcript; - reads stdin), see 'podnet ingest'")
    add_lang(p)
    add_rules(p)
    add_context_options(p, note=" (with --raw)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .. import diagnose
    from ..facts.merge import load_many
    from ..diagnosis import DiagnosisWarning

    one_stdin([*args.files, getattr(args, "context", None)], "FILE/--context")
    given = context_given(args)
    if given and not args.raw:
        from ..errors import UsageError

        raise UsageError(f"{given[0]} describes raw input: use it with --raw (a fact file holds its own case and endpoints)", location=given[0])
    if args.raw:
        facts, notes = _ingest_all(args)
    else:
        facts, notes = load_many(args.files), []
    result = diagnose(facts, lang=args.lang, rule_dirs=tuple(args.rules), strict=args.strict)
    result.warnings.extend(DiagnosisWarning(code="W-INGEST", message=m, location=loc) for loc, m in notes)
    write_output(report_for(result, args), args.out)
    return 0 if result.causes else 1


def _ingest_all(args: argparse.Namespace) -> tuple["FactFile", list[tuple[str, str]]]:
    """Ingest every raw FILE with the context options (as ``podnet ingest`` would) and merge them into
    one case; ingest's warnings, located, in the report's language."""
    from ..facts.merge import merge
    from ..inputs.ingest import ingest

    context = context_from_args(args)
    parts: list[FactFile] = []
    notes: list[tuple[str, str]] = []
    for src in args.files:
        result = ingest(src, context)
        parts.append(result.facts)
        notes.extend((str(w.location), w.text(args.lang)) for w in result.warnings)
    return merge(parts, list(args.files)), notes
