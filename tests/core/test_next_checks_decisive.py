"""Each of the top three causes names the observation that decides it, as a next check with its
command (issue 12): read from the rules marked ``decisive: true``, first in the list."""

from __future__ import annotations

from podnet import diagnose, load_facts
from podnet.facts.load import facts_from_data
from podnet.knowledge.conditions import patterns
from podnet.knowledge.load import load_knowledge
from podnet.render.text import render_text

from tests.conftest import EXAMPLES

BASE = {
    "case": {"id": "t", "summary": "decisive checks"},
    "cluster": {"dns_service_ip": "198.19.0.10"},
    "endpoints": {"source": {"kind": "pod", "name": "client", "namespace": "default"}, "destination": {"kind": "external"}},
}


def _case(*observations):
    return facts_from_data(dict(BASE, observations=list(observations)))


def test_a_leading_cause_names_its_decisive_observation_first():
    d = diagnose(_case({"kind": "latency", "at": "source_pod", "operation": "dns_lookup", "value_ms": 5000, "pattern": "some_requests"}))
    assert d.causes[0].id == "conntrack_dns_race" and d.causes[0].confidence < 0.8
    first = d.next_checks[0]
    assert (first.kind, first.at, first.decides) == ("conntrack_stats", "source_node", ["conntrack_dns_race"])
    assert "conntrack -S" in first.command and first.reason.startswith("decides")


def test_each_of_the_top_three_gets_its_own_decisive_check():
    d = diagnose(load_facts(EXAMPLES / "ticket-blackbox-dns-after-upgrade.json"))
    top = [c.id for c in d.causes[:3]]
    decided = [c for chk in d.next_checks for c in chk.decides]
    assert set(top) <= set(decided), (top, [(c.kind, c.decides) for c in d.next_checks])
    assert len(decided) == len(set(decided)), "one decisive check per cause"
    # the decisive checks come before the others
    flags = [bool(chk.decides) for chk in d.next_checks]
    assert flags == sorted(flags, reverse=True)


def test_the_check_is_one_a_decisive_rule_of_that_cause_reads():
    kb = load_knowledge()
    d = diagnose(load_facts(EXAMPLES / "ticket-blackbox-dns-after-upgrade.json"))
    assert any(chk.decides for chk in d.next_checks)
    for chk in d.next_checks:
        for cid in chk.decides:
            kinds = {
                p.kind
                for r in kb.rules
                if r.spec.decisive and r.spec.then.cause == cid
                for p, negated in patterns(r.condition)
                if not negated
            }
            assert chk.kind in kinds, (cid, chk.kind, kinds)


def test_a_confirmed_cause_needs_no_decisive_check():
    d = diagnose(load_facts(EXAMPLES / "ticket-coredns-loop-systemd-resolved.json"))
    assert d.causes[0].id == "coredns_forward_loop" and d.causes[0].confidence >= 0.8
    assert all("coredns_forward_loop" not in chk.decides for chk in d.next_checks)
    # a claimed cause does not bring in the other possible causes' checks
    assert all(set(chk.decides) <= {c.id for c in d.causes} for chk in d.next_checks)


def test_without_any_cause_the_plausible_causes_by_prior_get_decisive_checks():
    d = diagnose(_case({"kind": "dns_lookup", "at": "source_pod", "name": "kubernetes.default.svc.cluster.local", "result": "failed"}))
    assert not d.causes and [s.id for s in d.symptoms] == ["dns_failure"]
    decided = [c for chk in d.next_checks for c in chk.decides]
    assert decided == [p.id for p in d.possible[:3]]


def test_an_unobservable_decisive_kind_is_not_asked():
    data = dict(BASE, observations=[{"kind": "latency", "at": "source_pod", "operation": "dns_lookup", "value_ms": 5000}], unobservable=["conntrack_stats@source_node"])
    d = diagnose(facts_from_data(data))
    assert all(chk.kind != "conntrack_stats" or chk.at != "source_node" for chk in d.next_checks)


def test_the_text_report_says_which_check_decides():
    d = diagnose(_case({"kind": "latency", "at": "source_pod", "operation": "dns_lookup", "value_ms": 5000}), lang="en")
    text = " ".join(render_text(d).split())  # the report wraps lines
    assert "decides (confirms or rules out): Parallel A/AAAA queries" in text
    zh = render_text(diagnose(_case({"kind": "latency", "at": "source_pod", "operation": "dns_lookup", "value_ms": 5000}), lang="zh"))
    assert "决定性检查" in zh
