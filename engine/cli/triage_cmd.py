"""``podnet triage``: ask the next most useful question until the cause is clear (see docs/triage.md)."""

from __future__ import annotations

import argparse
import sys

from .common import add_lang, add_rules, write_output


def _threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], not {value}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from ..triage.defaults import DEFAULT_THRESHOLD

    p = sub.add_parser(
        "triage",
        help="guided triage: one question at a time, with the command to run",
        description="Ask the most informative next question (from the knowledge base) until the top cause is "
        "confident enough or no question would change the ranking; then print the report.",
    )
    p.add_argument("--facts", metavar="FILE", help="start from this (partial) fact file instead of asking for the endpoints (- reads stdin, with --answers)")
    p.add_argument("--answers", metavar="FILE", help="replay scripted answers (YAML/JSON list; - reads stdin) instead of asking; needs --facts")
    p.add_argument("--save", metavar="FILE", help="write the gathered fact file here (also on Ctrl-C / end of input)")
    p.add_argument(
        "--threshold",
        type=_threshold,
        default=DEFAULT_THRESHOLD,
        help=f"posterior the top cause needs before triage stops (default {DEFAULT_THRESHOLD})",
    )
    add_lang(p)
    add_rules(p)
    p.set_defaults(run=run)


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _save(session: object, path: str | None, lang: str) -> str | None:
    import json

    from ..triage.messages import MESSAGES

    if not path:
        return None
    from ..errors import InputError

    facts = session.facts  # type: ignore[attr-defined]
    try:
        write_output(json.dumps(facts.to_json_dict(), indent=2, ensure_ascii=False) + "\n", path)
    except OSError as exc:
        raise InputError(f"cannot write the fact file: {exc.strerror or exc}", location=path, code="E-TRIAGE-SAVE") from None
    _out(MESSAGES[lang]["saved"].format(path=path, n=len(facts.observations)))
    return path


def _finish(session: object, status: object, args: argparse.Namespace, stop: str | None = None) -> int:
    from ..render import render
    from ..triage.conversation import ranking_text, stop_text
    from ..triage.messages import MESSAGES

    _out("")
    _out(stop or stop_text(status, args.lang))  # type: ignore[arg-type]
    _out(ranking_text(status, args.lang))  # type: ignore[arg-type]
    _out("")
    _out(f"== {MESSAGES[args.lang]['report']} ==")
    sys.stdout.write(render(status.diagnosis, "text"))  # type: ignore[attr-defined]
    _save(session, args.save, args.lang)
    return 0 if status.diagnosis.causes else 1  # type: ignore[attr-defined]


def _scripted(args: argparse.Namespace) -> int:
    from .. import load_facts
    from ..errors import UsageError
    from ..render.safe import visible
    from ..triage.conversation import ranking_text
    from ..triage.messages import MESSAGES
    from ..triage.script import load_script, replay
    from ..triage.session import TriageSession

    M = MESSAGES[args.lang]
    if not args.facts:
        raise UsageError("--answers needs --facts FILE (the case's endpoints)", location="--answers")
    items = load_script(args.answers)
    session = TriageSession(load_facts(args.facts), lang=args.lang, threshold=args.threshold, rule_dirs=tuple(args.rules))
    count = [0]

    def report(q: object, answer: str) -> None:
        count[0] += 1
        text = M["answer_unknown"] if answer == "unknown" else next((a.text for a in q.answers if a.id == answer), answer)  # type: ignore[attr-defined]
        shown = {"text": visible(q.text), "command": visible(q.command), "answer": visible(f"{text} ({answer})")}  # type: ignore[attr-defined]
        _out(M["scripted"].format(n=count[0], key=q.key, **shown))  # type: ignore[attr-defined]
        _out(ranking_text(session.status(), args.lang))

    result = replay(session, items, report)
    status = session.status()
    if result.unused:
        _out(M["unused"].format(n=result.unused))
    stop = None if status.done else M["stop_answers"].format(key=status.questions[0].key)
    return _finish(session, status, args, stop)


def _interactive(args: argparse.Namespace) -> int:
    from .. import load_facts
    from ..errors import UsageError
    from ..triage.conversation import (
        Quit,
        Terminal,
        ask_endpoints,
        converse,
        ranking_text,
    )
    from ..triage.messages import MESSAGES
    from ..triage.session import TriageSession
    from .main import EXIT_INTERRUPTED

    M = MESSAGES[args.lang]
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("triage asks questions in a terminal; replay answers with --answers FILE --facts FILE", location="stdin")
    facts = load_facts(args.facts) if args.facts else None
    term = Terminal(args.lang, _out)
    _out(M["welcome"])
    session = None
    try:
        if facts is None:
            facts = ask_endpoints(term)
        session = TriageSession(facts, lang=args.lang, threshold=args.threshold, rule_dirs=tuple(args.rules))
        _out("")
        _out(ranking_text(session.status(), args.lang))
        status = converse(session, term)
    except (KeyboardInterrupt, EOFError, Quit):
        _out("")
        if session is None:
            _out(M["nothing_saved"])
            return EXIT_INTERRUPTED
        _out(M["interrupted"].format(n=len(session.steps)))
        _save(session, args.save or f"podnet-triage-{_safe(session.facts.case.id)}.json", args.lang)
        return EXIT_INTERRUPTED
    return _finish(session, status, args)


def _safe(name: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:80] or "case"


def run(args: argparse.Namespace) -> int:
    import os

    from ..errors import UsageError

    if args.save and not os.path.isdir(os.path.dirname(os.path.abspath(args.save))):
        # checked before any question, so that answers are never gathered for nothing
        raise UsageError("the folder to save the fact file in does not exist", location=args.save)
    if args.answers:
        from .output import one_stdin

        one_stdin([args.facts, args.answers], "--facts/--answers")
        return _scripted(args)
    return _interactive(args)
