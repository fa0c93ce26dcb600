"""Before concluding on a decisive rule, triage checks once what would make that rule stand back (the
observation kinds it names under ``not``): CoreDNS timing out towards its upstream is decisive for an
unreachable upstream unless a node of the path does not forward Pod traffic (Azure/acs-engine#3394),
so the nodes' ``ip_forward`` is asked before the conclusion, and its answer can change it."""

from __future__ import annotations

from podnet.triage.session import TriageSession, _negated_kinds
from podnet.triage.questions import knowledge


def _session() -> TriageSession:
    s = TriageSession.start("dns_failure", case_id="defeater", summary="Pods cannot resolve names outside the cluster")
    for slot, value in {"source_kind": "pod", "destination_kind": "external"}.items():
        s.provide(slot, value)
    s.record("coredns_log", "control_plane", "upstream_timeout")
    return s


def test_the_rules_exception_is_asked_before_concluding() -> None:
    s = _session()
    d = s.diagnosis()
    assert d.causes[0].id == "coredns_upstream_unreachable" and d.causes[0].confidence >= 0.8
    p = s.current_question()
    assert p is not None and p.key == "sysctl@source_node", p.key


def test_its_answer_changes_the_conclusion() -> None:
    s = _session()
    s.record("sysctl", "source_node", "ip_forward_off")
    d = s.diagnosis()
    assert d.causes[0].id == "ip_forward_disabled"
    assert "coredns_upstream_unreachable" not in {c.id for c in d.causes if c.confidence >= 0.8}


def test_near_miss_a_normal_answer_lets_it_conclude() -> None:
    s = _session()
    s.record("sysctl", "source_node", "ip_forward_on")
    assert s.diagnosis().causes[0].id == "coredns_upstream_unreachable"
    assert s.current_question() is None or s.current_question().key != "sysctl@source_node"


def test_negated_kinds_are_read_from_the_rules_not_clauses() -> None:
    kb = knowledge(())
    rule = next(r for r in kb.rules if r.id == "dns-coredns-upstream-query-timeouts")
    assert _negated_kinds(rule.condition) == {"sysctl"}
    plain = next(r for r in kb.rules if r.id == "nu-ip-forward-off")
    assert _negated_kinds(plain.condition) == set()  # near miss: no exception, nothing to check first
