"""Context values known from elsewhere in the case, and the values a rule-need trial tries."""

from __future__ import annotations

from podnet.triage import context as ctx
from podnet.triage.needs import _trial_values, rule_need
from podnet.triage.questions import knowledge, rule_certainty
from podnet.reasoning.diagnose import diagnose_facts


def _head(destination: dict, cluster: dict | None = None) -> dict:
    return {"case": {"id": "t"}, "cluster": cluster or {}, "endpoints": {"source": {"kind": "pod", "namespace": "default"}, "destination": destination}}


def test_a_node_address_is_known_from_the_node_list_or_its_backend():
    spec = ctx.slot("destination_node_ip")
    dst = {"kind": "service", "name": "kubernetes", "namespace": "default", "ip": "10.233.0.1", "port": 443, "node": "master"}
    assert ctx.value_of(spec, _head(dict(dst), {"nodes": [{"name": "master", "internal_ip": "10.233.64.102"}]})) == "10.233.64.102"
    on_backend = {**dst, "backends": [{"ip": "10.233.64.102", "port": 6443, "node": "master", "node_ip": "10.233.64.102"}]}
    assert ctx.value_of(spec, _head(on_backend)) == "10.233.64.102"
    # near misses: another node's entry, a backend on another node
    assert ctx.value_of(spec, _head(dict(dst), {"nodes": [{"name": "worker", "internal_ip": "10.233.64.103"}]})) is None
    elsewhere = {**dst, "backends": [{"ip": "10.233.65.7", "port": 8080, "node": "worker", "node_ip": "10.233.64.103"}]}
    assert ctx.value_of(spec, _head(elsewhere)) is None


def test_a_cidr_is_tried_as_a_range_around_the_addresses_of_the_case():
    head = _head({"kind": "service", "ip": "10.233.0.1", "port": 443, "backends": [{"ip": "10.233.64.102", "port": 6443}]})
    values = [str(v) for v in _trial_values("pod_cidr", head)]
    assert values[0] == "192.0.2.64/26" and "10.233.0.0/16" in values  # the stand-in, then the case's own range
    assert [str(v) for v in _trial_values("cni", head)] == list(ctx.slot("cni").choices)


def test_the_cluster_pod_cidr_is_asked_when_it_could_put_the_api_server_node_inside_it():
    """calico#2638: the kubernetes Service's backend is the API server's node, 10.233.64.102; the
    customer has not said the cluster's Pod CIDR (10.233.64.0/20), which covers it."""
    kb = knowledge()
    head = _head(
        {"kind": "service", "name": "kubernetes", "namespace": "default", "ip": "10.233.0.1", "port": 443, "node": "master", "node_ip": "10.233.64.102", "backends": [{"ip": "10.233.64.102", "port": 6443}]},
        {"cni": "calico"},
    )
    obs = [{"kind": "tcp_connect", "at": "source_pod", "target": "10.233.0.1", "port": 443, "result": "timeout"}]
    from podnet.facts.load import validate_observation

    facts = ctx.build_facts(head, [validate_observation(o, i, "t") for i, o in enumerate(obs)])
    d = diagnose_facts(facts)
    post = {c: 0.0 for c in kb.causes} | {"pod_cidr_overlaps_host": 0.06}
    assert rule_need(facts, head, ("pod_cidr",), rule_certainty(d), post, "en", ()) == "pod_cidr"
    # near misses: the backend is a Pod (no node address), or the cause is out of the running
    pod_backend = _head({**head["endpoints"]["destination"], "node_ip": "192.168.10.12", "backends": [{"ip": "10.233.65.7", "port": 8080}]}, {"cni": "calico"})
    assert rule_need(ctx.build_facts(pod_backend, list(facts.observations)), pod_backend, ("pod_cidr",), rule_certainty(d), post, "en", ()) is None
    assert rule_need(facts, head, ("pod_cidr",), rule_certainty(d), {**post, "pod_cidr_overlaps_host": 0.01}, "en", ()) is None


def test_needs_are_not_shared_between_a_known_port_and_a_port_nobody_knows():
    # the port makes its own slot inapplicable, so "port known" and "port: don't know" once had the
    # same cache key: a session that said "don't know" left the inside-the-Pod check unaskable for a
    # later one that knows the port (seen as a test-order failure: bentoml#136's shape after another)
    from podnet.triage.needs import NeedFinder

    kb = knowledge()
    q = ("listening_sockets", "destination_pod")
    nobody_knows = {"case": {"id": "a"}, "cluster": {}, "endpoints": {"source": {"kind": "pod"}, "destination": {"kind": "pod"}}}
    port_known = {"case": {"id": "b"}, "cluster": {}, "endpoints": {"source": {"kind": "pod"}, "destination": {"kind": "pod", "port": 5000}}}
    open_ids = ("destination_name", "source_pod")
    assert NeedFinder(kb, nobody_knows, open_ids).needs(q) is None
    assert NeedFinder(kb, port_known, open_ids).needs(q) == ()
