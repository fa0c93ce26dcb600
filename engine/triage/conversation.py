"""The terminal side of triage: what is shown between questions, and the prompt_toolkit prompts.

Everything shown is a view of a :class:`~podnet.triage.session.Status`; input goes through
prompt_toolkit (history, completion of answer ids, validation) rather than hand-written input
handling.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from typing import Any

from ..facts.model import FactFile
from .messages import BACK_WORDS, MESSAGES, QUIT_WORDS, UNKNOWN_WORDS, VANTAGES
from .model import Question
from .session import Status, TriageSession

TOP_SHOWN = 3
"""Causes shown after every answer, per ranking."""


class Quit(Exception):
    """The user typed 'q': stop and save like end of input."""


def ranking_text(status: Status, lang: str) -> str:
    """The top causes by posterior and by the rule engine, each under its own heading."""
    M = MESSAGES[lang]
    lines = [f"{M['posterior']}{M['colon']}"]
    for i, b in enumerate(status.beliefs[:TOP_SHOWN], 1):
        lines.append(f"  {i}. {b.posterior:6.1%}  {b.title} [{b.id}]")
    lines.append(f"{M['rules']}{M['colon']}")
    if not status.diagnosis.causes:
        lines.append(f"  {M['no_rule_cause']}")
    for c in status.diagnosis.causes[:TOP_SHOWN]:
        lines.append(f"  {c.rank}. {c.confidence:5.2f}  {c.title} [{c.id}]")
    if not status.rules_agree and status.top and status.top.posterior >= status.threshold:
        lines.append(f"  ! {M['disagree']}")
    return "\n".join(lines)


def question_text(q: Question, n: int, lang: str) -> str:
    """A question with the command to run and the numbered answers."""
    from ..render.safe import visible

    M = MESSAGES[lang]
    lines = [
        f"{M['question'].format(n=n)} — {q.title}  [{q.key}, {M['gain'].format(gain=q.expected_gain)}]",
        q.text,
        f"  {M['run'].format(run_in=q.run_in, where=VANTAGES[lang].get(q.at, q.at))}{M['colon']}",
        f"    $ {q.command}",
    ]
    for i, a in enumerate(q.answers, 1):
        lines.append(f"  {i}) {a.text}  ({a.id})")
    lines.append(f"  u) {M['unknown']}   b) {M['back']}   q) {M['quit']}")
    # values of the case are in the question and its command: no control character printed raw
    return "\n".join(visible(line) for line in lines)


def stop_text(status: Status, lang: str) -> str:
    M = MESSAGES[lang]
    if status.stop_reason == "confident" and status.top:
        return M["stop_confident"].format(title=status.top.title, id=status.top.id, p=status.top.posterior, t=status.threshold)
    return M["stop_no_gain"]


def parse_answer(text: str, q: Question) -> str | None:
    """An answer id, 'unknown', 'back' or 'quit' from what was typed; None if not understood."""
    t = text.strip()
    low = t.lower()
    if t.isdigit() and 1 <= int(t) <= len(q.answers):
        return q.answers[int(t) - 1].id
    for a in q.answers:
        if low == a.id.lower():
            return a.id
    if low in UNKNOWN_WORDS:
        return "unknown"
    if low in BACK_WORDS:
        return "back"
    if low in QUIT_WORDS:
        return "quit"
    return None


def _CheckValidator(check: Callable[[str], str | None]) -> Any:
    """A prompt_toolkit validator from a function returning an error message or None."""
    from prompt_toolkit.validation import ValidationError, Validator

    class _V(Validator):
        def validate(self, document: Any) -> None:
            msg = check(document.text)
            if msg is not None:
                raise ValidationError(message=msg, cursor_position=len(document.text))

    return _V()


class Terminal:
    """prompt_toolkit prompts sharing one input history."""

    def __init__(self, lang: str, out: Callable[[str], None]) -> None:
        from prompt_toolkit.history import InMemoryHistory

        self.lang = lang
        self.M = MESSAGES[lang]
        self.out = out
        self.history = InMemoryHistory()

    def ask(self, label: str, *, default: str = "", check: Callable[[str], str | None] | None = None, words: list[str] | None = None) -> str:
        """One line of input; ``check`` returns an error message or None."""
        from prompt_toolkit.completion import WordCompleter

        validator = _CheckValidator(check) if check is not None else None
        suffix = f" [{default}]" if default else ""
        completer = WordCompleter(words, ignore_case=True) if words else None
        from prompt_toolkit import PromptSession

        # a fresh PromptSession per prompt: prompt() keeps a previous validator when given None
        session: Any = PromptSession(history=self.history, validator=validator, completer=completer, validate_while_typing=False)
        text: str = session.prompt(f"{label}{suffix}: ")
        return text.strip() or default

    def choose(self, label: str, choices: list[str], default: str) -> str:
        M = self.M

        def check(s: str) -> str | None:
            v = s.strip() or default
            return None if v in choices else M["bad_choice"].format(choices=", ".join(choices))

        return self.ask(f"{label} ({'/'.join(choices)})", default=default, check=check, words=choices)

    def answer(self, q: Question) -> str:
        """The answer to one question: an answer id, 'unknown', 'back' or 'quit'."""
        M = self.M

        def check(s: str) -> str | None:
            return None if parse_answer(s, q) else M["bad_answer"].format(n=len(q.answers))

        words = [a.id for a in q.answers] + ["unknown", "back", "quit"]
        text = self.ask(M["prompt"].rstrip("> ").rstrip(), check=check, words=words)
        return parse_answer(text, q) or "unknown"


def _ip_check(M: dict[str, str], required: bool = False) -> Callable[[str], str | None]:
    def check(s: str) -> str | None:
        s = s.strip()
        if not s:
            return M["required"] if required else None
        try:
            ipaddress.ip_address(s)
        except ValueError:
            return M["bad_ip"]
        return None

    return check


def _port_check(M: dict[str, str]) -> Callable[[str], str | None]:
    def check(s: str) -> str | None:
        s = s.strip()
        if not s:
            return None
        return None if s.isdigit() and 1 <= int(s) <= 65535 else M["bad_port"]

    return check


def _required(M: dict[str, str]) -> Callable[[str], str | None]:
    return lambda s: None if s.strip() else M["required"]


def ask_endpoints(term: Terminal) -> FactFile:
    """Ask for the case id and both ends of the failing connection; returns a fact file without observations."""
    from ..facts.load import facts_from_data

    M = term.M
    term.out(M["endpoints"])
    case_id = term.ask(M["case_id"], default=time.strftime("triage-%Y%m%d-%H%M%S"))
    src: dict[str, Any] = {"kind": term.choose(M["src_kind"], ["pod", "node"], "pod")}
    if src["kind"] == "pod":
        src["namespace"] = term.ask(M["src_namespace"], default="default")
        src["name"] = term.ask(M["src_name"], check=_required(M))
        src["ip"] = term.ask(M["src_ip"], check=_ip_check(M))
        src["node"] = term.ask(M["src_node"])
    else:
        src["name"] = term.ask(M["src_node_name"], check=_required(M))
        src["node"] = src["name"]
    src["node_ip"] = term.ask(M["src_node_ip"], check=_ip_check(M))
    dst: dict[str, Any] = {"kind": term.choose(M["dst_kind"], ["service", "pod", "node", "external"], "service")}
    if dst["kind"] in ("service", "pod"):
        dst["namespace"] = term.ask(M["dst_namespace"], default="default")
    dst["name"] = term.ask(M["dst_name"])
    dst["ip"] = term.ask(M["dst_ip"], check=_ip_check(M, required=True))
    port = term.ask(M["dst_port"], check=_port_check(M))
    dst["port"] = int(port) if port else None
    guess = f"{dst['name']}.{dst['namespace']}.svc.cluster.local" if dst["kind"] == "service" and dst.get("name") else ""
    dst["dns_name"] = term.ask(M["dst_dns_name"], default=guess)
    clean = lambda d: {k: v for k, v in d.items() if v not in (None, "")}
    return facts_from_data({"case": {"id": case_id}, "endpoints": {"source": clean(src), "destination": clean(dst)}}, "<triage>")


def converse(session: TriageSession, term: Terminal) -> Status:
    """Ask questions until triage stops; raises KeyboardInterrupt / EOFError / :class:`Quit` on the way out."""
    M = term.M
    while True:
        status = session.status()
        if status.done:
            return status
        q = session.question
        assert q is not None
        term.out("")
        term.out(question_text(q, len(session.steps) + 1, term.lang))
        choice = term.answer(q)
        if choice == "quit":
            raise Quit()
        if choice == "back":
            last = session.steps[-1] if session.steps else None
            if session.back() and last is not None:
                term.out(M["undone"].format(what=f"{last.kind}@{last.at} = {last.answer or M['answer_unknown']}"))
            else:
                term.out(M["nothing_to_undo"])
            continue
        if choice == "unknown":
            session.unknown(q.kind, q.at)
        else:
            session.answer(q.kind, q.at, choice)
        term.out("")
        term.out(ranking_text(session.status(), term.lang))
