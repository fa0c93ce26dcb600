"""``run_at: evidence_node``: a cause's steps run on the node whose observations support it (an
oversized Pod interface found on the destination node is fixed there, not on the source node)."""

from __future__ import annotations

import podnet

CASE = {
    "case": {"id": "mtu-oversized-pod-side"},
    "cluster": {"cni": "calico", "mode": "ipip", "service_cidr": "198.19.0.0/16", "pod_cidr": "198.18.0.0/16"},
    "endpoints": {
        "source": {"kind": "pod", "name": "client", "namespace": "default", "ip": "198.18.1.10", "node": "node-a", "node_ip": "198.18.100.1"},
        "destination": {"kind": "pod", "name": "web-0", "namespace": "shop", "ip": "198.18.2.20", "port": 8080, "node": "node-b", "node_ip": "198.18.100.2"},
    },
    "observations": [
        {"kind": "payload_size", "at": "source_pod", "operation": "http", "small_result": "ok", "large_result": "failed"},
    ],
}


def _steps(*observations: dict) -> list:
    facts = podnet.load_facts({**CASE, "observations": CASE["observations"] + list(observations)})
    top = podnet.diagnose(facts).causes[0]
    assert top.id == "mtu_cni_device"
    return top.remediation


def test_an_oversized_pod_on_the_destination_node_is_fixed_there():
    steps = _steps(
        {"kind": "interface_mtu", "at": "destination_node", "interface": "ens3", "role": "host_nic", "mtu": 1446},
        {"kind": "interface_mtu", "at": "destination_pod", "interface": "eth0", "role": "pod", "mtu": 1500},
    )
    on_node = [s for s in steps if s.run_at and s.run_at.endswith("_node")]
    assert on_node and {s.run_at for s in on_node} == {"destination_node"}
    assert {s.run_on for s in on_node} == {"node-b"}
    delete = next(s.command for s in steps if s.command and "delete pod" in s.command)
    assert delete.rstrip().endswith("-n shop web-0")


def test_the_same_fault_on_the_source_node_stays_there():
    steps = _steps(
        {"kind": "interface_mtu", "at": "source_node", "interface": "ens3", "role": "host_nic", "mtu": 1446},
        {"kind": "interface_mtu", "at": "source_pod", "interface": "eth0", "role": "pod", "mtu": 1500},
    )
    assert {s.run_on for s in steps if s.run_at and s.run_at.endswith("_node")} == {"node-a"}
    delete = next(s.command for s in steps if s.command and "delete pod" in s.command)
    assert delete.rstrip().endswith("-n default client")
