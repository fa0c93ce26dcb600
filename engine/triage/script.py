"""Scripted answers (``podnet triage --answers FILE``): replay a session without a terminal.

The file is YAML or JSON: a list whose items are either

* an answer id (``lost``), ``unknown`` or ``back``: the answer to the question triage asks next;
* a mapping ``{kind: ping, at: source_pod, answer: lost}``: the answer to that question, asked
  or not (``answer: unknown`` marks ``KIND@VANTAGE`` unobservable); ``probe: backend`` / ``probe: destination`` says the answer is
  about the Service's backend Pod / its ClusterIP rather than what the question probes.

Items are used in order until triage stops (confident, or nothing left worth asking); items left
over are reported, not applied.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, UsageError
from .session import TriageSession

UNKNOWN = "unknown"
BACK = "back"


@dataclass(frozen=True)
class ScriptItem:
    """One scripted answer; ``kind``/``at`` are None for "the next question"."""

    answer: str
    kind: str | None = None
    at: str | None = None
    probe: str | None = None
    location: str = ""


def load_script(path: str) -> list[ScriptItem]:
    """Read and check an answers file; errors name the file and the item (``$[3].answer``)."""
    import yaml

    from ..facts.load import read_text

    try:
        text = read_text(path)
    except InputError as exc:
        raise InputError(exc.message, location=exc.location, code="E-TRIAGE-ANSWERS") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else path
        raise InputError(f"invalid YAML/JSON: {getattr(exc, 'problem', None) or exc}", location=where, code="E-TRIAGE-ANSWERS") from None
    if isinstance(data, dict) and "answers" in data:
        data = data["answers"]
    if not isinstance(data, list):
        raise InputError("expected a list of answers", location=f"{path}: $", code="E-TRIAGE-ANSWERS")
    items = []
    for i, item in enumerate(data):
        where = f"{Path(path)}: $[{i}]"
        if isinstance(item, str) and item.strip():
            items.append(ScriptItem(answer=item.strip(), location=where))
        elif isinstance(item, dict):
            extra = set(item) - {"kind", "at", "answer", "probe"}
            if extra:
                raise InputError(f"unknown field {min(extra)!r} (kind, at, answer, probe)", location=where, code="E-TRIAGE-ANSWERS")
            if item.get("probe") not in (None, "destination", "backend"):
                raise InputError("probe is 'destination' or 'backend'", location=f"{where}.probe", code="E-TRIAGE-ANSWERS")
            for key in ("kind", "at", "answer"):
                if not isinstance(item.get(key), str) or not item[key]:
                    raise InputError("required field is missing or not text", location=f"{where}.{key}", code="E-TRIAGE-ANSWERS")
            items.append(ScriptItem(answer=item["answer"], kind=item["kind"], at=item["at"], probe=item.get("probe"), location=where))
        else:
            raise InputError("an answer is an id or a mapping {kind, at, answer}", location=where, code="E-TRIAGE-ANSWERS")
    return items


@dataclass
class ReplayResult:
    """How a replay ended: items used and left over."""

    used: int
    unused: int


def replay(session: TriageSession, items: list[ScriptItem], on_answer: Callable[[Any, str], None] | None = None) -> ReplayResult:
    """Apply scripted answers until triage stops; ``on_answer(question, answer)`` reports each one."""
    used = 0
    for item in items:
        if item.answer == BACK and item.kind is None:
            session.back()
            used += 1
            continue
        if session.status().done:
            break
        if item.kind is None:
            q = session.question
            assert q is not None  # not done, so there is a question
        else:
            from .questions import knowledge, render_question

            kb = knowledge(session.rule_dirs)
            meta = kb.observation_kinds.get(item.kind)
            if meta is None or not meta.answers or item.at not in meta.how:
                raise InputError(f"no question {item.kind}@{item.at} in the knowledge base", location=item.location, code="E-TRIAGE-ANSWERS")
            q = render_question(kb, session.facts, (item.kind, item.at), 0.0, session.lang)  # type: ignore[arg-type]
        try:
            if item.answer == UNKNOWN:
                session.unknown(q.kind, q.at)
            else:
                session.answer(q.kind, q.at, item.answer, probe=item.probe)
        except UsageError as exc:
            raise InputError(exc.message, location=item.location, code="E-TRIAGE-ANSWERS") from None
        used += 1
        if on_answer is not None:
            on_answer(q, item.answer)
    return ReplayResult(used=used, unused=len(items) - used)
