"""Derived findings (a value of the case the rule engine reads, counted in the posterior) and an
answer's own share under the causes that do not declare it (issue #14, session 8)."""

from __future__ import annotations

import pytest
from podnet.errors import KnowledgeError
from podnet.facts.load import validate_observation
from podnet.knowledge.crossref import answer_problems, signature_problems
from podnet.knowledge.model import ObservationKind, SignatureEntry
from podnet.reasoning.diagnose import diagnose_facts
from podnet.triage import context as ctx
from podnet.triage.answers import build_observations, observed_answers
from podnet.triage.posterior import _entry, build_model
from podnet.triage.questions import current_posterior, derived_answers, knowledge
from podnet.triage.session import TriageSession

RANGE = ("cluster_range", "case")
RESOLV = ("pod_dns_config", "source_pod")


def _facts(destination: dict, cluster: dict, observations: list[dict], source: dict | None = None):
    head = {"case": {"id": "t"}, "cluster": cluster, "endpoints": {"source": source or {"kind": "pod", "namespace": "default", "name": "client"}, "destination": destination}}
    return ctx.build_facts(head, [validate_observation(o, i, "t") for i, o in enumerate(observations)])


# calico#2638: the kubernetes Service's backend is the API server's node 10.233.64.102, and the
# cluster's Pod CIDR 10.233.64.0/20 covers it; curl to the ClusterIP times out
API = {"kind": "service", "name": "kubernetes", "namespace": "default", "ip": "10.233.0.1", "port": 443,
       "backends": [{"ip": "10.233.64.102", "port": 6443, "node": "master", "node_ip": "10.233.64.102"}]}
TIMEOUT = [{"kind": "tcp_connect", "at": "source_pod", "target": "10.233.0.1", "port": 443, "result": "timeout"}]


def _ranked(facts) -> tuple[list[tuple[str, float]], str | None]:
    kb = knowledge()
    d = diagnose_facts(facts)
    post = current_posterior(kb, facts, d)
    return sorted(post.items(), key=lambda kv: -kv[1]), (d.top.id if d.top else None)


def test_a_pod_cidr_covering_the_api_servers_node_counts_in_the_posterior():
    facts = _facts(API, {"cni": "calico", "pod_cidr": "10.233.64.0/20", "service_cidr": "10.233.0.0/18"}, TIMEOUT)
    assert derived_answers(knowledge(), facts) == {RANGE: "host_inside"}
    ranked, rules_top = _ranked(facts)
    assert ranked[0][0] == "pod_cidr_overlaps_host" == rules_top and ranked[0][1] >= 0.5
    # the same facts without the finding (the rule engine's ratio alone) stayed below the threshold
    kb, d = knowledge(), diagnose_facts(facts)
    from podnet.triage.posterior import posterior
    from podnet.triage.questions import rule_certainty

    alone = posterior(build_model(kb), observed_answers(facts, kb.observation_kinds), rule_certainty(d))
    assert alone["pod_cidr_overlaps_host"] < 0.5 < ranked[0][1]


def test_a_pod_cidr_clear_of_the_host_is_a_near_miss():
    facts = _facts(API, {"cni": "calico", "pod_cidr": "10.244.0.0/16", "service_cidr": "10.233.0.0/18"}, TIMEOUT)
    assert derived_answers(knowledge(), facts) == {RANGE: "host_outside"}
    ranked, _ = _ranked(facts)
    assert dict(ranked)["pod_cidr_overlaps_host"] < 0.05


def test_a_finding_is_never_derived_from_values_nobody_gave():
    kb = knowledge()
    # no Pod CIDR given; and a Pod backend (not a node's address) inside the Pod CIDR is normal
    assert derived_answers(kb, _facts(API, {"cni": "calico"}, TIMEOUT)) == {}
    pod_backend = {**API, "backends": [{"ip": "10.233.65.7", "port": 8080, "node": "worker", "node_ip": "192.168.10.12"}]}
    assert derived_answers(kb, _facts(pod_backend, {"pod_cidr": "10.233.64.0/20"}, TIMEOUT)) == {}


def test_the_derived_finding_has_its_own_share_under_other_causes():
    model = build_model(knowledge())
    assert RANGE in model.derived and RANGE not in model.answers  # never asked
    table = model.likelihood[RANGE]
    assert table["pod_cidr_overlaps_host"]["host_inside"] == pytest.approx(0.8)
    for other in ("route_missing", "iptables_blocks_traffic", "dns_service_down"):
        assert table[other]["host_inside"] == pytest.approx(0.02)
        assert table[other]["host_outside"] == pytest.approx(0.98)


def test_the_session_counts_the_finding_once_the_customer_gives_the_pod_cidr():
    s = TriageSession(_facts(API, {"cni": "calico", "service_cidr": "10.233.0.0/18"}, TIMEOUT))
    before = s.ranking()
    assert not before.confident
    s.provide("pod_cidr", "10.233.64.0/20")
    after = s.ranking()
    assert after.confident and after.beliefs[0].id == "pod_cidr_overlaps_host"
    assert len(s.facts.observations) == 1  # nothing recorded beyond what was said
    known = s.summary().known
    assert any("lies inside the Pod or Service CIDR (from the values above)" in line for line in known)


# ---- ndots:5 with a long search list (m-lab/prometheus-support#775) -----------------------------


def _resolv(**fields) -> dict:
    return {"kind": "pod_dns_config", "at": "source_pod", **fields}


OUTSIDE = {"kind": "external"}
SLOW_OUTSIDE = {"kind": "reachability", "at": "source_pod", "scope": "to_external", "result": "intermittent"}
FIVE = ["default.svc.cluster.local", "svc.cluster.local", "cluster.local", "c.mlab-sandbox.internal", "google.internal"]


def test_a_long_search_list_with_ndots_5_is_recognised_before_the_normal_answer():
    kb = knowledge()
    cluster = {"dns_service_ip": "10.96.0.10"}
    long_list = _facts(OUTSIDE, cluster, [_resolv(ndots=5, search=FIVE), SLOW_OUTSIDE])
    assert observed_answers(long_list, kb.observation_kinds)[RESOLV] == "long_search"
    # the ticket's file lists no nameserver: still recognised
    no_server = _facts(OUTSIDE, {}, [_resolv(ndots=5, search=FIVE)])
    assert observed_answers(no_server, kb.observation_kinds)[RESOLV] == "long_search"
    # near misses: the cluster's three domains only; ndots:1; a wrong nameserver wins over the list
    three = _facts(OUTSIDE, cluster, [_resolv(nameservers=["10.96.0.10"], cluster_dns_ip="10.96.0.10", ndots=5, search=FIVE[:3])])
    assert observed_answers(three, kb.observation_kinds)[RESOLV] == "cluster_dns"
    assert RESOLV not in observed_answers(_facts(OUTSIDE, {}, [_resolv(ndots=1, search=FIVE)]), kb.observation_kinds)
    node = _facts(OUTSIDE, cluster, [_resolv(nameservers=["169.254.169.254"], cluster_dns_ip="10.96.0.10", ndots=5, search=FIVE)])
    assert observed_answers(node, kb.observation_kinds)[RESOLV] == "other_server"


def test_the_long_search_answer_records_only_what_was_said_and_the_rules_read_it():
    kb = knowledge()
    facts = _facts(OUTSIDE, {}, [SLOW_OUTSIDE], source={"kind": "pod", "namespace": "monitoring", "name": "blackbox-exporter"})
    [obs] = build_observations(kb.observation_kinds["pod_dns_config"], "source_pod", "long_search", facts)
    assert obs.ndots == 5 and obs.search_domains == 4 and obs.search_count == 4
    assert obs.search is None and obs.nameservers is None  # which domains, which server: not said
    trial = facts.model_copy(update={"observations": [*facts.observations, obs]})
    d = diagnose_facts(trial)
    assert d.top is not None and d.top.id == "ndots_search_expansion"
    assert any(e.rule == "dns-ndots-long-search-outside-names-slow" for e in d.top.evidence)
    # near miss: without the failing outside traffic the list alone concludes nothing
    alone = diagnose_facts(facts.model_copy(update={"observations": [obs]}))
    assert alone.top is None or alone.top.id != "ndots_search_expansion"


def test_a_stated_count_that_contradicts_the_list_is_refused():
    from podnet.errors import FactFileError

    with pytest.raises(FactFileError, match=r"\$\.observations\[0\]: .*search_domains contradicts the search list"):
        validate_observation(_resolv(search=FIVE, search_domains=4), 0, "t")


def test_the_long_search_answer_is_weak_evidence_under_the_share_it_states():
    model = build_model(knowledge())
    table = model.likelihood[RESOLV]
    assert table["ndots_search_expansion"]["long_search"] == pytest.approx(0.75)
    # a cause that does not declare the question: the stated share, not the specific-findings floor
    assert table["route_missing"]["long_search"] == pytest.approx(0.5)
    assert "long_search" not in model.specific.get(RESOLV, frozenset())
    assert table["ndots_search_expansion"]["long_search"] / table["route_missing"]["long_search"] == pytest.approx(1.5)
    # a cause that declares the question names it: its own figure
    assert table["pod_dns_config_wrong"]["long_search"] == pytest.approx(0.02)


def test_an_entry_that_does_not_name_an_answer_with_a_share_gives_it_that_share():
    table = _entry({"a": 0.9, "b": 0.1}, ("a", "b", "c"), {"c": 0.5})
    assert table == pytest.approx({"a": 0.45, "b": 0.05, "c": 0.5})
    assert _entry({"a": 0.9, "c": 0.1}, ("a", "b", "c"), {"c": 0.5})["c"] == pytest.approx(0.1, abs=0.002)  # its own figure (b at the floor)


def test_shares_that_leave_no_room_and_bad_derived_references_are_located_errors():
    kind = ObservationKind.model_validate({
        "kind": "pod_dns_config", "title": {"en": "t", "zh": "t"}, "question": {"en": "q", "zh": "q"}, "order": 1,
        "how": {"source_pod": {"command": "cat /etc/resolv.conf"}},
        "answers": [{"id": "a", "normal": True, "text": {"en": "a", "zh": "a"}, "undeclared": 0.6},
                    {"id": "b", "text": {"en": "b", "zh": "b"}, "undeclared": 0.4}],
    })
    [problem] = answer_problems([("kb/observations.yaml: kinds[0]", kind)])
    assert "leave room" in str(problem) and "answers[1].undeclared" in str(problem)
    derived = knowledge().derived_findings
    wrong_place = [("kb/causes/x.yaml: causes[0].signature[0]", SignatureEntry(observe="cluster_range@source_pod", answers={"host_inside": 0.8}))]
    [problem] = signature_problems(wrong_place, {}, derived)
    assert "cluster_range@case" in str(problem)
    unknown = [("kb/causes/x.yaml: causes[0].signature[0]", SignatureEntry(observe="cluster_range@case", answers={"inside": 0.8}))]
    [problem] = signature_problems(unknown, {}, derived)
    assert "no answer 'inside'" in str(problem)
    assert isinstance(problem, KnowledgeError)
