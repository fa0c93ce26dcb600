"""What the input lists about the cluster: Pods, nodes, Services, host addresses; cluster facts from them.

Built once from all parser records, used to infer the endpoints and to build observations.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from functools import lru_cache
from typing import Any

from ..cidr import ip_in
from ..netfilter.services import kube_services
from .cluster_context import POD_BRIDGES, HostView, Interface, infer_context
from .model import Record
from .raw.kubectl import pod_role
from .vantage import same_name



@lru_cache(maxsize=1)
def _kb() -> Any:
    from ..knowledge.load import load_kb

    return load_kb()


def interface_role(name: str, at: str | None) -> str:
    """Role of an interface from ``kb/interfaces.yaml`` (one place for the name patterns)."""
    return str(_kb().interface_role(name, at))


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` merged into ``base`` key by key (nested dicts too); None values do not override."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        elif value is not None:
            out[key] = value
    return out


class Inventory:
    """Pods, nodes, Services and host addresses the records show, indexed."""

    def __init__(self, records: list[Record]) -> None:
        self.records = records
        # records by type, built once: `of` is asked per record by several passes, and scanning
        # every record each time made a long transcript quadratic (issue 18)
        self._by_type: dict[str, list[Record]] = defaultdict(list)
        for rec in records:
            self._by_type[rec.type].append(rec)
        self._pod_cidrs: dict[str, str | None] = {}
        self._index()

    def of(self, type_: str) -> list[Record]:
        """The records of one type, in input order."""
        return list(self._by_type.get(type_, ()))

    def _index(self) -> None:
        self.pods: dict[tuple[str | None, str], dict[str, Any]] = {}
        self.pod_listings = self.of("pods")
        for rec in self.pod_listings:
            for p in rec.data["pods"]:
                if p.get("name"):
                    self.pods[(p.get("namespace"), p["name"])] = p
        for rec in self.of("pod_describe"):  # kubectl describe pod: name, namespace, IP and node
            d = rec.data
            if d.get("name") and not any(n == d["name"] for (_, n) in self.pods):
                self.pods[(d.get("namespace"), d["name"])] = {"namespace": d.get("namespace"), "name": d["name"], "ip": d.get("ip"),
                                                            "node": d.get("node"), "status": d.get("status"), "host_network": False}
        self.pod_by_ip = {p["ip"]: p for p in self.pods.values() if p.get("ip") and not p.get("host_network")}
        self.nodes: dict[str, dict[str, Any]] = {}
        for rec in self.of("nodes"):
            for n in rec.data["nodes"]:
                if n.get("name"):
                    self.nodes[n["name"]] = {**self.nodes.get(n["name"], {}), **{k: v for k, v in n.items() if v is not None}}
        self.node_by_ip = {n["internal_ip"]: n for n in self.nodes.values() if n.get("internal_ip")}
        # Addresses each named host showed in its own `ip addr`.
        self.host_ips: dict[str, set[str]] = defaultdict(set)
        for rec in self.of("addresses"):
            name = rec.run.host.name if rec.run.host else None
            if name:
                for i in rec.data["interfaces"]:
                    self.host_ips[name] |= {a.split("/")[0] for a in i["addresses"]}
        # Services kube-proxy programs: ClusterIP -> (namespace/name, port) from KUBE-SERVICES.
        self.services: dict[str, dict[str, Any]] = {}
        for rec in self.of("iptables"):
            for ip, (name, port) in kube_services(rec.data["ruleset"]).items():
                self.services.setdefault(ip, {"name": name, "port": port})
        # ... and Services a listing shows (kubectl get svc / describe svc): ClusterIP -> namespace/name
        for rec in self.of("services"):
            for svc in rec.data["services"]:
                if svc.get("cluster_ip") and svc.get("name"):
                    name = f"{svc['namespace']}/{svc['name']}" if svc.get("namespace") else svc["name"]
                    port = next((int(p.split("/")[0].split(":")[0]) for p in svc.get("ports") or [] if p.split("/")[0].split(":")[0].isdigit()), None)
                    self.services.setdefault(svc["cluster_ip"], {"name": name, "port": port, "listed": True})
        self.context = infer_context(list(self.host_views().values()))
        node_ips = set(self.node_by_ip) | {ip for ips in self.host_ips.values() for ip in ips}
        for rec in self.of("ipvs"):
            for s in rec.data["services"]:
                if s["ip"] not in node_ips and s["ip"] not in self.pod_by_ip:
                    self.services.setdefault(s["ip"], {"name": "", "port": s["port"]})

    def host_views(self) -> dict[str, HostView]:
        """What each named host showed about itself (addresses, routes, rules, resolv.conf), for the
        context inference shared with ``podnet collect`` (:mod:`.cluster_context`)."""
        views: dict[str, HostView] = {}
        for rec in self.records:
            name = rec.run.host.name if rec.run.host else None
            if not name:
                continue
            view = views.setdefault(name, HostView(name))
            if rec.type == "addresses":
                for i in rec.data["interfaces"]:
                    view.interfaces.append(Interface(i["name"], list(i["addresses"]), i.get("kind")))
            elif rec.type == "routes":
                view.routes += [(str(r["destination"]), r.get("via"), r.get("dev")) for r in rec.data["routes"]]
            elif rec.type == "iptables" and view.ruleset is None:
                view.ruleset = rec.data["ruleset"]
            elif rec.type == "pod_dns_config":
                view.nameservers += list(rec.data.get("nameservers") or [])
        return views

    def pod_hosts(self) -> set[str]:
        """Named hosts that are Pods by their own addresses: no Pod bridge, tunnel or kube-proxy
        chains, and an address inside a node's PodCIDR (or the cluster's Pod range)."""
        out = set()
        for name, view in self.host_views().items():
            if view.is_node or not view.interfaces:
                continue
            ips = {a.split("/")[0] for i in view.interfaces if i.name != "lo" for a in i.addresses}
            if any(self.context.node_of(ip) or ip_in(ip, self.context.pod_cidr) for ip in ips):
                out.add(name)
        return out

    def host_node(self, ip: str | None) -> tuple[str, str | None] | None:
        """(host, its node address) of the node whose PodCIDR (its own cni0/route) holds ``ip``."""
        host = self.context.node_of(ip)
        return (host, self.primary_address(host)) if host else None

    def resolved(self, name: str) -> str | None:
        """The address a successful lookup of ``name`` in the input returned (the first), if any."""
        for rec in self.of("dns_lookup"):
            if rec.data["result"] == "ok" and rec.data["name"].rstrip(".") == name.rstrip(".") and rec.data.get("answers"):
                return str(rec.data["answers"][0])
        return None

    def pod_named(self, name: str | None, namespace: str | None = None) -> dict[str, Any] | None:
        if not name:
            return None
        for (ns, n), p in self.pods.items():
            if n == name and (namespace is None or ns in (None, namespace)):
                return p
        return None

    def infer_cluster(self) -> dict[str, Any]:
        cluster: dict[str, Any] = {}
        ifaces = {i["name"] for rec in self.of("addresses") for i in rec.data["interfaces"]}
        plugins = {pod_role(p["name"]) for p in self.pods.values()} & {f"cni:{x}" for x in ("flannel", "calico", "cilium", "weave", "canal", "kube-router")}
        if len(plugins) == 1:
            cluster["cni"] = str(next(iter(plugins))).split(":", 1)[1]
        elif any(i.startswith("flannel") for i in ifaces):
            cluster["cni"] = "flannel"
        elif any(i.startswith(("cali", "tunl0", "vxlan.calico")) for i in ifaces):
            cluster["cni"] = "calico"
        elif any(i.startswith("cilium") for i in ifaces):
            cluster["cni"] = "cilium"
        encaps = {p.get("encap") for rec in self.of("capture") for p in rec.data["packets"]}
        if "flannel.1" in ifaces or "vxlan.calico" in ifaces or "cilium_vxlan" in ifaces or "vxlan" in encaps:
            cluster["mode"] = "vxlan"
        elif "ipip" in encaps:
            cluster["mode"] = "ipip"
        modes = {r.data["mode"] for r in self.of("pod_log")
                 if r.data.get("mode") and ((r.data.get("pod") or "").startswith("kube-proxy") or r.data.get("component") == "kube-proxy")}
        if len(modes) == 1:
            cluster["kube_proxy_mode"] = modes.pop()
        elif "kube-ipvs0" in ifaces or any(rec.data["services"] for rec in self.of("ipvs")):
            cluster["kube_proxy_mode"] = "ipvs"
        elif any(r.chain.startswith("KUBE-SVC-") or r.chain == "KUBE-SERVICES" and r.target is not None and r.target.name.startswith("KUBE-SVC-")
                 for rec in self.of("iptables") for r in rec.data["rules"]):
            # a KUBE-SERVICES rule jumping to a Service chain is kube-proxy's iptables mode, even in a grep'd fragment
            cluster["kube_proxy_mode"] = "iptables"
        platforms = {n["platform"] for n in self.nodes.values() if n.get("platform")}
        if len(platforms) == 1:  # nodes in two clouds say nothing about "the" platform
            cluster["platform"] = platforms.pop()
        for ip, svc in self.services.items():
            if svc["name"].startswith(("kube-system/kube-dns", "kube-system/coredns")) or svc.get("listed") and svc["name"] in ("kube-dns", "coredns"):
                cluster["dns_service_ip"] = ip
                break
        for key, value in self.context.cluster_fields().items():
            cluster.setdefault(key, value)
        nodes = []
        for n in self.nodes.values():
            info: dict[str, Any] = {"name": n["name"]}
            if n.get("internal_ip"):
                info["internal_ip"] = n["internal_ip"]
            if n.get("pod_cidr"):
                info["pod_cidr"] = n["pod_cidr"]
            nic = self.nic_with(n["name"], n.get("internal_ip"))
            if nic:
                info["nic"] = nic
            nodes.append(info)
        for host, cidr in self.context.node_pod_cidrs.items():
            if not any(same_name(n["name"], host) for n in nodes):
                info = {"name": host, "pod_cidr": cidr}
                address = self.primary_address(host)
                if address:
                    info["internal_ip"] = address
                    nic = self.nic_with(host, address)
                    if nic:
                        info["nic"] = nic
                nodes.append(info)
        if nodes:
            cluster["nodes"] = nodes
        return cluster

    def nic_with(self, host: str, ip: str | None) -> str | None:
        if not ip:
            return None
        for rec in self.of("addresses"):
            if rec.run.host and same_name(rec.run.host.name, host):
                for i in rec.data["interfaces"]:
                    if any(a.split("/")[0] == ip for a in i["addresses"]):
                        return str(i["name"])
        return None

    def classify(self, ip: str, cluster: dict[str, Any]) -> str | None:
        """service, pod or node, from what the input lists (None when nothing says)."""
        if ip in self.services or ip_in(ip, cluster.get("service_cidr")):
            return "service"
        if ip in self.pod_by_ip or ip_in(ip, cluster.get("pod_cidr")) or any(ip_in(ip, n.get("pod_cidr")) for n in self.nodes.values()):
            return "pod"
        if ip in self.node_by_ip or any(ip in ips for ips in self.host_ips.values()):
            return "node"
        return None

    def node_pod_cidr(self, node: str | None) -> str | None:
        """A node's PodCIDR: from ``kubectl get nodes -o json``, else the network of its cni0/cbr0
        bridge (in its ``ip addr``) or of the route on that bridge (in its route table)."""
        if not node:
            return None
        if node not in self._pod_cidrs:
            self._pod_cidrs[node] = self._find_pod_cidr(node)
        return self._pod_cidrs[node]

    def _find_pod_cidr(self, node: str) -> str | None:
        known = (self.nodes.get(node) or {}).get("pod_cidr")
        if known:
            return str(known)
        for rec in self.of("addresses"):
            if rec.run.host and same_name(rec.run.host.name, node):
                for i in rec.data["interfaces"]:
                    if i["name"] in POD_BRIDGES and i["addresses"]:
                        return str(ipaddress.ip_interface(i["addresses"][0]).network)
        for rec in self.of("routes"):
            if rec.run.host and same_name(rec.run.host.name, node):
                for r in rec.data["routes"]:
                    if r.get("dev") in POD_BRIDGES and not r.get("via"):
                        return str(r["destination"])
        return None

    def primary_address(self, host: str) -> str | None:
        """The first address of the host's first host NIC in its own ``ip addr`` (the primary one)."""
        for rec in self.of("addresses"):
            if rec.run.host and same_name(rec.run.host.name, host):
                for i in rec.data["interfaces"]:
                    if interface_role(i["name"], "source_node") == "host_nic" and i["addresses"]:
                        return str(i["addresses"][0]).split("/")[0]
        return None

    def node_named(self, name: str | None) -> dict[str, Any] | None:
        if not name:
            return None
        return self.nodes.get(name) or next((n for n in self.nodes.values() if same_name(n["name"], name)), None)
