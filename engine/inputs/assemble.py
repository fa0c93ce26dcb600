"""Assemble parser records into fact file data: observations at their vantage points.

Parsers report what one command showed; several observation kinds need more than one command
(``node_addresses`` = ``ip addr`` + the ifcfg file + ``kubectl get nodes``; ``service_rules`` and
``capture`` need to know the failing flow). The records are indexed (:mod:`.inventory`), the
endpoints inferred (:mod:`.endpoints`, the caller's context wins field by field), each command
placed (:mod:`.vantage`), then each observation is built here.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from ..netfilter.routes import RouteEntry, classify
from .assemble_more import more_observations, probe_target
from .endpoints import EndpointInference
from .inventory import Inventory, deep_merge, interface_role
from .model import IngestWarning, Record
from .raw.iptables import service_rules
from .raw.kubectl import pod_role
from .vantage import same_name, vantage

_POD_PHASES = {
    "Running": "Running", "Pending": "Pending", "Failed": "Failed", "Succeeded": "Succeeded", "Unknown": "Unknown",
    "CrashLoopBackOff": "CrashLoopBackOff", "ContainerCreating": "Pending", "PodInitializing": "Pending",
    "ImagePullBackOff": "Pending", "ErrImagePull": "Pending", "Error": "Failed", "Completed": "Succeeded",
    "OOMKilled": "Failed", "Evicted": "Failed", "Terminating": "Running", "NodeLost": "Unknown",
}


def _route_get_address(argv: list[str]) -> str | None:
    """The address of ``ip route get ADDRESS`` (None for any other command)."""
    words = [w for w in argv[1:] if not w.startswith("-")]
    if argv[:1] == ["ip"] and len(words) >= 3 and words[0] in ("r", "ro", "rou", "route") and words[1] == "get":
        return words[2]
    return None


def _link_listing(argv: list[str]) -> bool:
    """``ip [-o] [-s] link ...``: interfaces without their addresses."""
    words = [w for w in argv[1:] if not w.startswith("-")]
    return bool(argv) and argv[0] == "ip" and bool(words) and words[0] in ("l", "li", "lin", "link")


def pod_state(pod: dict[str, Any]) -> str:
    """kube_proxy/cni_pods status word: running, crashloop, pending, error, not_ready."""
    status = str(pod.get("status") or "")
    if status == "Running":
        return "running" if pod.get("ready") == pod.get("containers") else "not_ready"
    if "CrashLoop" in status:
        return "crashloop"
    if status in ("Pending", "ContainerCreating", "PodInitializing") or status.startswith("Init:") or "ImagePull" in status:
        return "pending"
    return "error"



def _ufw_fields(rec: Any) -> dict[str, Any]:
    """The firewall fields a ``ufw status`` record gives (none without one)."""
    if rec is None:
        return {}
    return {"ufw_active": rec.data["active"], "ufw_routed_policy": rec.data["routed_policy"]}

class Assembly:
    """Turns records into fact file data."""

    def __init__(self, records: list[Record], context: dict[str, Any], warnings: list[IngestWarning], case_id: str) -> None:
        self.records = records
        self.context = context
        self.warnings = warnings
        self.case_id = case_id
        self.observations: list[tuple[Record, dict[str, Any]]] = []
        self.inv = Inventory(records)

    def _of(self, type_: str) -> list[Record]:
        return self.inv.of(type_)

    # ------------------------------------------------------------------ observations
    def build(self) -> dict[str, Any]:
        cluster = deep_merge(self.inv.infer_cluster(), self.context.get("cluster") or {})
        endpoints = EndpointInference(self.inv, self.records, self.context, self.warnings, self.case_id).infer(cluster)
        self.cluster, self.endpoints = cluster, endpoints
        pod_names = {name for (_, name) in self.inv.pods}
        pod_hosts = self.inv.pod_hosts()
        self.where: dict[int, tuple[str, str | None]] = {}
        unplaced = []
        for rec in self.records:
            at, host, assumed = vantage(rec.run.host, endpoints, pod_names, self.inv.host_ips, pod_hosts)
            self.where[id(rec)] = (at, host)
            if assumed and rec.type not in ("pods", "nodes", "endpoints", "pod_log", "network_policies", "namespace_labels"):
                unplaced.append(rec)
        if unplaced:
            self.warnings.append(IngestWarning.of(unplaced[0].where(), "commands_unplaced", count=len(unplaced)))
        self._simple()
        self._mtu_probes()
        self._interfaces()
        self._routes()
        self._iptables()
        self._ipvs()
        self._sockets()
        self._captures()
        self._control_plane()
        self._counters()
        more_observations(self)
        return {
            "case": deep_merge({"id": self.case_id, "summary": "Ingested from raw command output"}, self.context.get("case") or {}),
            "cluster": cluster,
            "endpoints": endpoints,
            "observations": [(rec.where(), self._finish(rec, obs)) for rec, obs in self.observations],
        }

    def _finish(self, rec: Record, obs: dict[str, Any]) -> dict[str, Any]:
        at, host = self.where[id(rec)]
        out = {"kind": obs.pop("kind"), "at": obs.pop("at", at)}
        host = obs.pop("host", host)
        if host:
            out["host"] = host
        command = rec.run.command or rec.run.family or "output"
        out["note"] = obs.pop("note", None) or f"{command} ({rec.where()})"
        # evidence points at the raw input (the line that shows it, when a record holds many), not at the fact file's JSON
        out["source_line"] = obs.pop("source_line", None) or rec.where()
        out.update({k: v for k, v in obs.items() if v is not None})
        return out

    def emit(self, rec: Record, kind: str, **fields: Any) -> None:
        self.observations.append((rec, {"kind": kind, **fields}))

    def _simple(self) -> None:
        dns_ip = self.cluster.get("dns_service_ip")
        for rec in self.records:
            if rec.type in ("ping", "dns_lookup"):
                self.emit(rec, rec.type, **rec.data)
            elif rec.type == "tcp_connect" and (data := probe_target(self, rec)) is not None:
                self.emit(rec, rec.type, **data)
            elif rec.type == "pod_dns_config":
                self.emit(rec, "pod_dns_config", **rec.data, cluster_dns_ip=dns_ip)
            elif rec.type == "bridge_port":
                self.emit(rec, "bridge_port", **rec.data)
            elif rec.type == "egress_nat":
                self.emit(rec, "egress_nat", at="control_plane", host=None, **rec.data)  # a pool is the cluster's state, on no host
        self._iptables_backends()

    def _iptables_backends(self) -> None:
        """``iptables -V`` here and in the node's kube-proxy / CNI Pods, and the rule counts of each
        backend: one observation per node (the Pods' readings belong to the node they run on, the
        source's node when the input does not say)."""
        merged: dict[tuple[str, str | None], tuple[Record, dict[str, Any]]] = {}
        for rec in self._of("iptables_backend"):
            at, host = self.where[id(rec)]
            if at.endswith("_pod") or at == "control_plane":
                at, host = "source_node", None
            first, data = merged.setdefault((at, host), (rec, {}))
            for k, v in rec.data.items():
                data.setdefault(k, v)
        for (at, host), (rec, data) in merged.items():
            self.emit(rec, "iptables_backend", at=at, **({"host": host} if host else {}), **data)

    def _mtu_probes(self) -> None:
        groups: dict[tuple[str, str | None, str], list[Record]] = defaultdict(list)
        loss: dict[tuple[str, str | None, str], float] = {}
        for rec in self._of("ping"):
            key = (*self.where[id(rec)], rec.data["target"])
            if rec.data["dont_fragment"]:
                groups[key].append(rec)
            if rec.data["result"] == "partial_loss" and rec.data.get("loss_percent") is not None:
                loss[key] = max(loss.get(key, 0.0), rec.data["loss_percent"] / 100)
        for key, recs in groups.items():
            target = key[2]
            ok = [r.data["size"] for r in recs if r.data["result"] in ("ok", "partial_loss")]
            largest_ok = max(ok) if ok else None
            failed, by_chance = self._df_failures(recs, loss.get(key, 0.0), largest_ok)
            first_failed = min(failed) if failed else None
            small_ok = None
            if by_chance and (first_failed is None or min(by_chance) < first_failed):
                # the boundary is unknown: the sizes between the largest that passed and the first
                # that surely failed may have been lost at random
                largest_ok, small_ok = None, (True if ok else None)
            if largest_ok is None and first_failed is None:
                continue
            sizes = ", ".join(str(r.data["size"]) for r in recs)
            self.emit(recs[-1], "mtu_probe", target=target, largest_ok_size=largest_ok, first_failed_size=first_failed,
                      small_ok=small_ok,
                      path_device_mtu=self._path_device_mtu(),
                      note=f"ping -M do -s {sizes} {target} ({', '.join(r.where() for r in recs)})")

    def _df_failures(self, recs: list[Record], loss: float, largest_ok: int | None) -> tuple[list[int], list[int]]:
        """The DF sizes above the largest that passed that failed, split into those that show a size
        limit and those that random loss measured on the same path explains: every packet lost
        (no error such as "message too long") when at least 1 % of such runs lose them all by chance
        (19 % round-trip loss and 2 packets: 3.6 %). A located warning names each one set aside."""
        failed: list[int] = []
        by_chance: list[int] = []
        for r in recs:
            size, result = r.data["size"], r.data["result"]
            if result not in ("lost", "error") or (largest_ok is not None and size <= largest_ok):
                continue
            sent = r.data.get("packets_sent")
            chance = loss ** sent if sent else (1.0 if loss else 0.0)
            if result == "lost" and chance >= 0.01:
                by_chance.append(size)
                self.warnings.append(IngestWarning.of(r.where(), "mtu_loss_by_chance", size=size, loss=round(loss * 100),
                                                      chance=round(chance * 100, 1)))
            else:
                failed.append(size)
        return failed, by_chance

    def _path_device_mtu(self) -> int | None:
        """The smallest MTU the devices of the case's path are set to (what an MTU probe is compared
        with): the Pods' interfaces, the nodes' Pod bridges and tunnels, their host NICs less the
        encapsulation overhead of the cluster's mode; None when no ``ip addr`` of the path shows them."""
        overhead = {"vxlan": 50, "ipip": 20}.get(str(self.cluster.get("mode")), 0)
        mtus: list[int] = []
        for rec in self._of("addresses"):
            at, _ = self.where[id(rec)]
            if at not in ("source_pod", "source_node", "destination_node", "destination_pod"):
                continue
            for i in rec.data["interfaces"]:
                if not i.get("mtu") or i["state"] != "up":
                    continue
                role = interface_role(i["name"], at)
                if at.endswith("_pod") and role != "loopback" and i["addresses"]:
                    mtus.append(i["mtu"])
                elif at.endswith("_node") and (role == "tunnel" or role == "bridge" and i["addresses"]):
                    mtus.append(i["mtu"])
                elif at.endswith("_node") and role == "host_nic" and i["addresses"]:
                    mtus.append(i["mtu"] - overhead)
        return min(mtus) if mtus else None

    def _interfaces(self) -> None:
        ifcfg = {(self.where[id(r)], r.data["interface"]): r for r in self._of("ifcfg")}
        used_ifcfg: set[int] = set()
        for rec in self._of("addresses"):
            at, host = self.where[id(rec)]
            node_vantage = at.endswith("_node")
            registered = None
            flannel_ip = None
            node = None
            if node_vantage and host:
                node = self.inv.node_named(host)
            if node:
                registered, flannel_ip = node.get("internal_ip"), node.get("flannel_public_ip")
            elif at == "source_node":
                registered = self.endpoints["source"].get("node_ip")
            elif at == "destination_node":
                registered = self.endpoints["destination"].get("node_ip")
            # `ip link` shows no addresses: the NIC that carries the case's traffic is the one the case
            # names for this node, or the only host NIC that is up
            links_only = _link_listing(rec.run.argv)
            nic = self._nic_of(at, host) if links_only else None
            if links_only and nic is None:
                up = [i["name"] for i in rec.data["interfaces"] if interface_role(i["name"], at) == "host_nic" and i["state"] == "up"]
                nic = up[0] if len(up) == 1 else None
            for i in rec.data["interfaces"]:
                role = interface_role(i["name"], at)
                if role == "loopback":
                    continue
                carries = bool(i["addresses"]) or links_only and i["name"].partition("@")[0] == nic
                # MTUs of devices on a packet path: an empty bridge (docker0 without containers is
                # NO-CARRIER) or a NIC without an address carries nothing, so its MTU says nothing.
                on_path = i["state"] == "up" and (role != "host_nic" or carries)
                if i.get("mtu") and on_path:
                    self.emit(rec, "interface_mtu", interface=i["name"], mtu=i["mtu"])
                # Link state of the devices that carry this case's traffic: a host NIC with an
                # address, and the tunnel. (An unused NIC or an empty docker0 is NO-CARRIER normally.)
                if role == "tunnel" or role == "host_nic" and carries:
                    errors = i.get("counters", {}).get("errors")
                    self.emit(rec, "link_status", interface=i["name"], state=i["state"], **({"errors": errors} if errors is not None else {}))
                if node_vantage and role == "host_nic" and i["addresses"]:
                    cfg = ifcfg.get(((at, host), i["name"]))
                    if cfg is not None:
                        used_ifcfg.add(id(cfg))
                    self.emit(
                        rec, "node_addresses", interface=i["name"], addresses=[a for a in i["addresses"] if ":" not in a],
                        registered_ip=registered, flannel_public_ip=flannel_ip,
                        bootproto=cfg.data["bootproto"] if cfg else None, static_ip=cfg.data["static_ip"] if cfg else None,
                        note=f"{rec.run.command or 'ip addr'} ({rec.where()})" + (f"; {cfg.run.command or 'ifcfg'} ({cfg.where()})" if cfg else ""),
                    )
        for key, cfg in ifcfg.items():
            if id(cfg) not in used_ifcfg:
                self.warnings.append(IngestWarning.of(cfg.where(), "ifcfg_unused", interface=key[1]))

    def _nic_of(self, at: str, host: str | None) -> str | None:
        """The NIC the case names for the node at ``at`` (its ``cluster.nodes[].nic``), or None."""

        def named(name: str | None) -> dict[str, Any] | None:
            given = next((n for n in self.cluster.get("nodes") or [] if same_name(n.get("name"), name)), None)
            return given if given and given.get("nic") else self.inv.node_named(name)

        node = named(host) if host else None
        if node is None and at == "source_node":
            node = named(self.endpoints["source"].get("node"))
        elif node is None and at == "destination_node":
            dst = self.endpoints["destination"]
            names = {dst.get("node"), *(b.get("node") for b in dst.get("backends") or [])} - {None}
            node = named(names.pop()) if len(names) == 1 else None
        return node.get("nic") if node else None

    def _route_targets(self, at: str) -> list[tuple[str, str, str | None]]:
        """(network to reach, direction, what to call it when missing) worth checking from this vantage.

        Forward: the destination Pod or the Service's backends (on a node, a Pod address needs a
        route of its own; node addresses are the underlay's business). Return, on the destination
        side: the source Pod, or for a node source the node's PodCIDR (its flannel/tunnel address
        is what the peer answers to).
        """
        src, dst = self.endpoints["source"], self.endpoints["destination"]
        out: list[tuple[str, str, str | None]] = []
        if at.startswith("source"):
            if dst["kind"] == "pod" and dst.get("ip"):
                out.append((f"{dst['ip']}/32", "forward", self.inv.node_pod_cidr(dst.get("node"))))
            for b in dst.get("backends") or []:
                out.append((f"{b['ip']}/32", "forward", self.inv.node_pod_cidr(b.get("node"))))
        elif at.startswith("destination"):
            if src["kind"] == "pod" and src.get("ip"):
                out.append((f"{src['ip']}/32", "return", self.inv.node_pod_cidr(src.get("node"))))
            elif src["kind"] == "node":
                cidr = self.inv.node_pod_cidr(src.get("node") or src.get("name"))
                if cidr:
                    out.append((cidr, "return", cidr))
        return out

    def _routes(self) -> None:
        """Longest-prefix match for each address worth a route (:mod:`podnet.netfilter.routes`):
        a route of the Pod network's own, only a covering route (a summary that also holds the
        host's NIC address), the default route (right for a Pod, not for a node), or none."""
        cluster_cidr = self.cluster.get("pod_cidr")
        for rec in self._of("routes"):
            at, _ = self.where[id(rec)]
            targets = self._route_targets(at)
            if _route_get_address(rec.run.argv) is not None:
                # `ip route get X` shows the way X takes, not the table: not the prefix it matched, so
                # neither whether X's network has a route of its own; it says nothing of other addresses
                continue
            if not targets:
                self.warnings.append(IngestWarning.of(rec.where(), "routes_no_pod_address"))
                continue
            entries = [RouteEntry(str(r["destination"]), r.get("via"), r.get("dev"), str(r.get("kind") or "unicast"))
                       for r in rec.data["routes"]]
            underlay = [a for other in self._of("addresses") if self.where[id(other)] == self.where[id(rec)]
                        for i in other.data["interfaces"] if interface_role(i["name"], at) == "host_nic" for a in i["addresses"]]
            for net, direction, name_if_missing in targets:
                ip = net.split("/")[0]
                kind, best = classify(entries, ip, name_if_missing or cluster_cidr, underlay)
                if best is not None and best.kind != "unicast":
                    self.emit(rec, "route", destination=best.destination, direction=direction, present=False, route_to_pod_cidr="none",
                              note=f"{rec.run.command or 'ip route'}: {best.kind} route ({rec.where()})")
                elif best is not None and at.endswith("_pod"):
                    # In a Pod any route out (usually the default) is the way: the node routes on.
                    self.emit(rec, "route", destination=best.destination, direction=direction, present=True, via=best.via, dev=best.dev)
                elif best is not None and (kind == "specific" or kind is None and best.network.prefixlen > 0):
                    self.emit(rec, "route", destination=best.destination, direction=direction, present=True, via=best.via, dev=best.dev,
                              route_to_pod_cidr=kind)
                else:
                    # On a node, a Pod network reached only by the default or a covering route has no route of its own.
                    self.emit(rec, "route", destination=name_if_missing or net, direction=direction, present=False,
                              route_to_pod_cidr=kind or "none", via=best.via if best else None, dev=best.dev if best else None)

    def _flow(self) -> tuple[list[str], set[int], str | None]:
        dst = self.endpoints["destination"]
        ips = [ip for ip in [dst.get("ip"), *(b["ip"] for b in dst.get("backends") or [])] if ip]
        ports = {p for p in [dst.get("port"), *(b.get("port") for b in dst.get("backends") or [])] if p}
        return ips, ports, self.endpoints["source"].get("ip")

    def _iptables(self) -> None:
        """service_rules for a Service destination; a firewall observation carrying the whole dump
        (the case's flows are traced through it: :mod:`podnet.facts.verdicts`) with the host's
        own addresses and routes, which tell the tracer local delivery and interfaces."""
        dst = self.endpoints["destination"]
        selinux = {self.where[id(r)]: r.data["mode"] for r in self._of("selinux")}
        denials = {self.where[id(r)]: r.data["denials"] for r in self._of("selinux_avc")}
        firewalld = {self.where[id(r)]: r for r in self._of("firewalld")}  # the last state read at each vantage
        ufw = {self.where[id(r)]: r for r in self._of("ufw")}
        used_selinux = set()
        # each vantage point's routes, once each (built once: per dump it made a long transcript
        # with many `ip route` runs quadratic in time and memory)
        routes_at: dict[Any, dict[tuple[Any, ...], dict[str, Any]]] = {}
        for other in self._of("routes"):
            table = routes_at.setdefault(self.where[id(other)], {})
            for r in other.data["routes"]:
                entry = {k: r[k] for k in ("destination", "via", "dev", "kind") if r.get(k) is not None}
                table.setdefault(tuple(entry.items()), entry)
        for rec in self._of("iptables"):
            if dst["kind"] == "service" and dst.get("ip"):
                found = service_rules(rec.data, dst["ip"], dst.get("port"))
                if found is not None:
                    found.pop("line", None)
                    self.emit(rec, "service_rules", **found)
                elif "nat" in rec.data["tables"]:
                    self.warnings.append(IngestWarning.of(rec.where(), "piped_chain_incomplete", ip=dst["ip"]))
            # A grep'd dump cannot be traced; a cut-off one can, up to where it stops (netfilter.trace).
            if rec.data["piped"] or "filter" not in rec.data["tables"] and rec.data["format"] != "nft-json":
                continue
            key = self.where[id(rec)]
            used_selinux.add(key)
            host = rec.run.host.name if rec.run.host else None
            routes = [dict(entry) for entry in routes_at.get(key, {}).values()]
            running = firewalld[key].data["running"] if key in firewalld else None
            self.emit(rec, "firewall", ruleset=rec.data["text"], ruleset_format=rec.data["format"], selinux=selinux.get(key), selinux_denials=denials.get(key),
                      firewalld_running=running, **_ufw_fields(ufw.get(key)),
                      ruleset_line=rec.run.output[0][0] if rec.run.output else None,
                      local_addresses=sorted(self.inv.host_ips.get(host, ())) if host else None, routes=routes or None)
        for rec in self._of("selinux"):
            if self.where[id(rec)] not in used_selinux and self.where[id(rec)] not in firewalld and self.where[id(rec)] not in ufw:
                self.warnings.append(IngestWarning.of(rec.where(), "getenforce_alone"))
        for key, rec in firewalld.items():
            if key not in used_selinux:
                # firewalld's state alone is a firewall observation of its own (no rules looked at)
                self.emit(rec, "firewall", firewalld_running=rec.data["running"], selinux=selinux.get(key), **_ufw_fields(ufw.get(key)))
        for key, rec in ufw.items():
            if key not in used_selinux and key not in firewalld:
                self.emit(rec, "firewall", selinux=selinux.get(key), **_ufw_fields(rec))

    def _ipvs(self) -> None:
        dst = self.endpoints["destination"]
        for rec in self._of("ipvs"):
            if dst["kind"] != "service" or not dst.get("ip"):
                self.warnings.append(IngestWarning.of(rec.where(), "ipvs_not_service"))
                continue
            match = [s for s in rec.data["services"] if s["ip"] == dst["ip"] and (dst.get("port") is None or s["port"] == dst.get("port"))]
            if not match and not rec.data["complete"]:
                continue
            self.emit(rec, "service_rules", mode="ipvs", service_ip=dst["ip"], port=dst.get("port"), ipvs_virtual_server=bool(match),
                      ipvs_real_servers=[rs for s in match for rs in s["real_servers"]])

    def _sockets(self) -> None:
        dst = self.endpoints["destination"]
        ports = [dst["port"]] if dst["kind"] != "service" and dst.get("port") else sorted({b["port"] for b in dst.get("backends") or [] if b.get("port")})
        for rec in self._of("sockets"):
            if not ports:
                self.warnings.append(IngestWarning.of(rec.where(), "sockets_port_unknown"))
                continue
            for port in ports:
                found = [l for l in rec.data["listeners"] if l["port"] == port]
                if not found and not rec.data["complete"]:
                    continue
                procs = [l["process"] for l in found if l.get("process")]
                self.emit(rec, "listening_sockets", port=port, listening=bool(found), addresses=list(dict.fromkeys(l["address"] for l in found)),
                          process=procs[0] if procs else None)

    def _captures(self) -> None:
        dst = self.endpoints["destination"]
        ips, ports, _ = self._flow()
        for rec in self._of("capture"):
            if not ips:
                self.warnings.append(IngestWarning.of(rec.where(), "capture_destination_unknown"))
                continue
            if dst["kind"] == "service" and not dst.get("backends") and not any(
                (p.get("inner") or p)["dst"] in ips or (p.get("inner") or p)["src"] in ips for p in rec.data["packets"]
            ):
                self.warnings.append(IngestWarning.of(rec.where(), "capture_backends_unknown"))
                continue
            requests, replies = [], []
            for p in rec.data["packets"]:
                view = p.get("inner") or p
                icmp = view.get("proto") == "icmp"
                if view["dst"] in ips and (not ports or icmp or view.get("dport") in ports):
                    requests.append((p, view))
                elif view["src"] in ips and (not ports or icmp or view.get("sport") in ports):
                    replies.append((p, view))
            if not requests and not replies and not rec.data["complete"]:
                self.warnings.append(IngestWarning.of(rec.where(), "capture_piped_no_packet"))
                continue
            if not rec.data["packets"] and rec.data["captured"] is None:
                continue
            seen: dict[tuple[Any, ...], int] = defaultdict(int)
            for _, v in requests:
                if v.get("proto") == "tcp" and v.get("seq"):
                    seen[(v["src"], v.get("sport"), v["dst"], v.get("dport"), v["seq"], v.get("flags"))] += 1
            fields: dict[str, Any] = {
                "interface": rec.data["interface"],
                "filter": rec.data["filter"],
                "flow_target": dst.get("ip") or ips[0],
                "request_seen": bool(requests),
                "reply_seen": bool(replies),
                "retransmissions": any(n > 1 for n in seen.values()) if requests and any(v.get("proto") == "tcp" for _, v in requests) else None,
            }
            if requests:
                outer, inner = requests[0]
                fields["inner_src"], fields["inner_dst"] = inner["src"], inner["dst"]
                if outer.get("inner"):
                    fields["outer_src"], fields["outer_dst"] = outer["src"], outer["dst"]
            self.emit(rec, "capture", **fields)

    def _nodes_of_interest(self) -> list[str]:
        src, dst = self.endpoints["source"], self.endpoints["destination"]
        names = [src.get("node"), dst.get("node"), *(b.get("node") for b in dst.get("backends") or [])]
        return [n for n in dict.fromkeys(names) if n]

    def _control_plane(self) -> None:
        interest = self._nodes_of_interest()
        logs = {r.data["pod"]: r for r in self._of("pod_log") if r.data.get("pod")}
        used_logs: set[str] = set()
        src, dst = self.endpoints["source"], self.endpoints["destination"]
        for rec in self.inv.pod_listings:
            pods = rec.data["pods"]
            proxies = [p for p in pods if pod_role(p["name"]) == "kube_proxy"]
            chosen = [p for p in proxies if p.get("node") in interest] if interest and any(p.get("node") for p in proxies) else proxies
            mode = self.cluster.get("kube_proxy_mode")
            for p in chosen:
                log = logs.get(p["name"])
                if log:
                    used_logs.add(p["name"])
                self.emit(rec, "kube_proxy", node=p.get("node"), pod_status=pod_state(p),
                          mode=(log.data.get("mode") if log else None) or (mode if mode in ("iptables", "ipvs", "nftables") else None),
                          log_errors=log.data["errors"] if log else None, note=f"{rec.run.command or 'kubectl get pods'} ({rec.run.where(p['line'])})")
            src_node = src.get("node")
            if (rec.data["complete"] and src_node and proxies and all(p.get("node") for p in proxies)
                    and not any(same_name(p["node"], src_node) for p in proxies)):
                self.emit(rec, "kube_proxy", node=src_node, pod_status="missing")
            by_plugin: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for p in pods:
                role = pod_role(p["name"])
                if role and role.startswith("cni:"):
                    by_plugin[role[4:]].append(p)
            for plugin, members in by_plugin.items():
                on_src = next((p for p in members if src_node and same_name(p.get("node"), src_node)), None)
                read = [p for p in members if p["name"] in logs]  # no log read: its errors are unknown, not none
                errors = [e for p in read for e in logs[p["name"]].data["errors"]] if read else None
                used_logs |= {p["name"] for p in members if p["name"] in logs}
                self.emit(rec, "cni_pods", plugin=plugin, ready=sum(1 for p in members if pod_state(p) == "running"), total=len(members),
                          node_pod_status=pod_state(on_src) if on_src else None, errors=errors)
            dns = [p for p in pods if (pod_role(p["name"]) == "dns" and not p["name"].startswith("nodelocaldns"))]
            if dns:
                listed = [ep for r in self._of("endpoints") for ep in r.data["endpoints"] if ep["name"] in ("kube-dns", "coredns")]
                if listed:
                    endpoints, note = [a for ep in listed for a in ep["addresses"]], None
                else:
                    endpoints = [p["ip"] for p in dns if pod_state(p) == "running" and p.get("ip")]
                    note = f"{rec.run.command or 'kubectl get pods'} ({rec.where()}); endpoints = IPs of the ready DNS Pods"
                dns_errors = [e for p in dns if p["name"] in logs for e in logs[p["name"]].data["errors"]]
                used_logs |= {p["name"] for p in dns if p["name"] in logs}
                if dns_errors:
                    note = f"{note or rec.run.command or 'kubectl get pods'}; log: {dns_errors[0]}"
                self.emit(rec, "dns_service", pods_ready=sum(1 for p in dns if pod_state(p) == "running"), pods_total=len(dns), endpoints=endpoints,
                          service_ip=self.cluster.get("dns_service_ip"), note=note)
            wanted = {src.get("name") if src.get("kind") == "pod" else None, dst.get("name") if dst.get("kind") == "pod" else None,
                      *(b.get("pod") for b in dst.get("backends") or [])} - {None}
            for p in pods:
                if p["name"] in wanted:
                    phase = _POD_PHASES.get(str(p["status"])) or ("Pending" if str(p["status"]).startswith("Init:") else None)
                    if phase is None:
                        self.warnings.append(IngestWarning.of(rec.run.where(p["line"]), "pod_status_unknown", status=p["status"]))
                        continue
                    self.emit(rec, "pod_status", pod=p["name"], phase=phase, ready=p["ready"] == p["containers"], restarts=p.get("restarts"))
        for name, log in logs.items():
            if name in used_logs or log.data.get("component") == "coredns":  # a CoreDNS log is a coredns_log (assemble_more)
                continue
            is_listed = any(n == name for (_, n) in self.inv.pods)
            self.warnings.append(IngestWarning.of(
                log.where(), "log_unused_not_needed" if is_listed else "log_unused_pod_not_listed", name=name))
        for rec in self._of("nodes"):
            for n in rec.data["nodes"]:
                if n["name"] in interest and n.get("pod_cidr_known"):
                    self.emit(rec, "pod_cidr", node=n["name"], pod_cidr=n.get("pod_cidr"))

    def _counters(self) -> None:
        pressure: dict[tuple[str, str | None], tuple[Record, dict[str, Any]]] = {}
        for rec in self.records:
            key = self.where[id(rec)]
            if rec.type == "counters":
                pressure.setdefault(key, (rec, {}))[1].update(rec.data)
            elif rec.type in ("nic_counters", "addresses"):
                # NIC drop / ring-overflow counters count only for the node's own NIC (ethtool -S IFACE,
                # ip -s addr/link); both tools may report the same events, so the larger value is kept.
                nics = [rec.data] if rec.type == "nic_counters" else [
                    {"interface": i["name"], **i["counters"]} for i in rec.data["interfaces"] if i.get("counters")]
                for nic in nics:
                    if not (key[0].endswith("_node") and interface_role(nic["interface"], key[0]) == "host_nic"):
                        if rec.type == "nic_counters":
                            self.warnings.append(IngestWarning.of(rec.where(), "nic_counters_not_host_nic", interface=nic["interface"]))
                        continue
                    fields = pressure.setdefault(key, (rec, {}))[1]
                    for name in ("nic_drops", "nic_queue_overflows"):
                        if name in nic:
                            fields[name] = max(fields.get(name, 0), nic[name])
            elif rec.type == "sysctl":
                name, value = rec.data["name"], rec.data["value"]
                if name.endswith("nf_conntrack_max") and value.isdigit():
                    pressure.setdefault(key, (rec, {}))[1]["conntrack_max"] = int(value)
                elif name.endswith("nf_conntrack_count") and value.isdigit():
                    pressure.setdefault(key, (rec, {}))[1]["conntrack_count"] = int(value)
                elif name == "net.ipv4.ip_local_port_range":
                    lo_hi = [int(x) for x in re.findall(r"\d+", value)]
                    if len(lo_hi) == 2 and lo_hi[1] >= lo_hi[0]:
                        pressure.setdefault(key, (rec, {}))[1]["ephemeral_port_range"] = lo_hi[1] - lo_hi[0] + 1
                else:
                    self.emit(rec, "sysctl", name=name, value=value)
        for rec, fields in pressure.values():
            self.emit(rec, "resource_pressure", **fields)
        for rec in self._of("snat_count"):
            # Node masquerade reuses a port for other destinations, so the SNATed connections bound
            # the ports in use towards any one destination: below the local port range there is room.
            # Above it the count proves nothing (no observation).
            key = self.where[id(rec)]
            ports = pressure.get(key, (None, {}))[1].get("ephemeral_port_range")
            if ports and rec.data["connections"] < 0.95 * ports:
                self.emit(rec, "snat_ports", gateway="node_masquerade", ports_in_use=rec.data["connections"], ports_allocated=ports)

