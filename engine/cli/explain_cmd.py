"""``podnet explain CAUSE_ID``: what the knowledge base says about a cause."""

from __future__ import annotations

import argparse

from .common import add_lang, add_rules


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("explain", help="show a cause: explanation, rules for and against, remediation")
    p.add_argument("cause", metavar="CAUSE_ID", help="a cause id, e.g. node_dual_address_vxlan ('podnet rules catalogue' lists them)")
    add_lang(p)
    add_rules(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import difflib

    from ..errors import UsageError
    from ..knowledge.load import load_knowledge

    kb = load_knowledge(tuple(args.rules))
    cause = kb.causes.get(args.cause)
    if cause is None:
        close = difflib.get_close_matches(args.cause, list(kb.causes), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else " (see 'podnet rules list')"
        raise UsageError(f"unknown cause {args.cause!r}{hint}", location="CAUSE_ID")
    lang = args.lang
    symptom = kb.symptoms[cause.symptom]
    print(f"{cause.title.get(lang)} [{cause.id}]")
    print(f"  {symptom.title.get(lang)} — {cause.guide}")
    print()
    print(f"  {cause.explanation.get(lang)}")
    print()
    for r in kb.rules:
        if r.spec.then.cause == cause.id:
            w = r.spec.then.weight or 0
            print(f"  {'+' if w > 0 else '-'} {r.id} ({w:+.2f}): {r.spec.title.get(lang)}  [{r.path}]")
    print()
    for label, steps in (("remediation", cause.remediation), ("verify", cause.verify)):
        print(f"  {label}:")
        for i, s in enumerate(steps, 1):
            print(f"    {i}. {s.text.get(lang)}")
            if s.command:
                print(f"       $ {s.command}")
    return 0
