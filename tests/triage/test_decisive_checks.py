"""Decisive checks in a triage: a rare cause's confirming observation is still asked when no likely
answer would move the ranking, and the runner-up's is asked before concluding. The customers here
know only the decisive answer, so the stop after too many "don't know" answers is switched off
(``unknown_limit=None``): the order of the questions is what is tested."""

from __future__ import annotations

from podnet.triage.session import TriageSession

from .conftest import answer_until_stop


DNS_TICKET = {
    "symptom": "dns_failure",
    "context:source_kind": "pod",
    "context:destination_kind": "service",
    "context:destination": "198.19.0.10:53",
    "context:destination_name": "kube-system/kube-dns",
    "context:dns_name": "kubernetes.default.svc.cluster.local",
    "dns_lookup@source_pod": "timeout",
}


def test_a_rare_causes_decisive_check_is_asked_when_nothing_likely_moves_the_ranking():
    """Names time out, nothing else is known; bridge netfilter off on the node (br_netfilter_off,
    a CNI cause with a small prior) is looked for by its decisive check, asked after the likely
    ones, and the rule engine then names it."""
    s = TriageSession.start(case_id="T-BR", unknown_limit=None)
    asked = answer_until_stop(s, {**DNS_TICKET, "sysctl@source_node": "bridge_nf_off"})
    assert "sysctl@source_node" in asked
    r = s.ranking()
    assert r.rules[0].id == "br_netfilter_off" and "br_netfilter_off" in [b.id for b in r.beliefs[:3]]
    # when that check looks normal, nothing names it
    s2 = TriageSession.start(case_id="T-BR2", unknown_limit=None)
    asked2 = answer_until_stop(s2, {**DNS_TICKET, "sysctl@source_node": "ip_forward_on"})
    assert "sysctl@source_node" in asked2 and s2.stop_reason() == "no_gain"
    assert "br_netfilter_off" not in [c.id for c in s2.ranking().rules]


def test_the_runner_ups_decisive_check_comes_before_a_conclusion():
    """CoreDNS is down: dns_service_down is likely, but the CoreDNS log (the loop cause's decisive
    check) is read before concluding, and a loop in it names coredns_forward_loop instead."""
    replies = {**DNS_TICKET, "dns_service@control_plane": "down", "tcp_connect@source_pod": "connected"}
    s = TriageSession.start(case_id="T-LOOP")
    asked = answer_until_stop(s, {**replies, "coredns_log@control_plane": "loop"})
    assert "coredns_log@control_plane" in asked
    assert s.stop_reason() == "confident" and s.ranking().beliefs[0].id == "coredns_forward_loop"
    s2 = TriageSession.start(case_id="T-DOWN")
    asked2 = answer_until_stop(s2, {**replies, "coredns_log@control_plane": "clean"})
    assert "coredns_log@control_plane" in asked2
    assert s2.stop_reason() == "confident" and s2.ranking().beliefs[0].id == "dns_service_down"


def test_a_confirmed_rare_cause_is_concluded_over_the_common_causes_of_the_symptom():
    """Names time out, the DNS checks are not known, bridge-nf-call-iptables is 0 on the node: the
    rule engine names br_netfilter_off decisively, and the posterior follows (a specific finding is
    rare under causes that do not declare it), so triage concludes it; with the check normal it
    does not."""
    s = TriageSession.start(case_id="T-BR3", unknown_limit=None)
    answer_until_stop(s, {**DNS_TICKET, "sysctl@source_node": "bridge_nf_off"})
    r = s.ranking()
    assert s.stop_reason() == "confident" and r.beliefs[0].id == "br_netfilter_off" and r.rules[0].id == "br_netfilter_off"
    assert r.beliefs[1].posterior < 0.2
