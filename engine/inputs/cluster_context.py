"""The cluster's context from what the hosts themselves show: one inference for ``collect`` and ``ingest``.

Each host (a node or a Pod) contributes what it showed: its interfaces (name, kind, addresses),
its routes, its netfilter ruleset, the nameservers of its resolv.conf, flannel's subnet.env.
From these:

* **cluster DNS IP**: the ClusterIP kube-proxy's rules name ``kube-system/kube-dns`` (or
  ``coredns``); else a Pod's nameserver that is a ClusterIP those rules program. A Pod's
  resolv.conf alone never decides it (it is what a broken Pod may have wrong).
* **cluster Pod CIDR**: flannel's ``FLANNEL_NETWORK``; else kube-proxy's ``--cluster-cidr`` as its
  ``KUBE-SERVICES ! -s CIDR ... -j KUBE-MARK-MASQ`` rule shows it.
* **Pod CIDR per node**: flannel's ``FLANNEL_SUBNET``, the network of the Pod bridge (cni0, cbr0,
  kube-bridge), or a route on that bridge without a gateway.
* **CNI and mode**: flannel.1 (VXLAN) -> flannel/vxlan; vxlan.calico -> calico/vxlan; tunl0
  (IPIP) -> calico/ipip; cilium_vxlan -> cilium/vxlan.
* **kube-proxy mode**: kube-ipvs0 -> ipvs; KUBE-SERVICES jumping to KUBE-SVC-* -> iptables; an
  nftables table ``kube-proxy`` -> nftables.

The Service CIDR is not inferred: nothing on a node states it (kube-apiserver's flag does);
Services are told apart by the ClusterIPs kube-proxy programs instead.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from ..netfilter.model import Ruleset
from ..netfilter.services import kube_services

POD_BRIDGES = ("cni0", "cbr0", "kube-bridge")
"""Bridges that carry a node's PodCIDR (docker0 carries Docker's own range unless configured)."""

_TUNNELS: dict[str, tuple[str, str]] = {
    "flannel.1": ("flannel", "vxlan"),
    "flannel.ipip": ("flannel", "ipip"),
    "vxlan.calico": ("calico", "vxlan"),
    "tunl0": ("calico", "ipip"),
    "cilium_vxlan": ("cilium", "vxlan"),
}
_DNS_SERVICES = ("kube-system/kube-dns", "kube-system/coredns")


@dataclass
class Interface:
    name: str
    addresses: list[str] = field(default_factory=list)
    """CIDR form (``10.244.1.1/24``), primary first."""
    kind: str | None = None


@dataclass
class HostView:
    """What one host showed about itself."""

    name: str
    interfaces: list[Interface] = field(default_factory=list)
    routes: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    """(destination CIDR, gateway, device)."""
    ruleset: Ruleset | None = None
    nameservers: list[str] = field(default_factory=list)
    subnet_env: dict[str, str] | None = None

    def owns(self, ip: str | None) -> bool:
        return bool(ip) and any(a.split("/")[0] == ip for i in self.interfaces for a in i.addresses)

    @property
    def is_node(self) -> bool:
        """A node shows a Pod bridge, a CNI tunnel, kube-ipvs0 or kube-proxy's chains."""
        names = {i.name for i in self.interfaces}
        if names & {*POD_BRIDGES, *_TUNNELS, "kube-ipvs0"} or any(i.kind in ("vxlan", "ipip", "bridge") for i in self.interfaces):
            return True
        return self.ruleset is not None and bool(kube_services(self.ruleset))

    def pod_cidr(self) -> str | None:
        """This node's PodCIDR (None for a Pod or when nothing shows it)."""
        if self.subnet_env and self.subnet_env.get("FLANNEL_SUBNET"):
            return _network(self.subnet_env["FLANNEL_SUBNET"])
        for i in self.interfaces:
            if i.name in POD_BRIDGES and i.addresses:
                return _network(i.addresses[0])
        for dest, via, dev in self.routes:
            if dev in POD_BRIDGES and not via:
                return _network(dest)
        return None


def _network(cidr: str) -> str | None:
    try:
        return str(ipaddress.ip_interface(cidr).network)
    except ValueError:
        return None


@dataclass
class ClusterContext:
    dns_service_ip: str | None = None
    pod_cidr: str | None = None
    node_pod_cidrs: dict[str, str] = field(default_factory=dict)
    cni: str | None = None
    mode: str | None = None
    kube_proxy_mode: str | None = None
    services: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    """ClusterIP -> (namespace/name, port) as kube-proxy programs them."""

    def cluster_fields(self) -> dict[str, Any]:
        """The fact file's ``cluster`` fields this context knows (None left out)."""
        out = {"dns_service_ip": self.dns_service_ip, "pod_cidr": self.pod_cidr, "cni": self.cni, "mode": self.mode,
               "kube_proxy_mode": self.kube_proxy_mode}
        return {k: v for k, v in out.items() if v is not None}

    def node_of(self, ip: str | None) -> str | None:
        """The node whose PodCIDR holds ``ip``."""
        if not ip:
            return None
        addr = ipaddress.ip_address(ip)
        for node, cidr in self.node_pod_cidrs.items():
            net = ipaddress.ip_network(cidr, strict=False)
            if addr.version == net.version and addr in net:
                return node
        return None


def _masq_cluster_cidr(ruleset: Ruleset) -> str | None:
    nat = ruleset.table("nat")
    for r in nat.chain("KUBE-SERVICES") if nat else []:
        if r.target is None or r.target.name != "KUBE-MARK-MASQ":
            continue
        for m in r.matches:
            if m.kind == "src" and m.negated and m.value:
                return str(m.value[0])
    return None


def infer_context(hosts: list[HostView]) -> ClusterContext:
    """The cluster context the hosts show together (each field from the first host that shows it)."""
    ctx = ClusterContext()
    for h in hosts:
        if h.ruleset is not None:
            for ip, svc in kube_services(h.ruleset).items():
                ctx.services.setdefault(ip, svc)
    ctx.dns_service_ip = next((ip for ip, (name, _port) in ctx.services.items() if name.startswith(_DNS_SERVICES)), None)
    if ctx.dns_service_ip is None:
        ctx.dns_service_ip = next((ns for h in hosts if not h.is_node for ns in h.nameservers if ns in ctx.services), None)
    for h in hosts:
        if h.subnet_env and h.subnet_env.get("FLANNEL_NETWORK"):
            ctx.pod_cidr = _network(h.subnet_env["FLANNEL_NETWORK"])
            break
    if ctx.pod_cidr is None:
        ctx.pod_cidr = next((c for h in hosts if h.ruleset is not None and (c := _masq_cluster_cidr(h.ruleset))), None)
    for h in hosts:
        if h.is_node and (cidr := h.pod_cidr()):
            ctx.node_pod_cidrs.setdefault(h.name, cidr)
        for i in h.interfaces:
            if i.name in _TUNNELS and ctx.cni is None:
                ctx.cni, ctx.mode = _TUNNELS[i.name]
        if h.subnet_env and ctx.cni is None:
            ctx.cni = "flannel"
        names = {i.name for i in h.interfaces}
        if ctx.kube_proxy_mode is None:
            if "kube-ipvs0" in names:
                ctx.kube_proxy_mode = "ipvs"
            elif h.ruleset is not None and _kube_proxy_iptables(h.ruleset):
                ctx.kube_proxy_mode = "iptables"
            elif h.ruleset is not None and any(t.name == "kube-proxy" for t in h.ruleset.tables) and h.ruleset.source == "nft-json":
                ctx.kube_proxy_mode = "nftables"
    return ctx


def _kube_proxy_iptables(ruleset: Ruleset) -> bool:
    nat = ruleset.table("nat")
    return nat is not None and any(
        r.target is not None and r.target.name.startswith("KUBE-SVC-") for r in nat.chain("KUBE-SERVICES"))


def read_subnet_env(text: str) -> dict[str, str]:
    """flannel's ``/run/flannel/subnet.env`` (``KEY=VALUE`` lines)."""
    out = {}
    for line in text.splitlines():
        key, eq, value = line.strip().partition("=")
        if eq and key.startswith("FLANNEL_"):
            out[key] = value.strip().strip('"')
    return out
