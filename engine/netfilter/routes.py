"""Longest-prefix match over a routing table, and what the chosen route is for a Pod address.

The entries come from the existing parsers (``ip route`` through jc, netlink through pyroute2);
this module only chooses among them, as the kernel's main table lookup does: the longest prefix
wins, then the lowest metric. ``classify`` tells a route of the Pod network's own (``specific``)
from one that only covers it (a summary such as ``198.18.0.0/15 via 198.18.0.1`` that also holds
the host's own underlay address), the default route, and no route at all.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

PodRoute = Literal["specific", "covering", "default", "none"]
_NO_WAY = ("blackhole", "unreachable", "prohibit", "throw")


@dataclass(frozen=True)
class RouteEntry:
    destination: str
    """CIDR (``0.0.0.0/0`` for the default route)."""
    via: str | None = None
    dev: str | None = None
    kind: str = "unicast"
    metric: int = 0

    @property
    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        return ipaddress.ip_network(self.destination, strict=False)


def lookup(routes: Iterable[RouteEntry], ip: str) -> RouteEntry | None:
    """The route the kernel would pick for ``ip`` (longest prefix, then lowest metric)."""
    addr = ipaddress.ip_address(ip)
    best: RouteEntry | None = None
    for r in routes:
        net = r.network
        if net.version != addr.version or addr not in net:
            continue
        if best is None or (net.prefixlen, -r.metric) > (best.network.prefixlen, -best.metric):
            best = r
    return best


def classify(routes: Iterable[RouteEntry], ip: str, pod_cidr: str | None = None,
             underlay: Iterable[str] = ()) -> tuple[PodRoute | None, RouteEntry | None]:
    """What carries ``ip`` (a remote Pod's address): its Pod network's own route (``specific``),
    a wider route that only covers it (``covering``), the default route, or nothing (``none``,
    also for blackhole/unreachable/prohibit routes).

    ``pod_cidr``: the remote node's Pod CIDR (or the cluster's). Without it a route is
    ``covering`` when it also holds one of the ``underlay`` addresses (the host's NIC addresses),
    and otherwise undetermined (None).
    """
    routes = list(routes)
    best = lookup(routes, ip)
    if best is None or best.kind in _NO_WAY:
        return "none", best
    net = best.network
    if net.prefixlen == 0:
        return "default", best
    if pod_cidr is not None:
        pod = ipaddress.ip_network(pod_cidr, strict=False)
        if pod.version == net.version and net.subnet_of(pod):  # type: ignore[arg-type]
            return "specific", best
        return "covering", best
    for a in underlay:
        try:
            if ipaddress.ip_interface(a).ip in net:
                return "covering", best
        except ValueError:
            continue
    # Networks inside the matched one have routes of their own (host-gw's per-node Pod networks,
    # the node network): the matched route is the summary around them, and ``ip``'s network has none.
    for r in routes:
        try:
            other = r.network
        except ValueError:
            continue
        if r is not best and r.kind == "unicast" and other.version == net.version and other != net and other.subnet_of(net):  # type: ignore[arg-type]
            return "covering", best
    return None, best
