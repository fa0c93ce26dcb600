"""Build the directed graph of hops a packet crosses, and the reply's way back, from a fact file
(a :class:`~podnet.path.chain.PacketPath`; its ``to_networkx()`` gives a networkx graph).

The per-CNI device chain is data (``kb/paths/<cni>-<mode>.yaml``); this module composes it into
segments: out of a Pod (eth0 -> veth -> bridge), between nodes (tunnel -> host NIC ... host NIC ->
tunnel, or host NIC to host NIC), into a Pod, with kube-proxy's DNAT, masquerade and
encapsulation recorded where they happen. Device names come from the case when it names them
(``cluster.nodes[].nic``, interfaces in observations), else from the profile's conventional names.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Iterable, cast

from ..cidr import ip_in
from ..errors import FactFileError
from ..facts.model import FactFile, NodeInfo
from ..knowledge.templates import Placeholder
from .chain import PacketPath
from .model import Address, Direction, Hop, PathStep
from .profiles import DeviceRole, PathProfile, profile_for

REQUEST: Direction = "request"
REPLY: Direction = "reply"


@dataclass(frozen=True)
class NodeRef:
    """A node as far as the case tells it."""

    name: str | None
    ip: str | None
    nic: str | None = None
    pod_cidr: str | None = None

    def same(self, other: NodeRef | None) -> bool:
        if other is None:
            return False
        if self.name and other.name:
            return self.name == other.name
        return bool(self.ip and other.ip and self.ip == other.ip)

    @property
    def label(self) -> str:
        return self.name or self.ip or "?"


@dataclass(frozen=True)
class PodRef:
    ip: str
    node: NodeRef
    name: str | None = None
    namespace: str | None = None
    port: int | None = None


@dataclass
class Resolved:
    """The endpoints of the case, with nodes looked up in the cluster description."""

    source_kind: str
    source_node: NodeRef
    source_pod: PodRef | None
    dest_kind: str  # pod, service, nodeport, node, external
    dest_ip: str
    dest_port: int | None
    protocol: str
    target_pod: PodRef | None = None
    target_node: NodeRef | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def final_node(self) -> NodeRef | None:
        """The node where the request ends (the backend's, the destination Pod's or node)."""
        if self.target_pod is not None:
            return self.target_pod.node
        return self.target_node


def _missing(message: str, where: str) -> FactFileError:
    return FactFileError(message, location=where, code="E-PATH-MISSING")


def _lookup(nodes: list[NodeInfo], name: str | None, ip: str | None, pod_ip: str | None) -> NodeInfo | None:
    for info in nodes:
        if (name and info.name == name) or (ip and info.internal_ip == ip):
            return info
    if pod_ip:
        for info in nodes:
            if ip_in(pod_ip, info.pod_cidr):
                return info
    return None


def _node(facts: FactFile, name: str | None, ip: str | None, pod_ip: str | None = None) -> NodeRef | None:
    info = _lookup(facts.cluster.nodes, name, ip, pod_ip)
    if info is None:
        return NodeRef(name, ip) if (name or ip) else None
    return NodeRef(name or info.name, ip or info.internal_ip, info.nic, info.pod_cidr)


def resolve(facts: FactFile, fill_in: bool = False) -> Resolved:
    """Look up both ends of the failing connection; a missing fact the path needs is a located error,
    or, with ``fill_in``, a named placeholder (``<source-ip>``) the capture plan turns into a shell
    variable to set (:mod:`podnet.knowledge.templates`); each is listed in the notes as ``fill_in:NAME``."""
    src, dst = facts.endpoints.source, facts.endpoints.destination
    filled: list[str] = []

    def need(value: Any, name: str, message: str, where: str) -> Any:
        if value:
            return value
        if not fill_in:
            raise _missing(message, where)
        filled.append(name)
        return Placeholder(f"<{name}>")

    def node_or_fill(ref: NodeRef | None, role: str, message: str, where: str) -> NodeRef:
        if ref is not None:
            if fill_in and not ref.ip:
                filled.append(f"{role}-node-internal-ip")
                return NodeRef(ref.name, Placeholder(f"<{role}-node-internal-ip>"), ref.nic, ref.pod_cidr)
            return ref
        need(None, f"{role}-node-name", message, where)
        filled.append(f"{role}-node-internal-ip")
        return NodeRef(Placeholder(f"<{role}-node-name>"), Placeholder(f"<{role}-node-internal-ip>"))

    if src.kind == "pod":
        ip = need(src.ip, "source-ip", "the source Pod's IP is needed to draw the path", "$.endpoints.source.ip")
        s_node = node_or_fill(_node(facts, src.node, src.node_ip, src.ip), "source",
                              "the node of the source Pod is needed (node, node_ip, or a PodCIDR in cluster.nodes)", "$.endpoints.source.node")
        s_pod: PodRef | None = PodRef(ip, s_node, src.name or (Placeholder("<source-name>") if fill_in else None),
                                      src.namespace or (Placeholder("<source-namespace>") if fill_in else None))
    else:
        s_node = node_or_fill(_node(facts, src.node or src.name, src.node_ip or src.ip), "source",
                              "the source node's name or IP is needed", "$.endpoints.source.node")
        s_pod = None
    res = Resolved(src.kind, s_node, s_pod, dst.kind, "", dst.port, dst.protocol)

    if dst.kind == "pod":
        ip = need(dst.ip, "destination-ip", "the destination Pod's IP is needed", "$.endpoints.destination.ip")
        d_node = node_or_fill(_node(facts, dst.node, dst.node_ip, dst.ip), "destination",
                              "the node of the destination Pod is needed (node, node_ip, or a PodCIDR in cluster.nodes)", "$.endpoints.destination.node")
        res.dest_ip = ip
        res.target_pod = PodRef(ip, d_node, dst.name or (Placeholder("<destination-pod>") if fill_in else None),
                                dst.namespace or (Placeholder("<destination-namespace>") if fill_in else None), dst.port)
    elif dst.kind == "service":
        res.dest_ip = need(dst.ip, "destination-ip", "the Service's ClusterIP is needed", "$.endpoints.destination.ip")
        res.target_pod = _backend(facts, dst, "$.endpoints.destination.backends", fill_in, filled)
        if len(dst.backends) > 1:
            res.notes.append("several_backends")
    elif dst.kind == "node":
        t_node = _node(facts, dst.node or dst.name, dst.node_ip or dst.ip)
        if t_node is None or not (dst.ip or t_node.ip):
            t_node = node_or_fill(t_node, "destination", "the destination node's IP is needed", "$.endpoints.destination.ip")
        res.dest_ip = dst.ip or t_node.ip or ""
        res.target_node = t_node
        if dst.backends:
            if dst.port is None:
                raise _missing("a NodePort destination needs its port", "$.endpoints.destination.port")
            res.dest_kind = "nodeport"
            res.target_pod = _backend(facts, dst, "$.endpoints.destination.backends", fill_in, filled)
        elif src.kind == "node" and s_node.same(t_node):
            raise FactFileError("source and destination are the same node: no packet path to capture", location="$.endpoints.destination", code="E-PATH-MISSING")
    else:
        res.dest_ip = need(dst.ip, "destination-ip", "the external destination's IP is needed", "$.endpoints.destination.ip")
    res.notes.extend(f"fill_in:{name}" for name in dict.fromkeys(filled))
    return res


def _backend(facts: FactFile, dst: Any, where: str, fill_in: bool = False, filled: list[str] | None = None) -> PodRef:
    if not dst.backends:
        if not fill_in:
            raise _missing("at least one backend Pod (ip and node) is needed to draw the path", where)
        names = ["backend-ip", "destination-pod", "destination-node-name", "destination-node-internal-ip"]
        (filled if filled is not None else []).extend(names)
        unknown = NodeRef(Placeholder("<destination-node-name>"), Placeholder("<destination-node-internal-ip>"))
        return PodRef(Placeholder("<backend-ip>"), unknown, Placeholder("<destination-pod>"),
                      dst.namespace or Placeholder("<destination-namespace>"), dst.port)
    b = dst.backends[0]
    node = _node(facts, b.node, b.node_ip, b.ip)
    if node is None:
        if not fill_in:
            raise _missing("the backend Pod's node is needed (node, node_ip, or a PodCIDR in cluster.nodes)", f"{where}[0].node")
        (filled if filled is not None else []).extend(["destination-node-name", "destination-node-internal-ip"])
        node = NodeRef(Placeholder("<destination-node-name>"), Placeholder("<destination-node-internal-ip>"))
    return PodRef(b.ip, node, b.pod, dst.namespace, b.port or dst.port)


# --- device names -----------------------------------------------------------------------------


def observation_node(obs: Any, res: Resolved) -> NodeRef | None:
    """The node an observation was made on (its ``host``, else its vantage point)."""
    host = getattr(obs, "host", None)
    candidates = [res.source_node, res.target_node, res.final_node]
    if host:
        for node in candidates:
            if node is not None and host in (node.name, node.ip):
                return node
        for pod in (res.source_pod, res.target_pod):
            if pod is not None and host in (pod.name, pod.ip):
                return pod.node
        return NodeRef(host, None)
    if obs.at in ("source_node", "source_pod"):
        return res.source_node
    if obs.at in ("destination_node", "destination_pod"):
        return res.final_node
    return None


def _named_devices(facts: FactFile, res: Resolved, node: NodeRef, prof: PathProfile) -> dict[str, str]:
    """Device names the case's observations use on ``node`` (host namespace only), by role."""
    found: dict[str, str] = {}
    for obs in facts.observations:
        iface = getattr(obs, "interface", None)
        if not iface or obs.at in ("source_pod", "destination_pod", "other_pod"):
            continue
        if not node.same(observation_node(obs, res)):
            continue
        if obs.kind == "node_addresses":
            found.setdefault("host_nic", iface)
            continue
        declared = getattr(obs, "hop", None) or getattr(obs, "role", None)
        role = declared or prof.role_of(iface)
        if role in ("bridge", "tunnel", "host_nic"):
            found.setdefault(role, iface)
    return found


# --- the builder ------------------------------------------------------------------------------


@dataclass
class _Packet:
    src: Address
    dst: Address
    outer_src: Address | None = None
    outer_dst: Address | None = None
    encap: str | None = None


class _Builder:
    def __init__(self, facts: FactFile, prof: PathProfile, res: Resolved) -> None:
        self.facts, self.prof, self.res = facts, prof, res
        self.hops: list[Hop] = []
        self.pending: list[PathStep] = []
        self.pkt: _Packet | None = None
        self._names: dict[str | None, dict[str, str]] = {}

    # names and addresses
    def device(self, node: NodeRef, role: str) -> str:
        key = node.name or node.ip
        if key not in self._names:
            self._names[key] = _named_devices(self.facts, self.res, node, self.prof)
        if role == "host_nic" and node.nic:
            return node.nic
        return self._names[key].get(role) or self.prof.devices[cast(DeviceRole, role)].name

    def node_addr(self, node: NodeRef, port: int | None = None) -> Address:
        return Address(ip=node.ip, port=port, kind="node", owner=node.label)

    def device_addr(self, node: NodeRef, role: str) -> Address:
        """The address of a node's tunnel or bridge device (from its PodCIDR when the CNI fixes it)."""
        rule = self.prof.tunnel_address if role == "tunnel" else self.prof.bridge_address
        ip = None
        if rule and node.pod_cidr:
            net = ipaddress.ip_network(node.pod_cidr, strict=False)
            ip = str(net.network_address if rule == "pod_cidr_network" else net.network_address + 1)
        return Address(ip=ip, kind="tunnel" if role == "tunnel" else "bridge", owner=node.label)

    def egress_addr(self, node: NodeRef, towards: NodeRef) -> Address:
        """Source address a node picks (or masquerades to) for traffic to a Pod on ``towards``."""
        if node.same(towards):
            return self.device_addr(node, "bridge") if self.prof.has("bridge") else self.node_addr(node)
        return self.device_addr(node, "tunnel") if self.prof.has("tunnel") else self.node_addr(node)

    # emitting
    def step(self, step: PathStep) -> None:
        self.pending.append(step)

    def emit(self, node: NodeRef | None, role: str, *, namespace: str = "host", pod: PodRef | None = None,
             interface: str | None = None, end: str | None = None) -> None:
        assert self.pkt is not None
        known = True
        if interface is None:
            if role == "veth":
                interface, known = self.prof.devices["veth"].name, False
            elif role == "pod":
                interface = self.prof.devices["pod"].name
            else:
                assert node is not None
                interface = self.device(node, role)
        on_wire = role == "host_nic" and self.pkt.encap is not None
        self.hops.append(
            Hop(
                index=len(self.hops), direction=REQUEST, node=node.name if node else None, node_ip=node.ip if node else None,
                namespace=namespace, pod=pod.name if pod else None, pod_namespace=pod.namespace if pod else None,
                pod_ip=pod.ip if pod else None, interface=interface, interface_known=known, role=role, end=end,
                src=self.pkt.src, dst=self.pkt.dst, protocol=self.res.protocol if self.res.dest_port else None,
                encapsulation=self.pkt.encap if on_wire else None,
                outer_src=self.pkt.outer_src if on_wire else None, outer_dst=self.pkt.outer_dst if on_wire else None,
                steps=self.pending,
            )
        )
        self.pending = []

    # segments
    def pod_out(self, pod: PodRef) -> None:
        self.emit(pod.node, "pod", namespace="pod", pod=pod, end="source")
        self.emit(pod.node, "veth", pod=pod)
        if self.prof.has("bridge"):
            self.emit(pod.node, "bridge")

    def across(self, a: NodeRef, b: NodeRef) -> None:
        """Pod-network traffic from node a's stack to node b's stack: tunnel, encapsulation, host NICs."""
        assert self.pkt is not None
        enc = self.prof.encapsulation
        if self.prof.has("tunnel"):
            self.emit(a, "tunnel")
        if enc is not None:
            self.pkt.outer_src, self.pkt.outer_dst, self.pkt.encap = self.node_addr(a), self.node_addr(b), enc.kind
            self.step(PathStep(kind="encapsulate", by=enc.kind, outer_src=self.pkt.outer_src, outer_dst=self.pkt.outer_dst))
        self.emit(a, "host_nic")
        self.emit(b, "host_nic")
        if enc is not None:
            self.step(PathStep(kind="decapsulate", by=enc.kind, outer_src=self.pkt.outer_src, outer_dst=self.pkt.outer_dst))
            self.pkt.outer_src = self.pkt.outer_dst = self.pkt.encap = None
        if self.prof.has("tunnel"):
            self.emit(b, "tunnel")

    def underlay(self, a: NodeRef, b: NodeRef, *, last: bool) -> None:
        """Host-network traffic between two nodes' NICs (no encapsulation)."""
        self.emit(a, "host_nic")
        self.emit(b, "host_nic", end="destination" if last else None)

    def to_pod(self, at: NodeRef, pod: PodRef, *, bridge_done: bool) -> None:
        """From node ``at``'s stack into ``pod`` (on the same node or across nodes)."""
        if not at.same(pod.node):
            self.across(at, pod.node)
            bridge_done = False
        if self.prof.has("bridge") and not bridge_done:
            self.emit(pod.node, "bridge")
        self.emit(pod.node, "veth", pod=pod)
        self.emit(pod.node, "pod", namespace="pod", pod=pod, end="destination")

    def masquerade(self, before: Address, after: Address) -> None:
        assert self.pkt is not None
        self.pkt.src = after
        if before == after:
            return
        self.step(PathStep(kind="snat", by="masquerade", before=before, after=after))

    def build(self) -> list[Hop]:
        r = self.res
        s_node = r.source_node
        dst_addr = Address(ip=r.dest_ip, port=r.dest_port, kind=_dest_kind(r.dest_kind), owner=None)
        if r.source_pod is not None:
            src = Address(ip=r.source_pod.ip, kind="pod", owner=r.source_pod.name)
        else:
            src = self.node_addr(s_node)
        self.pkt = _Packet(src=src, dst=dst_addr)
        from_pod = r.source_pod is not None
        if r.source_pod is not None:
            self.pod_out(r.source_pod)

        if r.dest_kind == "pod":
            assert r.target_pod is not None
            if not from_pod:
                self.pkt.src = self.egress_addr(s_node, r.target_pod.node)
            self.to_pod(s_node, r.target_pod, bridge_done=from_pod)
        elif r.dest_kind == "service":
            assert r.target_pod is not None
            self.dnat(r.target_pod, "kube-proxy " + _proxy_mode(self.facts))
            if not from_pod:
                self.masquerade(src, self.egress_addr(s_node, r.target_pod.node))
            self.to_pod(s_node, r.target_pod, bridge_done=from_pod)
        elif r.dest_kind in ("node", "nodeport"):
            t = r.target_node
            assert t is not None
            nodeport = r.dest_kind == "nodeport"
            if not s_node.same(t):
                if from_pod:
                    self.masquerade(src, self.node_addr(s_node))
                self.underlay(s_node, t, last=not nodeport)
            elif from_pod and not nodeport:
                self.hops[-1].end = "destination"
            if nodeport:
                assert r.target_pod is not None
                self.dnat(r.target_pod, "kube-proxy " + _proxy_mode(self.facts) + " NodePort")
                self.masquerade(self.pkt.src, self.egress_addr(t, r.target_pod.node))
                self.to_pod(t, r.target_pod, bridge_done=from_pod and s_node.same(t))
        else:
            if from_pod:
                self.masquerade(src, self.node_addr(s_node))
            self.emit(s_node, "host_nic")
            self.emit(None, "other", namespace="external", interface="any", end="destination")
        if self.hops:
            self.hops[0].end = "source"
        return self.hops

    def dnat(self, backend: PodRef, by: str) -> None:
        assert self.pkt is not None
        after = Address(ip=backend.ip, port=backend.port, kind="pod", owner=backend.name)
        self.step(PathStep(kind="dnat", by=by, before=self.pkt.dst, after=after))
        self.pkt.dst = after


def _dest_kind(kind: str) -> Any:
    return {"pod": "pod", "service": "service", "node": "node", "nodeport": "node", "external": "external"}[kind]


def _proxy_mode(facts: FactFile) -> str:
    mode = facts.cluster.kube_proxy_mode
    return "ipvs" if mode == "ipvs" else "iptables"


_INVERSE = {"dnat": "un_dnat", "snat": "un_snat", "encapsulate": "decapsulate", "decapsulate": "encapsulate"}


def _reverse_step(step: PathStep) -> PathStep:
    return PathStep(kind=_INVERSE.get(step.kind, step.kind), by=step.by, before=step.after, after=step.before,
                    outer_src=step.outer_dst, outer_dst=step.outer_src)


def reply_hops(request: list[Hop]) -> list[Hop]:
    """The reply crosses the same interfaces backwards, addresses swapped and NAT undone (conntrack)."""
    out: list[Hop] = []
    for hop in request:
        later = request[hop.index + 1].steps if hop.index + 1 < len(request) else []
        out.append(hop.model_copy(update={
            "direction": REPLY, "src": hop.dst, "dst": hop.src, "outer_src": hop.outer_dst, "outer_dst": hop.outer_src,
            "steps": [_reverse_step(s) for s in reversed(later)],
        }))
    return out


def build_path(facts: FactFile, fill_in: bool = False) -> PacketPath:
    """The packet path of the case: nodes ``("request", i)`` and ``("reply", i)``, each with ``hop`` (a :class:`Hop`).

    Edges follow the packet: request 0 -> 1 -> ... -> n-1 -> reply n-1 -> ... -> reply 0; each
    edge carries ``steps`` (NAT, encapsulation) made between the two hops. Graph attributes: ``case``,
    ``cni``, ``mode``, ``profile``, ``kube_proxy_mode``, ``notes`` and ``resolved`` (the endpoints).
    """
    res = resolve(facts, fill_in)
    prof, notes = profile_for(facts.cluster.cni, facts.cluster.mode, fallback=fill_in)
    if facts.cluster.kube_proxy_mode in ("unknown", "none") and res.dest_kind in ("service", "nodeport"):
        notes.append("kube_proxy:iptables")
    request = _Builder(facts, prof, res).build()
    reply = reply_hops(request)
    g = PacketPath(case=facts.case.id, cni=prof.cni, mode=prof.mode, profile=prof.id,
                   kube_proxy_mode=_proxy_mode(facts), notes=notes + res.notes, resolved=res)
    for hop in request:
        g.add_node((REQUEST, hop.index), hop=hop)
    for hop in reply:
        g.add_node((REPLY, hop.index), hop=hop)
    for a, b in zip(request, request[1:]):
        g.add_edge((REQUEST, a.index), (REQUEST, b.index), steps=b.steps)
    g.add_edge((REQUEST, request[-1].index), (REPLY, request[-1].index), steps=[])
    for a, b in zip(reply, reply[1:]):
        g.add_edge((REPLY, b.index), (REPLY, a.index), steps=a.steps)
    return g


def hops(graph: PacketPath, direction: Direction = REQUEST) -> list[Hop]:
    """The hops of one direction in the order the packet crosses them."""
    n = sum(1 for d, _ in graph.nodes if d == REQUEST)
    order: Iterable[tuple[str, int]] = graph.shortest_path((REQUEST, 0), (REPLY, 0))  # type: ignore[assignment]
    items = [graph.nodes[key]["hop"] for key in order if key[0] == direction]
    assert len(items) == n
    return items
