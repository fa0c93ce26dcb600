"""The addresses Kubernetes knows a case's nodes by (one definition: the enrichment and the packet
path's localisation both ask whether an address is one of them)."""

from __future__ import annotations

from .model import FactFile
from .observations import NodeAddresses

__all__ = ["registered_node_ips"]


def registered_node_ips(facts: FactFile) -> set[str]:
    """Addresses Kubernetes knows nodes by: InternalIPs, flannel public-ips, endpoint node IPs."""
    ips = {n.internal_ip for n in facts.cluster.nodes if n.internal_ip}
    ips |= {ip for ip in (facts.endpoints.source.node_ip, facts.endpoints.destination.node_ip) if ip}
    ips |= {b.node_ip for b in facts.endpoints.destination.backends if b.node_ip}
    for o in facts.observations:
        if isinstance(o, NodeAddresses):
            ips |= {ip for ip in (o.registered_ip, o.flannel_public_ip) if ip}
    return ips
