"""Answers become observations, and recorded observations map back to answers."""

from __future__ import annotations

import pytest
from podnet.facts.load import facts_from_data, validate_observation
from podnet.triage.answers import (
    BACKEND,
    EXACT,
    NotAskable,
    answer_for,
    build_observation,
    build_observations,
    observed_answers,
    probe_match,
)
from podnet.triage.questions import knowledge

from .conftest import case_data


def _obs(data):
    return validate_observation(data, 0, "test")


def test_answer_becomes_observation_with_case_target(case_facts):
    kinds = knowledge().observation_kinds
    # ping and telnet probe the Service's backend Pod (how.<at>.target: backend), as the guide does
    o = build_observation(kinds["tcp_connect"], "source_pod", "refused", case_facts, note="nc -zv 198.18.2.20 8080")
    assert (o.kind, o.at, o.target, o.port, o.result, o.note) == ("tcp_connect", "source_pod", "198.18.2.20", 8080, "refused", "nc -zv 198.18.2.20 8080")
    # ... unless the answer says it is about the ClusterIP
    c = build_observation(kinds["tcp_connect"], "source_pod", "refused", case_facts, probe="destination")
    assert (c.target, c.port) == ("198.19.0.80", 80)
    p = build_observation(kinds["ping"], "source_node", "lost", case_facts)
    assert (p.target, p.result, p.loss_percent, p.size) == ("198.18.2.20", "lost", 100, 56)
    d = build_observation(kinds["dns_lookup"], "source_pod", "nxdomain", case_facts)
    assert d.name == "web.default.svc.cluster.local" and d.result == "nxdomain"
    # "VANTAGE>ROLE": from the source's node to the destination's node
    n = build_observation(kinds["ping"], "source_node>destination_node", "ok", case_facts)
    assert (n.at, n.target) == ("source_node", "198.18.100.2")
    m = build_observation(kinds["mtu_probe"], "source_node", "overlay_only", case_facts)
    assert m.target == "198.18.100.2"  # how.source_node.target: destination_node


def test_answers_fill_templates_from_the_case(case_facts):
    kinds = knowledge().observation_kinds
    fw = build_observation(kinds["firewall"], "destination_node", "drop_tcp_port", case_facts)
    assert fw.rules[0].port == 8080  # the port the destination Pod listens on
    na = build_observation(kinds["node_addresses"], "source_node", "dhcp_and_static", case_facts)
    assert (na.interface, na.registered_ip, na.bootproto, na.static_ip, na.dhcp_and_static) == ("eth0", "198.18.100.1", "dhcp", "198.18.100.1", True)
    dns = build_observation(kinds["pod_dns_config"], "source_pod", "cluster_dns", case_facts)
    assert dns.nameservers == ["198.19.0.10"] and dns.search[0] == "default.svc.cluster.local"


def test_one_answer_can_stand_for_several_observations(case_facts):
    kinds = knowledge().observation_kinds
    # a stated comparison: the host NIC and the tunnel, no MTU values (issue 14 point 3)
    mtus = build_observations(kinds["interface_mtu"], "source_node", "nic_below_standard", case_facts)
    assert [(o.interface, o.mtu, o.oversized_stated, o.nic_standard_stated) for o in mtus] == [("eth0", None, None, False), ("flannel.1", None, True, False)]
    calico = case_facts.model_copy(update={"cluster": case_facts.cluster.model_copy(update={"cni": "calico"})})
    assert build_observations(kinds["interface_mtu"], "source_node", "tunnel_oversized", calico)[1].interface == "vxlan.calico"
    both = build_observations(kinds["tcp_connect"], "source_pod", "service_fails_pod_works", case_facts)
    assert [(o.target, o.port, o.result) for o in both] == [("198.18.2.20", 8080, "connected"), ("198.19.0.80", 80, "timeout")]
    # a Pod destination has no ClusterIP: that answer does not apply
    data = case_data()
    data["endpoints"]["destination"] = {"kind": "pod", "name": "web-0", "namespace": "default", "ip": "198.18.2.20", "port": 8080, "node": "node-b"}
    with pytest.raises(NotAskable):
        build_observations(kinds["tcp_connect"], "source_pod", "service_fails_pod_works", facts_from_data(data))


def test_every_answer_of_every_kind_builds_a_valid_observation(case_facts):
    kinds = knowledge().observation_kinds
    built = 0
    for kind, meta in kinds.items():
        for at in meta.how:
            for a in meta.answers:
                if a.at and at not in a.at:
                    continue
                obs = build_observations(meta, at, a.id, case_facts)
                assert all(o.kind == kind and o.at == at.partition(">")[0] for o in obs)
                # and the observations map back to the same answer
                facts = case_facts.model_copy(update={"observations": obs})
                assert observed_answers(facts, kinds).get((kind, at)) == a.id, (kind, at, a.id)
                built += 1
    assert built > 50


def test_recorded_observations_map_to_the_nearest_answer(case_facts):
    kinds = knowledge().observation_kinds
    tcp = _obs({"kind": "tcp_connect", "at": "source_pod", "target": "198.18.2.20", "port": 8080, "result": "timeout", "tool": "curl"})
    assert answer_for(kinds["tcp_connect"], "source_pod", tcp, case_facts) == "timeout"
    mtu = _obs({"kind": "mtu_probe", "at": "source_pod", "target": "198.18.2.20", "largest_ok_size": 1422, "first_failed_size": 1472})
    assert answer_for(kinds["mtu_probe"], "source_pod", mtu, case_facts) == "overlay_only"
    dns = _obs({"kind": "dns_service", "at": "control_plane", "pods_ready": 3, "pods_total": 3, "endpoints": ["198.18.1.5:53", "198.18.2.5:53"]})
    assert answer_for(kinds["dns_service"], "control_plane", dns, case_facts) == "healthy"


def test_other_probes_do_not_answer_the_question(case_facts):
    kinds = knowledge().observation_kinds
    pod = _obs({"kind": "tcp_connect", "at": "source_pod", "target": "198.18.2.20", "port": 8080, "result": "connected"})
    assert probe_match(kinds["tcp_connect"], "source_pod", pod, case_facts) == EXACT
    # the ClusterIP instead of the backend Pod: an answer, but less close than the very probe
    cip = _obs({"kind": "tcp_connect", "at": "source_pod", "target": "198.19.0.80", "port": 80, "result": "connected"})
    assert probe_match(kinds["tcp_connect"], "source_pod", cip, case_facts) == BACKEND
    other = _obs({"kind": "tcp_connect", "at": "source_pod", "target": "198.18.9.9", "port": 8080, "result": "connected"})
    assert answer_for(kinds["tcp_connect"], "source_pod", other, case_facts) is None
    # a large don't-fragment ping is not "does ping reach it"
    big = _obs({"kind": "ping", "at": "source_pod", "target": "198.18.2.20", "size": 1472, "dont_fragment": True, "result": "lost"})
    assert answer_for(kinds["ping"], "source_pod", big, case_facts) is None
    # another vantage point
    node = _obs({"kind": "ping", "at": "source_node", "target": "198.18.2.20", "result": "lost"})
    assert answer_for(kinds["ping"], "source_pod", node, case_facts) is None
    assert answer_for(kinds["ping"], "source_node", node, case_facts) == "lost"
    # the node's ping of the peer node answers "source_node>destination_node", not the ping of the Pod
    peer = _obs({"kind": "ping", "at": "source_node", "target": "198.18.100.2", "result": "ok"})
    assert answer_for(kinds["ping"], "source_node", peer, case_facts) is None
    assert answer_for(kinds["ping"], "source_node>destination_node", peer, case_facts) == "ok"


def test_observed_answers_of_a_fact_file(case_facts):
    case_facts.observations = [
        _obs({"kind": "ping", "at": "source_pod", "target": "198.18.2.20", "result": "ok"}),
        _obs({"kind": "ping", "at": "source_pod", "target": "198.19.0.80", "result": "lost"}),
        _obs({"kind": "tcp_connect", "at": "source_pod", "target": "198.19.0.80", "port": 80, "result": "refused"}),
    ]
    got = observed_answers(case_facts, knowledge().observation_kinds)
    # the backend Pod ping (ok) wins over the ClusterIP ping (lost); the ClusterIP connect answers when alone
    assert got == {("ping", "source_pod"): "ok", ("tcp_connect", "source_pod"): "refused"}
    case_facts.observations = case_facts.observations[1:]
    # a lost ping of the ClusterIP says nothing about the backend Pod (a ClusterIP drops ICMP): it
    # does not answer the ping question (the rule engine still sees it)
    alone = observed_answers(case_facts, knowledge().observation_kinds)
    assert ("ping", "source_pod") not in alone and alone[("tcp_connect", "source_pod")] == "refused"


def test_a_service_without_a_known_backend_is_never_pinged(case_facts):
    from podnet.triage.answers import NotAskable, build_observation

    kinds = knowledge().observation_kinds
    case_facts.endpoints.destination.backends = []
    for kind, at in (("ping", "source_pod"), ("ping", "source_node"), ("mtu_probe", "source_pod")):
        with pytest.raises(NotAskable):
            build_observation(kinds[kind], at, kinds[kind].answers[0].id, case_facts)
    # a TCP connect to the ClusterIP remains askable
    assert build_observation(kinds["tcp_connect"], "source_pod", "timeout", case_facts, probe="destination").target == "198.19.0.80"


def test_a_service_without_a_known_backend_is_connected_to_on_its_cluster_ip(case_facts):
    """A TCP port of a ClusterIP answers (kube-proxy DNATs it), so the connect question is asked of
    the ClusterIP until a backend is known; "the backend connects, the ClusterIP times out" needs
    the backend and is not offered (it would record two contradicting probes of one address)."""
    from podnet.triage.questions import askable, render_question

    kb = knowledge()
    meta = kb.observation_kinds["tcp_connect"]
    case_facts.endpoints.destination.backends = []
    o = build_observation(meta, "source_pod", "refused", case_facts)
    assert (o.target, o.port, o.result) == ("198.19.0.80", 80, "refused")
    assert probe_match(meta, "source_pod", o, case_facts) == EXACT
    assert observed_answers(case_facts.model_copy(update={"observations": [o]}), kb.observation_kinds) == {("tcp_connect", "source_pod"): "refused"}
    with pytest.raises(NotAskable):
        build_observations(meta, "source_pod", "service_fails_pod_works", case_facts)
    q = render_question(kb, case_facts, ("tcp_connect", "source_pod"), 0.0, "en")
    assert "service_fails_pod_works" not in [a.id for a in q.answers]
    assert q.text == "Does a TCP connection from the source to 198.19.0.80:80 succeed?" and "198.19.0.80 80" in q.command
    assert not askable(kb, case_facts, ("ping", "source_pod"))
    # near miss: with a backend known, the question probes the backend Pod and names the ClusterIP too
    with_backend = facts_from_data(case_data())
    q = render_question(kb, with_backend, ("tcp_connect", "source_pod"), 0.0, "en")
    assert "198.18.2.20:8080" in q.text and "Service 198.19.0.80:80" in q.text and "service_fails_pod_works" in [a.id for a in q.answers]
    assert probe_match(meta, "source_pod", o, with_backend) == BACKEND  # the ClusterIP probe: the Service's other end


def test_a_lookup_through_the_cluster_dns_service_checks_a_name_every_cluster_serves():
    """A ticket whose destination is the cluster DNS Service and names no name: the lookup checks
    kubernetes.default.svc.cluster.local (the Kubernetes DNS debugging page's first check)."""
    from podnet.triage.answers import CLUSTER_PROBE_NAME
    from podnet.triage.questions import askable, render_question

    kb = knowledge()
    meta = kb.observation_kinds["dns_lookup"]
    data = case_data()
    data["endpoints"]["destination"] = {"kind": "service", "name": "kube-dns", "namespace": "kube-system", "port": 53, "protocol": "udp"}
    facts = facts_from_data(data)
    o = build_observation(meta, "source_pod", "failed", facts)
    assert (o.name, o.result) == (CLUSTER_PROBE_NAME, "failed")
    q = render_question(kb, facts, ("dns_lookup", "source_pod"), 0.0, "en")
    assert q.text == f"Does {CLUSTER_PROBE_NAME} resolve from the source Pod?" and q.command.endswith(f"nslookup -vc {CLUSTER_PROBE_NAME}")
    assert f"nslookup {CLUSTER_PROBE_NAME};" in q.command  # over UDP, then over TCP
    # a recorded lookup of another name does not answer it
    other = _obs({"kind": "dns_lookup", "at": "source_pod", "name": "github.com", "result": "timeout"})
    assert not probe_match(meta, "source_pod", other, facts)
    # the cluster DNS by its address
    data["endpoints"]["destination"] = {"kind": "service", "name": "dns", "namespace": "infra", "ip": "198.19.0.10", "port": 53}
    data["cluster"]["dns_service_ip"] = "198.19.0.10"
    assert build_observation(meta, "source_pod", "ok", facts_from_data(data)).name == CLUSTER_PROBE_NAME
    # near misses: another Service without a name, or the DNS Service when the ticket names the name
    data["endpoints"]["destination"] = {"kind": "service", "name": "web", "namespace": "default", "ip": "198.19.0.80", "port": 80}
    assert not askable(kb, facts_from_data(data), ("dns_lookup", "source_pod"))
    data["endpoints"]["destination"] = {"kind": "service", "name": "kube-dns", "namespace": "kube-system", "port": 53, "dns_name": "api.shop.svc.cluster.local"}
    assert build_observation(meta, "source_pod", "ok", facts_from_data(data)).name == "api.shop.svc.cluster.local"


def test_a_stated_overlay_block_maps_to_its_answer(case_facts):
    """No security group to read (vSphere): "the overlay's port does not arrive, other traffic does"."""
    kinds = knowledge().observation_kinds
    stated = _obs({"kind": "cloud_firewall", "at": "control_plane", "provider": "vsphere", "overlay_allowed": False})
    assert answer_for(kinds["cloud_firewall"], "control_plane", stated, case_facts) == "overlay_blocked"
    listed = _obs({"kind": "cloud_firewall", "at": "control_plane", "allows": [{"protocol": "tcp"}]})
    assert answer_for(kinds["cloud_firewall"], "control_plane", listed, case_facts) == "tcp_only"
    allowed = _obs({"kind": "cloud_firewall", "at": "control_plane", "allows": [{"protocol": "all"}]})
    assert answer_for(kinds["cloud_firewall"], "control_plane", allowed, case_facts) == "overlay_allowed"


def test_several_observations_of_one_check_give_one_answer(case_facts):
    kinds = knowledge().observation_kinds
    case_facts.observations = [
        _obs({"kind": "interface_mtu", "at": "source_node", "interface": "docker0", "mtu": 1500}),
        _obs({"kind": "interface_mtu", "at": "source_node", "interface": "flannel.1", "mtu": 1450}),
        _obs({"kind": "interface_mtu", "at": "source_node", "interface": "eth0", "mtu": 1500}),
        # the guide's captures on the peer: nothing on flannel.1, VXLAN from an unregistered address on eth0
        _obs({"kind": "capture", "at": "destination_node", "interface": "flannel.1", "request_seen": False}),
        _obs({"kind": "capture", "at": "destination_node", "interface": "eth0", "request_seen": True, "reply_seen": False, "outer_src": "198.18.100.201"}),
        # the backend Pod connects, the ClusterIP times out
        _obs({"kind": "tcp_connect", "at": "source_pod", "target": "198.18.2.20", "port": 8080, "result": "connected"}),
        _obs({"kind": "tcp_connect", "at": "source_pod", "target": "198.19.0.80", "port": 80, "result": "timeout"}),
    ]
    got = observed_answers(case_facts, kinds)
    # an abnormal device outweighs the ones that fit; of several abnormal answers the first listed wins
    assert got[("interface_mtu", "source_node")] == "docker0_oversized"
    assert got[("capture", "destination_node")] == "outer_src_unregistered"
    assert got[("tcp_connect", "source_pod")] == "service_fails_pod_works"
    case_facts.observations = case_facts.observations[1:3]
    assert observed_answers(case_facts, kinds)[("interface_mtu", "source_node")] == "fits"


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


def test_a_reading_of_the_cluster_answers_wherever_it_was_recorded(case_facts):
    """kubernetes-the-hard-way on AWS (held-out round 7): the reporter ran ``kubectl logs`` for CoreDNS
    from the Pod's shell and the file records the log at ``source_pod``; the question asks it at
    ``control_plane``. A reading of the cluster's state (``cluster_wide``) answers there; a probe
    (a node's ping) still answers only where it was made."""
    kinds = knowledge().observation_kinds
    log = _obs({"kind": "coredns_log", "at": "source_pod", "pod_status": "running", "upstream_errors": True})
    assert kinds["coredns_log"].cluster_wide
    assert answer_for(kinds["coredns_log"], "control_plane", log, case_facts) == "upstream_timeout"
    case_facts.observations = [log]
    assert observed_answers(case_facts, kinds)[("coredns_log", "control_plane")] == "upstream_timeout"
    # near miss: the ping is no reading of the cluster, seen at the node it answers nothing at the Pod
    node = _obs({"kind": "ping", "at": "source_node", "target": "198.18.2.20", "result": "lost"})
    assert not kinds["ping"].cluster_wide
    assert answer_for(kinds["ping"], "source_pod", node, case_facts) is None


def test_only_kinds_asked_of_the_control_plane_are_cluster_wide():
    """``cluster_wide`` is for the cluster's state (the API, the cloud provider's firewall), asked
    at ``control_plane`` only: a kind asked at a node or in a Pod differs from place to place and
    must not carry it."""
    wide = {kind for kind, meta in knowledge().observation_kinds.items() if meta.cluster_wide}
    assert {"coredns_log", "service_spec", "network_policy"} <= wide
    for kind in wide:
        places = set(knowledge().observation_kinds[kind].how)
        assert places <= {"control_plane"}, (kind, places)
