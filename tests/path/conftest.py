"""Fact files for the packet-path tests: a small three-node cluster and the guide's ClusterIP case."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from podnet.facts.load import facts_from_data
from podnet.facts.model import FactFile

NODES = [
    {"name": "n1", "internal_ip": "192.168.0.1", "pod_cidr": "10.244.1.0/24", "nic": "ens3"},
    {"name": "n2", "internal_ip": "192.168.0.2", "pod_cidr": "10.244.2.0/24"},
    {"name": "n3", "internal_ip": "192.168.0.3", "pod_cidr": "10.244.3.0/24"},
]
SRC_POD = {"kind": "pod", "name": "client", "namespace": "default", "ip": "10.244.1.5", "node": "n1"}
SRC_NODE = {"kind": "node", "name": "n1"}
DST_POD_REMOTE = {"kind": "pod", "name": "server", "namespace": "web", "ip": "10.244.2.7", "port": 8080, "node": "n2"}
DST_POD_LOCAL = {"kind": "pod", "name": "server", "namespace": "web", "ip": "10.244.1.7", "port": 8080}
SERVICE = {"kind": "service", "name": "web", "namespace": "web", "ip": "10.96.0.10", "port": 80,
           "backends": [{"ip": "10.244.2.7", "port": 8080, "pod": "server-1"}]}
NODEPORT = {"kind": "node", "ip": "192.168.0.3", "port": 30080, "backends": [{"ip": "10.244.2.7", "port": 8080}]}
NODE = {"kind": "node", "ip": "192.168.0.2", "port": 22}
EXTERNAL = {"kind": "external", "ip": "203.0.113.9", "port": 443}


def make_case(cni: str, mode: str, source: dict[str, Any], destination: dict[str, Any], *,
              proxy: str = "iptables", nodes: list[dict[str, Any]] | None = None,
              observations: list[dict[str, Any]] | None = None) -> FactFile:
    return facts_from_data({
        "case": {"id": f"{cni}-{mode}"},
        "cluster": {"cni": cni, "mode": mode, "kube_proxy_mode": proxy, "nodes": copy.deepcopy(nodes or NODES)},
        "endpoints": {"source": copy.deepcopy(source), "destination": copy.deepcopy(destination)},
        "observations": observations or [],
    }, "<test>")


SRC_NODE_NAME = "yq01-aip-aikefu12"
DST_NODE_NAME = "yq01-aip-aikefu30b61e25"

GUIDE_CASE: dict[str, Any] = {
    "case": {"id": "guide-clusterip-dual-address", "summary": "new node cannot reach the registry ClusterIP"},
    "cluster": {
        "cni": "flannel", "mode": "vxlan", "kube_proxy_mode": "iptables",
        "nodes": [
            {"name": SRC_NODE_NAME, "internal_ip": "10.153.204.15", "nic": "enp26s0f0"},
            {"name": "yq01-aip-aikefu31", "internal_ip": "10.153.203.14"},
            {"name": "yq01-aip-aikefu2746f8e9", "internal_ip": "10.61.187.42"},
            {"name": DST_NODE_NAME, "internal_ip": "10.61.187.48"},
        ],
    },
    "endpoints": {
        "source": {"kind": "node", "name": SRC_NODE_NAME, "node": SRC_NODE_NAME, "node_ip": "10.153.204.15"},
        "destination": {"kind": "service", "name": "registry", "ip": "10.233.0.100", "port": 5000,
                        "backends": [{"ip": "10.233.65.46", "port": 5000, "node": DST_NODE_NAME, "node_ip": "10.61.187.48"}]},
    },
}

# What the guide's captures showed (tcpdump1..tcpdump4 and tcpdump7/8 of the case).
GUIDE_CAPTURES: list[dict[str, Any]] = [
    {"id": "src-flannel", "kind": "capture", "at": "source_node", "host": SRC_NODE_NAME, "interface": "flannel.1",
     "request_seen": True, "reply_seen": False, "retransmissions": True, "inner_dst": "10.233.65.46"},
    {"id": "dst-flannel", "kind": "capture", "at": "destination_node", "host": DST_NODE_NAME, "interface": "flannel.1",
     "request_seen": False},
    {"id": "src-nic", "kind": "capture", "at": "source_node", "host": SRC_NODE_NAME, "interface": "enp26s0f0",
     "filter": "udp port 8472", "request_seen": True, "reply_seen": False, "retransmissions": True,
     "outer_src": "10.153.204.228", "outer_dst": "10.61.187.48"},
    {"id": "dst-nic", "kind": "capture", "at": "destination_node", "host": DST_NODE_NAME, "interface": "eth0",
     "filter": "udp port 8472", "request_seen": True, "reply_seen": False,
     "outer_src": "10.153.204.228", "outer_dst": "10.61.187.48"},
]


def guide_facts(observations: list[dict[str, Any]] | None = None) -> FactFile:
    data = copy.deepcopy(GUIDE_CASE)
    data["observations"] = copy.deepcopy(observations or [])
    return facts_from_data(data, "<guide>")


@pytest.fixture
def guide() -> FactFile:
    return guide_facts()


@pytest.fixture
def guide_with_captures() -> FactFile:
    return guide_facts(GUIDE_CAPTURES)
