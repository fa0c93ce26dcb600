"""Roles from addresses and the cluster context from collected state (no lab: the hosts' views are given)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from podnet.collect import roles
from podnet.collect.base import Context
from podnet.collect.local import Link, LocalView
from podnet.collect.netns import Vantage
from podnet.collect.targets import Plan, Target
from podnet.inputs.cluster_context import HostView, Interface, infer_context, read_subnet_env
from podnet.netfilter import iptables_save

from tests.lab import topology as lab

NAT = iptables_save.parse(lab.kube_proxy_nat() + lab.vxlan_allowlist())


def _node(name: str, ip: str, cni: str, ruleset: Any = NAT) -> HostView:
    return HostView(name, [Interface("eth0", [f"{ip}/24"], "veth"), Interface("cni0", [cni], "bridge"),
                           Interface("flannel.1", [cni.replace(".1/24", ".0/32")], "vxlan")], ruleset=ruleset)


def test_context_from_kube_proxy_rules_bridges_and_tunnel() -> None:
    pod = HostView("client", [Interface("eth0", ["198.19.1.10/24"], "veth")], nameservers=["198.18.0.53"])
    ctx = infer_context([pod, _node("node1", "198.18.0.11", "198.19.1.1/24"), _node("node2", "198.18.0.12", "198.19.2.1/24")])
    # the kube-dns Service's rule decides the DNS IP, not the (wrong) nameserver of the Pod
    assert ctx.dns_service_ip == "198.18.128.53"
    assert ctx.pod_cidr == "198.19.0.0/16"  # kube-proxy's `! -s CLUSTER-CIDR ... -j KUBE-MARK-MASQ`
    assert ctx.node_pod_cidrs == {"node1": "198.19.1.0/24", "node2": "198.19.2.0/24"}
    assert (ctx.cni, ctx.mode, ctx.kube_proxy_mode) == ("flannel", "vxlan", "iptables")
    assert ctx.node_of("198.19.2.10") == "node2" and ctx.node_of("198.18.0.99") is None
    assert not pod.is_node


def test_context_near_misses_infer_nothing() -> None:
    # no kube-dns rule: a Pod's nameserver counts only when it is a ClusterIP kube-proxy programs
    bare = iptables_save.parse("*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n")
    pod = HostView("client", [Interface("eth0", ["10.0.0.5/24"])], nameservers=["10.0.0.2"])
    host = HostView("vm", [Interface("eth0", ["10.0.0.9/24"])], ruleset=bare)
    ctx = infer_context([pod, host])
    assert ctx.dns_service_ip is None and ctx.pod_cidr is None and ctx.cni is None and ctx.kube_proxy_mode is None
    assert not host.is_node and ctx.node_pod_cidrs == {}


def test_flannel_subnet_env() -> None:
    env = read_subnet_env("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.3.1/24\nFLANNEL_MTU=1450\n")
    node = HostView("n3", [Interface("eth0", ["192.168.1.3/24"])], subnet_env=env)
    ctx = infer_context([node])
    assert ctx.pod_cidr == "10.244.0.0/16" and ctx.cni == "flannel"
    assert node.pod_cidr() == "10.244.3.0/24"


def _station(label: str, addrs: list[str], node: bool, observations: list[dict[str, Any]] | None = None) -> Any:
    links = [Link(1, "eth0", "veth", 1450, "UP", True, True, addrs)]
    if node:
        links.append(Link(2, "cni0", "bridge", 1450, "UP", True, True, []))
    v = Vantage("netns", label)
    ctx = Context(v, "source_node" if node else "source_pod", Plan([Target("198.18.128.10", 80)]), label)
    return SimpleNamespace(vantage=v, view=LocalView(links, []), ctx=ctx, observations=observations or [], gaps=[],
                           nat=None, filter=None)


def _ctx() -> Any:
    return infer_context([_node("node1", "198.18.0.11", "198.19.1.1/24"), _node("node2", "198.18.0.12", "198.19.2.1/24")])


def test_destination_is_the_owner_of_the_backend_and_source_the_failing_pod() -> None:
    ok = [{"kind": "tcp_connect", "result": "connected", "at": "source_pod"}]
    bad = [{"kind": "tcp_connect", "result": "timeout", "at": "source_pod"}]
    st = {
        "healthy-pod": _station("healthy-pod", ["198.19.1.20/24"], False, list(ok)),
        "client": _station("client", ["198.19.1.10/24"], False, list(bad)),
        "node1": _station("node1", ["198.18.0.11/24"], True, [{"kind": "route", "at": "source_node"}]),
        "node2": _station("node2", ["198.18.0.12/24"], True),
        "web": _station("web", ["198.19.2.10/24"], False),
        "dns": _station("dns", ["198.19.2.53/24"], False),
    }
    stations = list(st.values())
    plan = Plan([Target("198.18.128.10", 80)])
    roles.assign(stations, plan, _ctx(), [Target("198.19.2.10", 80)], [Target("198.19.2.53", 53)], lambda ip: ip.startswith("198.18.128."))
    assert st["web"].ctx.role == "destination_pod" and st["node2"].ctx.role == "destination_node"
    assert st["dns"].ctx.role == "other_pod"
    roles.settle_source(stations, _ctx())
    assert st["client"].ctx.role == "source_pod" and st["node1"].ctx.role == "source_node"
    # the healthy Pod's connected probe does not stand for the source's failure
    assert st["healthy-pod"].ctx.role == "other_pod" and st["healthy-pod"].observations == []
    assert st["node1"].observations == [{"kind": "route", "at": "source_node"}]


def test_a_failing_node_is_the_source_when_every_pod_succeeds() -> None:
    client = _station("client", ["198.19.1.10/24"], False, [{"kind": "tcp_connect", "result": "connected", "at": "source_pod"}])
    node1 = _station("node1", ["198.18.0.211/24", "198.18.0.11/24"], True, [{"kind": "tcp_connect", "result": "timeout", "at": "source_node"}])
    roles.settle_source([client, node1], _ctx())
    assert node1.ctx.role == "source_node" and client.ctx.role == "other_pod"


def test_as_overrides_the_inference() -> None:
    web = _station("web", ["198.19.2.10/24"], False)
    web.vantage = Vantage("netns", "web", "source_pod")
    web.ctx.role = "source_pod"
    roles.assign([web], Plan([Target("198.18.128.10", 80)]), _ctx(), [Target("198.19.2.10", 80)], [], lambda ip: True)
    roles.settle_source([web], _ctx())
    assert web.ctx.role == "source_pod"


def test_a_lone_node_hosting_the_destination_still_probes_as_the_source_node() -> None:
    node2 = _station("node2", ["198.18.0.12/24"], True)
    roles.assign([node2], Plan([Target("198.18.128.10", 80)]), _ctx(), [Target("198.19.2.10", 80)], [], lambda ip: True)
    assert node2.ctx.role == "source_node"
    # with a Pod that may be the source, the node is the destination's
    node2 = _station("node2", ["198.18.0.12/24"], True)
    client = _station("client", ["198.19.1.10/24"], False)
    roles.assign([client, node2], Plan([Target("198.18.128.10", 80)]), _ctx(), [Target("198.19.2.10", 80)], [], lambda ip: True)
    assert (client.ctx.role, node2.ctx.role) == ("source_pod", "destination_node")
