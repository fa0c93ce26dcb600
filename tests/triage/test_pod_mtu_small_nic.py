"""A small host NIC is not enough to blame the NIC (issue #14, "no confident wrong answer"): when
the node's NIC is below 1500, triage asks for the Pod's eth0 MTU at the Pod's place, and a Pod
larger than the small NIC leaves room for (the CNI not sized from it, projectcalico/calico#3895)
keeps mtu_host_nic from being named confidently; a Pod sized from the NIC leaves it in the lead."""

from __future__ import annotations

from podnet.triage.session import TriageSession

# A ticket as a customer answers it: large replies hang from a Pod to a Service on Calico IPIP; the
# destination node's ens3 has MTU 1446 (an OpenStack/VPN underlay); nothing else is at hand.
TICKET = {
    "symptom": "large_packet_loss",
    "context:source_kind": "pod",
    "context:destination_kind": "service",
    "context:destination_name": "default/web",
    "context:destination": "198.19.0.80:80",
    "context:backends": "198.18.2.20:8080",
    "context:source_pod": "default/client",
    "context:source_node": "node-a",
    "context:source_nic": "eth0",
    "context:destination_node": "node-b",
    "context:destination_nic": "ens3",
    "context:cni": "calico",
    "context:cni_mode": "ipip",
    "interface_mtu@destination_node": "nic_below_standard",
}


def _run(pod_answer: str, limit: int = 80) -> tuple[TriageSession, list[str]]:
    s = TriageSession.start(case_id="T-MTU-POD", summary="large responses from web time out, small ones work")
    replies = {**TICKET, "interface_mtu@destination_pod": pod_answer}
    asked: list[str] = []
    for _ in range(limit):
        p = s.current_question()
        if p is None:
            return s, asked
        asked.append(p.key)
        s.answer(replies.get(p.key, "unknown"))
    raise AssertionError(f"triage did not stop: {asked}")


def test_a_pod_larger_than_the_small_nic_allows_keeps_the_nic_from_being_named():
    """NIC 1446 with IPIP (room for 1426), the Pod's eth0 at 1500: both are asked, and triage does
    not conclude mtu_host_nic; the CNI device leads its posterior."""
    s, asked = _run("pod_oversized")
    assert {"interface_mtu@destination_node", "interface_mtu@destination_pod"} <= set(asked)
    r = s.ranking()
    assert not (r.confident and r.beliefs[0].id == "mtu_host_nic")
    assert r.beliefs[0].id == "mtu_cni_device"


def test_near_miss_a_pod_sized_from_the_small_nic_leaves_the_nic_in_the_lead():
    """NIC 1446 and the Pod at 1426 (fits): nothing speaks for the CNI, mtu_host_nic leads."""
    s, asked = _run("pod_fits")
    assert {"interface_mtu@destination_node", "interface_mtu@destination_pod"} <= set(asked)
    r = s.ranking()
    assert r.beliefs[0].id == "mtu_host_nic"
    assert r.beliefs[0].posterior > dict((b.id, b.posterior) for b in r.beliefs).get("mtu_cni_device", 0.0)
