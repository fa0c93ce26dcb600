"""A triage session as the server runs it: the terminal's :class:`podnet.triage.session.TriageSession`
itself, with what a browser needs around it.

The web page and the API drive the session exactly as ``podnet triage`` does: the current prompt
(what fails, a value of the case, an observation question, a contradiction to settle), an answer
(an option id, a typed value, "unknown"), pasted output (read by triage's own paste reader, also
after triage has stopped), undo (*back*), and save/resume (:meth:`TriageSession.state`, the same
data ``podnet triage --facts`` resumes from). The adapter adds only:

* **another language** for the same state: a throwaway copy of the session (from its state) in
  that language renders the prompt and the rankings in it;
* a lock, since two requests of one browser may arrive at once;
* the last step's outcome (what was recorded, what a paste gave), for the page to show.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from ..facts.model import FactFile
from ..knowledge.model import Lang
from ..triage.model import Outcome, Prompt, Summary
from ..triage.session import DEFAULT_THRESHOLD, UNKNOWN_STREAK, Entry, Status, TriageSession
from .errors import WebError


@dataclass
class View:
    """Where a session stands, in one language: what to ask now (None when triage has stopped),
    why it stopped, the rankings (``status``: None before both ends' kinds are known) and, once
    stopped, the summary (what is known, what is not, what to check next)."""

    prompt: Prompt | None
    stop_reason: str | None
    status: Status | None
    summary: Summary | None


class WebTriage:
    """One browser's (or API client's) triage session."""

    def __init__(
        self,
        facts: FactFile | None = None,
        *,
        lang: Lang = "en",
        threshold: float = DEFAULT_THRESHOLD,
        rule_dirs: tuple[str, ...] = (),
        case_id: str | None = None,
        summary: str = "",
        session: TriageSession | None = None,
    ) -> None:
        if session is None:
            session = TriageSession(facts, lang, threshold, tuple(rule_dirs), case_id=case_id, summary=summary)
        self.session = session
        self.lock = threading.RLock()
        self.last: Outcome | None = None
        self._rev = 0
        self._views: dict[tuple[int, str], TriageSession] = {}

    @property
    def from_sentence(self) -> list[str]:
        """The values taken from the ticket's sentence (``Source = pod``...), in the session's language."""
        return list(self.session.from_sentence)

    @classmethod
    def resume(cls, data: dict[str, Any], *, lang: Lang | None = None, rule_dirs: tuple[str, ...] = (), origin: str = "<session>") -> WebTriage:
        """A session from saved data: a session's :meth:`state` (back and undo history included)
        or a (partial) fact file, as ``podnet triage --facts`` reads them."""
        from ..errors import InputError
        from ..triage.session import STATE_MARK

        if isinstance(data, dict) and STATE_MARK in data:
            try:
                s = TriageSession.from_state(data, origin)
            except InputError as exc:  # E-TRIAGE-SESSION is the server's "no such session" (404)
                raise InputError(exc.message, location=exc.location, code="E-TRIAGE-SAVED") from None
            if lang:
                s.lang = lang
            if rule_dirs:
                s.rule_dirs = tuple(rule_dirs)
            s.restart_unknown_count()
            return cls(session=s)
        return cls(session=TriageSession.load(data, lang=lang, rule_dirs=rule_dirs))

    # ---- what the page reads ----------------------------------------------------------------

    @property
    def lang(self) -> Lang:
        return self.session.lang

    @property
    def threshold(self) -> float:
        return self.session.threshold

    @property
    def rule_dirs(self) -> tuple[str, ...]:
        return self.session.rule_dirs

    @property
    def log(self) -> list[Entry]:
        """The steps so far (answers, "don't know", pastes, settled contradictions)."""
        return self.session.log

    @property
    def kinds_known(self) -> bool:
        return self.session.kinds_known

    @property
    def facts(self) -> FactFile:
        """The case as gathered so far (both ends' kinds must be known)."""
        return self.session.facts

    @property
    def case_id(self) -> str:
        return str(self.session.head["case"]["id"])

    def fact_data(self) -> dict[str, Any]:
        """The fact file, or the partial case before both ends' kinds are known."""
        return self.session.fact_data()

    def state(self) -> dict[str, Any]:
        """The whole session, to save (:meth:`resume` and ``podnet triage --facts`` read it)."""
        return self.session.state()

    def _in(self, lang: str | None) -> TriageSession:
        if not lang or lang == self.session.lang:
            return self.session
        key = (self._rev, lang)
        if key not in self._views:
            self._views = {key: TriageSession.from_state({**self.session.state(), "lang": lang})}
        return self._views[key]

    def view(self, lang: str | None = None) -> View:
        """The prompt, the rankings and (once stopped) the summary, in ``lang`` (default: the session's)."""
        s = self._in(lang)
        prompt = s.current_question()
        return View(
            prompt=prompt,
            stop_reason=s.stop_reason(),
            status=s.status() if s.kinds_known else None,
            summary=s.summary() if prompt is None else None,
        )

    def status(self, lang: str | None = None) -> Status:
        """Rankings and ranked observation questions (both ends' kinds must be known)."""
        return self._in(lang).status()

    # ---- what the page does -----------------------------------------------------------------

    def _done(self) -> WebError:
        return WebError(self.session.M["done"], code="E-TRIAGE-DONE", location="answer")

    def _step(self, out: Outcome) -> Outcome:
        self._rev += 1
        self._views = {}
        self.last = out
        return out

    def reply(self, value: str, probe: str | None = None) -> Outcome:
        """Answer the current prompt as the terminal does: an option id, a typed value or
        "unknown"; ``probe`` ("backend" / "destination"): the answer is about the Service's other
        end than the one the observation question names."""
        p = self.session.current_question()
        if p is None:
            raise self._done()
        if probe and p.type == "observation" and p.at is not None and value.strip() in {o.id for o in p.options}:
            return self._step(self.session.record(p.key.partition("@")[0], p.at, value.strip(), probe))
        return self._step(self.session.answer(value))

    def answer(self, answer: str, kind: str | None = None, at: str | None = None, probe: str | None = None) -> Outcome:
        """Answer ``kind@at`` (asked or not) with an answer id or "unknown"; without ``kind`` and
        ``at``, the current prompt (:meth:`reply`)."""
        if kind is None or at is None:
            return self.reply(answer, probe)
        if answer == "unknown":
            return self._step(self.session.mark_unknown(kind, at))
        return self._step(self.session.record(kind, at, answer, probe or None))

    def paste(self, text: str) -> Outcome:
        """Pasted command output (at the prompt, or after triage stopped): read by triage's paste
        reader; what it took is in the outcome's lines, what it could not use in its warnings."""
        return self._step(self.session.paste(text))

    def back(self) -> Entry | None:
        """Undo the last step; None when there is none."""
        entry = self.session.undo()
        if entry is not None:
            self._step(Outcome(key=entry.key, answered=False))
            self.last = None
        return entry


def probe_choice(facts: FactFile, kind: str, at: str, rule_dirs: tuple[str, ...] = ()) -> str | None:
    """What else the customer may have probed for question ``kind@at``: "backend" (the Service's
    backend Pod, when the question probes its ClusterIP) or "destination" (the ClusterIP, when the
    question probes the Pod); None when the case has no Service or the check probes no address."""
    from ..triage.answers import alternative_probe, case_values, probe_role, role_target
    from ..triage.questions import knowledge

    if facts.endpoints.destination.kind != "service":
        return None
    meta = knowledge(tuple(rule_dirs)).observation_kinds.get(kind)
    if meta is None or "target" not in case_values(kind, at, facts, probe_role(meta, at)):
        return None
    alt = alternative_probe(meta, at)
    if alt == "backend" and role_target(facts, "backend") is None:
        return None
    return alt


def stop_message(stop_reason: str | None, status: Status | None, lang: str, unknowns: int = UNKNOWN_STREAK) -> str:
    """Why triage stopped, in the words of :data:`podnet.triage.messages.MESSAGES`; ``unknowns`` is the
    session's own run of "don't know" answers (the stop weighs the customer's record, so it may exceed
    the streak a silent customer is stopped at)."""
    from ..triage.messages import MESSAGES

    M = MESSAGES[lang]
    top = status.top if status is not None else None
    if stop_reason == "confident" and top is not None and status is not None:
        return M["stop_confident"].format(title=top.title, id=top.id, p=top.posterior, t=status.threshold)
    if stop_reason == "no_endpoints":
        return M["stop_no_endpoints"]
    if stop_reason == "unknowns":
        return M["stop_unknowns"].format(n=unknowns)
    return M["stop_no_gain"]
