"""Turn what the vantage points saw into one fact file: case, cluster, endpoints, observations."""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..facts.load import facts_from_data
from ..facts.model import FactFile
from ..messages import Message
from ..cidr import ip_in
from .targets import Target

if TYPE_CHECKING:
    from ..inputs.model import IngestWarning
    from .run import _Runner


@dataclass
class Collected:
    """The fact file and what could not be observed (one message per gap, see ``kb/messages/collect.yaml``)."""

    facts: FactFile
    notes: list[Message] = field(default_factory=list)
    readings: list[tuple[str, IngestWarning]] = field(default_factory=list)
    """(vantage point, located warning) of the outputs read there, as ``podnet ingest`` words them:
    ``node-a (source_node): iptables-save:7: the filter table has no COMMIT line ...``."""

    @property
    def warnings(self) -> list[str]:
        """The notes in English."""
        return self.texts("en")

    def texts(self, lang: str = "en") -> list[str]:
        """The notes in ``lang`` (``en`` or ``zh``)."""
        return [n.text(lang) for n in self.notes] + [f"{where}: {w.location}: {w.text(lang)}" for where, w in self.readings]  # type: ignore[arg-type]


ALL_KINDS_TRIED = (
    "ping", "tcp_connect", "dns_lookup", "mtu_probe", "interface_mtu", "service_rules", "node_addresses",
    "route", "firewall", "listening_sockets", "resource_pressure", "pod_dns_config", "link_status", "sysctl",
)


def _nodes(runner: _Runner) -> list[dict[str, Any]]:
    nodes = []
    for s in runner.stations:
        if s.ctx is None or not s.ctx.is_node or s.view is None:
            continue
        under = s.view.underlay()
        tunnel = s.view.tunnel
        bridge = next((l for l in s.view.links if l.role == "bridge" and l.addresses), None)
        node: dict[str, Any] = {"name": s.ctx.host}
        ip = tunnel.vxlan_local if tunnel is not None and tunnel.vxlan_local else None
        if ip is None and under is not None and under.addresses:
            ip = under.addresses[0].split("/")[0]
        if ip:
            node["internal_ip"] = ip
        if bridge is not None:
            node["pod_cidr"] = str(ipaddress.ip_interface(bridge.addresses[0]).network)
        if under is not None:
            node["nic"] = under.name
        nodes.append(node)
    return nodes


def _node_of(ip: str, nodes: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((n for n in nodes if n.get("pod_cidr") and ip_in(ip, n["pod_cidr"])), None)


_OVERHEAD = {"vxlan": 50, "geneve": 50, "ipip": 20, "gre": 24, "wireguard": 60}


def _path_device_mtu(stations: list[Any]) -> int | None:
    """The smallest MTU the devices of the case's path are set to, for the packet as sent: the
    Pods' interfaces, the nodes' Pod bridges and tunnels, and their host NICs less the tunnel's
    encapsulation overhead (what an MTU probe is compared with)."""
    mtus: list[int] = []
    for s in stations:
        if s.ctx is None or s.view is None or s.ctx.role.startswith("other"):
            continue
        if not s.ctx.is_node:
            mtus += [l.mtu for l in s.view.links if l.name != "lo" and l.addresses and l.mtu]
            continue
        tunnel = s.view.tunnel
        mtus += [l.mtu for l in s.view.links if l.role == "bridge" and l.addresses and l.mtu]
        if tunnel is not None and tunnel.mtu:
            mtus.append(tunnel.mtu)
        under = s.view.underlay()
        if under is not None and under.mtu:
            mtus.append(under.mtu - (_OVERHEAD.get(tunnel.kind or "", 0) if tunnel is not None else 0))
    return min(mtus) if mtus else None


def assemble(runner: _Runner, backends: list[Target]) -> Collected:
    plan = runner.plan
    nodes = _nodes(runner)
    stations = [s for s in runner.stations if s.ctx is not None]
    src_station = next((s for s in stations if s.ctx.is_source), stations[0] if stations else None)  # type: ignore[union-attr]
    source: dict[str, Any] = {"kind": "pod"}
    if src_station is not None and src_station.ctx is not None:
        source["kind"] = "node" if src_station.ctx.is_node else "pod"
        source["name"] = src_station.ctx.host
        ip = runner.source_ip()
        if ip:
            source["ip"] = ip
            node = _node_of(ip, nodes)
            if source["kind"] == "node":
                source["node"], source["node_ip"] = src_station.ctx.host, ip
            elif node is not None:
                source["node"] = node["name"]
                if node.get("internal_ip"):
                    source["node_ip"] = node["internal_ip"]
    dst = plan.destination
    guessed: list[Message] = []
    destination: dict[str, Any] = {"kind": "external"}
    if dst is not None:
        node_ips = {n.get("internal_ip"): n for n in nodes}
        if runner.is_service(dst.ip):
            kind = "service"
        elif ip_in(dst.ip, plan.pod_cidr) or _node_of(dst.ip, nodes) is not None:
            kind = "pod"
        elif dst.ip in node_ips:
            kind = "node"
        elif plan.pod_cidr and plan.service_cidr:
            kind = "external"
        else:
            kind = "pod"
            guessed.append(Message("collect", "destination_taken_as_pod", {"ip": dst.ip}))
        destination = {"kind": kind, "ip": dst.ip}
        if dst.port:
            destination["port"] = dst.port
        if kind == "pod":
            node = _node_of(dst.ip, nodes)
            if node is not None:
                destination["node"] = node["name"]
                destination["node_ip"] = node.get("internal_ip")
    if plan.names:
        destination["dns_name"] = plan.names[0]
    bl = []
    for b in backends:
        item: dict[str, Any] = {"ip": b.ip}
        if b.port:
            item["port"] = b.port
        node = _node_of(b.ip, nodes)
        if node is not None:
            item["node"] = node["name"]
            if node.get("internal_ip"):
                item["node_ip"] = node["internal_ip"]
        bl.append(item)
    if destination.get("kind") == "service":
        destination["backends"] = bl

    cluster: dict[str, Any] = {"nodes": nodes}
    if any(s.view is not None and s.view.tunnel is not None and s.view.tunnel.name.startswith("flannel") for s in stations):
        cluster.update(cni="flannel", mode="vxlan")
    if any(s.view is not None and s.view.by_name("kube-ipvs0") is not None for s in stations):
        cluster["kube_proxy_mode"] = "ipvs"
    elif any(s.nat is not None and "KUBE-SERVICES" in s.nat.chains for s in stations):
        cluster["kube_proxy_mode"] = "iptables"
    for key, value in (("service_cidr", plan.service_cidr), ("pod_cidr", plan.pod_cidr), ("dns_service_ip", plan.cluster_dns)):
        if value:
            cluster[key] = value

    observations = [o for s in stations for o in s.observations]
    device_mtu = _path_device_mtu(stations)
    for o in observations:
        if o["kind"] == "mtu_probe" and device_mtu is not None:
            o["path_device_mtu"] = device_mtu
    seen = {o["kind"] for o in observations}
    warnings = list(guessed)
    missing: set[str] = set()
    for s in runner.stations:
        where = f"{s.vantage.label} ({s.ctx.role if s.ctx else '?'})"
        for kinds, reason in dict.fromkeys(s.gaps):
            warnings.append(Message("collect", "could_not_observe", {"kinds": ", ".join(kinds), "where": where, "reason": reason}))
            missing.update(k for k in kinds if k != "probe")
    readings = [(f"{s.vantage.label} ({s.ctx.role if s.ctx else '?'})", w) for s in runner.stations for w in s.readings]
    vantages = ", ".join(f"{s.ctx.host} as {s.ctx.role}" for s in stations if s.ctx)
    targets = ", ".join([*(str(t) for t in plan.targets), *plan.names])
    data = {
        "case": {
            "id": plan.case_id or time.strftime("collect-%Y%m%dT%H%M%SZ", time.gmtime()),
            "summary": f"podnet collect from {vantages} towards {targets}",
        },
        "cluster": cluster,
        "endpoints": {"source": source, "destination": destination},
        "observations": observations,
        "unobservable": sorted(k for k in missing if k not in seen),
    }
    return Collected(facts_from_data(data, "<collect>"), warnings, readings)
