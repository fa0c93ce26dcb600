"""Reading captures: the first hop where the request or the reply disappears, and the causes that fit it."""

from __future__ import annotations

import copy

import pytest

from podnet.path import build_path, localize, render_path
from podnet.path.profiles import localize_knowledge

from .conftest import (DST_POD_REMOTE, GUIDE_CAPTURES, SERVICE, SRC_POD, guide_facts, make_case)



def cap(at, interface, request_seen, host=None, **kw):
    obs = {"kind": "capture", "at": at, "interface": interface, "request_seen": request_seen, **kw}
    if host:
        obs["host"] = host
    return obs


def pod_case(*observations, destination=DST_POD_REMOTE, cni="flannel", mode="vxlan"):
    return make_case(cni, mode, SRC_POD, destination, observations=list(observations))


# --- the guide's case --------------------------------------------------------------------------


def test_guide_case_is_localized_to_the_dual_address_node(guide_with_captures):
    verdict = localize(guide_with_captures)
    assert verdict.direction == "request"
    assert verdict.failing_hop is not None
    assert (verdict.failing_hop.index, verdict.failing_hop.node, verdict.failing_hop.interface) == (
        3, "yq01-aip-aikefu30b61e25", "flannel.1")
    assert verdict.segment == "decapsulation"
    assert verdict.suspects[0] == "node_dual_address_vxlan"
    assert [(c.index, c.request_seen, c.reply_seen) for c in verdict.hops] == [
        (0, True, False), (1, True, False), (2, True, False), (3, False, None)]
    assert verdict.hops[1].observations == ["src-nic"]
    assert "10.153.204.228" in verdict.explanation.en and "10.153.204.228" in verdict.explanation.zh
    assert "retransmits" in verdict.explanation.en and "重传" in verdict.explanation.zh


def test_guide_case_without_the_second_address_is_not_blamed_on_it():
    captures = copy.deepcopy(GUIDE_CAPTURES)
    for c in captures:
        if c.get("outer_src"):
            c["outer_src"] = "10.153.204.15"
    verdict = localize(guide_facts(captures))
    assert verdict.failing_hop.index == 3 and verdict.segment == "decapsulation"
    assert "node_dual_address_vxlan" not in verdict.suspects
    assert verdict.suspects[0] == "iptables_blocks_traffic"


def test_declared_outer_src_registered_wins_over_the_node_list():
    captures = copy.deepcopy(GUIDE_CAPTURES)
    for c in captures:
        if c.get("outer_src"):
            c["outer_src_registered"] = True
    assert "node_dual_address_vxlan" not in localize(guide_facts(captures)).suspects


def test_unregistered_outer_source_alone_still_points_at_the_dual_address():
    only_nic = [c for c in GUIDE_CAPTURES if c["id"] == "dst-nic"]
    verdict = localize(guide_facts(only_nic))
    assert verdict.failing_hop is None
    assert verdict.suspects == ["node_dual_address_vxlan"]


# --- segments ----------------------------------------------------------------------------------


def test_request_lost_between_the_host_nics_is_the_underlay():
    verdict = localize(pod_case(
        cap("source_node", "ens3", True, host="n1", reply_seen=False),
        cap("destination_node", "eth0", False, host="n2"),
    ))
    assert (verdict.failing_hop.node, verdict.failing_hop.interface, verdict.segment) == ("n2", "eth0", "underlay")
    assert verdict.suspects[:2] == ["link_failure", "link_packet_loss"]
    assert "node_dual_address_vxlan" not in verdict.suspects


def test_request_leaves_the_source_nic_but_never_reaches_the_peer_tunnel():
    """The issue's example: underlay, VXLAN or a firewall between the hosts."""
    verdict = localize(pod_case(
        cap("source_node", "ens3", True, host="n1"),
        cap("destination_node", "flannel.1", False, host="n2"),
    ))
    assert verdict.failing_hop.interface == "flannel.1" and verdict.failing_hop.node == "n2"
    assert verdict.segment == "between_nodes"
    assert {"link_failure", "iptables_blocks_traffic", "cni_plugin_fault"} <= set(verdict.suspects)


def test_request_never_leaves_the_source_pod():
    verdict = localize(pod_case(cap("source_pod", "eth0", False), destination=SERVICE))
    assert verdict.failing_hop.index == 0 and verdict.segment == "source_end"
    assert "kube_proxy_no_rules" in verdict.suspects
    plain = localize(pod_case(cap("source_pod", "eth0", False)))
    assert "kube_proxy_no_rules" not in plain.suspects


def test_request_stops_at_the_source_bridge():
    verdict = localize(pod_case(
        cap("source_node", "cni0", True, host="n1"),
        cap("source_node", "flannel.1", False, host="n1"),
    ))
    assert (verdict.failing_hop.interface, verdict.segment) == ("flannel.1", "routing_out")
    assert verdict.suspects[0] == "route_missing"


def test_request_enters_the_tunnel_but_is_not_encapsulated():
    verdict = localize(pod_case(
        cap("source_node", "flannel.1", True, host="n1"),
        cap("source_node", "ens3", False, host="n1"),
    ))
    assert (verdict.failing_hop.interface, verdict.segment) == ("ens3", "encapsulation")


def test_destination_gets_the_request_but_does_not_answer():
    verdict = localize(pod_case(
        cap("source_pod", "eth0", True, reply_seen=False, retransmissions=True),
        cap("destination_pod", "eth0", True, reply_seen=False),
    ))
    assert verdict.direction == "reply" and verdict.segment == "no_reply"
    assert verdict.failing_hop.index == 9 and verdict.failing_hop.role == "pod"
    assert verdict.suspects[0] == "port_firewall_blocks"


def test_reply_lost_on_the_way_back():
    verdict = localize(pod_case(
        cap("source_pod", "eth0", True, reply_seen=False),
        cap("source_node", "ens3", True, host="n1", reply_seen=False),
        cap("destination_node", "eth0", True, host="n2", reply_seen=True),
        cap("destination_pod", "eth0", True, reply_seen=True),
    ))
    assert verdict.direction == "reply"
    assert (verdict.failing_hop.node, verdict.failing_hop.interface, verdict.segment) == ("n1", "ens3", "underlay")


def test_a_miss_before_a_later_sighting_is_a_filter_problem_not_the_failure():
    verdict = localize(pod_case(
        cap("source_node", "ens3", False, host="n1"),
        cap("destination_node", "flannel.1", True, host="n2"),
        cap("destination_pod", "eth0", False),
    ))
    assert verdict.failing_hop.index == 9 and verdict.segment == "delivery"
    assert "translated" in verdict.explanation.en and "ens3" in verdict.explanation.en


def test_no_captures_and_all_seen_name_no_hop():
    none = localize(pod_case())
    assert none.failing_hop is None and none.suspects == [] and "capture-plan" in none.explanation.en
    fine = localize(pod_case(cap("source_pod", "eth0", True, reply_seen=True), cap("destination_pod", "eth0", True, reply_seen=True)))
    assert fine.failing_hop is None and fine.suspects == []
    assert "every captured hop" in fine.explanation.en


def test_request_seen_as_far_as_captured_asks_for_more_captures():
    verdict = localize(pod_case(cap("source_node", "ens3", True, host="n1", reply_seen=False)))
    assert verdict.failing_hop is None
    assert "capture the next hops" in verdict.explanation.en and "eth0 on n2" in verdict.explanation.en


def test_captures_are_placed_by_role_when_the_name_is_unknown():
    """A veth's real name (veth1a2b3c) and a host NIC the case did not name are placed by role."""
    verdict = localize(pod_case(
        cap("destination_node", "veth1a2b3c", True, host="n2"),
        cap("destination_pod", "eth0", False),
        cap("destination_node", "bond0", True, host="n2", hop="host_nic"),
    ))
    assert {c.index for c in verdict.hops} == {5, 8, 9}
    assert verdict.failing_hop.index == 9 and verdict.segment == "delivery"


def test_suspects_are_known_causes():
    """The loader refuses a suspect that is no cause (podnet.knowledge.crossref, located errors in
    tests/core/test_rules_check.py); here: the model read by localize names the same causes."""
    from podnet.knowledge.load import load_kb

    kb = localize_knowledge()
    used: set[str] = set()
    for seg in list(kb.segments.values()) + list(kb.evidence.values()):
        used |= set(seg.suspects + seg.service_suspects)
    assert "node_dual_address_vxlan" in used
    assert used <= set(load_kb().causes)


def test_render_path_marks_the_failing_hop(guide_with_captures):
    verdict = localize(guide_with_captures)
    text = render_path(build_path(guide_with_captures), verdict, "en")
    lines = text.splitlines()
    failing = [line for line in lines if line.lstrip().startswith("X ")]
    assert len(failing) == 1 and "[3] yq01-aip-aikefu30b61e25 (10.61.187.48)  flannel.1" in failing[0]
    assert any(line.lstrip().startswith("+ [2]") for line in lines)
    assert "The request disappears at hop 3: flannel.1 on yq01-aip-aikefu30b61e25." in text
    assert "node_dual_address_vxlan" in text
    zh = render_path(build_path(guide_with_captures), verdict, "zh")
    assert "请求在第 3 跳消失" in zh and "回包路径" in zh
    # The reply path is drawn from the destination back to the source.
    reply = text[text.index("Reply path"):]
    assert reply.index("[6]") < reply.index("[0]")


def test_non_strict_localize_explains_a_missing_path_instead_of_raising():
    from podnet.errors import FactFileError

    from .conftest import GUIDE_CASE

    data = copy.deepcopy(GUIDE_CASE)
    data["endpoints"]["destination"]["backends"] = []
    data["observations"] = copy.deepcopy(GUIDE_CAPTURES)
    from podnet.facts.load import facts_from_data

    facts = facts_from_data(data, "<t>")
    with pytest.raises(FactFileError):
        localize(facts)
    verdict = localize(facts, strict=False)
    assert verdict.failing_hop is None and verdict.suspects == [] and verdict.hops == []
    assert "$.endpoints.destination.backends" in verdict.explanation.en and "无法" in verdict.explanation.zh


def test_the_bundled_example_of_the_guide_case():
    from pathlib import Path

    from podnet.facts.load import load_facts

    facts = load_facts(Path(__file__).resolve().parents[2] / "examples" / "clusterip-dual-address.json")
    verdict = localize(facts)
    assert (verdict.failing_hop.index, verdict.failing_hop.interface, verdict.direction) == (3, "flannel.1", "request")
    assert verdict.suspects[0] == "node_dual_address_vxlan"


def test_a_pod_capture_on_an_unknown_pod_is_not_guessed():
    # hop "pod" at a node vantage: only the Pod end on that node is meant.
    verdict = localize(pod_case(cap("destination_node", "eth0", False, host="n2", hop="pod")))
    assert [c.index for c in verdict.hops] == [9]
    # same-node Pods: two Pod ends on n1, the capture cannot say which one.
    local = {"kind": "pod", "ip": "10.244.1.7", "port": 8080, "node": "n1"}
    unplaced = localize(pod_case(cap("source_node", "eth0", False, host="n1", hop="pod"), destination=local))
    assert unplaced.hops == [] and "could not be placed" in unplaced.explanation.en


def test_interface_names_the_profile_does_not_know_are_placed_by_the_kb_patterns():
    # "br-1234" is a bridge by kb/interfaces.yaml, not a name the flannel profile expects.
    verdict = localize(pod_case(
        cap("destination_node", "br-1234", True, host="n2"),
        cap("destination_node", "veth9", False, host="n2"),
    ))
    assert [c.index for c in verdict.hops] == [7, 8]
    assert verdict.failing_hop.index == 8 and verdict.segment == "delivery"
