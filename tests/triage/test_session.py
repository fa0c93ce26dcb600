"""A triage session: answers become observations, unknown blocks a kind, back undoes, stopping rule."""

from __future__ import annotations

import pytest
from podnet import UsageError, diagnose
from podnet.triage.session import TriageSession


def test_answer_unknown_and_back(case_facts):
    s = TriageSession(case_facts)
    q1 = s.question
    assert q1 is not None
    s.answer(q1.kind, q1.at, q1.answers[0].id)
    obs = s.facts.observations[-1]
    assert (obs.kind, obs.at, obs.note) == (q1.kind, q1.at, q1.command)
    q2 = s.question
    assert q2 is not None and q2.key != q1.key
    s.unknown(q2.kind, q2.at)
    assert q2.key in s.facts.unobservable  # that check at that vantage only
    assert all(q.key != q2.key for q in s.status().questions)
    assert s.back() is True
    assert q2.key not in s.facts.unobservable and s.question.key == q2.key
    assert s.back() is True
    assert s.facts.observations == [] and s.question.key == q1.key
    assert s.back() is False
    assert case_facts.observations == []  # the caller's facts are never modified


def test_posterior_moves_with_answers(case_facts):
    s = TriageSession(case_facts)
    before = {b.id: b.posterior for b in s.status().beliefs}
    q = s.question
    s.answer(q.kind, q.at, q.answers[-1].id)
    after = {b.id: b.posterior for b in s.status().beliefs}
    assert before != after
    assert sum(after.values()) == pytest.approx(1.0, abs=1e-3)


def test_confident_needs_the_posterior_and_the_rule_engine(case_facts):
    s = TriageSession(case_facts, threshold=0.01)
    st = s.status()
    assert st.diagnosis.top is None and not st.confident and not st.done  # no rule names a cause yet
    # the guide's "port unreachable, nothing listens" case, answered step by step
    s.answer("ping", "source_pod", "ok")
    s.answer("tcp_connect", "source_pod", "refused")
    s.answer("listening_sockets", "destination_pod", "not_listening")
    st = s.status()
    assert st.top.id == "app_not_listening" and st.diagnosis.top.id == "app_not_listening"
    assert st.rules_agree and st.confident and st.stop_reason == "confident"
    high = TriageSession(s.facts, threshold=0.999999).status()
    assert not high.confident


def test_stops_when_nothing_is_worth_asking(case_facts):
    s = TriageSession(case_facts)
    for _ in range(200):
        st = s.status()
        if st.done:
            break
        q = s.question
        s.unknown(q.kind, q.at)
    assert st.done and st.stop_reason == "no_gain" and st.questions == []


def test_status_diagnosis_is_podnet_diagnose(case_facts):
    s = TriageSession(case_facts)
    q = s.question
    s.answer(q.kind, q.at, q.answers[0].id)
    assert s.status().diagnosis == diagnose(s.facts)


def test_bad_answers_and_threshold(case_facts):
    s = TriageSession(case_facts)
    q = s.question
    with pytest.raises(UsageError, match="unknown answer"):
        s.answer(q.kind, q.at, "no-such-answer")
    with pytest.raises(UsageError, match="no question"):
        s.answer("route", "nowhere", "x")
    with pytest.raises(UsageError):
        TriageSession(case_facts, threshold=1.5)
