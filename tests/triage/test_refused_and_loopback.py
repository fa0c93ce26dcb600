"""Answer forms tickets use (issue #14, held-out misses): "the connection is refused" as an answer to
what gets through, the port alone when nobody gave the Pod's address, "inside the Pod 127.0.0.1
connects, its own address is refused", a check the customer ran inside the destination Pod from the
source Pod that is that Pod, "it fails" without the error, and a CNI daemon that shut itself down."""

from __future__ import annotations

import pytest
from podnet.facts.load import validate_observation
from podnet.triage import context as ctx
from podnet.triage.answers import observed_answers
from podnet.triage.posterior import build_model
from podnet.triage.questions import knowledge
from podnet.triage.session import TriageSession

from .conftest import answer_until_stop


def _facts(source: dict, destination: dict, observations: list[dict], cluster: dict | None = None):
    head = {"case": {"id": "t"}, "cluster": cluster or {}, "endpoints": {"source": source, "destination": destination}}
    return ctx.build_facts(head, [validate_observation(o, i, "t") for i, o in enumerate(observations)])


# bentoml#136's shape: the app in a Pod refuses on port 5000; nobody gave the Pod's address
BENTO = {
    "symptom": "port_unreachable",
    "context:source_kind": "pod",
    "context:destination_kind": "pod",
    "context:destination": "unknown",
    "context:destination_port": "5000",
    "reachability@source_pod": "refused",
}


def test_the_port_alone_is_asked_when_the_address_is_not_known_and_a_loopback_listener_is_concluded():
    s = TriageSession.start(case_id="T-BENTO", unknown_limit=None)
    asked = answer_until_stop(s, {**BENTO, "listening_sockets@destination_pod": "loopback_only"})
    assert asked.index("context:destination_port") < asked.index("listening_sockets@destination_pod")
    r = s.ranking()
    assert s.stop_reason() == "confident" and r.beliefs[0].id == "app_bound_loopback" == r.rules[0].id
    # near miss: the app listens on every address; nothing names the loopback cause
    s2 = TriageSession.start(case_id="T-BENTO2", unknown_limit=None)
    answer_until_stop(s2, {**BENTO, "listening_sockets@destination_pod": "all_addresses"})
    r2 = s2.ranking()
    assert r2.beliefs[0].id != "app_bound_loopback" and "app_bound_loopback" not in [c.id for c in r2.rules]


def test_the_port_slot_does_not_apply_once_the_port_is_known():
    spec = ctx.slot("destination_port")
    assert ctx.applies(spec, {"endpoints": {"source": {"kind": "pod"}, "destination": {"kind": "pod"}}})
    assert ctx.applies(spec, {"endpoints": {"source": {"kind": "pod"}, "destination": {"kind": "pod", "ip": "10.2.87.67"}}})
    assert not ctx.applies(spec, {"endpoints": {"source": {"kind": "pod"}, "destination": {"kind": "pod", "port": 5000}}})


def test_refused_is_its_own_answer_read_by_the_rules_and_alike_under_every_cause():
    pod = {"kind": "pod", "ip": "10.2.87.67", "port": 50105}
    refused = _facts({"kind": "pod"}, pod, [{"kind": "reachability", "at": "source_pod", "scope": "cross_node", "result": "refused"}])
    failed = _facts({"kind": "pod"}, pod, [{"kind": "reachability", "at": "source_pod", "scope": "cross_node", "result": "failed"}])
    kb = knowledge()
    assert observed_answers(refused, kb.observation_kinds)[("reachability", "source_pod")] == "refused"
    assert observed_answers(failed, kb.observation_kinds)[("reachability", "source_pod")] == "failed"
    # no cause declares it yet: its own share under every cause (no evidence for or against any)
    table = build_model(kb).likelihood[("reachability", "source_pod")]
    assert all(t["refused"] == pytest.approx(0.05) for t in table.values())
    # the rules read it: a refusal establishes port_unreachable (pu-reach-service-refused), a failure does not
    from podnet.reasoning.diagnose import diagnose_facts

    assert "port_unreachable" in {s.id for s in diagnose_facts(refused).symptoms}
    assert "port_unreachable" not in {s.id for s in diagnose_facts(failed).symptoms}


LOOPBACK_TICKET = {
    "symptom": "port_unreachable",
    "context:source_kind": "pod",
    "context:destination_kind": "pod",
    "context:destination": "10.2.87.67:50105",
    "tcp_connect@source_pod": "refused",
}


def test_loopback_connects_inside_the_pod_while_its_address_refuses():
    """The customer cannot run ss in the Pod (no listening_sockets answer) but can connect inside it."""
    s = TriageSession.start(case_id="T-EXPRESS", unknown_limit=None)
    asked = answer_until_stop(s, {**LOOPBACK_TICKET, "tcp_connect@destination_pod": "loopback_only"})
    assert "tcp_connect@destination_pod" in asked
    r = s.ranking()
    assert s.stop_reason() == "confident" and r.beliefs[0].id == "app_bound_loopback" == r.rules[0].id
    got = [o for o in s.facts.observations if o.kind == "tcp_connect" and o.at == "destination_pod"]
    assert sorted((o.target, o.result) for o in got) == [("10.2.87.67", "refused"), ("127.0.0.1", "connected")]
    # near miss: refused inside the Pod too (nothing listens): not the loopback cause
    s2 = TriageSession.start(case_id="T-EXPRESS2", unknown_limit=None)
    answer_until_stop(s2, {**LOOPBACK_TICKET, "tcp_connect@destination_pod": "refused"})
    r2 = s2.ranking()
    assert r2.beliefs[0].id != "app_bound_loopback" and "app_bound_loopback" not in [c.id for c in r2.rules]


def test_a_check_run_in_the_source_pod_that_is_the_destination_answers_inside_the_destination():
    """kubernetes/website#7281's shape: inside the Pod, curl localhost works and the Pod's own IP is refused."""
    obs = [
        {"kind": "tcp_connect", "at": "source_pod", "target": "127.0.0.1", "port": 50105, "result": "connected"},
        {"kind": "tcp_connect", "at": "source_pod", "target": "10.2.87.67", "port": 50105, "result": "refused"},
    ]
    pod = {"kind": "pod", "ip": "10.2.87.67", "port": 50105}
    kb = knowledge()
    same = observed_answers(_facts({"kind": "pod", "ip": "10.2.87.67"}, pod, obs), kb.observation_kinds)
    assert same[("tcp_connect", "destination_pod")] == "loopback_only"
    assert same[("tcp_connect", "source_pod")] == "refused"  # the loopback probe is not the Pod IP's probe
    # near miss: another source Pod's loopback is its own, not the destination's
    other = observed_answers(_facts({"kind": "pod", "ip": "10.2.87.99"}, pod, obs), kb.observation_kinds)
    assert ("tcp_connect", "destination_pod") not in other and other[("tcp_connect", "source_pod")] == "refused"


def test_a_cni_daemon_that_shut_itself_down_is_the_plugins_finding():
    kb = knowledge()
    flannel = _facts({"kind": "node"}, {"kind": "node", "ip": "172.16.19.173", "port": 34502},
                     [{"kind": "cni_pods", "at": "control_plane", "plugin": "flannel", "errors": ["Lease has been revoked. Shutting down daemon"]}], {"cni": "flannel"})
    assert observed_answers(flannel, kb.observation_kinds)[("cni_pods", "control_plane")] == "daemon_shut_down"
    table = build_model(kb).likelihood[("cni_pods", "control_plane")]
    assert table["cni_plugin_fault"]["daemon_shut_down"] > 5 * table["route_missing"]["daemon_shut_down"]
    # near miss: a crashlooping plugin Pod without that line is "not Ready", not the daemon's own word
    crash = _facts({"kind": "node"}, {"kind": "node", "ip": "172.16.19.173", "port": 34502},
                   [{"kind": "cni_pods", "at": "control_plane", "plugin": "flannel", "node_pod_status": "crashloop"}], {"cni": "flannel"})
    assert observed_answers(crash, kb.observation_kinds)[("cni_pods", "control_plane")] == "not_ready"


def test_needs_are_not_shared_between_cases_that_differ_only_in_their_values():
    """The needs are cached by the case's shape (kinds, slots filled and open): a lookup of the cluster
    DNS Service needs no name (it checks one every cluster serves), a lookup for another Service does;
    the second case must not reuse the first one's needs, in either order."""
    from podnet.triage.needs import NeedFinder

    cluster = {"dns_service_ip": "10.96.0.10"}
    src = {"kind": "pod", "namespace": "shop", "name": "checkout"}
    dns = _facts(src, {"kind": "service", "namespace": "kube-system", "name": "kube-dns", "ip": "10.96.0.10", "port": 53}, [], cluster)
    orders = _facts(src, {"kind": "service", "namespace": "shop", "name": "orders", "ip": "10.102.34.7", "port": 8080}, [], cluster)
    q = ("dns_lookup", "source_pod")
    for first, second in ((dns, orders), (orders, dns)):
        NeedFinder._cache.clear()
        got = {}
        for facts in (first, second):
            s = TriageSession(facts)
            got[facts.endpoints.destination.name] = s._finder().needs(q)
        assert got["kube-dns"] == () and "dns_name" in (got["orders"] or ())
