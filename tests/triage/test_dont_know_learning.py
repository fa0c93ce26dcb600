"""Issue #14, session 7: triage learns from "don't know" answers.

- The "don't know" stop weighs the customer's record: a customer who has answered none of
  UNKNOWN_STREAK questions is stopped (as before); one who answered a check earlier is asked on,
  because an answer to the next questions is still likely enough (the rule of succession).
- A "don't know" to a check lowers the priority of the same check at the case's other places.
- A destination outside the cluster has no node: no check runs on "the destination's node".
- A failing cluster DNS Service is a DNS failure, whatever words the customer chose.

Sessions are scripted from public tickets' shapes: AKS SNAT exhaustion (Azure/AKS#4697) and a
CoreDNS forwarding to the node's 127.0.0.53 (coredns/coredns#1986)."""

from __future__ import annotations

import pytest
from podnet.facts.load import facts_from_data
from podnet.triage import session as session_module
from podnet.triage.questions import current_posterior, knowledge, stated_class
from podnet.triage.session import STOP_WINDOW, UNKNOWN_STREAK, TriageSession, no_answer_ahead

from .conftest import case_data

SNAT = {  # Azure/AKS#4697: a Pod's calls to a public database time out; the LB's SNAT ports are at 0
    "context:source_kind": "pod",
    "context:destination_kind": "external",
    "context:source_pod": "atlantis-0",
    "reachability@source_pod": "failed",
    "snat_ports@source_node": "exhausted",
}
COREDNS = {  # coredns#1986: CoreDNS crashloops; its upstream is the node's 127.0.0.53
    "context:source_kind": "pod",
    "context:destination_kind": "service",
    "context:destination_name": "kube-system/kube-dns",
    "coredns_config@control_plane": "loopback",
}


def _converse(s: TriageSession, replies: dict[str, str], limit: int = 80) -> tuple[list[str], int]:
    """Answer every prompt from ``replies`` ("unknown" otherwise) until triage stops; the keys asked
    and the longest run of "don't know" answers."""
    asked, run, longest = [], 0, 0
    while (p := s.current_question()) is not None:
        assert len(asked) < limit, f"triage did not stop: {asked}"
        asked.append(p.key)
        reply = replies.get(p.key, "unknown")
        run = run + 1 if reply == "unknown" else 0
        longest = max(longest, run)
        s.answer(reply)
    return asked, longest


def test_the_record_rule_is_the_old_streak_for_a_customer_who_never_answers():
    # a customer with no answer: P(no answer in the next w) = (f+1)/(f+1+w), the old fixed streak
    for f in (0, 5, UNKNOWN_STREAK):
        assert no_answer_ahead(0, f, STOP_WINDOW) == pytest.approx((f + 1) / (f + 1 + STOP_WINDOW))
    # one answer makes a miss of the next questions less likely; more "don't know"s more likely
    assert no_answer_ahead(1, UNKNOWN_STREAK, STOP_WINDOW) < no_answer_ahead(0, UNKNOWN_STREAK, STOP_WINDOW)
    assert no_answer_ahead(1, 40, STOP_WINDOW) > no_answer_ahead(0, UNKNOWN_STREAK, STOP_WINDOW)


def test_a_customer_who_answered_a_check_is_asked_past_the_streak_and_reaches_snat_exhaustion():
    s = TriageSession.start("network_unreachable", case_id="aks-4697")
    asked, longest = _converse(s, SNAT)
    assert "snat_ports@source_node" in asked and longest > UNKNOWN_STREAK  # the old stop would have ended it
    assert s.stop_reason() == "confident" and s.ranking().beliefs[0].id == "snat_port_exhaustion"
    assert s.diagnosis().top.id == "snat_port_exhaustion"
    assert s.answer_record()[0] == 3  # the Pod's name, the failed call, the SNAT ports


def test_near_miss_the_same_ticket_without_any_answer_stops_after_the_streak():
    s = TriageSession.start("network_unreachable", case_id="aks-4697")
    asked, longest = _converse(s, {k: v for k, v in SNAT.items() if k.startswith("context:") and k.endswith("_kind")})
    assert s.stop_reason() == "unknowns" and longest == UNKNOWN_STREAK and s.answer_record() == (0, UNKNOWN_STREAK)
    assert "snat_ports@source_node" not in asked


def test_a_customer_who_answered_once_is_still_stopped():
    # one answer early, then "don't know" to everything: stopped, later than a silent customer
    s = TriageSession.start("network_unreachable", case_id="aks-4697")
    replies = {k: v for k, v in SNAT.items() if k != "snat_ports@source_node"}
    asked, longest = _converse(s, replies)
    assert s.stop_reason() in ("unknowns", "no_gain") and UNKNOWN_STREAK < longest < len(asked) < 60


def test_a_dont_know_lowers_the_same_check_elsewhere(monkeypatch):
    data = case_data()
    data["case"]["symptom"] = "network_unreachable"
    s = TriageSession(facts_from_data(data))
    first = s.current_question()
    assert first.type == "observation"
    kind = first.key.partition("@")[0]
    others = [q for q in s._evaluate()["open"] if q[0] == kind and q != (kind, first.at)]
    s.answer("unknown")
    assert all(s._answerable(q) == session_module.SIBLING_UNKNOWN for q in others)
    assert s._answerable(("no_such_kind", "source_node")) == 1.0  # other kinds untouched
    # the don't-know is kept with the case (unobservable), so a resumed session learns it too
    assert f"{kind}@{first.at}" in s.facts.unobservable
    resumed = TriageSession.from_state(s.state())
    assert all(resumed._answerable(q) == session_module.SIBLING_UNKNOWN for q in others)


def test_a_sibling_check_comes_later_after_a_dont_know(monkeypatch):
    # the same ticket, with and without the learning: the sibling's place in the order
    def order(factor: float) -> list[str]:
        monkeypatch.setattr(session_module, "SIBLING_UNKNOWN", factor)
        s = TriageSession.start("other", case_id="softirq", unknown_limit=None)
        asked, _ = _converse(s, {"context:source_kind": "pod", "context:destination_kind": "pod", "reachability@source_pod": "intermittent"})
        return asked

    learnt, plain = order(0.5), order(1.0)
    moved = [k for k in learnt if k.startswith("sysctl@") or k.startswith("resource_pressure@")]
    assert moved and any(learnt.index(k) > plain.index(k) for k in moved if k in plain)


def test_no_check_on_the_destination_node_when_the_destination_is_external():
    s = TriageSession.start("network_unreachable", case_id="aks-4697", unknown_limit=None)
    asked, _ = _converse(s, {"context:source_kind": "pod", "context:destination_kind": "external"})
    assert asked and not any("destination_node" in k for k in asked)
    # near miss: a Pod destination has a node, and its checks are asked
    s = TriageSession.start("network_unreachable", case_id="pods", unknown_limit=None)
    asked, _ = _converse(s, {"context:source_kind": "pod", "context:destination_kind": "pod"})
    assert any(k.endswith("@destination_node") for k in asked)


def _facts(symptom: str | None, name: str, namespace: str):
    data = case_data()
    data["case"]["symptom"] = symptom
    dst = data["endpoints"]["destination"]
    dst.update(name=name, namespace=namespace)
    dst.pop("ip", None)  # the ClusterIP not known yet: the name says which Service it is
    data["cluster"].pop("dns_service_ip", None)
    return facts_from_data(data)


def test_a_failing_cluster_dns_service_is_a_dns_failure():
    kb = knowledge()
    assert stated_class(kb, _facts(None, "kube-dns", "kube-system")) == "dns_failure"
    said_other = current_posterior(kb, _facts(None, "kube-dns", "kube-system"))
    said_dns = current_posterior(kb, _facts("dns_failure", "kube-dns", "kube-system"))
    assert said_other == pytest.approx(said_dns)
    # near misses: a class the customer named stays; another Service, or kube-dns elsewhere, is not DNS
    assert stated_class(kb, _facts("network_unreachable", "kube-dns", "kube-system")) == "network_unreachable"
    assert stated_class(kb, _facts(None, "web", "shop")) is None
    assert stated_class(kb, _facts(None, "kube-dns", "shop")) is None


def test_the_coredns_loopback_ticket_is_reached_within_the_streak():
    s = TriageSession.start("other", case_id="coredns-1986")
    asked, longest = _converse(s, COREDNS)
    # the decisive check comes after at most UNKNOWN_STREAK "don't know"s (since session 8 two more
    # checks come first: the Service's port, asked alone, and the flow from another node), and the
    # record rule lets a customer who answered go on (test_a_customer_who_answered_a_check_is_asked_past_the_streak_...)
    assert "coredns_config@control_plane" in asked and longest <= UNKNOWN_STREAK
    assert s.stop_reason() == "confident" and s.ranking().beliefs[0].id == "coredns_forward_loop"
