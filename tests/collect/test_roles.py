"""Roles from addresses through the one ingest assembly, and the cluster context from collected state
(no lab: each vantage point's records are given, as netlink, iptables-save and the probes yield them)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from podnet.collect.assemble import Collected, assemble
from podnet.collect.netns import Vantage
from podnet.collect.run import _Runner, _Station
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


SERVICE = Target("198.18.128.10", 80)


def _runner(*hosts: tuple[str, str | None]) -> _Runner:
    handles = [SimpleNamespace(vantage=Vantage("netns", name, role), enter=lambda: None, close=lambda: None) for name, role in hosts]
    return _Runner(handles, Plan([SERVICE], timeout=1))  # type: ignore[arg-type]


def _read(s: _Station, addrs: list[str], node: str | None = None) -> None:
    """What phase one reads: `ip addr` (over netlink) and, on a node, kube-proxy's rules (iptables-save)."""
    interfaces: list[dict[str, Any]] = [{"name": "eth0", "mtu": 1450, "state": "up", "addresses": addrs, "line": None}]
    if node:
        interfaces += [{"name": "cni0", "mtu": 1450, "state": "up", "addresses": [f"198.19.{node}.1/24"], "line": None, "kind": "bridge"},
                       {"name": "flannel.1", "mtu": 1450, "state": "up", "addresses": [f"198.19.{node}.0/32"], "line": None, "kind": "vxlan"}]
        s.records += s.ctx.read("iptables_save", "iptables-save", lab.kube_proxy_nat() + lab.vxlan_allowlist()).records
    s.records.append(s.ctx.record("addresses", {"interfaces": interfaces}, "ip -4 addr", "netlink"))


def _tcp(s: _Station, result: str) -> None:
    s.probes.append(s.ctx.record("tcp_connect", {"target": SERVICE.ip, "port": 80, "result": result, "tool": "socket"}, "TCP connect 198.18.128.10:80", "socket"))


def _place(runner: _Runner) -> None:
    runner.placed = runner.assembly([r for s in runner.stations for r in s.records], [])[0]


def _roles(result: Collected) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for o in result.facts.observations:
        out.setdefault(str(o.host), set()).add(o.at)
    return out


def _lab() -> tuple[_Runner, dict[str, _Station]]:
    runner = _runner(*[(n, None) for n in ("healthy-pod", "client", "node1", "node2", "web", "dns")])
    st = {s.label: s for s in runner.stations}
    _read(st["healthy-pod"], ["198.19.1.20/24"])
    _read(st["client"], ["198.19.1.10/24"])
    _read(st["node1"], ["198.18.0.11/24"], "1")
    _read(st["node2"], ["198.18.0.12/24"], "2")
    _read(st["web"], ["198.19.2.10/24"])
    _read(st["dns"], ["198.19.2.53/24"])
    _place(runner)
    return runner, st


def test_destination_is_the_owner_of_the_backend_and_source_the_failing_pod() -> None:
    runner, st = _lab()
    # the owner of the Service's backend and its node are the destination side, the DNS Pod (a
    # backend of the kube-dns Service) is off the path: none of them sends probes; Pods go first
    assert (st["web"].at, st["node2"].at) == ("destination_pod", "destination_node")
    assert [s.label for s in runner.senders()] == ["healthy-pod", "client", "node1"]
    _tcp(st["healthy-pod"], "connected")
    _tcp(st["client"], "timeout")
    _tcp(st["node1"], "connected")
    roles = _roles(assemble(runner))
    assert roles["client"] == {"source_pod"} and roles["node1"] == {"source_node"}
    assert roles["web"] == {"destination_pod"} and roles["node2"] == {"destination_node"}
    # the healthy Pod's connected probe does not stand for the source's failure; the DNS Pod is left out
    assert "healthy-pod" not in roles and "dns" not in roles


def test_a_failing_node_is_the_source_when_every_pod_succeeds() -> None:
    runner, st = _lab()
    _tcp(st["healthy-pod"], "connected")
    _tcp(st["client"], "connected")
    _tcp(st["node1"], "timeout")
    result = assemble(runner)
    roles = _roles(result)
    assert roles["node1"] == {"source_node"} and "client" not in roles
    assert result.facts.endpoints.source.kind == "node" and result.facts.endpoints.source.name == "node1"


def test_as_overrides_the_inference() -> None:
    runner = _runner(("web", "source_pod"), ("node2", None))
    web, node2 = runner.stations
    _read(web, ["198.19.2.10/24"])
    _read(node2, ["198.18.0.12/24"], "2")
    _place(runner)
    assert web.at == "source_pod" and runner.senders() == [web]
    _tcp(web, "timeout")
    roles = _roles(assemble(runner))
    assert roles["web"] == {"source_pod"} and roles["node2"] == {"source_node"}


def test_a_lone_node_hosting_the_destination_still_probes_as_the_source_node() -> None:
    runner = _runner(("node2", None))
    [node2] = runner.stations
    _read(node2, ["198.18.0.12/24"], "2")
    _place(runner)
    assert node2.at == "destination_node" and runner.senders() == [node2]
    _tcp(node2, "timeout")
    assert _roles(assemble(runner))["node2"] == {"source_node"}
    # with a Pod that may be the source, the node is the destination's
    runner = _runner(("client", None), ("node2", None))
    client, node2 = runner.stations
    _read(client, ["198.19.1.10/24"])
    _read(node2, ["198.18.0.12/24"], "2")
    _place(runner)
    assert runner.senders() == [client]
