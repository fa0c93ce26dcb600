"""The terminal view of a triage session: what is shown between questions, and the prompts.

Everything shown is a view of :class:`~podnet.triage.session.TriageSession` (its
:class:`~podnet.triage.model.Prompt`, :class:`~podnet.triage.model.Outcome`,
:class:`~podnet.triage.model.Ranking` and :class:`~podnet.triage.model.Summary`); the web page
drives the same session. Input goes through prompt_toolkit (history, completion of answer ids).

At every prompt: a number or an answer id, a value (context questions), ``u`` (don't know), ``p``
(paste command output: lines up to a line holding a single ``.``, or Ctrl-D), ``b`` (back), ``q``
(stop). A first line that looks like a command (``$ kubectl ...``) starts a paste by itself. A
value that is also one of these words is typed with ``./`` in front (``./b`` is a Pod named b).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .messages import BACK_WORDS, MESSAGES, PASTE_WORDS, QUIT_WORDS, UNKNOWN_WORDS, VANTAGES
from .model import Outcome, Prompt, Ranking, Summary
from .session import AnswerError, TriageSession

TOP_SHOWN = 3
"""Causes shown after every answer, per ranking."""

MAX_PASTE_LINES = 20_000
"""A paste longer than this is refused (ingest's byte limit applies too)."""


class Quit(Exception):
    """The user typed 'q': stop and save like end of input."""


def _v(text: str) -> str:
    from ..render.safe import visible

    return visible(text)


def ranking_text(ranking: Ranking, lang: str) -> str:
    """The top causes by posterior and by the rule engine, each under its own heading."""
    M = MESSAGES[lang]
    if not ranking.beliefs:
        return ""
    lines = [f"{M['posterior']}{M['colon']}"]
    for i, b in enumerate(ranking.beliefs[:TOP_SHOWN], 1):
        lines.append(f"  {i}. {b.posterior:6.1%}  {b.title} [{b.id}]")
    lines.append(f"{M['rules']}{M['colon']}")
    if not ranking.rules:
        lines.append(f"  {M['no_rule_cause']}")
    for i, c in enumerate(ranking.rules[:TOP_SHOWN], 1):
        lines.append(f"  {i}. {c.confidence:5.2f}  {c.title} [{c.id}]")
    top = ranking.beliefs[0]
    if not ranking.rules_agree and top.posterior >= ranking.threshold:
        lines.append(f"  ! {M['disagree']}")
    return "\n".join(lines)


def prompt_text(p: Prompt, n: int, lang: str) -> str:
    """A prompt with its command (when there is one), its numbered answers and the control keys."""
    M = MESSAGES[lang]
    head = f"{M['question'].format(n=n)} — {p.title}  [{p.key}"
    if p.expected_gain is not None:
        head += f", {M['gain'].format(gain=p.expected_gain)}"
    lines = [head + "]", p.text]
    if p.needed_for:
        lines.append(f"  ({M['needed_for'].format(what=p.needed_for)})")
    if p.named_in_ticket:
        lines.append(f"  ({M['named_in_ticket'].format(words=p.named_in_ticket)})")
    if p.command:
        where = VANTAGES[lang].get(p.at or "", p.at or "")
        label = M["run"].format(run_in=p.run_in, where=where) if p.type == "observation" else M["show"].format(run_in=p.run_in)
        if p.question is not None and p.question.warning:
            lines.append(f"  ⚠ {p.question.warning}")  # the command changes the node: said before it
        lines += [f"  {label}{M['colon']}", f"    $ {p.command}"]
    for i, a in enumerate(p.options, 1):
        lines.append(f"  {i}) {a.text}  ({a.id})")
    if p.value and p.example:
        lines.append(f"  {M['example'].format(example=p.example)}")
    lines.append(f"  u) {M['unknown']}   p) {M['paste']}   b) {M['back']}   q) {M['quit']}")
    # values of the case are in the question and its command: no control character printed raw
    return "\n".join(_v(line) for line in lines)


def outcome_text(o: Outcome) -> str:
    return "\n".join(_v(line) for line in [*o.recorded, *o.warnings])


def stop_text(session: TriageSession) -> str:
    M = session.M
    reason = session.stop_reason()
    r = session.ranking()
    if reason == "confident" and r.beliefs:
        top = r.beliefs[0]
        return M["stop_confident"].format(title=top.title, id=top.id, p=top.posterior, t=r.threshold)
    if reason == "no_endpoints":
        return M["stop_no_endpoints"]
    if reason == "unknowns":
        return M["stop_unknowns"].format(n=session.unknown_streak())
    return M["stop_no_gain"]


def summary_text(summary: Summary, lang: str) -> str:
    """What is known, what is not, what to check next, and how to resume."""
    M = MESSAGES[lang]
    lines = [f"== {M['summary']} =="]
    lines.append(f"{M['summary_known']}{M['colon']}")
    lines += [f"  - {k}" for k in summary.known] or [f"  {M['summary_nothing']}"]
    lines.append(f"{M['summary_unknown']}{M['colon']}")
    lines += [f"  - {k}" for k in summary.unknown] or [f"  {M['summary_nothing']}"]
    if summary.ranking.beliefs:
        lines.append(f"{M['summary_top']}{M['colon']}")
        lines += [f"  {b.posterior:6.1%}  {b.title} [{b.id}]" for b in summary.ranking.beliefs[:TOP_SHOWN]]
    lines.append(f"{M['summary_next']}{M['colon']}")
    for step in summary.next_checks:
        where = VANTAGES[lang].get(step.at or "", step.at or "")
        lines.append(f"  - {step.title}{f' ({where})' if where else ''}")
        if step.command:
            lines.append(f"      $ {step.command}")
    if not summary.next_checks:
        lines.append(f"  {M['summary_nothing']}")
    if summary.resume:
        lines.append(summary.resume)
    return "\n".join(_v(line) for line in lines)


def looks_like_command(text: str) -> bool:
    """A line that starts a pasted transcript (``$ kubectl ...``, ``# iptables-save``, ``root@node:~# ...``)."""
    t = text.lstrip()
    return t.startswith(("$ ", "# ")) or ("@" in t.split(" ", 1)[0] and t.split(" ", 1)[0].endswith(("$", "#")))


class Terminal:
    """prompt_toolkit prompts sharing one input history."""

    def __init__(self, lang: str, out: Callable[[str], None]) -> None:
        from prompt_toolkit.history import InMemoryHistory

        self.lang = lang
        self.M = MESSAGES[lang]
        self.out = out
        self.history = InMemoryHistory()

    def line(self, label: str, words: list[str] | None = None) -> str:
        """One line of input (KeyboardInterrupt / EOFError pass through)."""
        from prompt_toolkit import PromptSession
        from prompt_toolkit.completion import WordCompleter

        completer = WordCompleter(words, ignore_case=True) if words else None
        session: Any = PromptSession(history=self.history, completer=completer, key_bindings=_literal_sequences())
        return str(session.prompt(label))

    def paste(self, first: str | None = None) -> str:
        """Lines up to a line holding a single '.', or end of input (Ctrl-D)."""
        from prompt_toolkit import PromptSession

        self.out(self.M["paste_prompt"])
        lines = [first] if first is not None else []
        session: Any = PromptSession(key_bindings=_literal_sequences())
        while len(lines) <= MAX_PASTE_LINES:
            try:
                text = str(session.prompt(""))
            except EOFError:
                break
            if text.strip() == ".":
                break
            lines.append(text)
        return "\n".join(lines) + "\n"


def _literal_sequences() -> Any:
    """Key bindings for the prompts: a colour code inside pasted text (``ESC[31m``, ``ESC[0m``:
    coloured ``ip -c`` or ``grep --color`` output), which prompt_toolkit reads as a mouse event
    and fails on, is kept as text (ingest ignores it) instead of ending the program."""
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.keys import Keys

    kb = KeyBindings()

    @kb.add(Keys.Vt100MouseEvent)
    def _keep(event: Any) -> None:
        event.current_buffer.insert_text(event.data)

    return kb


def parse_reply(text: str, p: Prompt) -> tuple[str, str | None]:
    """(action, value): action is answer, unknown, back, quit, paste or paste_from (the line starts
    a transcript); a number picks an option."""
    t = text.strip()
    low = t.lower()
    if low in QUIT_WORDS:
        return "quit", None
    if low in BACK_WORDS:
        return "back", None
    if low in PASTE_WORDS:
        return "paste", None
    if low in UNKNOWN_WORDS:
        return "unknown", None
    if t.isdigit() and p.options and 1 <= int(t) <= len(p.options):
        oid = p.options[int(t) - 1].id
        return ("paste", None) if p.type == "symptom" and oid == "paste" else ("answer", oid)
    if looks_like_command(t):
        return "paste_from", text
    for o in p.options:
        if low == o.id.lower():
            return ("paste", None) if p.type == "symptom" and o.id == "paste" else ("answer", o.id)
    return "answer", t


def converse(session: TriageSession, term: Terminal) -> None:
    """Ask until triage stops; raises KeyboardInterrupt / EOFError / :class:`Quit` on the way out."""
    M = term.M
    n = 0
    while True:
        p = session.current_question()
        if p is None:
            return
        n = session.answers_given + 1
        term.out("")
        term.out(prompt_text(p, n, term.lang))
        words = [o.id for o in p.options] + ["unknown", "paste", "back", "quit"]
        action, value = parse_reply(term.line(M["prompt"], words), p)
        if action == "quit":
            raise Quit()
        if action == "back":
            entry = session.undo()
            if entry is None:
                term.out(M["nothing_to_undo"])
            else:
                term.out(_v(M["undone"].format(what=f"{entry.key} = {entry.value if entry.value is not None else M['answer_unknown']}")))
            continue
        try:
            if action == "unknown":
                outcome = session.answer("unknown")
            elif action in ("paste", "paste_from"):
                outcome = session.answer(paste=term.paste(value))
            else:
                outcome = session.answer(value)
        except AnswerError as exc:
            term.out(_v(exc.message))
            continue
        term.out(outcome_text(outcome))
        text = ranking_text(session.ranking(), term.lang)
        if text:
            term.out("")
            term.out(text)
