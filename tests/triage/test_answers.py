"""Answers become observations, and recorded observations map back to answers."""

from __future__ import annotations

from podnet.facts.load import validate_observation
from podnet.triage.answers import (
    BACKEND,
    answer_for,
    build_observation,
    observed_answers,
    probe_match,
)
from podnet.triage.questions import knowledge


def _obs(data):
    return validate_observation(data, 0, "test")


def test_answer_becomes_observation_with_case_target(case_facts):
    kinds = knowledge().observation_kinds
    o = build_observation(kinds["tcp_connect"], "source_pod", "refused", case_facts, note="nc -zv 198.19.0.80 80")
    assert (o.kind, o.at, o.target, o.port, o.result, o.note) == ("tcp_connect", "source_pod", "198.19.0.80", 80, "refused", "nc -zv 198.19.0.80 80")
    p = build_observation(kinds["ping"], "source_node", "lost", case_facts)
    assert (p.target, p.result, p.loss_percent, p.size) == ("198.19.0.80", "lost", 100, 56)
    d = build_observation(kinds["dns_lookup"], "source_pod", "nxdomain", case_facts)
    assert d.name == "web.default.svc.cluster.local" and d.result == "nxdomain"


def test_every_answer_of_every_kind_builds_a_valid_observation(case_facts):
    kinds = knowledge().observation_kinds
    built = 0
    for kind, meta in kinds.items():
        for at in meta.how:
            for a in meta.answers:
                o = build_observation(meta, at, a.id, case_facts)
                assert o.kind == kind and o.at == at
                # and the observation maps back to the same answer
                assert answer_for(meta, at, o, case_facts) == a.id, (kind, at, a.id)
                built += 1
    assert built > 10


def test_recorded_observations_map_to_the_nearest_answer(case_facts):
    kinds = knowledge().observation_kinds
    tcp = _obs({"kind": "tcp_connect", "at": "source_pod", "target": "198.19.0.80", "port": 80, "result": "timeout", "tool": "curl"})
    assert answer_for(kinds["tcp_connect"], "source_pod", tcp, case_facts) == "timeout"
    mtu = _obs({"kind": "mtu_probe", "at": "source_pod", "target": "198.19.0.80", "largest_ok_size": 1422, "first_failed_size": 1472})
    assert answer_for(kinds["mtu_probe"], "source_pod", mtu, case_facts) == "overlay_only"
    dns = _obs({"kind": "dns_service", "at": "control_plane", "pods_ready": 3, "pods_total": 3, "endpoints": ["198.18.1.5:53", "198.18.2.5:53"]})
    assert answer_for(kinds["dns_service"], "control_plane", dns, case_facts) == "healthy"


def test_other_probes_do_not_answer_the_question(case_facts):
    kinds = knowledge().observation_kinds
    # the backend Pod IP instead of the ClusterIP: an answer, but less close than the very probe
    backend = _obs({"kind": "tcp_connect", "at": "source_pod", "target": "198.18.2.20", "port": 8080, "result": "connected"})
    assert probe_match(kinds["tcp_connect"], "source_pod", backend, case_facts) == BACKEND
    other = _obs({"kind": "tcp_connect", "at": "source_pod", "target": "198.18.9.9", "port": 8080, "result": "connected"})
    assert answer_for(kinds["tcp_connect"], "source_pod", other, case_facts) is None
    # a large don't-fragment ping is not "does ping reach it"
    big = _obs({"kind": "ping", "at": "source_pod", "target": "198.19.0.80", "size": 1472, "dont_fragment": True, "result": "lost"})
    assert answer_for(kinds["ping"], "source_pod", big, case_facts) is None
    # another vantage point
    node = _obs({"kind": "ping", "at": "source_node", "target": "198.19.0.80", "result": "lost"})
    assert answer_for(kinds["ping"], "source_pod", node, case_facts) is None
    assert answer_for(kinds["ping"], "source_node", node, case_facts) == "lost"


def test_observed_answers_of_a_fact_file(case_facts):
    case_facts.observations = [
        _obs({"kind": "ping", "at": "source_pod", "target": "198.19.0.80", "result": "ok"}),
        _obs({"kind": "ping", "at": "source_pod", "target": "198.18.2.20", "result": "lost"}),
        _obs({"kind": "tcp_connect", "at": "source_pod", "target": "198.19.0.80", "port": 80, "result": "refused"}),
    ]
    got = observed_answers(case_facts, knowledge().observation_kinds)
    # the ClusterIP ping (ok) wins over the backend ping (lost)
    assert got == {("ping", "source_pod"): "ok", ("tcp_connect", "source_pod"): "refused"}
    case_facts.observations = case_facts.observations[1:]
    assert observed_answers(case_facts, knowledge().observation_kinds)[("ping", "source_pod")] == "lost"


def test_declared_matches_decide_between_answers(case_facts):
    kinds = knowledge().observation_kinds
    busy = _obs({"kind": "resource_pressure", "at": "destination_node", "load1": 47.3, "cpus": 8, "conntrack_count": 21000, "conntrack_max": 262144, "nic_queue_overflows": 0})
    calm = _obs({"kind": "resource_pressure", "at": "source_node", "load1": 1.6, "cpus": 8, "conntrack_count": 18000, "conntrack_max": 262144, "nic_queue_overflows": 0})
    full = _obs({"kind": "resource_pressure", "at": "destination_node", "conntrack_count": 262000, "conntrack_max": 262144})
    assert answer_for(kinds["resource_pressure"], "destination_node", busy, case_facts) == "high_load"
    assert answer_for(kinds["resource_pressure"], "source_node", calm, case_facts) == "normal"
    assert answer_for(kinds["resource_pressure"], "destination_node", full, case_facts) == "conntrack_full"
    no_carrier = _obs({"kind": "link_status", "at": "destination_node", "interface": "eth0", "state": "no_carrier"})
    assert answer_for(kinds["link_status"], "destination_node", no_carrier, case_facts) == "down"


def test_a_bad_match_in_the_knowledge_names_its_place(case_facts):
    import pytest
    from podnet.errors import KnowledgeError

    meta = knowledge().observation_kinds["link_status"]
    bad = meta.model_copy(update={"answers": [a.model_copy(update={"match": {"stat": "down"}}) if a.id == "down" else a for a in meta.answers]})
    o = _obs({"kind": "link_status", "at": "source_node", "interface": "eth0", "state": "down"})
    with pytest.raises(KnowledgeError, match=r"link_status\.answers\.down"):
        answer_for(bad, "source_node", o, case_facts)
