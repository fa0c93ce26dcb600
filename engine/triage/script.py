"""Scripted answers (``podnet triage --answers FILE``): replay a session without a terminal.

The file is YAML or JSON: a list whose items are either

* a string: the reply to whatever triage asks next, as typed at the prompt (an answer id such as
  ``lost`` or ``network_unreachable``, a value such as ``10.96.0.10``, ``unknown``, or ``back``);
* ``{paste: TEXT}``: command output pasted at the prompt triage shows next;
* ``{context: SLOT, value: TEXT}``: a value of the case (``kb/context.yaml``), asked or not;
* ``{kind: ping, at: source_pod, answer: lost}``: the answer to that question, asked or not
  (``answer: unknown`` marks ``KIND@VANTAGE`` unobservable); ``probe: backend`` / ``probe:
  destination`` says the answer is about the Service's backend Pod / its ClusterIP rather than
  what the question probes.

Items are used in order until triage stops (confident, or nothing left worth asking); items left
over are reported, not applied. A reply the prompt cannot take is a one-line error naming the
item (``answers.yaml: $[3]``), exit 2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, PodnetError
from .session import TriageSession

UNKNOWN = "unknown"
BACK = "back"


@dataclass(frozen=True)
class ScriptItem:
    """One scripted reply; ``kind``/``at`` are None for "the next question"."""

    answer: str
    kind: str | None = None
    at: str | None = None
    probe: str | None = None
    paste: str | None = None
    context: str | None = None
    location: str = ""


def _item(item: Any, where: str) -> ScriptItem:
    if isinstance(item, str) and item.strip():
        return ScriptItem(answer=item.strip(), location=where)
    if isinstance(item, (int, float)) and not isinstance(item, bool):
        return ScriptItem(answer=str(item), location=where)
    if not isinstance(item, dict):
        raise InputError("an answer is a reply, {paste: TEXT}, {context: SLOT, value: TEXT} or {kind, at, answer}", location=where, code="E-TRIAGE-ANSWERS")
    if "paste" in item:
        if set(item) != {"paste"} or not isinstance(item["paste"], str) or not item["paste"].strip():
            raise InputError("a paste is {paste: TEXT} with the command output as text", location=f"{where}.paste", code="E-TRIAGE-ANSWERS")
        return ScriptItem(answer="", paste=item["paste"], location=where)
    if "context" in item:
        extra = set(item) - {"context", "value"}
        if extra:
            raise InputError(f"unknown field {min(extra)!r} (context, value)", location=where, code="E-TRIAGE-ANSWERS")
        for key in ("context", "value"):
            if not isinstance(item.get(key), (str, int)) or item[key] == "":
                raise InputError("required field is missing or not text", location=f"{where}.{key}", code="E-TRIAGE-ANSWERS")
        return ScriptItem(answer=str(item["value"]), context=str(item["context"]), location=where)
    extra = set(item) - {"kind", "at", "answer", "probe"}
    if extra:
        raise InputError(f"unknown field {min(extra)!r} (kind, at, answer, probe)", location=where, code="E-TRIAGE-ANSWERS")
    if item.get("probe") not in (None, "destination", "backend"):
        raise InputError("probe is 'destination' or 'backend'", location=f"{where}.probe", code="E-TRIAGE-ANSWERS")
    for key in ("kind", "at", "answer"):
        if not isinstance(item.get(key), str) or not item[key]:
            raise InputError("required field is missing or not text", location=f"{where}.{key}", code="E-TRIAGE-ANSWERS")
    return ScriptItem(answer=item["answer"], kind=item["kind"], at=item["at"], probe=item.get("probe"), location=where)


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
    return [_item(item, f"{Path(path)}: $[{i}]") for i, item in enumerate(data)]


@dataclass
class ReplayResult:
    """How a replay ended: items used and left over."""

    used: int
    unused: int


def replay(session: TriageSession, items: list[ScriptItem], on_answer: Callable[[Any, str, Any], None] | None = None) -> ReplayResult:
    """Apply scripted replies until triage stops; ``on_answer(prompt, answer, outcome)`` reports each."""
    used = 0
    for item in items:
        if item.answer == BACK and item.kind is None and item.context is None and item.paste is None:
            session.undo()
            used += 1
            continue
        if session.current_question() is None or (session.kinds_known and session.ranking().confident):
            break  # triage has stopped: the rest is reported as not used
        try:
            if item.kind is not None:
                from .questions import knowledge, render_question

                kb = knowledge(session.rule_dirs)
                meta = kb.observation_kinds.get(item.kind)
                if meta is None or not meta.answers or item.at not in meta.how:
                    raise InputError(f"no question {item.kind}@{item.at} in the knowledge base", location=item.location, code="E-TRIAGE-ANSWERS")
                q = render_question(kb, session.facts, (item.kind, item.at), 0.0, session.lang)
                from .model import Prompt

                p = Prompt(type="observation", key=q.key, title=q.title, text=q.text, command=q.command, run_in=q.run_in, at=q.at, options=q.answers, question=q)
                if item.answer == UNKNOWN:
                    outcome = session.mark_unknown(q.kind, q.at)
                else:
                    outcome = session.record(q.kind, q.at, item.answer, probe=item.probe)
            elif item.context is not None:
                p = session._slot_prompt(item.context, None) if _slot_exists(item.context) else None  # type: ignore[assignment]
                outcome = session.provide(item.context, item.answer)
            else:
                p = session.current_question()  # type: ignore[assignment]
                outcome = session.answer(paste=item.paste) if item.paste is not None else session.answer(item.answer)
        except PodnetError as exc:
            if exc.code == "E-TRIAGE-ANSWERS":
                raise
            # every reply the session refuses is located at the script item
            raise InputError(exc.message, location=item.location, code="E-TRIAGE-ANSWERS") from None
        used += 1
        if on_answer is not None and p is not None:
            on_answer(p, "paste" if item.paste is not None else item.answer, outcome)
    return ReplayResult(used=used, unused=len(items) - used)


def _slot_exists(slot_id: str) -> bool:
    from .context import slot

    try:
        slot(slot_id)
    except KeyError:
        return False
    return True
