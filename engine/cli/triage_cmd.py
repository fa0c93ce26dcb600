"""``podnet triage``: from the ticket's first sentence to the cause, one question at a time (see docs/triage.md)."""

from __future__ import annotations

import argparse
import sys

from .common import add_lang, add_rules


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
        help="guided triage: from what fails to the cause, one question at a time",
        description="Start from what fails; ask for the case's values (backends, CNI, kube-proxy mode...) only when a "
        "question or rule needs them, and otherwise the most informative next check, until the top cause is confident "
        "or nothing would change the ranking; every answer may be pasted command output. Then print the summary and the report.",
    )
    p.add_argument("--facts", metavar="FILE", help="resume from a saved session or a (partial) fact file (- reads stdin, with --answers)")
    p.add_argument("--answers", metavar="FILE", help="replay scripted answers (YAML/JSON list; - reads stdin) instead of asking")
    p.add_argument("--save", metavar="FILE", help="write what was gathered here (also on q, Ctrl-C and end of input)")
    p.add_argument("--case-id", metavar="ID", help="the ticket's id (default: triage-DATE-TIME)")
    p.add_argument("--summary", metavar="TEXT", default="", help="the ticket's sentence, kept as the case summary")
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


def _save(session: object, path: str, lang: str) -> None:
    from ..triage.messages import MESSAGES

    M = MESSAGES[lang]
    what = session.save(path)  # type: ignore[attr-defined]
    if what == "facts":
        _out(M["saved"].format(path=path, n=len(session.facts.observations)))  # type: ignore[attr-defined]
    else:
        _out(M["saved_session"].format(path=path))


def _default_path(session: object) -> str:
    import re

    name = re.sub(r"[^A-Za-z0-9._-]+", "_", session.head["case"]["id"])[:80] or "case"  # type: ignore[attr-defined]
    return f"podnet-triage-{name}.json"


def _finish(session: object, args: argparse.Namespace, save_to: str | None, stop: str | None = None) -> int:
    from ..render import render
    from ..render.terminal import report_width
    from ..triage.conversation import ranking_text, stop_text, summary_text
    from ..triage.messages import MESSAGES

    M = MESSAGES[args.lang]
    _out("")
    _out(stop or stop_text(session))  # type: ignore[arg-type]
    text = ranking_text(session.ranking(), args.lang)  # type: ignore[attr-defined]
    if text:
        _out(text)
    _out("")
    _out(summary_text(session.summary(save_to), args.lang))  # type: ignore[attr-defined]
    code = 1
    if session.kinds_known:  # type: ignore[attr-defined]
        diagnosis = session.diagnosis()  # type: ignore[attr-defined]
        _out("")
        _out(f"== {M['report']} ==")
        sys.stdout.write(render(diagnosis, "wide", width=report_width(stream=sys.stdout)))  # the full report, as its heading says
        code = 0 if diagnosis.causes else 1
    if save_to:
        _save(session, save_to, args.lang)
    return code


def _session(args: argparse.Namespace) -> object:
    from ..triage.session import TriageSession

    if args.facts:
        return TriageSession.load(args.facts, lang=args.lang, threshold=args.threshold, rule_dirs=tuple(args.rules))
    return TriageSession.start(case_id=args.case_id, summary=args.summary, lang=args.lang, threshold=args.threshold, rule_dirs=tuple(args.rules))


def _scripted(args: argparse.Namespace) -> int:
    from ..render.safe import visible
    from ..triage.conversation import outcome_text, ranking_text
    from ..triage.messages import MESSAGES
    from ..triage.script import load_script, replay

    M = MESSAGES[args.lang]
    items = load_script(args.answers)
    session = _session(args)
    if session.from_sentence:  # type: ignore[attr-defined]
        _out(M["from_sentence"].format(values="; ".join(session.from_sentence)))  # type: ignore[attr-defined]
    count = [0]

    def report(p: object, answer: str, outcome: object) -> None:
        count[0] += 1
        text = M["answer_unknown"] if answer == "unknown" else next((o.text for o in p.options if o.id == answer), answer)  # type: ignore[attr-defined]
        shown = {"key": p.key, "text": visible(p.text), "answer": visible(f"{text} ({answer})")}  # type: ignore[attr-defined]
        if p.command:  # type: ignore[attr-defined]
            _out(M["scripted"].format(n=count[0], command=visible(p.command), **shown))  # type: ignore[attr-defined]
        else:
            _out(M["scripted_plain"].format(n=count[0], **shown))
        if outcome is not None:
            more = outcome_text(outcome)  # type: ignore[arg-type]
            if more:
                _out(more)
        ranking = ranking_text(session.ranking(), args.lang)  # type: ignore[attr-defined]
        if ranking:
            _out(ranking)

    result = replay(session, items, report)  # type: ignore[arg-type]
    if result.unused:
        _out(M["unused"].format(n=result.unused))
    p = session.current_question()  # type: ignore[attr-defined]
    stop = None if p is None else M["stop_answers"].format(key=p.key)
    return _finish(session, args, args.save, stop)


def _interactive(args: argparse.Namespace) -> int:
    from ..errors import UsageError
    from ..triage.conversation import Quit, Terminal, converse
    from ..triage.messages import MESSAGES
    from .main import EXIT_INTERRUPTED

    M = MESSAGES[args.lang]
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("triage asks questions in a terminal; replay answers with --answers FILE", location="stdin")
    session = _session(args)
    term = Terminal(args.lang, _out)
    _out(M["welcome"])
    if session.from_sentence:  # type: ignore[attr-defined]
        _out(M["from_sentence"].format(values="; ".join(session.from_sentence)))  # type: ignore[attr-defined]
    save_to = args.save or _default_path(session)
    try:
        converse(session, term)  # type: ignore[arg-type]
    except (KeyboardInterrupt, EOFError, Quit):
        _out("")
        if not session.log and not args.facts:  # type: ignore[attr-defined]
            _out(M["nothing_saved"])
            return EXIT_INTERRUPTED
        _out(M["interrupted"].format(n=len(session.log)))  # type: ignore[attr-defined]
        _save(session, save_to, args.lang)
        from ..triage.conversation import summary_text

        _out("")
        _out(summary_text(session.summary(save_to), args.lang))  # type: ignore[attr-defined]
        return EXIT_INTERRUPTED
    return _finish(session, args, save_to)


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
