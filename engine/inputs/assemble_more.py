"""Observations from what customers paste beyond probes and node dumps: component logs, ``kubectl
describe`` and Service listings, ``conntrack -S`` and kernel log lines.

Each becomes an observation only where its meaning does not depend on a guess:

* a CoreDNS log -> ``coredns_log`` (its error lines; loop and upstream errors are derived from them);
* a flannel or controller-manager line naming a node without a PodCIDR -> ``pod_cidr`` of that node
  (unassigned, the line as its event);
* a CNI plugin's log (flannel, calico-node) not joined to a Pod listing -> ``cni_pods`` of that plugin
  with its error lines; a kube-proxy log without its Pod listing stays a warning (which node's
  kube-proxy it is, is not known);
* ``kubectl describe pod`` -> ``pod_status`` of a case Pod; a Warning event (also of ``get events``) of the CNI ("networkPlugin
  cni failed", a plugin's own file) -> ``cni_pods`` errors of that plugin, or ``node_conditions``
  messages of the Pod's node when no plugin is named; ``describe node`` -> ``node_conditions``;
* the destination Service as listed (``get svc``, ``describe svc``) with its Endpoints -> ``service_spec``;
* ``kubectl get networkpolicy`` -> ``network_policy`` of the flow's Pods: egress at the source, ingress
  at the destination, judged by :func:`.raw.netpol.judge` (what the listing cannot tell stays a warning);
* ``conntrack -S`` -> ``conntrack_stats``, dmesg's "UDP: bad checksum" -> ``checksum_errors``, at the
  host that printed them;
* a ``tcp_connect`` to a name gets the address a lookup in the same input returned; without one
  it is a warning (the fact model needs the address).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .model import IngestWarning, Record
from .raw.kubectl import pod_role
from .raw.netpol import Peer, judge

if TYPE_CHECKING:
    from .assemble import Assembly

_CNI_WORDS = (("flannel", "flannel"), ("calico", "calico"), ("cilium", "cilium"), ("weave", "weave"), ("canal", "canal"))
_CNI_EVENT = re.compile(r"networkPlugin cni failed|failed to set up sandbox container .* network|network plugin is not ready|cni plugin not initialized"
                        r"|Failed to create pod sandbox: .*(?:plugin type=|network|cni)"
                        r"|NetworkPluginNotReady|failed to setup network for sandbox|calico/node is not ready|BIRD is not ready|BGP not established", re.I)
_PHASES = {"Running": "Running", "Pending": "Pending", "Failed": "Failed", "Succeeded": "Succeeded", "Unknown": "Unknown"}


def _plugin_named(text: str) -> str | None:
    low = text.lower()
    return next((plugin for word, plugin in _CNI_WORDS if word in low), None)


def probe_target(asm: Assembly, rec: Record) -> dict[str, Any] | None:
    """A tcp_connect record's fields for the observation (address of a name from a lookup in the
    input), or None with a warning when it connected to a name nothing resolved."""
    data = dict(rec.data)
    name = data.pop("target_name", None)
    if data.get("target") is None:
        resolved = asm.inv.resolved(name) if name else None
        if resolved is None:
            asm.warnings.append(IngestWarning.of(rec.where(), "connect_name_unresolved", name=name or "?", tool=data.get("tool") or "?"))
            return None
        data["target"] = resolved
    return data


def more_observations(asm: Assembly) -> None:
    _logs(asm)
    _describe(asm)
    _services(asm)
    _network_policies(asm)
    _node_counters(asm)


def _logs(asm: Assembly) -> None:
    listed_plugins = {str(role)[4:] for r in asm.inv.pod_listings for p in r.data["pods"] if str(role := pod_role(p["name"])).startswith("cni:")}
    for rec in asm.inv.of("pod_log"):
        d = rec.data
        component = d.get("component")
        if component == "coredns":
            asm.emit(rec, "coredns_log", at="control_plane", host=d.get("pod"), lines=list(dict.fromkeys(str(m)[:300] for m in d.get("errors") or [])))
        for f in d.get("findings") or []:
            if f["finding"] in ("pod_cidr_unassigned", "cidr_not_available") and f.get("node"):
                text = next((m for n, m in d.get("lines") or [] if n == f["line"]), None)
                asm.emit(rec, "pod_cidr", at="control_plane", host=None, node=f["node"], events=[text] if text else None,
                         cluster_cidr_exhausted=True if any(x["finding"] == "cidr_exhausted" for x in d.get("findings") or []) else None)
        plugin = {"flannel": "flannel", "calico-node": "calico", "weave": "weave"}.get(component or "")
        if plugin and not d.get("pod") and plugin not in listed_plugins:
            asm.emit(rec, "cni_pods", at="control_plane", host=None, plugin=plugin, errors=list(dict.fromkeys(str(m)[:300] for m in d.get("errors") or [])))
        elif component in ("kube-proxy",) and not d.get("pod"):
            asm.warnings.append(IngestWarning.of(rec.where(), "log_node_unknown", component=component))


def _describe(asm: Assembly) -> None:
    src, dst = asm.endpoints["source"], asm.endpoints["destination"]
    wanted = {src.get("name") if src.get("kind") == "pod" else None, dst.get("name") if dst.get("kind") == "pod" else None,
              *(b.get("pod") for b in dst.get("backends") or [])} - {None}
    listed = {p["name"] for r in asm.inv.pod_listings for p in r.data["pods"]}
    for rec in asm.inv.of("pod_describe") + asm.inv.of("events"):
        d = rec.data
        if rec.type == "pod_describe" and d.get("name") in wanted and d.get("name") not in listed and d.get("status") in _PHASES:
            asm.emit(rec, "pod_status", at="control_plane", host=None, pod=d["name"], phase=_PHASES[d["status"]])
        for e in d.get("events") or []:
            msg = str(e.get("message") or "")
            if e.get("type") != "Warning" or not _CNI_EVENT.search(msg):
                continue
            plugin = _plugin_named(msg)
            if plugin:
                asm.emit(rec, "cni_pods", at="control_plane", host=None, plugin=plugin, errors=[msg[:300]],
                         note=f"{rec.run.command or 'kubectl events'}: event {e.get('reason')} ({rec.run.where(e['line'])})")
            elif d.get("node"):
                asm.emit(rec, "node_conditions", at="control_plane", host=None, node=d["node"], messages=[msg[:300]])
    _cidr_events(asm)
    for rec in asm.inv.of("node_describe"):
        d = rec.data
        cond = d.get("conditions") or {}
        truth = lambda k: None if k not in cond else cond[k] == "True"  # noqa: E731
        asm.emit(rec, "node_conditions", at="control_plane", host=None, node=d.get("name"), ready=truth("Ready"),
                 network_unavailable=truth("NetworkUnavailable"), memory_pressure=truth("MemoryPressure"), disk_pressure=truth("DiskPressure"),
                 pid_pressure=truth("PIDPressure"), messages=[str(m)[:300] for m in d.get("messages") or []])


_CIDR_EVENT = re.compile(r"Node (\S+) status is now: CIDRNotAvailable")


def _cidr_events(asm: Assembly) -> None:
    """The CIDR allocator's ``CIDRNotAvailable`` event of a node (``kubectl get events``, ``describe
    node``: ``Node worker-3 status is now: CIDRNotAvailable``) -> that node's ``pod_cidr`` with the event."""
    for rec in asm.inv.of("events") + asm.inv.of("node_describe"):
        for e in rec.data.get("events") or []:
            msg = str(e.get("message") or "")
            if e.get("reason") != "CIDRNotAvailable" and not _CIDR_EVENT.search(msg):
                continue
            named = _CIDR_EVENT.search(msg)
            obj = str(e.get("object") or "")
            node = named.group(1) if named else obj.split("/", 1)[1] if obj.startswith("node/") else rec.data.get("name") if rec.type == "node_describe" else None
            if node:
                asm.emit(rec, "pod_cidr", at="control_plane", host=None, node=node, events=[msg[:300]], source_line=rec.run.where(e["line"]),
                         note=f"{rec.run.command or 'kubectl events'}: event CIDRNotAvailable ({rec.run.where(e['line'])})")


def _services(asm: Assembly) -> None:
    dst = asm.endpoints["destination"]
    if dst.get("kind") == "service" and not dst.get("ip") and dst.get("name"):
        _named_service_endpoints(asm, dst)
    if dst.get("kind") != "service" or not dst.get("ip"):
        return
    eps = {(e.get("namespace"), e["name"]): e for r in asm.inv.of("endpoints") for e in r.data["endpoints"]}
    for rec in asm.inv.of("services"):
        for svc in rec.data["services"]:
            if svc.get("cluster_ip") != dst["ip"]:
                continue
            ports = [int(p.split("/")[0].split(":")[0]) for p in svc.get("ports") or [] if p.split("/")[0].split(":")[0].isdigit()]
            port = dst.get("port") if dst.get("port") in ports else (ports[0] if len(ports) == 1 else None)
            ep = eps.get((svc.get("namespace"), svc["name"])) or next((e for (ns, n), e in eps.items() if n == svc["name"]), None)
            target = next((int(t) for t in svc.get("target_ports") or [] if str(t).isdigit()), None) if len(ports) == 1 else None
            kind_type = "Headless" if svc.get("headless") else svc.get("type") if svc.get("type") in ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName") else None
            asm.emit(rec, "service_spec", at="control_plane", host=None, service=svc["name"], namespace=svc.get("namespace"), type=kind_type,
                     cluster_ip=svc["cluster_ip"], port=port, target_port=target, selector=svc.get("selector") or None,
                     endpoints=None if ep is None or ep.get("truncated") else list(ep["addresses"]))
            return


def _named_service_endpoints(asm: Assembly, dst: dict[str, Any]) -> None:
    """A destination Service the ticket names without its address (no Service listing gives one):
    its Endpoints listing (same name, and namespace when both say it) is its ``service_spec.endpoints``."""
    for rec in asm.inv.of("endpoints"):
        for ep in rec.data["endpoints"]:
            if ep["name"] != dst["name"] or (dst.get("namespace") and ep.get("namespace") and ep["namespace"] != dst["namespace"]):
                continue
            if ep.get("truncated"):
                continue
            asm.emit(rec, "service_spec", at="control_plane", host=None, service=ep["name"], namespace=ep.get("namespace") or dst.get("namespace"),
                     endpoints=list(ep["addresses"]), source_line=rec.run.where(ep["line"]))
            return


def _policy_targets(asm: Assembly, namespaces: list[str], every: bool) -> list[tuple[str, str | None, str | None]]:
    """(direction, namespace, Pod) the listing speaks for: egress of the source Pod, ingress of the
    destination Pod (or the Service's backends); with neither end's namespace known, both
    directions of a Pod of the one namespace listed."""
    src, dst = asm.endpoints["source"], asm.endpoints["destination"]
    ends = [("egress", src.get("namespace"), src.get("name")) if src.get("kind") == "pod" else None,
            ("ingress", dst.get("namespace"), dst.get("name") if dst.get("kind") == "pod" else None) if dst.get("kind") in ("pod", "service") else None]
    known = [e for e in ends if e and e[1]]
    if known:
        return [e for e in known if every or e[1] in namespaces]
    if len(namespaces) == 1:
        return [("egress", namespaces[0], None), ("ingress", namespaces[0], None)]
    return []


def _network_policies(asm: Assembly) -> None:
    dst = asm.endpoints["destination"]
    backend_ports = {b.get("port") for b in dst.get("backends") or []}
    port = dst.get("port") if dst.get("kind") != "service" else (next(iter(backend_ports)) if len(backend_ports) == 1 else None)
    protocol = str(dst.get("protocol") or "tcp").upper()
    labels: dict[str, dict[str, str]] = {}
    for r in asm.inv.of("namespace_labels"):
        labels.update(r.data["namespaces"])
    ends = {"egress": asm.endpoints["destination"].get("namespace"), "ingress": asm.endpoints["source"].get("namespace")}
    for rec in asm.inv.of("network_policies"):
        data = rec.data
        targets = _policy_targets(asm, data["namespaces"], data["every_namespace"])
        if not targets:
            asm.warnings.append(IngestWarning.of(rec.where(), "netpol_not_the_flows", namespaces=", ".join(data["namespaces"]) or "?"))
        for direction, namespace, pod in targets:
            policies = [p for p in data["policies"] if p["namespace"] in (namespace, None)]
            other = Peer(ends[direction], labels.get(ends[direction] or ""))
            fields = judge(policies, direction, port, protocol, other)  # type: ignore[arg-type]
            if fields is None:
                selectors = "; ".join(f"{p['name']}: {p['selector']}" for p in policies)[:200]
                if data["form"] == "table":
                    asm.warnings.append(IngestWarning.of(rec.where(), "netpol_table_no_rules", namespace=namespace, selectors=selectors))
                else:
                    asm.warnings.append(IngestWarning.of(rec.where(), "netpol_selection_unknown", namespace=namespace, selectors=selectors))
                continue
            unsure = [p["name"] for p in policies if not p["selects_all"] and p["types"] and direction in p["types"]]
            note = f"{rec.run.command or 'kubectl get networkpolicy'} ({rec.where()}): namespace {namespace}"
            if unsure:
                note += f"; selecting by labels not shown: {', '.join(unsure)}"
            asm.emit(rec, "network_policy", at="control_plane", host=None, namespace=namespace, pod=pod, direction=direction, note=note, **fields)


def _node_counters(asm: Assembly) -> None:
    for rec in asm.inv.of("conntrack_stats"):
        d = rec.data
        asm.emit(rec, "conntrack_stats", **{k: d[k] for k in ("insert_failed", "drop", "early_drop", "search_restart") if k in d})
    for rec in asm.inv.of("checksum"):
        asm.emit(rec, "checksum_errors", bad_checksum_logged=True,
                 note=f"{rec.run.command or 'dmesg'}: {rec.data['count']} 'UDP: bad checksum' line(s) ({rec.where()})")
    for rec in asm.inv.of("nf_log"):
        p = rec.data["packets"][0]
        asm.warnings.append(IngestWarning.of(rec.where(), "nf_log_not_used", prefix=p.get("prefix") or "?", src=p["src"], dst=p["dst"],
                                             count=len(rec.data["packets"])))
    for rec in asm.inv.of("interface_counters"):
        asm.warnings.append(IngestWarning.of(rec.where(), "interface_counters_not_used"))
