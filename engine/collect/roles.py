"""Roles from addresses: which vantage point is the source, the destination, or neither.

Each vantage point without ``--as`` is placed by what it owns and shows:

* the one that owns the destination address (the Pod, or a Service's backend Pod; a node when the
  destination is a node's own address) is the **destination** (Pod or node): its listening
  sockets are read, it sends no probes;
* a node whose PodCIDR holds a destination Pod is the **destination node**;
* a Pod that owns a backend of the cluster DNS Service is the DNS server, **other_pod**: the
  case's traffic does not start there;
* every other Pod and node may be the source: each sends the probes, and the one whose probe
  failed is the **source** (a Pod before a node; when nothing failed, the first Pod given);
  the node whose PodCIDR holds the source Pod is the **source node**. The others are
  ``other_pod``/``other_node`` and their observations are left out: a healthy peer must not
  stand for the faulty host.

A role given with ``--as`` is kept as given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from ..inputs.cluster_context import ClusterContext, HostView, Interface, infer_context
from .dns_probe import read_resolv_conf
from .targets import Plan, Target

if TYPE_CHECKING:
    from .run import _Station

_PROBES = ("tcp_connect", "ping", "dns_lookup")


def host_view(s: _Station) -> HostView:
    """What a vantage point showed in phase one, in the shape the context inference reads."""
    view = HostView(s.vantage.label)
    if s.view is not None:
        view.interfaces = [Interface(l.name, list(l.addresses), l.kind) for l in s.view.links]
        view.routes = [(r.destination, r.via, r.dev) for r in s.view.route_entries()]
    table = s.nat or s.filter
    view.ruleset = table.ruleset if table is not None else None
    if s.ctx is not None and not s.ctx.is_node:
        try:
            view.nameservers = read_resolv_conf(s.vantage.resolv_conf)["nameservers"]
        except OSError:
            pass
    return view


def infer(stations: list[_Station]) -> ClusterContext:
    """The cluster context every vantage point shows together (:mod:`podnet.inputs.cluster_context`)."""
    return infer_context([host_view(s) for s in stations])


def complete_plan(plan: Plan, context: ClusterContext) -> None:
    """Values not given on the command line, from the collected state."""
    if plan.cluster_dns is None and context.dns_service_ip:
        plan.cluster_dns = context.dns_service_ip
    if plan.pod_cidr is None and context.pod_cidr:
        plan.pod_cidr = context.pod_cidr


def _owns(s: _Station, ip: str | None) -> bool:
    return bool(ip) and s.view is not None and any(a.split("/")[0] == ip for l in s.view.links for a in l.addresses)


def assign(stations: list[_Station], plan: Plan, context: ClusterContext, backends: list[Target],
           dns_backends: list[Target], is_service: Callable[[str], bool]) -> None:
    """Destination and DNS-server roles from the addresses each vantage point owns."""
    dst = plan.destination
    dst_ips = [b.ip for b in backends]
    if dst is not None and not is_service(dst.ip):
        dst_ips.insert(0, dst.ip)
    dns_ips = {b.ip for b in dns_backends}
    dst_nodes = {context.node_of(ip) for ip in dst_ips} - {None}
    for s in stations:
        if s.vantage.role or s.ctx is None:
            continue
        if s.ctx.is_node:
            if any(_owns(s, ip) for ip in dst_ips) or s.vantage.label in dst_nodes:
                s.ctx.role = "destination_node"
        elif any(_owns(s, ip) for ip in dst_ips):
            s.ctx.role = "destination_pod"
        elif any(_owns(s, ip) for ip in dns_ips):
            s.ctx.role = "other_pod"
    if not any(s.ctx is not None and s.ctx.is_source for s in stations):
        # nothing else could have sent the failing traffic: the node the user ran on (the
        # destination's node too, when source and destination share it) probes as the source node
        node = next((s for s in stations if not s.vantage.role and s.ctx is not None and s.ctx.role == "destination_node"), None)
        if node is not None and node.ctx is not None:
            node.ctx.role = "source_node"


def _failed(s: _Station) -> bool:
    for o in s.observations:
        kind, result = o.get("kind"), o.get("result")
        if kind == "tcp_connect" and result != "connected" or kind == "ping" and result != "ok":
            return True
        if kind == "dns_lookup" and result not in ("ok", None):
            return True
    return False


def _ip(s: _Station) -> str | None:
    return s.view.first_ipv4() if s.view is not None else None


def settle_source(stations: list[_Station], context: ClusterContext) -> None:
    """Of the vantage points that may be the source, the one whose probe failed is; its node is
    the source node; the rest become other_pod/other_node and their observations are dropped."""
    told = [s for s in stations if s.vantage.role and s.vantage.role.startswith("source")]
    open_ = [s for s in stations if not s.vantage.role and s.ctx is not None and s.ctx.is_source]
    pods = [s for s in open_ if not s.ctx.is_node]  # type: ignore[union-attr]
    nodes = [s for s in open_ if s.ctx.is_node]  # type: ignore[union-attr]
    source: _Station | None = next((s for s in told if not s.ctx.is_node), None)  # type: ignore[union-attr]
    source = source or next((s for s in told if s.ctx.is_node), None)  # type: ignore[union-attr]
    if source is None:
        source = (next((s for s in pods if _failed(s)), None) or next((s for s in nodes if _failed(s)), None)
                  or (pods[0] if pods else nodes[0] if nodes else None))
    keep: set[int] = {id(s) for s in told}
    if source is not None:
        keep.add(id(source))
        if source.ctx is not None and not source.ctx.is_node:
            node = context.node_of(_ip(source))
            keep |= {id(s) for s in nodes if s.vantage.label == node}
            if node is None and len(nodes) == 1:
                keep.add(id(nodes[0]))  # the only node given: the Pod's, as far as anything tells
    for s in open_:
        if id(s) not in keep and s.ctx is not None:
            s.ctx.role = "other_node" if s.ctx.is_node else "other_pod"
    for s in stations:
        if s.ctx is None:
            continue
        if s.ctx.role.startswith("other"):
            s.observations = []
            s.gaps = []
        for o in s.observations:
            o["at"] = s.ctx.role


def summary(stations: list[_Station]) -> dict[str, Any]:
    """host -> role, for the case summary."""
    return {s.ctx.host: s.ctx.role for s in stations if s.ctx is not None}
