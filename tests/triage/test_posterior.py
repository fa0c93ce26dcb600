"""The posterior and the expected information gain, on a small hand-checked knowledge base."""

from __future__ import annotations

import dataclasses
import math

import pytest
from podnet.knowledge.model import SignatureEntry
from podnet.triage.posterior import (
    FLOOR,
    SPECIFIC_MAX_CAUSES,
    UNDECLARED_SPREAD,
    _entry,
    build_model,
    entropy,
    expected_gain,
    posterior,
)
from podnet.reasoning.confidence import likelihood_ratio
from podnet.triage.questions import knowledge


def _kb_with(signatures: dict[str, tuple[float, list[tuple[str, dict[str, float]]]]]):
    """The real knowledge base's observation kinds with just the given causes (prior, signature)."""
    kb = knowledge()
    template = next(iter(kb.causes.values()))
    causes = {
        cid: template.model_copy(update={"id": cid, "prior": prior, "signature": [SignatureEntry(observe=k, answers=a) for k, a in sig]})
        for cid, (prior, sig) in signatures.items()
    }
    symptoms = {k: v.model_copy(update={"signature": []}) for k, v in kb.symptoms.items()}
    return dataclasses.replace(kb, causes=causes, symptoms=symptoms)


def test_a_cause_inherits_its_symptom_class_signature_and_its_own_entries_win():
    kb = _kb_with({"a": (0.5, [("ping@source_pod", {"ok": 0.7, "lost": 0.2, "partial_loss": 0.1})]), "b": (0.5, [])})
    sid = kb.causes["a"].symptom
    sig = [SignatureEntry(observe="ping@source_pod", answers={"lost": 0.9, "ok": 0.05, "partial_loss": 0.05}),
           SignatureEntry(observe="tcp_connect@source_pod", answers={"timeout": 0.8, "refused": 0.1, "reset": 0.05, "connected": 0.05})]
    kb = dataclasses.replace(kb, symptoms={**kb.symptoms, sid: kb.symptoms[sid].model_copy(update={"signature": sig})})
    m = build_model(kb)
    # inherited; the answers the entry leaves out (no_route, service_fails_pod_works) get the floor
    left_out = len(m.answers[("tcp_connect", "source_pod")]) - 4
    assert m.p(("tcp_connect", "source_pod"), "a", "timeout") == pytest.approx(0.8 / (1 + left_out * FLOOR))
    assert m.p(("ping", "source_pod"), "a", "ok") == pytest.approx(0.7)  # its own entry wins


def test_absent_signature_entry_leans_to_the_normal_answer_and_declared_entry_is_used():
    kb = _kb_with({"a": (0.5, [("ping@source_pod", {"lost": 0.9, "ok": 0.05, "partial_loss": 0.05})]), "b": (0.5, [])})
    m = build_model(kb)
    q = ("ping", "source_pod")
    normal = [a.id for a in kb.observation_kinds["ping"].answers if a.normal]
    assert normal == ["ok"]
    eps = UNDECLARED_SPREAD
    assert m.likelihood[q]["b"] == {"ok": pytest.approx(1 - eps + eps / 3), "lost": pytest.approx(eps / 3), "partial_loss": pytest.approx(eps / 3)}
    assert m.likelihood[q]["a"]["lost"] == pytest.approx(0.9)


BACKEND = ("iptables_backend", "source_node")
MISMATCH = {"mismatch": 0.9, "same": 0.1}


def test_a_specific_finding_is_rare_under_a_cause_that_does_not_declare_it():
    """iptables_backend_mismatch declares 'the backends differ' and a decisive rule of it reads
    that kind: a cause that does not mention the check gives the finding the floor, not ε/k (one
    cluster in four), and the rest to the normal answer."""
    kb = _kb_with({"iptables_backend_mismatch": (0.5, [("iptables_backend@source_node", MISMATCH)]), "b": (0.5, [])})
    m = build_model(kb)
    assert m.specific[BACKEND] == {"mismatch"}
    assert m.likelihood[BACKEND]["b"] == {"mismatch": pytest.approx(FLOOR), "same": pytest.approx(1 - FLOOR)}
    assert m.likelihood[BACKEND]["iptables_backend_mismatch"]["mismatch"] == pytest.approx(0.9)
    # so finding it moves a rare cause far more than the undeclared share would
    post = posterior(m, {BACKEND: "mismatch"}, evidence={"iptables_backend_mismatch": 0.02 / 0.5, "b": 0.98 / 0.5})
    assert post["iptables_backend_mismatch"] > 0.45


@pytest.mark.parametrize(
    "causes",
    [
        # a probe of the failing traffic: a lost ping is shared by every cause on the path
        {"icmp_filtered": (0.5, [("ping@source_pod", {"lost": 0.95, "ok": 0.05})]), "b": (0.5, [])},
        # declared by more causes than SPECIFIC_MAX_CAUSES: not specific to any
        {**{f"c{i}": (0.1, [("iptables_backend@source_node", MISMATCH)]) for i in range(SPECIFIC_MAX_CAUSES)},
         "iptables_backend_mismatch": (0.1, [("iptables_backend@source_node", MISMATCH)]), "b": (0.5, [])},
        # no decisive rule of the causes that declare it reads the kind
        {"a": (0.5, [("iptables_backend@source_node", MISMATCH)]), "b": (0.5, [])},
    ],
)
def test_findings_that_are_not_specific_keep_the_undeclared_share(causes):
    kb = _kb_with(causes)
    m = build_model(kb)
    q = ("ping", "source_pod") if "icmp_filtered" in causes else BACKEND
    k = len(m.answers[q])
    abnormal = "lost" if q[0] == "ping" else "mismatch"
    assert q not in m.specific
    assert m.likelihood[q]["b"][abnormal] == pytest.approx(UNDECLARED_SPREAD / k)


def test_a_kind_without_a_normal_answer_is_flat_when_undeclared():
    kb = _kb_with({"a": (0.5, []), "b": (0.5, [])})
    kinds = {k: m for k, m in kb.observation_kinds.items()}
    meta = kinds["ping"].model_copy(update={"answers": [a.model_copy(update={"normal": False}) for a in kinds["ping"].answers]})
    kb = dataclasses.replace(kb, observation_kinds={**kinds, "ping": meta})
    m = build_model(kb)
    assert list(m.likelihood[("ping", "source_pod")]["a"].values()) == [pytest.approx(1 / 3)] * 3


def test_rule_certainty_is_a_likelihood_ratio():
    assert likelihood_ratio(0.0) == 1.0
    assert likelihood_ratio(0.5) == pytest.approx(2.0)
    assert likelihood_ratio(-0.5) == pytest.approx(0.5)
    assert likelihood_ratio(1.0) == pytest.approx(100.0)  # capped
    kb = _kb_with({"a": (0.5, []), "b": (0.5, [])})
    post = posterior(build_model(kb), {}, {"a": 0.75})
    assert post["a"] == pytest.approx(0.8)  # odds 1 x 4
    # a question no cause declares has the same likelihoods under every cause: nothing to gain
    assert expected_gain(build_model(kb), {"a": 0.5, "b": 0.5}, ("tcp_connect", "source_pod")) == pytest.approx(0.0)


def test_left_out_answers_share_the_rest_and_floor_applies():
    answers = ("ok", "lost", "partial_loss")
    e = _entry({"lost": 0.8}, answers)
    assert e["lost"] == pytest.approx(0.8)
    assert e["ok"] == pytest.approx(0.1) and e["partial_loss"] == pytest.approx(0.1)
    e = _entry({"lost": 1.0, "bogus": 0.5}, answers)  # unknown ids ignored, nothing left -> floor
    assert min(e.values()) >= FLOOR / 1.1 and sum(e.values()) == pytest.approx(1.0)
    assert e["lost"] > 0.95


def test_posterior_is_prior_times_likelihoods():
    kb = _kb_with(
        {
            "a": (0.2, [("ping@source_pod", {"lost": 0.9, "ok": 0.1, "partial_loss": 0.0})]),
            "b": (0.8, [("ping@source_pod", {"lost": 0.1, "ok": 0.9, "partial_loss": 0.0})]),
        }
    )
    m = build_model(kb)
    post = posterior(m, {("ping", "source_pod"): "lost"})
    pa = m.p(("ping", "source_pod"), "a", "lost")
    pb = m.p(("ping", "source_pod"), "b", "lost")
    assert post["a"] == pytest.approx(0.2 * pa / (0.2 * pa + 0.8 * pb))
    assert post["a"] > 0.6 > post["b"]
    assert posterior(m, {}) == pytest.approx({"a": 0.2, "b": 0.8})


def test_a_question_that_splits_two_equal_causes_is_worth_one_bit():
    kb = _kb_with(
        {
            "a": (0.5, [("tcp_connect@source_pod", {"refused": 1.0})]),
            "b": (0.5, [("tcp_connect@source_pod", {"timeout": 1.0})]),
        }
    )
    m = build_model(kb)
    prior = {"a": 0.5, "b": 0.5}
    assert entropy(prior) == pytest.approx(1.0)
    gain = expected_gain(m, prior, ("tcp_connect", "source_pod"))
    assert 0.8 < gain <= 1.0  # 1 bit less what the likelihood floor keeps uncertain
    assert expected_gain(m, prior, ("ping", "source_pod")) == pytest.approx(0.0)
    assert not math.isnan(gain)
