"""``kubectl describe pod|svc|node`` and ``kubectl get events`` -> Pod, Service and node records
with their events.

jc has no kubectl parser, and describe is not a table: it is ``Key:  value`` lines, indented
sub-blocks, and an ``Events:`` table whose columns are found from its header line (``Type Reason
Age From Message``, or the older ``FirstSeen LastSeen Count From SubObjectPath Type Reason
Message``); a message wrapped onto further lines is joined. What kind of object is described
comes from the command line, or from its keys (``Selector:``/``Endpoints:`` a Service,
``Conditions:``/``Capacity:``/``PodCIDR`` a node, else a Pod). A paste of only the ``Events:``
table is the events of an unnamed object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..model import CommandRun, ParseResult
from ._util import is_ip
from .connect import is_noise

_KEY = re.compile(r"^([A-Z][\w ()-]*?):(?:\s+(.*))?$")
_HEADER_WORDS = ("Type", "Reason", "Age", "From", "Message", "LAST SEEN", "REASON", "OBJECT", "MESSAGE", "TYPE", "FirstSeen", "LastSeen")


_EVENT_ROW = re.compile(r"^\s*(?:Normal|Warning)\s{2,}[A-Z]\w+\s{2,}\S")
_DEFAULT_HEADER = "Type    Reason    Age    From    Message"
"""The columns of ``kubectl describe``'s events table, for rows pasted without their header."""
_OLD_EVENT_ROW = re.compile(r"^\s*\S+\s{2,}\S+\s{2,}\d+\s{2,}\{[^{}]+\}\s{2,}(?:\S+\s{2,})?(?:Normal|Warning)\s{2,}[A-Z]\w+\s{2,}\S")
"""A row of the events table of kubectl before 1.5 (``2m  8s  9  {kubelet 127.0.0.1}  spec.containers{kubedns}  Warning
Unhealthy  Readiness probe failed: ...``): the source in braces, the sub-object path (empty for the Pod itself)."""
_OLD_DEFAULT_HEADER = "FirstSeen    LastSeen    Count    From    SubobjectPath    Type    Reason    Message"
_EVENTS_DEFAULT_HEADER = "last_seen    type    reason    object    message"
"""The columns of ``kubectl get events`` (1.16 on), for rows pasted without their header."""
EVENT_ROW = re.compile(r"^(?:\S+\s{2,})?(?:\d+[smhd]\w*|<unknown>)\s{2,}(?:Normal|Warning)\s{2,}[A-Z]\w+\s{2,}[a-z]+(?:\.[\w.]+)?/\S+\s{2,}\S")
"""A row of ``kubectl get events`` (``3m14s  Warning  Unhealthy  pod/calico-node-x  Readiness probe failed...``)."""


def _kind(run: CommandRun, keys: set[str]) -> str:
    words = [w for w in run.argv[2:] if not w.startswith("-")]
    what = (words[0].split("/")[0] if words else "").lower()
    if what in ("pod", "pods", "po"):
        return "pod"
    if what in ("svc", "service", "services"):
        return "service"
    if what in ("node", "nodes", "no"):
        return "node"
    if {"Selector", "Endpoints"} & keys and "Containers" not in keys:
        return "service"
    if {"Conditions", "Capacity", "PodCIDR", "PodCIDRs", "Taints"} & keys and "Containers" not in keys and "Node" not in keys:
        return "node"
    return "pod"


def _is_row(raw: str) -> bool:
    """Whether a line of an events table is a row: its type (``Normal``/``Warning``) stands as a
    column of its own (two blanks on either side), whatever the alignment."""
    return bool(_EVENT_ROW.match(raw) or _OLD_EVENT_ROW.match(raw)) or any(p in ("Normal", "Warning") for p in re.split(r"\s{2,}", raw.strip()))


def _columns(header: str) -> list[tuple[str, int]]:
    """(column name, start offset) from a header line whose columns are at least two blanks apart."""
    return [(m.group(0).strip(), m.start()) for m in re.finditer(r"\S+(?: \S+)*", header)]


def _events(lines: list[tuple[int, str]], res: ParseResult, run: CommandRun) -> tuple[list[dict[str, object]], list[tuple[int, str]]]:
    """The events of a table given from its header line on (raw lines, tabs expanded)."""
    if not lines:
        return [], []
    headerless = lines[0][1] in (_DEFAULT_HEADER, _OLD_DEFAULT_HEADER, _EVENTS_DEFAULT_HEADER)
    cols = _columns(lines[0][1])
    names = [c.lower().replace(" ", "_") for c, _ in cols]
    events: list[dict[str, object]] = []
    unknown: list[tuple[int, str]] = []
    msg_start = dict(zip(names, (o for _, o in cols))).get("message")
    starts = [o for _, o in cols]
    for n, raw in lines[1:]:
        if re.fullmatch(r"[\s-]+", raw):
            continue
        if msg_start is not None and events and (raw[:msg_start].strip() == "" or not _is_row(raw)):
            # a wrapped message, or one kubectl printed over several lines (a probe's output): unindented
            events[-1]["message"] = f"{events[-1]['message']} {raw.strip()}".strip()
            continue
        row: dict[str, object] = {"line": n}
        for i, (name, start) in enumerate(zip(names, starts)):
            end = cols[i + 1][1] if i + 1 < len(cols) else None
            value = raw[start:end] if end is not None else raw[start:]
            row[name] = value.strip()
        aligned = not any(0 < s < len(raw) and raw[s - 1] != " " and raw[s] != " " for s in starts)  # no column cut mid-word
        if headerless or not aligned or row.get("type") not in ("Normal", "Warning") or not row.get("reason"):
            # columns not aligned (a paste that lost its blanks): split at runs of two blanks
            parts = re.split(r"\s{2,}", raw.strip())
            if len(parts) >= len(names) - 1 and parts[0] in ("Normal", "Warning"):
                row.update(dict(zip(names, parts)))
                if len(parts) > len(names):
                    row["message"] = "  ".join(parts[len(names) - 1 :])
            elif "type" in names and (t := next((p for p in parts if p in ("Normal", "Warning")), None)):
                i = parts.index(t)
                row.update({"type": t, "reason": parts[i + 1] if i + 1 < len(parts) else "", "message": "  ".join(parts[i + 2 :])})
                if "object" in names and len(parts) > i + 3 and re.fullmatch(r"[a-z]+(?:\.[\w.]+)?/\S+", parts[i + 2]):
                    row.update({"object": parts[i + 2], "message": "  ".join(parts[i + 3 :])})  # get events: KIND/NAME
                if source := next((p for p in parts[:i] if re.fullmatch(r"\{[^{}]+\}", p)), None):
                    row["from"] = source
            else:
                unknown.append((n, raw))
                continue
        source = re.sub(r"^\{(\S+) (\S+)\}$", r"\1, \2", str(row.get("from") or row.get("source") or "")) or None  # old kubectl: {kubelet node-1}
        events.append({"type": row.get("type"), "reason": row.get("reason"), "from": source,
                       "object": row.get("object") or row.get("name"), "message": str(row.get("message") or ""), "line": n})
    return events, unknown


_PORT_KEYS = ("Port", "TargetPort", "NodePort", "Endpoints")
"""The keys ``kubectl describe svc`` repeats once per port, in this order (kubectl before 1.5 has no TargetPort)."""


@dataclass
class _ServicePort:
    """One ``Port:`` block of a described Service."""

    port: str | None  # ``80/TCP``; None when the paste lost the Port: line
    name: str | None  # ``http``; None for ``<unset>`` or none shown
    target_port: str | None
    node_port: str | None
    endpoints_line: int | None  # None when the block shows no Endpoints: line
    addresses: list[str]  # ``<none>``: none
    truncated: bool  # ``... + 3 more...``


def _service_ports(blocks: list[dict[str, tuple[int, str]]]) -> list[_ServicePort]:
    """Each ``Port:`` block of a described Service with its target port, node port and endpoints."""
    out: list[_ServicePort] = []
    for block in blocks:
        words = block.get("Port", (0, ""))[1].split()
        eps = block.get("Endpoints", (0, ""))[1]
        node = block.get("NodePort", (0, ""))[1].split()
        listed = re.sub(r"\s*\+\s*\d+\s+more\.\.\.\s*$", "", eps)  # "10.0.0.1:80,10.0.0.2:80 + 3 more..."
        out.append(_ServicePort(port=words[-1] if words else None,
                                name=words[0] if len(words) > 1 and words[0] not in ("<unset>", "<unnamed>") else None,
                                target_port=block.get("TargetPort", (0, ""))[1].split("/")[0] or None,
                                node_port=node[-1].split("/")[0] if node else None,
                                endpoints_line=block["Endpoints"][0] if "Endpoints" in block else None,
                                addresses=[a.strip() for a in listed.split(",") if a.strip() and a.strip() != "<none>"],
                                truncated="more..." in eps))
    return out


_STANZA = re.compile(r"^Name:\s")
"""The first line of each object's stanza in ``kubectl describe`` (a sub-block's ``Name:`` is indented)."""


def stanzas(output: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """The output of ``kubectl describe svc|pods|nodes`` (no name: every object) cut before each
    unindented ``Name:`` line after the first: one stanza per object."""
    cuts = [i for i, (_, text) in enumerate(output) if _STANZA.match(text)][1:]
    return [output[a:b] for a, b in zip([0, *cuts], [*cuts, len(output)])]


def parse_describe(run: CommandRun) -> ParseResult:
    """Each described object of the output (several when ``kubectl describe`` named none), read
    on its own: a Service's ports or a Pod's events never mix with the next object's."""
    parts = stanzas(run.output)
    if len(parts) == 1:
        return _parse_object(run)
    res = ParseResult()
    for part in parts:
        one = _parse_object(replace(run, output=part))
        for rec in one.records:
            rec.run = run  # the records point at the command, as a single object's do
        res.records += one.records
        res.warnings += one.warnings
    return res


def _parse_object(run: CommandRun) -> ParseResult:
    """One described object (the whole output, or one :func:`stanzas` part of it)."""
    res = ParseResult()
    lines = [(n, t.expandtabs(8).rstrip()) for n, t in run.output if t.strip()]
    fields: dict[str, tuple[int, str]] = {}
    blocks: dict[str, list[tuple[int, str]]] = {}
    current: str | None = None
    unknown: list[tuple[int, str]] = []
    event_lines: list[tuple[int, str]] = []
    service_ports: list[dict[str, tuple[int, str]]] = []  # a Service's Port: blocks, each with its TargetPort/NodePort/Endpoints
    in_events = False
    for n, text in lines:
        if in_events:
            if not text.startswith(" ") and _KEY.match(text) and not text.startswith(("Normal", "Warning")):
                in_events = False
            else:
                if text.strip() in ("<none>",) or text.strip().startswith("No events"):
                    continue
                event_lines.append((n, text.strip("\n")[2:] if text.startswith("  ") else text))
                continue
        if text.strip() in ("Events:", "Events:  <none>") or text.startswith("Events:"):
            in_events = text.strip() == "Events:"
            continue
        if text.strip().startswith("No events"):
            continue
        if not text.startswith(" ") and (m := _KEY.match(text)) and not _EVENT_ROW.match(text):
            current = m.group(1)
            fields[current] = (n, (m.group(2) or "").strip())
            blocks[current] = []
            if current in _PORT_KEYS:
                if current == "Port" or not service_ports or current in service_ports[-1]:
                    service_ports.append({})  # a new port, or a key repeated without its Port: line
                service_ports[-1][current] = fields[current]
            continue
        if text.startswith(" ") and current is not None:
            blocks[current].append((n, text.strip()))
            continue
        if text.lstrip().startswith(_HEADER_WORDS[:1]) and re.match(r"\s*Type\s+Reason\s+Age", text):
            in_events = True
            event_lines.append((n, text.strip()))
            continue
        if not event_lines and re.match(r"\s*FirstSeen\s+LastSeen\s+Count\s+From", text):
            in_events = True  # the old events table (kubectl before 1.5) without its Events: line
            event_lines.append((n, text.strip()))
            continue
        if not event_lines and (_EVENT_ROW.match(text) or _OLD_EVENT_ROW.match(text)):
            # event rows pasted without the Events: header: the usual columns, split at double blanks
            in_events = True
            header = _DEFAULT_HEADER if _EVENT_ROW.match(text) else _OLD_DEFAULT_HEADER
            event_lines += [(n, header), (n, text.strip())]
            continue
        if not is_noise(text):
            unknown.append((n, text))
    events, bad = _events(event_lines, res, run)
    unknown += bad
    kind = _kind(run, set(fields))
    value = lambda key: fields.get(key, (None, None))[1] or None  # noqa: E731
    first = lines[0][0] if lines else run.line
    if unknown:
        res.not_understood(run, unknown)
    if kind == "service" and fields:
        blocks_read = _service_ports(service_ports)
        ports = [p for p in blocks_read if p.port is not None]
        ip = (value("IP") or value("IPs") or "").split(",")[0].strip()
        data = {"namespace": value("Namespace"), "name": value("Name"), "type": value("Type"),
                "cluster_ip": ip if is_ip(ip) else None, "headless": ip == "None",
                "ports": [p.port for p in ports], "port_names": [p.name for p in ports],
                "target_ports": [p.target_port for p in ports], "node_ports": [p.node_port for p in ports],
                "selector": [s for s in (value("Selector") or "").split(",") if s and s != "<none>"],
                "line": first}
        res.add(run, "services", {"services": [data], "complete": True}, first)
        shown = [p for p in blocks_read if p.endpoints_line is not None]
        if shown:
            line = min(p.endpoints_line for p in shown if p.endpoints_line is not None)
            res.add(run, "endpoints", {"endpoints": [{"namespace": data["namespace"], "name": data["name"],
                                                      "addresses": [a for p in shown for a in p.addresses],
                                                      "ports": [{"port": p.port, "name": p.name, "addresses": p.addresses} for p in shown],
                                                      "truncated": any(p.truncated for p in shown), "line": line}]}, line)
    elif kind == "node" and (fields or events):
        conditions = {}
        for n, text in blocks.get("Conditions", []):
            parts = text.split()
            if len(parts) >= 2 and parts[1] in ("True", "False", "Unknown"):
                conditions[parts[0]] = (parts[1], n, " ".join(parts[2:]))
        internal = next((t.split(":", 1)[1].strip() for _, t in blocks.get("Addresses", []) if t.startswith("InternalIP:")), None)
        words = [w for w in run.argv[2:] if not w.startswith("-")]
        named = words[1] if len(words) > 1 and "/" not in words[0] else words[0].split("/", 1)[1] if words and "/" in words[0] else None
        res.add(run, "node_describe", {"name": value("Name") or named, "conditions": {k: v[0] for k, v in conditions.items()},
                                       "messages": [v[2] for v in conditions.values() if v[2]] + [str(e["message"]) for e in events if e["type"] == "Warning"],
                                       "internal_ip": internal if is_ip(internal) else None,
                                       "pod_cidr": value("PodCIDR") or value("PodCIDRs"), "events": events}, first)
    elif kind == "pod" and (fields or events):
        node = value("Node") or ""
        node_name, _, node_ip = node.partition("/")
        ip = value("IP") or ""
        namespace, name = value("Namespace"), value("Name")
        # Events alone: the scheduler's "Successfully assigned NS/POD to NODE" names the Pod and its node.
        for e in events:
            if m := re.match(r"Successfully assigned ([\w.-]+)/([\w.-]+) to ([\w.-]+)", str(e["message"])):
                namespace, name, node_name = namespace or m.group(1), name or m.group(2), node_name or m.group(3)
        # ... and the kubelet that reported them is the Pod's node ("kubelet, node-1" or "kubelet" + a node column)
        kubelets = {str(e["from"]).split(",", 1)[1].strip() for e in events if re.match(r"kubelet,\s*\S", str(e.get("from") or ""))}
        if not node_name and len(kubelets) == 1:
            node_name = kubelets.pop()
        res.add(run, "pod_describe", {"namespace": namespace, "name": name, "node": node_name or None,
                                      "node_ip": node_ip if is_ip(node_ip) else None, "status": value("Status"),
                                      "ip": ip if is_ip(ip) else None, "events": events}, first)
    else:
        res.warn(run, "describe_not_understood", first)
    return res


def parse_events(run: CommandRun) -> ParseResult:
    """``kubectl get events``: the table, its columns found from the header."""
    res = ParseResult()
    lines = [(n, t.expandtabs(8).rstrip()) for n, t in run.output if t.strip()]
    start = next((i for i, (_, t) in enumerate(lines) if re.search(r"\bREASON\b", t) and re.search(r"\bTYPE\b", t)), None)
    if start is None and lines and EVENT_ROW.match(lines[0][1]):
        # rows pasted without their header (a grep, or the header left out): kubectl's columns
        head = [(lines[0][0], _EVENTS_DEFAULT_HEADER)]
        events, unknown = _events(head + lines, res, run)
        if unknown:
            res.not_understood(run, unknown)
        if events:
            res.add(run, "events", {"events": events}, lines[0][0])
        return res
    if start is None:
        res.warn(run, "describe_not_understood", lines[0][0] if lines else run.line)
        return res
    head = [(lines[start][0], lines[start][1].lower().replace("last seen", "last_seen").replace("first seen", "first_seen"))]
    events, unknown = _events(head + lines[start + 1 :], res, run)
    unknown = lines[:start] + unknown
    if unknown:
        res.not_understood(run, unknown)
    if events:
        res.add(run, "events", {"events": events}, lines[start][0])
    return res
