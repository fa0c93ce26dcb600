"""Checks at the place the customer saw the answer (issue #14, held-out tickets the rules decide from
the full file but triage never reached): the flow tried from another node or from outside
(``reachability@other_node``: a NodePort that fails from outside), the address the CNI picked read
on the node itself (``cni_node_address@source_node``: calico-node's log), and the CNI Pods' log
saying the Pod network overlaps a route on the host (``cni_pods`` ``overlaps_host_route``). Each
decides its cause with the rule engine agreeing; its near miss does not."""

from __future__ import annotations

from podnet.triage.session import TriageSession

from .conftest import answer_until_stop


def _run(summary: str, replies: dict[str, str], limit: int = 60) -> tuple[TriageSession, list[str]]:
    """Triage from the sentence, answering ``replies`` by prompt key and "don't know" otherwise."""
    s = TriageSession.start(case_id="T-WHERE", summary=summary)
    return s, answer_until_stop(s, replies, limit)


def _after(summary: str, opening: dict[str, str], records: dict[str, str]) -> TriageSession:
    """A session whose opening was answered, with ``records`` (``KIND@VANTAGE`` -> answer) recorded."""
    s = TriageSession.start(case_id="T-WHERE", summary=summary)
    while (p := s.current_question()) is not None and p.key in opening:
        s.answer(opening[p.key])
    for key, answer_id in records.items():
        kind, _, at = key.partition("@")
        s.record(kind, at, answer_id)
    return s


# kubeadm/387's shape: a single node, flannel, a NodePort that does not answer from outside.
NODEPORT = "kubeadm on Ubuntu 16.04 with flannel: the NodePort is not reachable from outside"
NODEPORT_OPENING = {"symptom": "network_unreachable", "context:source_kind": "node", "context:destination_kind": "service", "context:cni": "flannel"}


def test_a_nodeport_failing_from_outside_confirms_the_dropping_rule():
    """FORWARD drops everything on the node and the flow fails from outside the node: the rule
    engine names the firewall (the failure is what makes the DROP the network-unreachable class)."""
    s, asked = _run(NODEPORT, {**NODEPORT_OPENING, "firewall@destination_node": "drop_all", "reachability@other_node": "failed"})
    assert "reachability@other_node" in asked
    r = s.ranking()
    assert r.confident and r.beliefs[0].id == "iptables_blocks_traffic"


def test_the_check_that_lets_the_rules_agree_comes_next():
    """The DROP makes the posterior name the firewall (0.83) while no rule can conclude before the
    flow is known to fail: the check whose likely answer lets nu-firewall-drops-all conclude is
    asked next (TriageSession._agreeing), not the checks ranked by gain."""
    s = _after(NODEPORT, NODEPORT_OPENING, {"firewall@destination_node": "drop_all"})
    r = s.ranking()
    assert r.beliefs[0].id == "iptables_blocks_traffic" and r.beliefs[0].posterior >= 0.5 and not r.rules_agree
    p = s.current_question()
    assert p.key == "reachability@other_node"
    # asked where it is seen: from another node or outside, not "from the source"
    assert p.text.startswith("From another node or a client outside the cluster"), p.text


def test_near_miss_no_rule_is_sought_while_the_posterior_is_undecided():
    """No matching DROP: nothing has reached the threshold, the checks come by gain."""
    s = _after(NODEPORT, NODEPORT_OPENING, {"firewall@destination_node": "none"})
    assert s.ranking().beliefs[0].posterior < 0.5
    assert s.current_question().key != "reachability@other_node"


def test_near_miss_the_flow_works_from_outside():
    s = _after(NODEPORT, NODEPORT_OPENING, {"firewall@destination_node": "drop_all", "reachability@other_node": "ok"})
    assert not s.ranking().confident
    assert s.diagnosis().top is None or s.diagnosis().top.id != "iptables_blocks_traffic"


# projectcalico/calico#1628's shape: calico-node picked a Docker bridge's address another node also has.
CALICO = "calico-node does not start: 'Using autodetected IPv4 address on interface br-d710e33f6c1a: 172.18.0.1/16'"
CALICO_OPENING = {"symptom": "other", "context:source_kind": "pod", "context:destination_kind": "pod", "context:cni": "calico"}


def test_the_cni_address_read_on_the_node_decides_the_wrong_interface():
    s, asked = _run(CALICO, {**CALICO_OPENING, "cni_node_address@source_node": "shared_by_nodes"})
    assert "cni_node_address@source_node" in asked
    r = s.ranking()
    assert r.confident and r.beliefs[0].id == "wrong_node_interface"


def test_near_miss_the_node_uses_its_internal_ip():
    s = _after(CALICO, CALICO_OPENING, {"cni_node_address@source_node": "internal_ip"})
    r = s.ranking()
    assert not (r.confident and r.beliefs[0].id == "wrong_node_interface")


# weaveworks/weave#2736's shape: weave-net refuses its range, which overlaps a route on the host.
WEAVE = "weave-net keeps erroring: 'Network 10.32.0.0/12 overlaps with existing route 10.42.0.0/16 on host.'"
WEAVE_OPENING = {"symptom": "other", "context:source_kind": "pod", "context:destination_kind": "pod", "context:cni": "weave"}


def test_the_cni_log_of_an_overlapping_route_decides_the_overlap():
    s, asked = _run(WEAVE, {**WEAVE_OPENING, "cni_pods@source_node": "overlaps_host_route"})
    assert "cni_pods@source_node" in asked
    r = s.ranking()
    assert r.confident and r.beliefs[0].id == "pod_cidr_overlaps_host"


def test_near_miss_the_cni_pods_are_ready():
    s = _after(WEAVE, WEAVE_OPENING, {"cni_pods@source_node": "ready"})
    r = s.ranking()
    assert not (r.confident and r.beliefs[0].id == "pod_cidr_overlaps_host")
