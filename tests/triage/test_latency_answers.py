"""The slowness question's answers: "about 5 s on some lookups" (a lost query: the resolver's
timeout) and "seconds, without that mark, or slow with no figure" (the search list tried name by
name, a slow upstream). Before session 17 the second had no answer, so a customer who said "the
lookups are slow" (m-lab/prometheus-support#775) could only answer "don't know", and the rule that
reads exactly that statement never fired in triage."""

from __future__ import annotations

import pytest
from podnet.facts.load import validate_observation
from podnet.reasoning.diagnose import diagnose_facts
from podnet.triage import context as ctx
from podnet.triage.answers import build_observations, observed_answers
from podnet.triage.posterior import build_model
from podnet.triage.questions import knowledge

LATENCY = ("latency", "source_pod")
OUTSIDE = {"kind": "external"}
FIVE = ["default.svc.cluster.local", "svc.cluster.local", "cluster.local", "c.mlab-sandbox.internal", "google.internal"]
RESOLV = {"kind": "pod_dns_config", "at": "source_pod", "ndots": 5, "search": FIVE}
SLOW_OUTSIDE = {"kind": "reachability", "at": "source_pod", "scope": "to_external", "result": "intermittent"}


def _facts(observations: list[dict]):
    head = {"case": {"id": "t"}, "cluster": {}, "endpoints": {"source": {"kind": "pod", "namespace": "monitoring", "name": "blackbox-exporter"}, "destination": OUTSIDE}}
    return ctx.build_facts(head, [validate_observation(o, i, "t") for i, o in enumerate(observations)])


def _lookup(**fields) -> dict:
    return {"kind": "latency", "at": "source_pod", "operation": "dns_lookup", **fields}


@pytest.mark.parametrize(
    ("fields", "answer"),
    [
        ({"noticeable": True}, "dns_slow"),  # "the lookups are slow", no figure
        ({"value_ms": 2300, "pattern": "every_request"}, "dns_slow"),  # seconds, not the resolver's 5 s
        ({"value_ms": 5000, "pattern": "some_requests"}, "dns_5s_some"),  # the lost query's mark
        ({"value_ms": 10100}, "dns_5s_some"),  # two timeouts
    ],
)
def test_a_stated_slowness_answers_the_question_by_its_figure(fields, answer):
    facts = _facts([_lookup(**fields)])
    assert observed_answers(facts, knowledge().observation_kinds)[LATENCY] == answer


def test_near_misses_are_not_slow_lookups():
    kinds = knowledge().observation_kinds
    assert observed_answers(_facts([_lookup(value_ms=400)]), kinds).get(LATENCY) != "dns_slow"
    assert observed_answers(_facts([_lookup(noticeable=False)]), kinds).get(LATENCY) != "dns_slow"
    slow_connect = {"kind": "latency", "at": "source_pod", "operation": "tcp_connect", "value_ms": 3000}
    assert observed_answers(_facts([slow_connect]), kinds).get(LATENCY) != "dns_slow"


def test_the_slow_answer_records_only_what_was_said_and_the_rule_that_reads_it_fires():
    kb = knowledge()
    facts = _facts([RESOLV, SLOW_OUTSIDE])
    [obs] = build_observations(kb.observation_kinds["latency"], "source_pod", "dns_slow", facts)
    assert obs.operation == "dns_lookup" and obs.noticeable is True
    assert obs.value_ms is None and obs.pattern is None and obs.name is None  # no figure, no pattern, no name: not said
    with_slow = diagnose_facts(facts.model_copy(update={"observations": [*facts.observations, obs]}))
    without = diagnose_facts(facts)
    assert with_slow.top is not None and with_slow.top.id == "ndots_search_expansion"
    assert any(e.rule == "dns-ndots-long-search-slow-stated" for e in with_slow.top.evidence)
    assert with_slow.top.confidence > without.top.confidence
    # near miss: ndots:1 (names with a dot are asked as written first): the same slowness is not the search list's
    ndots1 = _facts([{**RESOLV, "ndots": 1}, SLOW_OUTSIDE, _lookup(noticeable=True)])
    d = diagnose_facts(ndots1)
    assert not any(e.rule == "dns-ndots-long-search-slow-stated" for c in d.causes for e in c.evidence)


def test_the_two_slownesses_point_at_different_causes():
    table = build_model(knowledge()).likelihood[LATENCY]
    race, ndots = table["conntrack_dns_race"], table["ndots_search_expansion"]
    assert race["dns_5s_some"] > 2 * race["dns_slow"]
    assert ndots["dns_slow"] > 2 * ndots["dns_5s_some"]
    assert ndots["dns_slow"] > 2 * race["dns_slow"]
    # a cause that does not declare slowness: a healthy cluster's answer is "fast"
    assert table["route_missing"]["fast"] > table["route_missing"]["dns_slow"]
