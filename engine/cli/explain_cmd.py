"""``podnet explain CAUSE_ID``: what the knowledge base says about a cause.

Its texts and commands are templates of the case's values. Without a case they are rendered with
named fill-ins: ``<source-node-name>`` in prose, and in commands a shell variable that stops the
command, naming itself, until it is set (``"${SOURCE_NODE_NAME:?set SOURCE_NODE_NAME to ...}"``),
listed on a ``# fill in:`` line; with ``--facts FILE`` they are the case's own.
"""

from __future__ import annotations

import argparse
from typing import Any

from .common import add_lang, add_rules

BLANK_CASE = {
    "schema_version": "1",
    "case": {"id": "explain"},
    "endpoints": {"source": {"kind": "pod"}, "destination": {"kind": "pod"}},
    "observations": [],
}
"""A case that gives no value: every template value renders as its named fill-in."""

def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("explain", help="show a cause: explanation, rules for and against, remediation")
    p.add_argument("cause", metavar="CAUSE_ID", help="a cause id, e.g. node_dual_address_vxlan ('podnet rules catalogue' lists them)")
    p.add_argument("--facts", metavar="FILE", help="fill the texts and commands in from this fact file (- reads stdin)")
    add_lang(p)
    add_rules(p)
    p.set_defaults(run=run)


def _steps(steps: list[Any], ctx: dict[str, Any], lang: str, where: str) -> list[str]:
    from ..knowledge.destructive import warning_for
    from ..knowledge.templates import fill_in_words, fill_ins, render
    from ..messages import table
    from ..render.safe import visible
    from ..render.text import role_label

    words = table("cli", lang)  # type: ignore[arg-type]

    out = []
    for i, s in enumerate(steps, 1):
        loc = f"{where}[{i - 1}]"
        out.append(f"    {i}. {visible(render(s.text.get(lang), ctx, f'{loc}.text.{lang}'))}")
        if not s.command:
            continue
        command = render(s.command, ctx, f"{loc}.command")
        if s.run_at:
            at = words[f"explain_{s.run_at}_at"] if s.run_at in ("source", "evidence_node") else role_label(s.run_at, lang)  # type: ignore[arg-type]  # without a case
            out.append(f"       # {words['explain_run_at']}: {at}")
        warning = warning_for(s.command, lang, s.warning)  # type: ignore[arg-type]
        if warning:
            out.append(f"       # {words['explain_warning']}: {visible(warning)}")
        for var, what in fill_ins(command):
            what = fill_in_words(var.lower().replace("_", "-"), lang) or what  # type: ignore[arg-type]
            out.append(f"       # {words['explain_fill_in']}: {var} — {what}")
        out.append(f"       $ {visible(command)}")
    return out


def run(args: argparse.Namespace) -> int:
    import difflib

    from ..errors import UsageError
    from ..facts.load import facts_from_data, load_facts
    from ..knowledge.load import load_knowledge
    from ..knowledge.templates import case_context, render
    from ..messages import guide_citation, table
    from ..render.safe import visible

    kb = load_knowledge(tuple(args.rules))
    cause = kb.causes.get(args.cause)
    if cause is None:
        close = difflib.get_close_matches(args.cause, list(kb.causes), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else " (see 'podnet rules list')"
        raise UsageError(f"unknown cause {args.cause!r}{hint}", location="CAUSE_ID")
    lang = args.lang
    facts = load_facts(args.facts) if args.facts else facts_from_data(BLANK_CASE, "explain")
    ctx = case_context(facts)
    where = f"kb/causes: {cause.id}"
    symptom = kb.symptoms[cause.symptom]
    print(f"{cause.title.get(lang)} [{cause.id}]")
    print(f"  {symptom.title.get(lang)} — {guide_citation(cause.guide, cause.sources, lang)}")
    print()
    print(f"  {visible(render(cause.explanation.get(lang), ctx, f'{where}.explanation.{lang}'))}")
    print()
    for r in kb.rules:
        if r.spec.then.cause == cause.id:
            w = r.spec.then.weight or 0
            print(f"  {'+' if w > 0 else '-'} {r.id} ({w:+.2f}): {r.spec.title.get(lang)}  [{r.path}]")
    print()
    if not args.facts:
        from ..messages import render as message

        print("  " + message("cli", "explain_values_hint", lang, {}))
        print()
    words = table("cli", lang)
    for label, steps in (("remediation", cause.remediation), ("verify", cause.verify)):
        print(f"  {words['explain_' + label]}:")
        print("\n".join(_steps(steps, ctx, lang, f"{where}.{label}")))
    return 0
