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
    """A triage session's state as the API returns it."""
    lang = lang or session.lang
    st = session.status(lang)

    def question(q: Any) -> dict[str, Any]:
        return {**q.model_dump(), "key": q.key}

    return {
        "id": session_id,
        "lang": lang,
        "threshold": session.threshold,
        "done": st.done,
        "stop_reason": st.stop_reason,
        "confident": st.confident,
        "rules_agree": st.rules_agree,
        "question": question(st.questions[0]) if st.questions and not st.done else None,
        "questions": [question(q) for q in st.questions] if not st.done else [],
        "beliefs": [b.model_dump() for b in st.beliefs[:10]],
        "steps": [e.to_dict() for e in session.log],
        "observations": len(session.facts.observations),
        "diagnosis": st.diagnosis.model_dump(mode="json"),
    }
