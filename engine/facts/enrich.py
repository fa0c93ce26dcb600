"""Fill in derived observation fields from the case, so that rules can stay simple.

Nothing here is a diagnosis: it only says what an address is in this case (the destination,
a backend Pod, the DNS Service...), which role an interface plays (from the name patterns in
``kb/interfaces.yaml``), the MTUs next to an interface at the same vantage point, and whether
a VXLAN outer source is a registered node address. Fields the input already set are kept.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Callable

from .model import FactFile
from .observations import Capture, DnsLookup, InterfaceMtu, MtuProbe, NodeAddresses, Ping, PodDnsConfig, ServiceRules, TcpConnect


def _roles(facts: FactFile) -> dict[str, str]:
    dst = facts.endpoints.destination
    src = facts.endpoints.source
    roles: dict[str, str] = {}
    for b in dst.backends:
        roles.setdefault(b.ip, "backend")
    if dst.ip:
        roles[dst.ip] = "destination"
    if dst.node_ip:
        roles.setdefault(dst.node_ip, "destination_node")
    for b in dst.backends:
        if b.node_ip:
            roles.setdefault(b.node_ip, "destination_node")
    if src.node_ip:
        roles.setdefault(src.node_ip, "source_node")
    if facts.cluster.dns_service_ip:
        roles.setdefault(facts.cluster.dns_service_ip, "dns_service")
    return roles


def registered_node_ips(facts: FactFile) -> set[str]:
    """Addresses Kubernetes knows nodes by: InternalIPs, flannel public-ips, endpoint node IPs."""
    ips = {n.internal_ip for n in facts.cluster.nodes if n.internal_ip}
    ips |= {ip for ip in (facts.endpoints.source.node_ip, facts.endpoints.destination.node_ip) if ip}
    ips |= {b.node_ip for b in facts.endpoints.destination.backends if b.node_ip}
    for o in facts.observations:
        if isinstance(o, NodeAddresses):
            ips |= {ip for ip in (o.registered_ip, o.flannel_public_ip) if ip}
    return ips


def enrich(facts: FactFile, interface_role: Callable[[str, str | None], str]) -> FactFile:
    """Set derived fields of the observations in place (callers pass copies) and return the fact file."""
    roles = _roles(facts)
    dns_ip = facts.cluster.dns_service_ip
    dst = facts.endpoints.destination
    dst_service_ip = dst.ip if dst.kind == "service" else None
    mtus: dict[tuple[str, str | None], dict[str, int]] = defaultdict(dict)
    for o in facts.observations:
        if isinstance(o, (Ping, TcpConnect, MtuProbe)) and o.target_role is None:
            o.target_role = roles.get(o.target, "other")  # type: ignore[assignment]
        elif isinstance(o, ServiceRules) and o.service_ip is None and dst_service_ip:
            o.service_ip = dst_service_ip  # rules looked up without an address are the case's Service's
        elif isinstance(o, PodDnsConfig) and o.cluster_dns_ip is None and dns_ip:
            o.cluster_dns_ip = dns_ip
        elif isinstance(o, DnsLookup) and o.server_role is None:
            if o.server is None:
                o.server_role = "resolv_conf"
            else:
                o.server_role = "cluster_dns" if o.server == dns_ip else "other"
        elif isinstance(o, InterfaceMtu):
            if o.role is None:
                o.role = interface_role(o.interface, o.at)  # type: ignore[assignment]
            slot = mtus[(o.at, o.host)]
            if o.role in ("host_nic", "tunnel"):
                slot[o.role] = min(o.mtu, slot.get(o.role, o.mtu))
        elif isinstance(o, Capture):
            if o.hop is None:
                o.hop = interface_role(o.interface, o.at)  # type: ignore[assignment]
            if o.flow_role is None and o.flow_target:
                o.flow_role = roles.get(o.flow_target, "other")  # type: ignore[assignment]
    registered = registered_node_ips(facts)
    for o in facts.observations:
        if isinstance(o, InterfaceMtu):
            slot = mtus[(o.at, o.host)]
            if o.underlay_mtu is None:
                o.underlay_mtu = slot.get("host_nic")
            if o.tunnel_mtu is None:
                o.tunnel_mtu = slot.get("tunnel")
        elif isinstance(o, Capture) and o.outer_src and o.outer_src_registered is None and registered:
            o.outer_src_registered = o.outer_src in registered
    return facts
