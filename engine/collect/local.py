"""What a vantage point can read about itself: interfaces, addresses, routes, sockets, sysctls.

Netlink is read with pyroute2 (imported lazily); per-namespace /proc files are read through
``/proc/thread-self`` so that a thread which entered a namespace sees that namespace.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..facts.base import HopRole
from ..netfilter.routes import RouteEntry, classify
from .base import Context, Obs, Unobservable, parse_output

TUNNEL_KINDS = ("vxlan", "ipip", "gre", "geneve", "wireguard")


@dataclass
class Link:
    index: int
    name: str
    kind: str | None
    mtu: int
    operstate: str
    carrier: bool
    up: bool
    addresses: list[str] = field(default_factory=list)  # CIDR, kernel order (primary first)
    vxlan_local: str | None = None
    vxlan_link: int | None = None

    @property
    def role(self) -> HopRole:
        """The interface's role on the packet path, by the names of :data:`podnet.facts.base.HopRole`
        (what the kernel says the device is; ``host_nic`` for any other device)."""
        if self.name == "lo":
            return "loopback"
        if self.kind in TUNNEL_KINDS:
            return "tunnel"
        if self.kind == "bridge":
            return "bridge"
        return "veth" if self.kind == "veth" and self.name.startswith(("veth", "cali", "lxc")) else "host_nic"


@dataclass
class LocalView:
    links: list[Link]
    routes: list[dict[str, Any]]

    def by_index(self, index: int | None) -> Link | None:
        return next((l for l in self.links if l.index == index), None)

    def by_name(self, name: str) -> Link | None:
        return next((l for l in self.links if l.name == name), None)

    @property
    def looks_like_node(self) -> bool:
        """A Pod bridge or CNI tunnel, or kube-proxy's kube-ipvs0 (an IPVS node without a bridge)."""
        return any(l.role in ("bridge", "tunnel") or l.name == "kube-ipvs0" for l in self.links)

    @property
    def tunnel(self) -> Link | None:
        return next((l for l in self.links if l.role == "tunnel"), None)

    def underlay(self) -> Link | None:
        """The NIC carrying the overlay: the tunnel's device, else the default route's, else eth0."""
        t = self.tunnel
        if t is not None and t.vxlan_link:
            link = self.by_index(t.vxlan_link)
            if link is not None:
                return link
        for r in self.routes:
            if r["dst_len"] == 0 and r.get("oif"):
                link = self.by_index(r["oif"])
                if link is not None:
                    return link
        return next((l for l in self.links if l.role == "host_nic" and l.addresses), None)

    def first_ipv4(self) -> str | None:
        for l in self.links:
            if l.name != "lo" and l.addresses:
                return l.addresses[0].split("/")[0]
        return None

    def route_entries(self) -> list[RouteEntry]:
        """The main table as :class:`podnet.netfilter.routes.RouteEntry` (unicast and no-way routes)."""
        out = []
        for r in self.routes:
            kind = _ROUTE_TYPES.get(r.get("type", 1))
            if kind is None:
                continue
            link = self.by_index(r.get("oif"))
            out.append(RouteEntry(f"{r['dst'] or '0.0.0.0'}/{r['dst_len']}", r.get("gateway"), link.name if link else None, kind))
        return out

    def underlay_addresses(self) -> list[str]:
        """Addresses on the host's NICs (not bridges, tunnels, veths or lo)."""
        return [a for l in self.links if l.role == "host_nic" for a in l.addresses]


_ROUTE_TYPES = {1: "unicast", 6: "blackhole", 7: "unreachable", 8: "prohibit", 9: "throw"}


def read_local() -> LocalView:
    """Links, IPv4 addresses and main-table IPv4 routes of the calling thread's namespace."""
    try:
        from pyroute2 import IPRoute
    except ImportError:
        raise Unobservable(("interface_mtu", "route", "link_status", "node_addresses"), "pyroute2_missing") from None
    links: list[Link] = []
    routes: list[dict[str, Any]] = []
    with IPRoute() as ipr:
        for msg in ipr.get_links():
            info = msg.get("IFLA_LINKINFO")
            kind = info.get("IFLA_INFO_KIND") if info else None
            data = info.get("IFLA_INFO_DATA") if info else None
            link = Link(
                index=msg["index"],
                name=msg.get("IFLA_IFNAME"),
                kind=kind,
                mtu=msg.get("IFLA_MTU"),
                operstate=str(msg.get("IFLA_OPERSTATE") or "UNKNOWN"),
                carrier=bool(msg.get("IFLA_CARRIER", 1)),
                up=bool(msg["flags"] & 1),
            )
            if kind == "vxlan" and data is not None:
                link.vxlan_local = data.get("IFLA_VXLAN_LOCAL")
                link.vxlan_link = data.get("IFLA_VXLAN_LINK")
            links.append(link)
        by_index = {l.index: l for l in links}
        for msg in ipr.get_addr(family=2):
            owner = by_index.get(msg["index"])
            if owner is not None:
                owner.addresses.append(f"{msg.get('IFA_ADDRESS')}/{msg['prefixlen']}")
        for msg in ipr.get_routes(family=2, table=254):
            routes.append({
                "dst": msg.get("RTA_DST"),
                "dst_len": msg["dst_len"],
                "gateway": msg.get("RTA_GATEWAY"),
                "oif": msg.get("RTA_OIF"),
                "type": msg["type"],
            })
    return LocalView(links, routes)


def link_state(link: Link) -> str:
    if not link.up:
        return "down"
    if not link.carrier or link.operstate == "DOWN" or link.operstate == "LOWERLAYERDOWN":
        return "no_carrier"
    return "up"


def interface_facts(ctx: Context, view: LocalView) -> list[Obs]:
    """MTUs (pod eth0; node NIC, bridges, tunnel) and, on a node, link states and NIC addresses."""
    out: list[Obs] = []
    under = view.underlay()
    for l in view.links:
        if l.name == "lo":
            continue
        if ctx.is_node:
            if l.role == "veth":
                continue
            role = "host_nic" if under is not None and l.index == under.index else {"tunnel": "tunnel", "bridge": "bridge"}.get(l.role)
            if role is None:
                continue
        else:
            role = "pod"
        out.append(ctx.obs("interface_mtu", interface=l.name, mtu=l.mtu, role=role, note=f"ip link show {l.name}"))
        if ctx.is_node and role in ("host_nic", "tunnel"):
            out.append(ctx.obs("link_status", interface=l.name, state=link_state(l), note=f"ip link show {l.name}"))
    if ctx.is_node and under is not None:
        tunnel = view.tunnel
        out.append(ctx.obs(
            "node_addresses",
            interface=under.name,
            addresses=list(under.addresses),
            flannel_public_ip=tunnel.vxlan_local if tunnel is not None else None,
            note=f"ip -4 addr show {under.name}" + (f"; VXLAN {tunnel.name} local {tunnel.vxlan_local}" if tunnel and tunnel.vxlan_local else ""),
            **_ifcfg(ctx, under.name),
        ))
    return out


def _ifcfg(ctx: Context, nic: str) -> dict[str, str]:
    """BOOTPROTO and IPADDR of a RHEL-style ifcfg file, read only on the machine itself (by the parser
    pasted ifcfg files go through: :mod:`podnet.inputs.raw.ifcfg`)."""
    if ctx.vantage.kind != "current":
        return {}
    path = Path("/etc/sysconfig/network-scripts") / f"ifcfg-{nic}"
    try:
        text = path.read_text()
    except OSError:
        return {}
    found = parse_output("ifcfg", f"cat {path}", text, str(path))
    data = found[0] if found else {}
    return {k: str(data[k]) for k in ("bootproto", "static_ip") if data.get(k)}


def route_fact(ctx: Context, view: LocalView, ip: str, direction: str = "forward") -> Obs:
    """The route the kernel picks for ``ip`` (longest prefix): one of the Pod network's own, or
    only a covering route (a summary that also holds this host's NIC address), the default, none."""
    kind, route = classify(view.route_entries(), ip, ctx.plan.pod_cidr, view.underlay_addresses())
    present = kind == "specific" or (kind is None and route is not None)
    dest = str(route.network) if present and route is not None else f"{ip}/32"
    note = f"ip route get {ip}"
    if route is None:
        note += ": no route"
    elif not present:
        shown = "default/0" if route.network.prefixlen == 0 else str(route.network)
        note += f": only {shown} matches" + (f" ({route.kind})" if route.kind != "unicast" else "")
    return ctx.obs("route", destination=dest, direction=direction, present=present, via=route.via if route else None,
                   dev=route.dev if route else None, route_to_pod_cidr=kind, note=note)


def read_sysctl(name: str) -> str | None:
    try:
        return Path("/proc/sys", *name.split(".")).read_text().strip()
    except OSError:
        return None


def sysctl_facts(ctx: Context, view: LocalView) -> list[Obs]:
    names = ["net.ipv4.ip_forward", "net.ipv4.conf.all.rp_filter"]
    under = view.underlay()
    if under is not None and "." not in under.name:
        names.append(f"net.ipv4.conf.{under.name}.rp_filter")
    names.append("net.bridge.bridge-nf-call-iptables")
    out = []
    for name in names:
        value = read_sysctl(name)
        if value is not None:
            out.append(ctx.obs("sysctl", name=name, value=value, note=f"sysctl {name}"))
    if not out:
        raise Unobservable("sysctl", "proc_sys_unreadable")
    return out


def _sockets(kind: str) -> list[tuple[str, int, str]]:
    """(local address, local port, state hex) from /proc/thread-self/net/{tcp,tcp6}."""
    out = []
    for name in (kind, kind + "6"):
        try:
            lines = Path("/proc/thread-self/net", name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            addr_hex, port_hex = parts[1].split(":")
            raw = bytes.fromhex(addr_hex)
            if len(raw) == 4:
                addr = str(ipaddress.IPv4Address(raw[::-1]))
            else:
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                v6 = ipaddress.IPv6Address(words)
                addr = str(v6.ipv4_mapped) if v6.ipv4_mapped else str(v6)
            out.append((addr, int(port_hex, 16), parts[3]))
    return out


def listening(ctx: Context, port: int) -> Obs:
    """Whether anything listens on TCP ``port`` here, and on which addresses (``ss -ltn``)."""
    socks = _sockets("tcp")
    if not socks and not Path("/proc/thread-self/net/tcp").exists():
        raise Unobservable("listening_sockets", "proc_net_tcp_unreadable")
    addrs = sorted({a for a, p, st in socks if p == port and st == "0A"})
    return ctx.obs("listening_sockets", port=port, listening=bool(addrs), addresses=addrs, note=f"ss -ltn 'sport = :{port}'")


def pressure(ctx: Context) -> Obs:
    """Connection tracking fill and ephemeral ports in use."""
    count = read_sysctl("net.netfilter.nf_conntrack_count")
    cmax = read_sysctl("net.netfilter.nf_conntrack_max")
    fields: dict[str, int] = {}
    if count is not None and cmax is not None and int(cmax) > 0:
        fields.update(conntrack_count=int(count), conntrack_max=int(cmax))
    rng = read_sysctl("net.ipv4.ip_local_port_range")
    if rng:
        low, high = (int(x) for x in rng.split())
        used = sum(1 for _a, p, st in _sockets("tcp") if low <= p <= high and st != "0A")
        fields.update(ephemeral_ports_in_use=used, ephemeral_port_range=high - low + 1)
    if not fields:
        raise Unobservable("resource_pressure", "pressure_unreadable")
    return ctx.obs("resource_pressure", note="conntrack count/max, ss -tan", **fields)
