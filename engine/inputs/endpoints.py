"""Infer the failing connection's endpoints from the probes and the inventory; the context wins.

* Destination: the target of the first failing curl/telnet/nc (else failing ping, else failing
  name lookup; else the first probe); its kind from the inventory (Service chains, Pod and node
  listings, host addresses), its name, node and backends too.
* Source: the host the probe ran on (prompt, ``kubectl exec``), completed from the listings.

Assumptions (an address nothing describes, a probe without a host) are warnings.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ..errors import UsageError
from .inventory import Inventory, deep_merge
from .model import IngestWarning, Record
from .raw.iptables import service_rules
from .vantage import WORKSTATION


def name_kind(name: str) -> str:
    """The kind a looked-up or connected-to name suggests: a cluster name (``*.svc``, ``*.cluster.local``,
    or a bare name the search list completes) is a Service, anything else external."""
    return "service" if ".svc" in name or "." not in name or name.endswith(".cluster.local") else "external"


class EndpointInference:
    """The source and destination of the failing connection, from the probes and the inventory."""

    def __init__(self, inv: Inventory, records: list[Record], context: dict[str, Any], warnings: list[IngestWarning], case_id: str) -> None:
        self.inv = inv
        self.records = records
        self.context = context
        self.warnings = warnings
        self.case_id = case_id

    def _probe(self) -> Record | None:
        """The probe that shows the failure: first failing TCP, else ping, else lookup; else the first probe."""
        probes = [r for r in self.records if r.type in ("tcp_connect", "ping", "dns_lookup")]
        # a don't-fragment ping is an MTU probe, not the case's connection (1472 fails on any overlay)
        plain = [r for r in probes if not (r.type == "ping" and r.data.get("dont_fragment"))]
        probes = plain or probes
        failing = [r for r in probes if r.data["result"] not in ("connected", "ok")]
        for kind in ("tcp_connect", "ping", "dns_lookup"):
            for r in failing:
                if r.type == kind:
                    return r
        for kind in ("tcp_connect", "ping", "dns_lookup"):
            for r in probes:
                if r.type == kind:
                    return r
        return None

    def infer(self, cluster: dict[str, Any]) -> dict[str, Any]:
        given = self.context.get("endpoints") or {}
        probe = self._probe()
        dst: dict[str, Any] = {}
        if probe is not None and not (given.get("destination") or {}).get("ip") and not (given.get("destination") or {}).get("dns_name"):
            target = probe.data.get("target") if probe.type != "dns_lookup" else None
            name = probe.data["name"] if probe.type == "dns_lookup" else probe.data.get("target_name")
            if target is None and name and probe.type == "tcp_connect":
                target = self.inv.resolved(name)
            if target is None and name:
                dst = {"kind": name_kind(name), "dns_name": name}
            elif self._probes_given_kind(target, probe, (given.get("destination") or {}).get("kind"), cluster):
                dst = {"ip": target}
                if probe.type == "tcp_connect":
                    dst["port"] = probe.data["port"]
        merged_dst = deep_merge(dst, given.get("destination") or {})
        self._named_destination(merged_dst)
        ip = merged_dst.get("ip")
        if ip and "kind" not in merged_dst:
            kind = self.inv.classify(ip, deep_merge(cluster, self.context.get("cluster") or {}))
            if kind is None:
                kind = "external" if ipaddress.ip_address(ip).is_global else "pod"
                self.warnings.append(IngestWarning.of(probe.where() if probe else "<context>", "destination_kind_assumed", ip=ip, kind=kind))
            merged_dst["kind"] = kind
        if ip:
            self._describe_destination(merged_dst)
        if ip and probe is not None and "dns_name" not in merged_dst:
            for r in self.inv.of("dns_lookup"):
                if ip in r.data["answers"]:
                    merged_dst["dns_name"] = r.data["name"]
        if "kind" not in merged_dst:
            raise UsageError(
                "the destination is not known from the input (no ping, telnet, nc, curl or name lookup towards it): "
                "pass --destination-ip and --destination-kind, or --context FILE",
                location=self.case_id,
            )
        src = self._infer_source(probe, given.get("source") or {})
        return {"source": src, "destination": merged_dst}

    def _probes_given_kind(self, target: str | None, probe: Record, kind: str | None, cluster: dict[str, Any]) -> bool:
        """Whether the probe's target can be the destination of the kind the context gives. A
        Service's address is not read from a probe of something else: a Pod's IP (a backend pinged
        or connected to directly), nor from a ping (a ClusterIP answers no ICMP; the ping is of a
        backend) unless the input lists the address as a Service."""
        if target is None or kind is None:
            return True
        found = self.inv.classify(target, deep_merge(cluster, self.context.get("cluster") or {}))
        if kind == "service":
            return found == "service" or (found is None and probe.type != "ping")
        return found in (None, kind)

    def _named_destination(self, dst: dict[str, Any]) -> None:
        """A destination the ticket names without its address: a Pod gets its IP, namespace and node
        from a Pod listing (``-o wide``), a Service its ClusterIP from a Service listing."""
        if dst.get("ip") or not dst.get("name"):
            return
        if dst.get("kind") == "pod":
            pod = self.inv.pod_named(dst["name"], dst.get("namespace"))
            if pod and pod.get("ip"):
                dst["ip"] = pod["ip"]
        elif dst.get("kind") == "service":
            for ip, svc in self.inv.services.items():
                ns, _, name = svc["name"].rpartition("/")
                if name.split(":")[0] == dst["name"] and (not ns or dst.get("namespace") in (None, ns)):
                    dst["ip"] = ip
                    if svc.get("port") and not dst.get("port"):
                        dst["port"] = svc["port"]
                    break

    def _describe_destination(self, dst: dict[str, Any]) -> None:
        ip, kind = dst["ip"], dst["kind"]
        if kind == "pod":
            pod = self.inv.pod_by_ip.get(ip)
            if pod:
                dst.setdefault("name", pod["name"])
                if pod.get("namespace"):
                    dst.setdefault("namespace", pod["namespace"])
                if pod.get("node"):
                    dst.setdefault("node", pod["node"])
                    node_ip = (self.inv.nodes.get(pod["node"]) or {}).get("internal_ip")
                    if node_ip:
                        dst.setdefault("node_ip", node_ip)
            self._node_by_address(dst, ip)
        elif kind == "node":
            node = self.inv.node_by_ip.get(ip)
            name = node["name"] if node else next((h for h, ips in self.inv.host_ips.items() if ip in ips), None)
            if name:
                dst.setdefault("name", name)
                dst.setdefault("node", name)
            dst.setdefault("node_ip", ip)
        elif kind == "service":
            svc = self.inv.services.get(ip) or {}
            if "/" in svc.get("name", ""):
                ns, rest = svc["name"].split("/", 1)
                dst.setdefault("namespace", ns)
                dst.setdefault("name", rest.split(":")[0])
            elif svc.get("name"):
                dst.setdefault("name", svc["name"].split(":")[0])
            if "backends" not in dst:
                backends = self._backends(ip, dst.get("port"), dst.get("name"), dst.get("namespace"))
                if backends:
                    dst["backends"] = backends

    def _backends(self, ip: str, port: int | None, name: str | None, namespace: str | None) -> list[dict[str, Any]]:
        targets: list[str] = []
        for rec in self.inv.of("iptables"):
            found = service_rules(rec.data, ip, port)
            targets += (found or {}).get("sep_dnat", [])
        for rec in self.inv.of("ipvs"):
            for s in rec.data["services"]:
                if s["ip"] == ip and (port is None or s["port"] == port):
                    targets += s["real_servers"]
        for rec in self.inv.of("endpoints"):
            for ep in rec.data["endpoints"]:
                if name and ep["name"] == name and (namespace is None or ep.get("namespace") in (None, namespace)):
                    targets += ep["addresses"]
        backends: list[dict[str, Any]] = []
        for t in dict.fromkeys(targets):
            bip, _, bport = t.partition(":")
            b: dict[str, Any] = {"ip": bip}
            if bport.isdigit():
                b["port"] = int(bport)
            pod = self.inv.pod_by_ip.get(bip)
            if pod:
                b["pod"] = pod["name"]
                if pod.get("node"):
                    b["node"] = pod["node"]
                    node_ip = (self.inv.nodes.get(pod["node"]) or {}).get("internal_ip")
                    if node_ip:
                        b["node_ip"] = node_ip
            self._node_by_address(b, bip)
            backends.append(b)
        return backends

    def _node_by_address(self, end: dict[str, Any], ip: str) -> None:
        """A Pod's node when no listing names it: the host whose own PodCIDR (cni0, its route) holds the address."""
        if end.get("node"):
            return
        found = self.inv.host_node(ip)
        if found is not None:
            end["node"] = found[0]
            if found[1]:
                end.setdefault("node_ip", found[1])

    def _infer_source(self, probe: Record | None, given: dict[str, Any]) -> dict[str, Any]:
        src: dict[str, Any] = {}
        host = probe.run.host if probe is not None else None
        if given.get("kind") and (given.get("name") or given.get("ip")):
            host = None  # the caller said who the source is
        if host is not None and host.kind in ("pod", "node", None) and host.name:
            pod = self.inv.pod_named(host.name, host.namespace) if host.kind != "node" else None
            if host.kind == "pod" or pod or host.kind is None and host.name in self.inv.pod_hosts():
                src = {"kind": "pod", "name": host.name}
                if host.namespace:
                    src["namespace"] = host.namespace
                if pod:
                    for key in ("namespace", "ip", "node"):
                        if pod.get(key):
                            src.setdefault(key, pod[key])
            else:
                src = {"kind": "node", "name": host.name, "node": host.name}
        elif host is not None and host.kind == "pod":
            src = {"kind": "pod"}
        elif host is not None and host.kind == "workstation":
            src = {"kind": "node", "name": WORKSTATION}
            self.warnings.append(IngestWarning.of(probe.where() if probe else "<input>", "source_windows"))
        merged = deep_merge(src, given)
        if merged.get("kind") == "pod" and merged.get("name") and not merged.get("ip"):
            # a source Pod named in the ticket: its address, namespace and node from a Pod listing
            pod = self.inv.pod_named(merged["name"], merged.get("namespace"))
            for key in ("namespace", "ip", "node"):
                if pod and pod.get(key):
                    merged.setdefault(key, pod[key])
        if "kind" not in merged:
            merged["kind"] = "node"
            self.warnings.append(IngestWarning.of(probe.where() if probe else "<input>", "source_kind_assumed"))
        if merged["kind"] == "node":
            name = merged.get("name") or merged.get("node")
            if name:
                merged.setdefault("node", name)
                node = self.inv.node_named(name)
                ip = (node or {}).get("internal_ip") or self.inv.primary_address(name)
                if ip:
                    merged.setdefault("node_ip", ip)
                    merged.setdefault("ip", ip)
        else:
            if not merged.get("ip") and merged.get("name"):
                # a Pod known by its prompt only: its address from its own `ip addr`
                own = sorted(ip for ip in self.inv.host_ips.get(merged["name"], set()) if not ip.startswith("127.") and ":" not in ip)
                if len(own) == 1:
                    merged["ip"] = own[0]
            if merged.get("ip"):
                self._node_by_address(merged, merged["ip"])
            if merged.get("node"):
                ip = (self.inv.nodes.get(merged["node"]) or {}).get("internal_ip") or self.inv.primary_address(merged["node"])
                if ip:
                    merged.setdefault("node_ip", ip)
        return merged

