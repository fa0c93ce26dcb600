"""kubectl: ``get pods`` / ``get nodes`` / ``get endpoints`` (table or ``-o json``) and ``logs``;
``get all`` / ``get pods,svc`` (one table per kind, rows named ``pod/NAME``, ``service/NAME``).

jc has no kubectl parsers. ``-o json`` is read with :mod:`json`; the tables are read by column
position from the end of the row's fixed fields, because customers often paste them through
``| grep`` (no header line) and ``RESTARTS`` may read ``3 (2m ago)``.
"""

from __future__ import annotations

import dataclasses
import json
import re

from ..model import CommandRun, ParseResult
from ._util import is_ip, option_value

_READY = re.compile(r"^\d+/\d+$")
_RESTARTS = re.compile(r"^(\d+)(?:\s+\([^)]*\))?")


_YAML_START = re.compile(r"^(apiVersion|items|kind|metadata):", re.MULTILINE)
_YAML_ALIAS = re.compile(r"(?:^|[\s\[{,:-])[&*][\w-]+")


def structured(run: CommandRun, res: ParseResult) -> object | None:
    """``-o json`` or ``-o yaml`` output as data; None for a table, False (with a warning) when broken.

    YAML anchors and aliases are refused: kubectl never writes them, and expanding them is how a
    few hundred bytes become gigabytes."""
    text = run.text.strip()
    if text.startswith("{"):
        try:
            return json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            lineno = getattr(exc, "lineno", 1)
            res.warn(run, "kubectl_json_invalid", run.nonblank[0][0] + lineno - 1, error=getattr(exc, "msg", type(exc).__name__))
            return False
    if not _YAML_START.match(text):
        return None
    import yaml

    if _YAML_ALIAS.search(text):
        res.warn(run, "kubectl_json_invalid", run.nonblank[0][0], error="YAML anchors or aliases (kubectl does not write them)")
        return False
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None)
        res.warn(run, "kubectl_json_invalid", run.nonblank[0][0] + (mark.line if mark else 0), error=str(getattr(exc, "problem", None) or type(exc).__name__))
        return False
    return data if isinstance(data, dict) else None


def items_of(data: dict) -> list[dict]:
    """The objects of a ``kind: List`` (or ``items:``) document, or the one object it is."""
    if str(data.get("kind") or "").endswith("List") or "items" in data:
        return [i for i in data.get("items") or [] if isinstance(i, dict)]
    return [data]


def pod_role(name: str) -> str | None:
    """kube-proxy, cluster DNS or CNI plugin, from the Pod name kubeadm/kubespray/the manifests give."""
    if name.startswith("kube-proxy"):
        return "kube_proxy"
    if name.startswith(("coredns", "kube-dns", "nodelocaldns")):
        return "dns"
    for prefix, plugin in (("kube-flannel", "flannel"), ("flannel", "flannel"), ("calico-node", "calico"), ("canal", "canal"),
                           ("weave-net", "weave"), ("kube-router", "kube-router"), ("cilium-operator", None), ("cilium", "cilium")):
        if name.startswith(prefix):
            return f"cni:{plugin}" if plugin else None
    return None


_KIND_ROW = re.compile(r"^(?:(\S+)\s+)?([a-z][\w.-]*)/(\S+)(?=\s)")
"""A row of ``kubectl get all`` or ``get pods,svc``: [NAMESPACE] KIND/NAME ..."""
_SECTION_KINDS = {"pod": "pods", "po": "pods", "service": "services", "svc": "services", "node": "nodes", "no": "nodes",
                  "endpoints": "endpoints", "ep": "endpoints"}
"""The kinds read (kubectl before 1.10 named rows po/, svc/, no/, ep/)."""


def _sections(run: CommandRun) -> list[list[tuple[int, str]]] | None:
    """The tables of a listing of several kinds (each from its header to the next blank line), or None
    when the output is one table of rows without a ``kind/`` prefix."""
    tables: list[list[tuple[int, str]]] = [[]]
    for n, text in run.output:
        if not text.strip():
            if tables[-1]:
                tables.append([])
            continue
        tables[-1].append((n, text))
    tables = [t for t in tables if t]
    rows = [text for table in tables for _, text in table if text.split()[:1] not in (["NAME"], ["NAMESPACE"])]
    if not rows or not all(_KIND_ROW.match(text) for text in rows[:1]):
        return None
    return tables


def parse_listing(run: CommandRun) -> ParseResult:
    """``kubectl get all`` / ``get pods,svc`` (or such output pasted alone): each table is read by the
    parser of its kind, its rows' ``kind/`` prefix taken off; a table of another kind (deployments,
    replica sets...) is not used, with one warning."""
    res = ParseResult()
    tables = _sections(run)
    if tables is None:
        res.warn(run, "kubectl_listing_not_understood")
        return res
    for table in tables:
        body = [(n, t) for n, t in table if t.split()[:1] not in (["NAME"], ["NAMESPACE"])]
        m = _KIND_ROW.match(body[0][1]) if body else None
        kind = _SECTION_KINDS.get(m.group(2).split(".")[0]) if m else None
        if m is None or kind is None:
            res.warn(run, "kubectl_listing_kind_not_used", table[0][0], kind=m.group(2) if m else table[0][1].split()[0])
            continue
        prefix = re.compile(rf"^(\s*(?:\S+\s+)?){re.escape(m.group(2))}/")
        sub = dataclasses.replace(run, output=[(n, prefix.sub(r"\1", t, count=1)) for n, t in table])
        part = {"pods": parse_pods, "services": parse_services, "nodes": parse_nodes, "endpoints": parse_endpoints}[kind](sub)
        res.records += part.records
        res.warnings += part.warnings
    return res


def parse_pods(run: CommandRun) -> ParseResult:
    if _sections(run) is not None:
        return parse_listing(run)  # `kubectl get all` output pasted alone: recognised by its pods table
    res = ParseResult()
    namespace = option_value(run.argv, "-n", "--namespace")
    data = structured(run, res)
    if data is False:
        return res
    pods: list[dict[str, object]] = []
    if isinstance(data, dict):
        for item in items_of(data):
            meta, spec, status = item.get("metadata") or {}, item.get("spec") or {}, item.get("status") or {}
            statuses = status.get("containerStatuses") or []
            waiting = [((c.get("state") or {}).get("waiting") or {}).get("reason") for c in statuses]
            phase = status.get("phase") or "Unknown"
            shown = next((w for w in waiting if w), None) or phase
            pods.append({
                "namespace": meta.get("namespace") or namespace, "name": meta.get("name"),
                "ready": sum(1 for c in statuses if c.get("ready")), "containers": len(statuses) or len(spec.get("containers") or []) or 1,
                "status": shown, "restarts": sum(int(c.get("restartCount") or 0) for c in statuses),
                "ip": status.get("podIP"), "node": spec.get("nodeName"), "host_network": bool(spec.get("hostNetwork")), "line": run.nonblank[0][0],
            })
    else:
        for n, text in run.nonblank:
            words = text.split()
            if words[:1] in (["NAME"], ["NAMESPACE"]) or text.startswith(("No resources found", "Error from server")):
                if text.startswith("Error from server"):
                    res.warn(run, "kubectl_error", n, text=text.strip()[:100])
                continue
            idx = next((i for i, w in enumerate(words[:3]) if _READY.match(w)), None)
            if idx is None or idx == 0 or len(words) < idx + 4:
                res.warn(run, "kubectl_pods_row_unknown", n, text=text.strip()[:80])
                continue
            ns = words[0] if idx == 2 else namespace
            name = words[idx - 1]
            ready, total = (int(x) for x in words[idx].split("/"))
            status = words[idx + 1]
            rest = " ".join(words[idx + 2 :])
            m = _RESTARTS.match(rest)
            restarts = int(m.group(1)) if m else None
            after = rest[m.end():].split() if m else words[idx + 3 :]
            # after: AGE [IP NODE NOMINATED READINESS]
            ip = after[1] if len(after) > 1 and is_ip(after[1]) else None
            node = after[2] if len(after) > 2 and after[2] != "<none>" else None
            pods.append({"namespace": ns, "name": name, "ready": ready, "containers": total, "status": status,
                         "restarts": restarts, "ip": ip, "node": node, "host_network": False, "line": n})
    if not pods:
        if not any("No resources found" in t for _, t in run.output):
            res.warn(run, "kubectl_no_pods")
        return res
    res.add(run, "pods", {"pods": pods, "namespace": namespace, "complete": not run.piped}, run.nonblank[0][0])
    return res


# spec.providerID's scheme names the cloud the cloud controller registered the node in; a managed
# service's node pool label names the service (the provider runs the control plane and the network)
_PROVIDER_SCHEMES = {"aws": "aws", "gce": "gcp", "azure": "azure", "openstack": "openstack", "vsphere": "vsphere", "kind": "local"}
_MANAGED_LABELS = (("eks.amazonaws.com/", "eks"), ("cloud.google.com/gke-", "gke"), ("kubernetes.azure.com/", "aks"))


def node_platform(provider_id: object, labels: dict[str, object]) -> str | None:
    """The fact model's ``cluster.platform`` a node's providerID and labels show; None when they show none."""
    scheme = str(provider_id).split(":", 1)[0].lower() if provider_id else ""
    platform = _PROVIDER_SCHEMES.get(scheme)
    managed = next((m for prefix, m in _MANAGED_LABELS if any(str(k).startswith(prefix) for k in labels)), None)
    return managed or platform


_AGE = re.compile(r"(?:\d+[smhdy])+|<unknown>")
"""A kubectl AGE cell (``7d8h``, ``9d``, ``45m``)."""


def parse_nodes(run: CommandRun) -> ParseResult:
    res = ParseResult()
    data = structured(run, res)
    if data is False:
        return res
    nodes: list[dict[str, object]] = []
    if isinstance(data, dict):
        for item in items_of(data):
            meta, spec, status = item.get("metadata") or {}, item.get("spec") or {}, item.get("status") or {}
            addrs = {a.get("type"): a.get("address") for a in status.get("addresses") or []}
            ready = next((c.get("status") for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
            annotations = meta.get("annotations") or {}
            nodes.append({
                "name": meta.get("name"), "internal_ip": addrs.get("InternalIP"), "pod_cidr": spec.get("podCIDR"),
                "pod_cidr_known": True, "flannel_public_ip": annotations.get("flannel.alpha.coreos.com/public-ip"),
                "ready": ready == "True" if ready else None, "line": run.nonblank[0][0],
                "platform": node_platform(spec.get("providerID"), meta.get("labels") or {}),
            })
    else:
        # the columns before OS-IMAGE (which has blanks) are read by position: from the header when
        # pasted (kubectl 1.6-1.7 print no ROLES: NAME STATUS AGE VERSION), else 1.8's layout
        header = next((t.split() for _, t in run.nonblank if t.split()[:1] == ["NAME"]), None)
        ip_at = header.index("INTERNAL-IP") if header and "INTERNAL-IP" in header else (None if header else 5)
        least = 3 if header and "ROLES" not in header else 5
        for n, text in run.nonblank:
            words = text.split()
            if words[:1] == ["NAME"]:
                continue
            if header and "ROLES" in header and len(words) == len(header) - 1 and _AGE.fullmatch(words[2]) and words[3].startswith("v"):
                # ROLES "<none>" eaten where the paste went through Markdown (an HTML tag to it)
                words = [*words[:2], "<none>", *words[2:]]
            if len(words) < least or not re.match(r"^(Not)?Ready", words[1]):
                res.warn(run, "kubectl_nodes_row_unknown", n, text=text.strip()[:80])
                continue
            internal = words[ip_at] if ip_at is not None and len(words) > ip_at and is_ip(words[ip_at]) else None
            nodes.append({"name": words[0], "internal_ip": internal, "pod_cidr": None, "pod_cidr_known": False,
                          "flannel_public_ip": None, "ready": words[1].split(",")[0] == "Ready", "status": words[1], "line": n})
    if not nodes:
        res.warn(run, "kubectl_no_nodes")
        return res
    res.add(run, "nodes", {"nodes": nodes}, run.nonblank[0][0])
    return res


def parse_endpoints(run: CommandRun) -> ParseResult:
    res = ParseResult()
    namespace = option_value(run.argv, "-n", "--namespace")
    data = structured(run, res)
    if data is False:
        return res
    eps: list[dict[str, object]] = []
    if isinstance(data, dict):
        for item in items_of(data):
            meta = item.get("metadata") or {}
            addrs = []
            for subset in item.get("subsets") or []:
                ports = [p.get("port") for p in subset.get("ports") or []] or [None]
                for a in subset.get("addresses") or []:
                    addrs += [f"{a.get('ip')}:{p}" if p else str(a.get("ip")) for p in ports]
            eps.append({"namespace": meta.get("namespace") or namespace, "name": meta.get("name"), "addresses": addrs, "truncated": False, "line": run.nonblank[0][0]})
    else:
        for n, text in run.nonblank:
            words = text.split()
            if words[:1] in (["NAME"], ["NAMESPACE"]):
                continue
            if len(words) == 2 and re.search(r":\d+|<none>", words[1]):
                words = [*words, ""]  # kubectl 1.0: NAME ENDPOINTS, no AGE column
            if len(words) < 3:
                res.warn(run, "kubectl_endpoints_row_unknown", n, text=text.strip()[:80])
                continue
            looks = lambda w: bool(re.search(r":\d+|<none>", w))
            if looks(words[1]):
                ns, cols = namespace, words
            elif looks(words[2]):
                ns, cols = words[0], words[1:]
            else:
                res.warn(run, "kubectl_endpoints_row_unknown", n, text=text.strip()[:80])
                continue
            name, listed = cols[0], cols[1]
            addrs = [] if listed == "<none>" else [a for a in listed.split(",") if a]
            eps.append({"namespace": ns, "name": name, "addresses": addrs, "truncated": "more..." in text, "line": n})
    if not eps:
        res.warn(run, "kubectl_no_endpoints")
        return res
    res.add(run, "endpoints", {"endpoints": eps}, run.nonblank[0][0])
    return res


_SVC_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")


_OLD_SVC_COLUMNS = {"NAMESPACE": "namespace", "NAME": "name", "LABELS": "labels", "SELECTOR": "selector", "IP(S)": "ip", "IP": "ip",
                    "CLUSTER_IP": "ip", "CLUSTER-IP": "ip", "EXTERNAL_IP": "external", "EXTERNAL-IP": "external", "PORT(S)": "ports",
                    "PORT": "ports", "AGE": "age"}
"""Columns of ``kubectl get svc`` before the TYPE column (kubectl 1.0-1.6): ``NAME LABELS SELECTOR IP(S) PORT(S)``,
``NAME CLUSTER_IP EXTERNAL_IP PORT(S) SELECTOR AGE``, ``NAME CLUSTER-IP EXTERNAL-IP PORT(S) AGE``."""


def _header_cells(header: str, row: str) -> dict[str, str] | None:
    """The cells of a table row, by the header's column names: sliced at the header's column starts
    (kubectl aligns every column), or split at blanks when the row has exactly one word per column
    (a paste that lost its alignment); None when neither fits."""
    starts = [(m.group(0), m.start()) for m in re.finditer(r"\S+", header)]
    words = row.split()
    if len(words) == len(starts) and not row.startswith(" "):
        return {name: w for (name, _), w in zip(starts, words)}
    cells = {}
    for i, (name, start) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else None
        cell = row[start:end]
        if start > 0 and row[start - 1 : start].strip():
            return None  # a value runs across the column start: not aligned with this header
        cells[name] = cell.strip()
    return cells


def _old_services(run: CommandRun, namespace: str | None, res: ParseResult) -> list[dict[str, object]] | None:
    """``kubectl get svc`` of kubectl before 1.7 (no TYPE column), read by its header's column names;
    a port or address wrapped onto a line of its own (kubectl 1.0) joins the Service above. None when
    the output has no such header."""
    lines = [(n, t.expandtabs(8).rstrip()) for n, t in run.nonblank]
    if not lines or lines[0][1].split()[:1] not in (["NAME"], ["NAMESPACE"]):
        return None
    names = lines[0][1].split()
    if "TYPE" in names or not all(w in _OLD_SVC_COLUMNS for w in names) or "ports" not in {_OLD_SVC_COLUMNS[w] for w in names}:
        return None
    services: list[dict[str, object]] = []
    unknown: list[tuple[int, str]] = []
    for n, text in lines[1:]:
        cells = _header_cells(lines[0][1], text)
        if cells is None:
            unknown.append((n, text))
            continue
        cell = {_OLD_SVC_COLUMNS[k]: v for k, v in cells.items()}
        ports = [p for p in cell.get("ports", "").split(",") if p and p != "<none>"]
        if not cell.get("name") and services:
            services[-1]["ports"] += ports  # type: ignore[operator]  # kubectl 1.0 wraps each further port (or IP) below
            continue
        ip = cell.get("ip", "")
        selector = cell.get("selector", "")
        if not cell.get("name") or not (is_ip(ip) or ip == "None"):
            unknown.append((n, text))
            continue
        services.append({"namespace": cell.get("namespace") or namespace, "name": cell["name"], "type": None,
                         "cluster_ip": ip if is_ip(ip) else None, "headless": ip == "None", "ports": ports,
                         "selector": None if "selector" not in cell else [x for x in selector.split(",") if x and x != "<none>"], "line": n})
    if unknown:
        res.not_understood(run, unknown)
    return services


def parse_services(run: CommandRun) -> ParseResult:
    """``kubectl get svc [-A] [-o wide|json|yaml]``: Services with their ClusterIP, ports and selector."""
    if _sections(run) is not None:
        return parse_listing(run)
    res = ParseResult()
    if (old := _old_services(run, option_value(run.argv, "-n", "--namespace"), res)) is not None:
        if not old:
            res.warn(run, "kubectl_no_services")
        else:
            res.add(run, "services", {"services": old, "complete": not run.piped}, run.nonblank[0][0])
        return res
    namespace = option_value(run.argv, "-n", "--namespace")
    data = structured(run, res)
    if data is False:
        return res
    services: list[dict[str, object]] = []
    unknown: list[tuple[int, str]] = []
    if isinstance(data, dict):
        for item in items_of(data):
            meta, spec = item.get("metadata") or {}, item.get("spec") or {}
            ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
            services.append({
                "namespace": meta.get("namespace") or namespace, "name": meta.get("name"), "type": spec.get("type"),
                "cluster_ip": spec.get("clusterIP") if is_ip(spec.get("clusterIP")) else None,
                "headless": spec.get("clusterIP") == "None",
                "ports": [f"{p.get('port')}/{p.get('protocol') or 'TCP'}" for p in ports],
                "port_names": [p.get("name") for p in ports],
                "target_ports": [p.get("targetPort") for p in ports], "node_ports": [p.get("nodePort") for p in ports],
                "selector": [f"{k}={v}" for k, v in (spec.get("selector") or {}).items()], "line": run.nonblank[0][0],
            })
    else:
        for n, text in run.nonblank:
            words = text.split()
            if words[:1] in (["NAME"], ["NAMESPACE"]) or text.startswith("No resources found"):
                continue
            idx = next((i for i, w in enumerate(words[:3]) if w in _SVC_TYPES), None)
            if idx is None or idx == 0 or len(words) < idx + 4:
                unknown.append((n, text))
                continue
            ip = words[idx + 1]
            port_column = words[idx + 3] if idx + 3 < len(words) else ""
            selector = words[idx + 5] if len(words) > idx + 5 and "=" in words[idx + 5] else None
            services.append({
                "namespace": words[0] if idx == 2 else namespace, "name": words[idx - 1], "type": words[idx],
                "cluster_ip": ip if is_ip(ip) else None, "headless": ip == "None",
                "ports": [p for p in port_column.split(",") if p and p != "<none>"],
                "selector": selector.split(",") if selector else None, "line": n,
            })
    if unknown:
        res.not_understood(run, unknown)
    if not services:
        res.warn(run, "kubectl_no_services")
        return res
    res.add(run, "services", {"services": services, "complete": not run.piped}, run.nonblank[0][0])
    return res
