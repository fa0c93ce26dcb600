"""The fact model as tickets state things (issue 9): every kind validates, round-trips, is documented
and has an example; an observation with only its required fields is evidence about nothing else."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from podnet.facts.load import facts_from_data, validate_observation
from podnet.facts.observations import OBSERVATION_MODELS
from podnet.knowledge.conditions import patterns
from podnet.knowledge.examples import observation_examples
from podnet.reasoning.diagnose import analyse
from tests.conftest import ROOT, run_podnet

DEFAULTS = yaml.safe_load((ROOT / "rules" / "defaults.test.yaml").read_text())
KINDS = sorted(OBSERVATION_MODELS)
COMMON = {"kind", "id", "at", "host", "note"}

TOOL_DEFAULTS = {"ping": {"size": 56, "dont_fragment": False}, "route": {"direction": "forward"}, "egress_nat": {"disabled": False}}
"""Defaults that are the tool's own (``ping`` without ``-s`` sends 56 bytes; a Calico IP pool is enabled unless
``disabled: true``), not guesses."""

DERIVABLE = {
    "ping": {"outcome", "packet_size", "large"},
    "tcp_connect": {"outcome"},
    # from the required name; over_tcp is false unless TCP is stated (resolvers query over UDP first)
    "dns_lookup": {"outcome", "name_scope", "name_dots", "fully_qualified", "name_key", "over_tcp"},
    "reachability": {"outcome"},
    "payload_size": {"large_only_fails"},
    "sysctl": {"key", "interface", "number"},
    "pod_cidr": {"assigned"},
    "capture": set(),
    "node_addresses": set(),
}
"""Derived fields an observation with only its required fields may set: those computed from the
required fields alone (a ping's result gives its outcome; the default size gives ``large``)."""

ENRICHED = {"target_role", "server_role", "role", "hop", "flow_role", "service_ip", "cluster_dns_ip", "encap_overhead"}
"""Fields enrichment fills from the case or from fields that were given (what an address is)."""


def _minimal(kind: str) -> dict:
    """The kind's example reduced to its required fields."""
    model = OBSERVATION_MODELS[kind]
    required = {n for n, f in model.model_fields.items() if f.is_required()}
    return {k: v for k, v in observation_examples()[kind].items() if k in required}


def _case(*observations: dict) -> dict:
    data = copy.deepcopy(DEFAULTS)
    data["observations"] = list(observations)
    return data


def test_every_kind_has_a_valid_example_that_round_trips():
    examples = observation_examples()
    assert set(examples) == set(KINDS)
    for i, (kind, data) in enumerate(sorted(examples.items())):
        obs = validate_observation(data, i, "<example>")
        dumped = obs.model_dump(mode="json", exclude_none=True, exclude_computed_fields=True)
        assert dumped == {**TOOL_DEFAULTS.get(kind, {}), **data}, kind
        again = validate_observation(json.loads(json.dumps(dumped)), i, "<round trip>")
        assert again == obs, kind


def test_a_fact_file_with_every_kind_round_trips_through_json():
    facts = facts_from_data(_case(*observation_examples().values()))
    text = json.dumps(facts.to_json_dict())
    assert facts_from_data(json.loads(text)).to_json_dict() == facts.to_json_dict()
    assert {o.kind for o in facts.observations} == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_required_fields_only_are_evidence_about_nothing_else(kind):
    """Unknown is not empty: the fields left out stay None (lists too), derived fields that would
    need them stay None, and no rule that reads them fires on the observation."""
    data = _minimal(kind)
    obs = validate_observation(data, 0, "<minimal>")
    model = OBSERVATION_MODELS[kind]
    given = set(data)
    for name in model.model_fields:
        if name in given or name in COMMON:
            continue
        expected = TOOL_DEFAULTS.get(kind, {}).get(name)
        assert getattr(obs, name) == expected, f"{kind}.{name} is {getattr(obs, name)!r} though not given"
    derived = {n for n in model.model_computed_fields if getattr(obs, n) is not None}
    assert derived <= DERIVABLE.get(kind, set()), f"{kind}: {derived - DERIVABLE.get(kind, set())} derived from nothing"

    analysis = analyse(facts_from_data(_case(data)))
    allowed = given | set(TOOL_DEFAULTS.get(kind, {})) | DERIVABLE.get(kind, set()) | ENRICHED | COMMON
    for firing in analysis.result.firings:
        aliases = {a for a, ix in firing.fact_indexes.items() if ix == 0}
        for p, _neg in patterns(firing.rule.condition):
            if p.alias in aliases:
                read = {c.field for c in p.constraints}
                assert read <= allowed, f"{firing.rule.id} fired on {kind} reading {read - allowed}, which were not given"


@pytest.mark.parametrize(
    "kind, data, silent_rules",
    [
        ("dns_service", {"endpoints": []}, {"dns-coredns-healthy"}),
        ("cni_pods", {"node_pod_status": "crashloop"}, {"cni-plugin-pods-not-all-ready", "cni-plugin-healthy"}),
        ("kube_proxy", {"mode": "iptables"}, {"kube-proxy-running-clean", "kube-proxy-not-running", "kube-proxy-log-errors"}),
        ("firewall", {"selinux": "enforcing"}, {"nu-firewall-clean", "nu-firewall-clean-both-ends", "pu-firewall-clean", "pu-firewall-clean-both-ends"}),
        ("pod_dns_config", {"search": ["default.svc.cluster.local"], "ndots": 5}, {"dns-resolv-conf-not-cluster-dns", "dns-resolv-conf-correct"}),
        ("interface_mtu", {"role": "pod", "mtu": 1500}, set()),
    ],
)
def test_the_tickets_fields_can_be_typed_without_the_rest(kind, data, silent_rules):
    """The issue's examples: a count, a status, a nameserver list or an interface name that the
    ticket does not give is not required, and the rules about it stay silent."""
    at = "control_plane" if kind in ("dns_service", "cni_pods", "kube_proxy") else "source_pod" if kind in ("pod_dns_config", "interface_mtu") else "destination_node"
    obs = {"kind": kind, "at": at, **data}
    fired = {f.rule.id for f in analyse(facts_from_data(_case(obs))).result.firings}
    assert not fired & silent_rules


def test_a_failure_of_unknown_mode_establishes_the_class_and_agrees_with_a_precise_one():
    ping = {"kind": "ping", "at": "source_pod", "target": "198.18.2.20"}
    d = analyse(facts_from_data(_case({**ping, "result": "failed"})))
    assert "nu-ping-lost" in {f.rule.id for f in d.result.firings}
    # "fails" in the ticket and "100 % loss" measured later are not a contradiction
    both = facts_from_data(_case({**ping, "result": "failed"}, {**ping, "result": "lost", "loss_percent": 100}))
    assert analyse(both).warnings == []
    # "works" and "fails" for the same probe are
    clash = facts_from_data(_case({**ping, "result": "failed"}, {**ping, "result": "ok"}))
    assert [w.code for w in analyse(clash).warnings] == ["W-FACTS-CONFLICT"]


@pytest.mark.parametrize(
    "data, outcome",
    [
        ({"kind": "tcp_connect", "target": "10.0.0.1", "port": 80, "result": "refused"}, "failed"),
        ({"kind": "tcp_connect", "target": "10.0.0.1", "port": 80, "result": "intermittent", "success_ratio": 0.3}, "intermittent"),
        ({"kind": "ping", "target": "10.0.0.1", "result": "partial_loss", "loss_percent": 20}, "intermittent"),
        ({"kind": "dns_lookup", "name": "a.b", "result": "nxdomain"}, "failed"),
        ({"kind": "mtu_probe", "target": "10.0.0.1", "largest_ok_size": 1472}, "ok"),
        ({"kind": "mtu_probe", "target": "10.0.0.1", "result": "failed"}, "failed"),
        ({"kind": "reachability", "scope": "cross_node", "result": "timeout"}, "failed"),
    ],
)
def test_outcome_is_the_family_of_the_result(data, outcome):
    assert validate_observation({**data, "at": "source_pod"}, 0, "<t>").outcome == outcome


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "tcp_connect", "target": "10.0.0.1", "port": 80, "result": "timeout", "success_ratio": 0.5}, "success_ratio is given for result 'intermittent' only"),
        ({"kind": "mtu_probe", "target": "10.0.0.1", "largest_ok_size": 1472, "result": "failed"}, "contradicts the sizes"),
        ({"kind": "dns_service", "pods_ready": 3, "pods_total": 2}, "pods_ready is larger than pods_total"),
        ({"kind": "pod_dns_config", "nameservers": ["10.96.0.10"], "cluster_dns_ip": "10.96.0.10", "nameserver_is_cluster_dns": False}, "contradicts"),
    ],
)
def test_contradictions_inside_one_observation_are_refused(data, message):
    from podnet import FactFileError

    with pytest.raises(FactFileError) as err:
        validate_observation({**data, "at": "source_pod"}, 0, "<t>")
    assert message in err.value.message


def _enriched(*observations: dict, cluster: dict | None = None) -> list:
    data = _case(*observations)
    data["cluster"].update(cluster or {})
    return analyse(facts_from_data(data)).facts.observations


@pytest.mark.parametrize(
    "cluster, tunnel, mtu, oversized",
    [
        ({"cni": "calico", "mode": "ipip"}, "tunl0", 1480, False),  # IPIP needs 20 bytes
        ({"cni": "flannel", "mode": "vxlan"}, "flannel.1", 1480, True),  # VXLAN needs 50
        ({"cni": "flannel", "mode": "vxlan"}, "flannel.1", 1450, False),
        ({"cni": "calico", "mode": "wireguard"}, "wireguard.cali", 1450, True),  # WireGuard needs 60
        ({"cni": "calico", "mode": "wireguard"}, "wireguard.cali", 1440, False),
        ({"cni": "cilium", "mode": "geneve"}, "cilium_geneve", 1450, False),
        ({"cni": "unknown", "mode": "unknown"}, "tunl0", 1480, False),  # the device name picks the profile
    ],
)
def test_tunnel_mtu_against_the_host_nic_uses_the_profiles_overhead(cluster, tunnel, mtu, oversized):
    obs = _enriched(
        {"kind": "interface_mtu", "at": "source_node", "interface": "eth0", "mtu": 1500},
        {"kind": "interface_mtu", "at": "source_node", "interface": tunnel, "mtu": mtu},
        cluster=cluster,
    )
    assert obs[1].role == "tunnel" and obs[1].oversized is oversized


@pytest.mark.parametrize("mode, oversized", [("vxlan", True), ("host-gw", False)])
def test_the_pods_mtu_seen_inside_the_pod_is_compared_with_its_nodes_nic(mode, oversized):
    """The Pod's eth0 (at source_pod) against the host NIC of its node (at source_node), less the
    encapsulation of the CNI mode: 1500 over a 1500 NIC is too large on VXLAN, right on host-gw."""
    obs = _enriched(
        {"kind": "interface_mtu", "at": "source_pod", "interface": "eth0", "mtu": 1500},
        {"kind": "interface_mtu", "at": "source_node", "host": "node-a", "interface": "eth0", "mtu": 1500},
        cluster={"cni": "flannel", "mode": mode},
    )
    pod = obs[0]
    assert pod.role == "pod" and pod.underlay_mtu == 1500 and pod.oversized is oversized


def test_service_target_port_is_compared_with_what_listens_in_the_pod():
    spec, _listening = _enriched(
        {"kind": "service_spec", "at": "control_plane", "port": 80, "target_port": 8111, "endpoints": ["198.18.2.20:8111"]},
        {"kind": "listening_sockets", "at": "destination_pod", "port": 80, "listening": True, "addresses": ["0.0.0.0"]},
    )
    assert spec.container_port == 80 and spec.target_port_matches_container is False
    spec, _closed = _enriched(
        {"kind": "service_spec", "at": "control_plane", "target_port": 8111},
        {"kind": "listening_sockets", "at": "destination_pod", "port": 8111, "listening": False},
    )
    assert spec.target_port_listening is False


def test_service_dnat_targets_are_compared_with_the_endpoints_of_the_same_service():
    """A KUBE-SEP DNAT to an address the Service's endpoints no longer list is a stale target; an
    endpoint given without a port matches any port of its address; another Service's spec is not used."""
    _spec, rules = _enriched(
        {"kind": "service_spec", "at": "control_plane", "cluster_ip": "198.19.0.80", "endpoints": ["198.18.2.20:8080", "198.18.3.30"]},
        {"kind": "service_rules", "at": "source_node", "mode": "iptables", "sep_dnat": ["198.18.3.30:8080", "198.18.2.21:8080"]},
    )
    assert rules.service_ip == "198.19.0.80" and rules.targets_not_endpoints == ["198.18.2.21:8080"] and rules.stale_targets is True
    _other, rules = _enriched(
        {"kind": "service_spec", "at": "control_plane", "cluster_ip": "198.19.0.99", "endpoints": ["198.18.2.20:8080"]},
        {"kind": "service_rules", "at": "source_node", "mode": "ipvs", "ipvs_real_servers": ["198.18.2.21:8080"]},
    )
    assert rules.service_endpoints is None and rules.stale_targets is None
    _same, rules = _enriched(
        {"kind": "service_spec", "at": "control_plane", "endpoints": ["[fd00::20]:8080"]},
        {"kind": "service_rules", "at": "source_node", "mode": "ipvs", "service_ip": "198.19.0.80", "ipvs_real_servers": ["[fd00::20]:8080"]},
    )
    assert rules.targets_not_endpoints == [] and rules.stale_targets is False


def _with_destination_pod(pod_ip: str | None, *observations: dict) -> list:
    data = _case(*observations)
    if pod_ip is not None:
        data["endpoints"]["destination"]["pod_ip"] = pod_ip
    return analyse(facts_from_data(data)).facts.observations


def test_service_dnat_targets_are_compared_with_the_destination_pod_named():
    """The destination Service's targets against the Pod named as its destination: missed when no
    target is its address, not when one is (with another port or beside others); unknown without a
    named Pod, without targets, or for another Service's rules."""
    rules = {"kind": "service_rules", "at": "source_node", "mode": "iptables", "service_ip": "198.19.0.80"}
    (missed,) = _with_destination_pod("198.18.2.10", {**rules, "sep_dnat": ["198.18.2.77:8080"]})
    assert missed.destination_pod_ip == "198.18.2.10" and missed.targets_miss_destination_pod is True
    (among,) = _with_destination_pod("198.18.2.10", {**rules, "sep_dnat": ["198.18.2.77:8080", "198.18.2.10:8080"]})
    assert among.targets_miss_destination_pod is False
    (ipvs,) = _with_destination_pod("198.18.2.10", {**rules, "mode": "ipvs", "ipvs_real_servers": ["198.18.2.10:80"]})
    assert ipvs.targets_miss_destination_pod is False
    (unnamed,) = _with_destination_pod(None, {**rules, "sep_dnat": ["198.18.2.77:8080"]})
    assert unnamed.destination_pod_ip is None and unnamed.targets_miss_destination_pod is None
    (no_targets,) = _with_destination_pod("198.18.2.10", {**rules, "sep_dnat": []})
    assert no_targets.targets_miss_destination_pod is None
    (other,) = _with_destination_pod("198.18.2.10", {**rules, "service_ip": "198.19.0.99", "sep_dnat": ["198.18.2.77:8080"]})
    assert other.destination_pod_ip is None and other.targets_miss_destination_pod is None


def test_the_cni_address_is_compared_with_the_registered_internal_ip():
    (wrong,) = _enriched({"kind": "cni_node_address", "at": "control_plane", "node": "node-a", "cni_address": "10.0.2.15"})
    assert wrong.internal_ip == "198.18.100.1" and wrong.matches_internal_ip is False
    (right,) = _enriched({"kind": "cni_node_address", "at": "source_node", "cni_address": "198.18.100.1"})
    assert right.matches_internal_ip is True


def test_coredns_forwarding_to_resolv_conf_meets_the_nodes_loopback_stub():
    conf, _node = _enriched(
        {"kind": "coredns_config", "at": "control_plane", "forward_to": ["/etc/resolv.conf"]},
        {"kind": "node_resolver", "at": "source_node", "nameservers": ["127.0.0.53"], "kubelet_resolv_conf": "/etc/resolv.conf"},
    )
    assert conf.upstream_loopback is True
    (alone,) = _enriched({"kind": "coredns_config", "at": "control_plane", "forward_to": ["/etc/resolv.conf"]})
    assert alone.upstream_loopback is None  # the node's resolver is not known


@pytest.mark.parametrize(
    "cluster, allows, allowed",
    [
        ({"cni": "flannel", "mode": "vxlan"}, [{"protocol": "tcp"}], False),
        ({"cni": "flannel", "mode": "vxlan"}, [{"protocol": "udp", "port": 8472}], True),
        ({"cni": "calico", "mode": "vxlan"}, [{"protocol": "udp", "port": 8472}], False),  # Calico uses 4789
        ({"cni": "calico", "mode": "ipip"}, [{"protocol": "ipip"}], True),
    ],
)
def test_a_cloud_firewall_is_read_against_the_cni_modes_encapsulation(cluster, allows, allowed):
    (fw,) = _enriched({"kind": "cloud_firewall", "at": "control_plane", "allows": allows}, cluster=cluster)
    assert fw.overlay_allowed is allowed


def test_reported_forms_establish_their_symptom_class():
    cases = [
        ({"kind": "reachability", "at": "source_pod", "scope": "cross_node", "result": "failed"}, "network_unreachable"),
        ({"kind": "payload_size", "at": "source_pod", "small_result": "ok", "large_result": "failed"}, "large_packet_loss"),
        ({"kind": "latency", "at": "source_pod", "operation": "dns_lookup", "value_ms": 5000}, "dns_failure"),
    ]
    for obs, symptom in cases:
        fired = {f.rule.spec.then.symptom for f in analyse(facts_from_data(_case(obs))).result.firings}
        assert symptom in fired, obs


@pytest.mark.parametrize(
    "observation, message",
    [
        ({"kind": "tcp_connect", "at": "source_pod", "target": "10.0.0.1", "port": 80, "result": "timed_out"}, "did you mean 'timeout'?"),
        ({"kind": "reachability", "at": "source_pod", "scope": "cross-node", "result": "failed"}, "did you mean 'cross_node'?"),
        ({"kind": "dns_lookup", "at": "source_pod", "name": "a.b", "result": "ok", "answer": ["1.2.3.4"]}, "did you mean 'answers'?"),
        ({"kind": "cloud_firewall", "at": "control_plane", "allows": [{"protocol": "udp", "prot": 8472}]}, "did you mean 'port'?"),
    ],
)
def test_unknown_words_and_fields_get_a_located_did_you_mean(tmp_path, observation, message):
    f = tmp_path / "t.json"
    f.write_text(json.dumps(_case(observation)))
    r = run_podnet("diagnose", str(f))
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert message in r.stderr and "$.observations[0]." in r.stderr


def test_schema_documents_every_kind_and_prints_examples():
    r = run_podnet("schema", "--kinds")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)["kinds"]
    assert set(doc) == set(KINDS)
    for kind, entry in doc.items():
        assert entry["description"] and entry["example"]["kind"] == kind and entry["observed_at"], kind
    example = json.loads(run_podnet("schema", "--example", "reachability").stdout)
    facts_from_data(_case(example))
    one = json.loads(run_podnet("schema", "--kind", "payload_size").stdout)
    assert set(one["required"]) >= {"kind", "at", "small_result", "large_result"}
    bad = run_podnet("schema", "--example", "reachabilty")
    assert bad.returncode == 2 and "did you mean 'reachability'?" in bad.stderr


def test_the_readme_lists_every_kind():
    section = (ROOT / "README.md").read_text().split("## Fact files", 1)[1].split("\n## ", 1)[0]
    missing = [k for k in KINDS if f"`{k}`" not in section]
    assert not missing, f"README's fact file section does not list {missing}"
