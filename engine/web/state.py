"""What one server keeps between requests: the settings, triage sessions and diagnosed cases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .config import ServeConfig
from .store import ExpiringStore
from .triage import WebTriage

if TYPE_CHECKING:
    from ..diagnosis import Diagnosis
    from ..facts.model import FactFile


@dataclass
class Case:
    """A case diagnosed on the page, kept for its downloads and for starting a triage from it."""

    facts: FactFile
    diagnosis: Diagnosis
    strict: bool = False


class ServerState:
    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.sessions: ExpiringStore[WebTriage] = ExpiringStore(config.session_ttl, config.max_sessions, code="E-TRIAGE-SESSION", what="triage session")
        self.cases: ExpiringStore[Case] = ExpiringStore(config.session_ttl, config.max_cases, code="E-CASE", what="case")


def status_dict(session_id: str, session: WebTriage, lang: str | None = None) -> dict[str, Any]:
    """A triage session's state as the API returns it: the prompt asked now (any type: what fails,
    a value of the case, an observation question, a contradiction), ``question`` (the prompt's
    observation question, when it is one), the rankings, the steps, and once stopped the summary."""
    lang = lang or session.lang
    v = session.view(lang)
    st = v.status
    p = v.prompt

    def question(q: Any) -> dict[str, Any]:
        return {**q.model_dump(), "key": q.key}

    return {
        "id": session_id,
        "lang": lang,
        "threshold": session.threshold,
        "done": p is None,
        "stop_reason": v.stop_reason,
        "confident": bool(st and st.confident),
        "rules_agree": bool(st and st.rules_agree),
        "prompt": p.model_dump(exclude={"question"}) if p is not None else None,
        "question": question(p.question) if p is not None and p.question is not None else None,
        "beliefs": [b.model_dump() for b in st.beliefs[:10]] if st else [],
        "steps": [e.to_dict() for e in session.log],
        "last": session.last.model_dump() if session.last is not None else None,
        "from_sentence": list(session.from_sentence),
        "observations": len(session.facts.observations) if session.kinds_known else 0,
        "diagnosis": st.diagnosis.model_dump(mode="json") if st else None,
        "summary": v.summary.model_dump() if v.summary is not None else None,
    }
