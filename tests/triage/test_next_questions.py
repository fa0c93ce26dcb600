"""next_questions: ranked by expected gain, rendered from kb/observations.yaml for the case."""

from __future__ import annotations

import dataclasses

import podnet
import pytest
from podnet import Question, next_questions
from podnet.facts.load import facts_from_data
from podnet.knowledge.model import SignatureEntry
from podnet.knowledge.templates import case_context, probe_context, render
from podnet.triage import questions as qmod
from podnet.triage.answers import probe_role
from podnet.triage.questions import knowledge

from .conftest import case_data


def test_exported_from_podnet():
    assert "next_questions" in podnet.__all__ and "Question" in podnet.__all__
    assert podnet.__all__ == sorted(podnet.__all__, key=lambda s: (s[0].islower(), s))
    assert podnet.Question is Question


def test_questions_ranked_by_gain_and_rendered_from_the_knowledge(case_facts):
    qs = next_questions(case_facts, n=3)
    assert 1 <= len(qs) <= 3
    kb = knowledge()
    # expected gain per unit of effort (``cost`` of the kind), best first
    per_cost = [q.expected_gain / kb.observation_kinds[q.kind].cost for q in qs]
    assert per_cost == sorted(per_cost, reverse=True) and per_cost[-1] > 0
    for q in qs:
        meta = kb.observation_kinds[q.kind]
        # the check's own target (ping and telnet probe the Service's backend Pod)
        ctx = probe_context(case_context(case_facts), probe_role(meta, q.at))
        assert q.text == render(meta.question.en, ctx, "t")
        assert q.command == render(meta.how[q.at].command, ctx, "t")
        assert q.run_in == meta.how[q.at].run_in
        assert [a.id for a in q.answers] == [a.id for a in meta.answers if not a.at or q.at in a.at]
    assert len({q.key for q in qs}) == len(qs)


def test_effort_weighs_in_the_ranking(case_facts, monkeypatch):
    kb = knowledge()
    first = next_questions(case_facts, n=1)[0]
    meta = kb.observation_kinds[first.kind]
    costly = meta.model_copy(update={"cost": 1000.0})
    patched = dataclasses.replace(kb, observation_kinds={**kb.observation_kinds, first.kind: costly})
    monkeypatch.setattr(qmod, "knowledge", lambda rule_dirs=(): patched)
    assert next_questions(case_facts, n=1)[0].kind != first.kind


def test_chinese_questions(case_facts):
    en = next_questions(case_facts, n=1)[0]
    zh = next_questions(case_facts, n=1, lang="zh")[0]
    assert (zh.kind, zh.at, zh.command) == (en.kind, en.at, en.command)
    meta = knowledge().observation_kinds[zh.kind]
    assert zh.text == render(meta.question.zh, probe_context(case_context(case_facts), probe_role(meta, zh.at)), "t")
    assert zh.text != en.text


def test_values_from_input_are_shell_quoted():
    """A hostile Pod name is refused in a fact file; set past the schema, it still prints as one quoted word."""
    from podnet.errors import FactFileError

    data = case_data()
    data["endpoints"]["source"]["name"] = "a; rm -rf /"
    with pytest.raises(FactFileError, match=r"\$\.endpoints\.source\.name"):
        next_questions(data, n=10)
    data["endpoints"]["source"]["name"] = "client"
    facts = facts_from_data(data)
    facts.endpoints.source.name = "a; rm -rf /"  # no validate_assignment: bypasses the schema
    qs = next_questions(facts, n=10)
    pod_cmds = [q.command for q in qs if q.at == "source_pod" and q.run_in == "kubectl"]
    assert pod_cmds, "no question runs in the source Pod"
    for cmd in pod_cmds:
        assert "'a; rm -rf /'" in cmd


def test_observed_and_unobservable_kinds_are_not_asked_again(case_facts):
    from podnet.triage.answers import build_observation

    first = next_questions(case_facts, n=1)[0]
    meta = knowledge().observation_kinds[first.kind]
    case_facts.observations = [build_observation(meta, first.at, meta.answers[0].id, case_facts)]
    assert first.key not in {q.key for q in next_questions(case_facts, n=100)}
    case_facts.observations = []
    case_facts.unobservable = [first.kind]
    assert first.kind not in {q.kind for q in next_questions(case_facts, n=100)}
    case_facts.unobservable = [first.key]  # one vantage only
    keys = {q.key for q in next_questions(case_facts, n=100)}
    assert first.key not in keys


def test_no_source_pod_questions_when_the_source_is_a_node():
    data = case_data()
    data["endpoints"]["source"] = {"kind": "node", "name": "node-a", "node": "node-a", "node_ip": "198.18.100.1"}
    assert all(q.at != "source_pod" for q in next_questions(data, n=50))


def test_a_new_cause_with_a_signature_makes_triage_ask_about_it(case_facts, monkeypatch):
    kb = knowledge()
    ask_all = {q.key for q in next_questions(case_facts, n=100)}
    candidates = [(k, at) for k, m in kb.observation_kinds.items() if m.answers for at in m.how if f"{k}@{at}" not in ask_all]
    candidates = [c for c in candidates if qmod.askable(kb, case_facts, c)]
    if not candidates:
        pytest.skip("every askable question already has a positive gain")
    kind, at = candidates[0]
    answers = [a.id for a in kb.observation_kinds[kind].answers]
    template = next(iter(kb.causes.values()))
    new = template.model_copy(update={"id": "new_cause", "prior": 0.2, "signature": [SignatureEntry(observe=f"{kind}@{at}", answers={answers[-1]: 0.95})]})
    patched = dataclasses.replace(kb, causes={**kb.causes, "new_cause": new})
    monkeypatch.setattr(qmod, "knowledge", lambda rule_dirs=(): patched)
    assert f"{kind}@{at}" in {q.key for q in next_questions(case_facts, n=100)}


def test_bad_arguments():
    with pytest.raises(podnet.UsageError):
        next_questions(case_data(), lang="fr")
    with pytest.raises(podnet.UsageError):
        next_questions(case_data(), n=0)
    with pytest.raises(podnet.FactFileError):
        next_questions({"case": {}})
    assert isinstance(next_questions(facts_from_data(case_data()), n=1)[0], Question)
