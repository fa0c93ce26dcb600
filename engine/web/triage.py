"""A triage session as the server runs it: a thin adapter over :class:`podnet.triage.session.TriageSession`.

The adapter adds what a browser needs and the terminal session does not have:

* **pasted output** as an answer: the output is ingested (:func:`podnet.web.service.ingest_raw`)
  and its observations join the case; the session goes on from the merged case (a new
  ``TriageSession``, the previous one kept for *back*);
* **back** over answers and pastes alike;
* **another language** for the same state: the page can switch language mid-session (a throwaway
  session over the same facts renders the questions in it);
* a lock, since two requests of one browser may arrive at once.

Only public functions of :mod:`podnet.triage` are used.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Literal

from ..facts.model import FactFile
from ..triage.session import DEFAULT_THRESHOLD, Status, TriageSession
from .errors import WebError
from .service import RawInput, ingest_raw

Action = Literal["answer", "unknown", "paste"]


@dataclass
class LogEntry:
    """One step of the session, as the page lists it."""

    action: Action
    kind: str | None = None
    at: str | None = None
    answer: str | None = None
    probe: str | None = None
    observations: int = 0
    """Observations the step added."""
    warnings: list[Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"action": self.action, "kind": self.kind, "at": self.at, "answer": self.answer, "probe": self.probe, "observations": self.observations}
        return {k: v for k, v in out.items() if v is not None}


class WebTriage:
    """One browser's (or API client's) triage session."""

    def __init__(self, facts: FactFile, *, lang: str = "en", threshold: float = DEFAULT_THRESHOLD, rule_dirs: tuple[str, ...] = ()) -> None:
        self.lang = lang
        self.threshold = threshold
        self.rule_dirs = tuple(rule_dirs)
        self.lock = threading.RLock()
        self._sessions = [self._session(facts, lang)]
        self.log: list[LogEntry] = []
        self._views: dict[tuple[int, str], Status] = {}

    def _session(self, facts: FactFile, lang: str) -> TriageSession:
        return TriageSession(facts, lang=lang, threshold=self.threshold, rule_dirs=self.rule_dirs)  # type: ignore[arg-type]

    @property
    def current(self) -> TriageSession:
        return self._sessions[-1]

    @property
    def facts(self) -> FactFile:
        """The case as gathered so far."""
        return self.current.facts

    def status(self, lang: str | None = None) -> Status:
        """Rankings and next questions; in ``lang`` when given (the session's own language otherwise)."""
        lang = lang or self.lang
        if lang == self.lang:
            return self.current.status()
        key = (len(self.log), lang)
        if key not in self._views:
            self._views = {key: self._session(self.facts, lang).status()}
        return self._views[key]

    def _changed(self) -> None:
        self._views = {}

    def answer(self, answer: str, kind: str | None = None, at: str | None = None, probe: str | None = None) -> LogEntry:
        """Answer ``kind@at`` (by default the question asked now) with an answer id or ``unknown``."""
        if kind is None or at is None:
            st = self.current.status()
            q = st.questions[0] if st.questions and not st.done else None
            if q is None:
                raise WebError("triage has stopped: there is no question to answer (go back, or paste more output)", code="E-TRIAGE-DONE", location="answer")
            kind, at = q.kind, q.at
        before = len(self.facts.observations)
        if answer == "unknown":
            self.current.unknown(kind, at)
            entry = LogEntry("unknown", kind, at, None)
        else:
            self.current.answer(kind, at, answer, probe=probe or None)
            entry = LogEntry("answer", kind, at, answer, probe or None)
        entry.observations = len(self.facts.observations) - before
        self.log.append(entry)
        self._changed()
        return entry

    def paste(self, raw: RawInput) -> LogEntry:
        """Pasted command output joins the case (ingested with the case's id and endpoints as context)."""
        from ..facts.merge import merge

        facts = self.facts
        data = facts.to_json_dict()
        raw.context = {"case": {"id": facts.case.id}, **({"endpoints": data["endpoints"]} if "endpoints" in data else {})}
        got = ingest_raw(raw)
        merged = merge([facts, got.facts], ["<triage>", "<paste>"])
        self._sessions.append(self._session(merged, self.lang))
        entry = LogEntry("paste", observations=len(got.facts.observations), warnings=got.warnings)
        self.log.append(entry)
        self._changed()
        return entry

    def back(self) -> LogEntry | None:
        """Undo the last step (answer, "don't know" or paste); None when there is none."""
        if not self.log:
            return None
        entry = self.log.pop()
        if entry.action == "paste":
            self._sessions.pop()
        else:
            self.current.back()
        self._changed()
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


def stop_message(status: Status, lang: str) -> str:
    """Why triage stopped, in the words of :data:`podnet.triage.messages.MESSAGES`."""
    from ..triage.messages import MESSAGES

    M = MESSAGES[lang]
    top = status.top
    if status.stop_reason == "confident" and top is not None:
        return M["stop_confident"].format(title=top.title, id=top.id, p=top.posterior, t=status.threshold)
    return M["stop_no_gain"]
