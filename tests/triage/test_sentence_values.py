"""Values a ticket's first sentence states (``from_sentence`` in kb/context.yaml): taken before the
first question, shown, undone by 'back', and never taken when the words disagree (issue #14: a
session started from "the client Pod cannot reach web.default.svc.cluster.local" asked what the
source and destination were)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from podnet.triage import context as ctx
from podnet.triage.session import TriageSession

ROOT = Path(__file__).resolve().parents[2]
CASES = yaml.safe_load((Path(__file__).parent / "sentence_cases.yaml").read_text(encoding="utf-8"))["cases"]


def _sentence(case: dict) -> str:
    if "file" in case:
        return json.loads((ROOT / case["file"]).read_text(encoding="utf-8"))["case"]["summary"]
    return case["sentence"]


def _typed(slot_id: str, value: object) -> str:
    return ctx.describe_value(ctx.slot(slot_id), value)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_a_sentence_gives_what_it_states_and_nothing_else(case: dict) -> None:
    _head, taken = ctx.from_sentence(ctx.empty_head("T"), _sentence(case))
    assert {spec.id: _typed(spec.id, value) for spec, value in taken} == case["values"]


@pytest.mark.parametrize("case", [c for c in CASES if "file" in c], ids=[c["name"] for c in CASES if "file" in c])
def test_what_a_real_ticket_sentence_gives_agrees_with_its_file(case: dict) -> None:
    """The endpoints typed from the whole thread say the truth: the sentence never contradicts them."""
    data = json.loads((ROOT / case["file"]).read_text(encoding="utf-8"))
    head, _taken = ctx.from_sentence(ctx.empty_head("T"), data["case"]["summary"])
    for end in ("source", "destination"):
        for key, value in head["endpoints"][end].items():
            assert data["endpoints"][end].get(key) == value, (end, key)


def test_a_session_starts_with_the_sentence_values_and_back_drops_them() -> None:
    s = TriageSession.start(case_id="T-SENT", summary="the client Pod cannot reach web.default.svc.cluster.local")
    dst = s.head["endpoints"]["destination"]
    assert (s.head["endpoints"]["source"]["kind"], dst["kind"], dst["namespace"], dst["name"]) == ("pod", "service", "default", "web")
    assert s.from_sentence == ["Source = pod", "Destination = service", "Destination name = default/web", "DNS name = web.default.svc.cluster.local"]
    asked = [s.current_question().key]
    s.answer("network_unreachable")
    asked.append(s.current_question().key)
    # what the sentence said is not asked again: the next thing the case needs is what backs the Service
    assert asked == ["symptom", "context:backends"]
    assert s.undo().key == "symptom"
    entry = s.undo()
    assert entry is not None and entry.key == "sentence" and s.from_sentence == []
    assert s.head["endpoints"] == {"source": {}, "destination": {}}
    assert s.undo() is None


def test_a_session_whose_sentence_states_nothing_asks_as_before() -> None:
    s = TriageSession.start(case_id="T-SENT", summary="the network is broken")
    assert s.from_sentence == [] and s.undo() is None
    s.answer("network_unreachable")
    assert s.current_question().key == "context:source_kind"


def test_a_saved_session_keeps_what_the_sentence_gave_and_its_undo() -> None:
    s = TriageSession.start(case_id="T-SENT", summary="the client Pod cannot reach web.default.svc.cluster.local")
    back = TriageSession.from_state(s.state())
    assert back.from_sentence == s.from_sentence and back.head == s.head
    assert back.undo().key == "sentence" and back.head["endpoints"] == {"source": {}, "destination": {}}
