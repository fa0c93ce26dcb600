"""The corpus vocabulary: what ingest read from a paste, and what a sample expects, as small neutral
dicts (``{kind: tcp_connect, dest: 10.0.0.1, port: 80, result: refused}``), and how they are compared.

* :func:`read` runs ingest's reader (split, recognise, parse: :func:`podnet.inputs.ingest.parse_runs`)
  on the text under a neutral file name (``paste.txt``: the corpus's own file names would tell the
  command) and turns each record into readings.
* :func:`expected_from_realworld` translates the ``expected`` block of a tests/realworld paste or
  capture (written by another helper, in its own words) into the same vocabulary, mechanically, kind
  by kind; a kind it has no translation for makes the sample a miss with that reason.
* :func:`judge` compares: every expected reading must be matched by a reading (only the keys the
  expectation gives are compared; lists as sets, addresses as addresses), and no connection, lookup
  or ping may be read that the sample does not expect (a guessed observation).
"""

from __future__ import annotations

import ipaddress
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from podnet.inputs.ingest import parse_runs
from podnet.inputs.model import IngestWarning, Record

PROBES = ("tcp_connect", "dns_lookup", "ping")
_NET_RESULTS = {"net_unreachable": "unreachable"}


@dataclass
class Reading:
    readings: list[dict[str, Any]]
    warnings: list[IngestWarning]
    crash: str | None = None


@dataclass
class Verdict:
    ok: bool
    reason: str = ""
    missing: list[dict[str, Any]] = field(default_factory=list)
    guessed: list[dict[str, Any]] = field(default_factory=list)


def read(text: bytes, name: str = "paste.txt") -> Reading:
    """What ingest reads from ``text`` (bytes as pasted)."""
    with tempfile.TemporaryDirectory(prefix="podnet-corpus-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(text)
        warnings: list[IngestWarning] = []
        try:
            records = parse_runs(path, warnings)
        except Exception as exc:  # noqa: BLE001 - a crash is what the corpus counts
            return Reading([], warnings, f"{type(exc).__name__}: {exc}")
        return Reading([r for rec in records for r in readings_of(rec)], warnings)


def _raw(rec: Record, line: int | None) -> str:
    return next((t for n, t in rec.run.output if n == line), "") if line is not None else ""


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def readings_of(rec: Record) -> list[dict[str, Any]]:
    """One record as corpus readings."""
    d = rec.data
    t = rec.type
    if t == "tcp_connect":
        return [_clean({"kind": t, "dest": d.get("target") or d.get("target_name"), "dest_name": d.get("target_name"), "port": d["port"],
                        "result": d["result"], "tool": d.get("tool")})]
    if t == "dns_lookup":
        return [_clean({"kind": t, "name": d["name"], "server": d.get("server"), "result": d["result"], "answers": d.get("answers"),
                        "transport": d.get("transport")})]
    if t == "firewalld":
        return [{"kind": t, "running": d["running"]}]
    if t == "ping":
        return [_clean({"kind": t, "dest": d["target"], "result": d["result"], "size": d.get("size")})]
    if t == "pods":
        return [_clean({"kind": "pod", "namespace": p.get("namespace"), "name": p["name"], "ready": f"{p['ready']}/{p['containers']}",
                        "status": p["status"], "restarts": p.get("restarts"), "ip": p.get("ip"), "node": p.get("node")}) for p in d["pods"]]
    if t == "nodes":
        return [_clean({"kind": "node", "name": n["name"], "ready": n.get("ready"), "status": n.get("status"), "internal_ip": n.get("internal_ip")})
                for n in d["nodes"]]
    if t == "services":
        return [_clean({"kind": "service", "namespace": s.get("namespace"), "name": s["name"], "type": s.get("type"), "cluster_ip": s.get("cluster_ip"),
                        "ports": _named_ports(s), "selector": s.get("selector")}) for s in d["services"]]
    if t == "endpoints":
        return [_clean({"kind": "endpoints", "namespace": e.get("namespace"), "name": e["name"], "addresses": e["addresses"]}) for e in d["endpoints"]]
    if t in ("pod_describe", "node_describe", "events"):
        out = []
        if t == "pod_describe":
            pod = "/".join(x for x in (d.get("namespace"), d.get("name")) if x) or None
            out.append(_clean({"kind": "pod_events", "pod": pod, "node": d.get("node"), "status": d.get("status"), "ip": d.get("ip")}))
        if t == "node_describe":
            out.append(_clean({"kind": "node", "name": d.get("name"), "ready": d["conditions"].get("Ready") == "True" if d["conditions"].get("Ready") else None,
                               "internal_ip": d.get("internal_ip")}))
        out += [_clean({"kind": "pod_event", "type": e["type"], "reason": e["reason"], "message": e.get("message"), "object": e.get("object")})
                for e in d["events"]]
        return out
    if t == "pod_log":
        return [_clean({"kind": "log", "component": d.get("component"), "pod": d.get("pod"), "mode": d.get("mode"),
                        "findings": [f["finding"] for f in d.get("findings") or []], "lines": [_raw(rec, n) for n, _ in d.get("lines") or []]})]
    if t == "counters" and (d.get("conntrack_table_full_logged") or d.get("neighbor_table_overflow_logged")):
        return [{"kind": "kernel_log", "lines": [_raw(rec, n) for n, txt in rec.run.nonblank if "table full" in txt or "table overflow" in txt]}]
    if t in ("checksum", "nf_log"):
        return [{"kind": "kernel_log", "lines": [p.get("text") or _raw(rec, p["line"]) for p in d["packets"]], "packets": d["packets"]}]
    if t == "ipvs" and any(sv.get("kernel_line") for sv in d["services"]):  # dmesg's "IPVS: ... no destination available"
        return [{"kind": "ipvs"}, {"kind": "kernel_log", "lines": [t for n, t in rec.run.output if "no destination available" in t]}]
    if t == "conntrack_stats":
        return [{"kind": t, **{k: v for k, v in d.items() if k != "cpus"}}]
    if t == "addresses":
        return [_clean({"kind": "interface", "name": i["name"], "mtu": i.get("mtu"), "state": i.get("state"),
                        "addresses": [a for a in i["addresses"] if ":" not in a], "rx_drop": i.get("rx_drop"), "tx_drop": i.get("tx_drop")})
                for i in d["interfaces"]]
    if t == "interface_counters":
        return [_clean({"kind": "interface", "name": i["name"], "mtu": i.get("mtu"), "rx_drop": i.get("rx_drop"), "tx_drop": i.get("tx_drop")})
                for i in d["interfaces"]]
    if t == "routes":
        return [_clean({"kind": "route", "dst": r["destination"], "via": r.get("via"), "dev": r.get("dev"),
                        "type": r.get("kind") if r.get("kind") != "unicast" else None}) for r in d["routes"]]
    if t == "pod_dns_config":
        return [_clean({"kind": "resolv_conf", "nameservers": d.get("nameservers"), "search": d.get("search"), "ndots": d.get("ndots")})]
    if t == "sysctl":
        return [{"kind": "sysctl", "name": d["name"], "value": str(d["value"])}]
    if t == "capture":
        return [{"kind": "capture", "interface": d.get("interface"), "packets": len(d["packets"])}]
    return [{"kind": t}]


def _named_ports(service: dict[str, Any]) -> list[str] | None:
    """``80/TCP``, or ``http 80/TCP`` when the output named the port (describe, -o yaml)."""
    ports, names = service.get("ports"), service.get("port_names") or []
    if ports is None:
        return None
    return [f"{names[i]} {p}" if i < len(names) and names[i] else p for i, p in enumerate(ports)]


# ---------------------------------------------------------------- tests/realworld expectations

class Untranslatable(Exception):
    """The expected reading uses a kind the corpus vocabulary has no form for."""


def _dest(value: Any) -> str:
    return str(value)


def _result(value: Any) -> str:
    return _NET_RESULTS.get(str(value), str(value))


def _ports(value: Any) -> list[str] | None:
    if value is None:
        return None
    return [p.strip() for p in (value if isinstance(value, list) else str(value).split(",")) if p.strip()]


def _fragments(match: str) -> list[str]:
    """The literal parts of a ``lines_that_matter`` match (``...``, ``*`` and ``<placeholder>`` are gaps)."""
    return [f.strip() for f in re.split(r"\.\.\.|\*|<[^>]+>", match) if f.strip()]


def expected_from_realworld(expected: dict[str, Any]) -> list[dict[str, Any]]:
    kind = expected.get("kind")
    e = expected
    if kind == "transcript":
        return [r for step in e.get("steps") or [] for r in _step(step)]
    return _step(e)


def _step(e: dict[str, Any]) -> list[dict[str, Any]]:
    kind = e.get("kind")
    if kind == "tcp_connect":
        return [_clean({"kind": kind, "dest": _dest(e["dest"]) if e.get("dest") else None, "port": e.get("port"), "result": _result(e["result"])})]
    if kind == "dns_lookup":
        answers = e.get("answers", e.get("answer"))
        return [_clean({"kind": kind, "name": e.get("name"), "server": e.get("server"), "result": _result(e["result"]),
                        "answers": answers if isinstance(answers, list) else None})]
    if kind == "ping":
        tx, rx = e.get("transmitted"), e.get("received")
        result = None if tx is None or rx is None else "ok" if rx == tx and tx > 0 else "lost" if rx == 0 else "partial_loss"
        return [_clean({"kind": "ping", "dest": e.get("dest"), "result": result})]
    if kind == "pod_list":
        out = []
        for p in e.get("pods") or []:
            out.append(_clean({"kind": "pod", "namespace": p.get("namespace"), "name": p["name"], "ready": p.get("ready"), "status": p.get("status"),
                               "restarts": p.get("restarts"), "ip": p.get("ip"), "node": p.get("node")}))
        return out
    if kind in ("service_list",):
        out = []
        for s in e.get("services") or []:
            ns, _, name = str(s["name"]).rpartition("/")
            out.append(_clean({"kind": "service", "namespace": ns or None, "name": name, "type": s.get("type"), "cluster_ip": s.get("cluster_ip"),
                               "ports": _ports(s.get("ports"))}))
        return out
    if kind == "service_endpoints":
        ns, _, name = str(e.get("service") or "").rpartition("/")
        selector = e.get("selector")
        service = _clean({"kind": "service", "namespace": ns or None, "name": name or None, "cluster_ip": e.get("cluster_ip"),
                          "ports": _ports(e.get("port") or e.get("ports")),
                          "selector": [f"{k}={v}" for k, v in selector.items()] if isinstance(selector, dict) else None})
        # the Service itself is expected only when something of it (address, port, selector) is shown;
        # an Endpoints object alone shows only its addresses under the Service's name
        out = [service] if set(service) - {"kind", "namespace", "name"} or "endpoints" not in e else []
        if "endpoints" in e:
            eps = e["endpoints"]
            out.append(_clean({"kind": "endpoints", "namespace": ns or None, "name": name or None, "addresses": list(eps) if isinstance(eps, list) else []}))
        return out
    if kind == "pod_events":
        pod, node = e.get("pod"), e.get("node")
        if pod and (m := re.fullmatch(r"(\S+) \(on node ([\w.-]+)\)", str(pod))):
            pod, node = None, node or m.group(2)  # a description ("calico-node (on node n1)"): the node is what it names
        out = [_clean({"kind": "pod_events", "pod": pod, "node": node})]
        for ev in e.get("events") or []:
            out.append(_clean({"kind": "pod_event", "type": ev.get("type"), "reason": ev.get("reason"), "message_contains": ev.get("message_contains")}))
        return out
    if kind in ("log", "kernel_log"):
        lines = [str(x["match"]) for x in e.get("lines_that_matter") or [] if isinstance(x, dict) and x.get("match")]
        out_kind = "log" if kind == "log" else "kernel_log"
        return [_clean({"kind": out_kind, "component": _component(e.get("component")) if kind == "log" else None, "lines": lines})]
    if kind == "resolv_conf":
        ndots = next((int(o.split(":")[1]) for o in e.get("options") or [] if str(o).startswith("ndots:")), None)
        return [_clean({"kind": "resolv_conf", "nameservers": e.get("nameservers"), "search": e.get("search"), "ndots": ndots})]
    if kind == "conntrack_stats":
        return [_clean({"kind": kind, **{k: e.get(k) for k in ("insert_failed", "drop", "early_drop", "invalid")}})]
    if kind == "sysctls":
        out = []
        for name, values in (e.get("reading") or {}).items():
            if isinstance(values, dict):
                out += [{"kind": "sysctl", "name": f"net.ipv4.conf.{iface}.{name}", "value": str(v)} for iface, v in values.items()]
        return out
    if kind == "interface_addresses":
        out = []
        for i in e.get("interfaces") or []:
            addrs = i.get("ipv4")
            out.append(_clean({"kind": "interface", "name": i["name"], "mtu": i.get("mtu"), "addresses": addrs if isinstance(addrs, list) else None}))
        if e.get("per_node"):
            out += [{"kind": "interface", "name": e.get("interface"), "addresses": [addr], "host": host} for host, addr in e["per_node"].items()]
        return out
    if kind == "interface_counters":
        out = []
        for i in e.get("interfaces") or []:
            name = str(i["name"])
            shown = re.search(r"shown truncated as '([^']+)'", name)
            if "*" in name:
                continue
            name = shown.group(1) if shown else name.split()[0]
            out.append(_clean({"kind": "interface", "name": name, "mtu": i.get("mtu"), "rx_drop": i.get("rx_drop"), "tx_drop": i.get("tx_drop")}))
        return out
    if kind == "routes":
        out = []
        for r in e.get("routes") or []:
            out.append(_clean({"kind": "route", "dst": "0.0.0.0/0" if r.get("dst") == "default" else r.get("dst"), "via": r.get("via"), "dev": r.get("dev"),
                               "type": r.get("type")}))
        if isinstance(e.get("route_get"), dict):
            g = e["route_get"]
            out.append(_clean({"kind": "route", "dst": f"{g['dst']}/32", "via": g.get("via"), "dev": g.get("dev")}))
        return out
    if kind == "packet_capture":
        return [_clean({"kind": "capture", "interface": e.get("interface")})]
    if kind == "interface_mtus":
        return [{"kind": "interface", "name": str(n), "mtu": m} for n, m in (e.get("mtus") or {}).items()]
    if kind == "iptables_rules":
        return [{"kind": "iptables"}]  # present; what the rules mean is tested by the firewall tests
    if kind in ("firewall_change", "offload_change"):
        return []  # a command that changes state (iptables -I, ethtool -K): nothing to read
    raise Untranslatable(f"expected kind {kind!r} has no form in the corpus vocabulary")


def _component(name: Any) -> str | None:
    if not name:
        return None
    n = str(name).lower()
    if "calico" in n:
        return "calico-node"
    if "controller" in n:
        return "kube-controller-manager"
    if "proxy" in n:
        return "kube-proxy"
    if "coredns" in n or "kube-dns" in n:
        return "coredns"
    if "flannel" in n:
        return "flannel"
    return n


# ---------------------------------------------------------------- comparison

def _same(key: str, want: Any, got: dict[str, Any]) -> bool:
    have = got.get(key)
    if key == "dest":
        return str(want) in {str(got.get("dest")), str(got.get("dest_name"))}
    if key == "lines":
        lines = [str(x).lower() for x in got.get("lines") or []]
        return all(any(_in_order(_fragments(str(w).lower()), line) for line in lines) for w in want)
    if key == "ports" and isinstance(want, list) and isinstance(have, list):
        # a port expected without its name matches the port read with one (`80/TCP` ~ `http 80/TCP`)
        strip = lambda p, named: str(p).split()[-1] if not named else str(p)  # noqa: E731
        return {str(w) for w in want} == {strip(h, any(" " in str(w) and str(w).split()[-1] == str(h).split()[-1] for w in want)) for h in have}
    if key == "state":
        return str(want).lower() == str(have).lower()  # an interface's state as `ip` prints it (UP) or podnet keeps it (up)
    if key == "message_contains":  # with the gaps of log lines (``*``, ``...``)
        return _in_order(_fragments(str(want).lower()), str(got.get("message") or "").lower())
    if isinstance(have, list) and not isinstance(want, list):
        want = [want]  # one value expected where a list was read (``selector: app=nginx``)
    if isinstance(want, list):
        if not isinstance(have, list):
            return False
        return {_norm(x) for x in want} == {_norm(x) for x in have}  # lists as sets (README.md)
    return _norm(want) == _norm(have)


def _in_order(fragments: list[str], line: str) -> bool:
    at = 0
    for f in fragments:
        i = line.find(f, at)
        if i < 0:
            return False
        at = i + len(f)
    return True


def _norm(v: Any) -> str:
    """A value as compared: an address (``10.0.0.1``, ``10.0.0.1/24``, ``10.0.0.1:53``, ``[fd00::1]:53``)
    in its canonical form, so that equal addresses written differently compare equal; else the text."""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = str(v).strip().rstrip(".")
    return _address(s) or s


def _address(s: str) -> str | None:
    """``s`` as a canonical address, address/prefix or address:port; None when it is none of these."""
    try:
        return str(ipaddress.ip_address(s))
    except ValueError:
        pass
    if "/" in s:
        try:
            return str(ipaddress.ip_interface(s))
        except ValueError:
            return None
    if m := re.fullmatch(r"\[([0-9A-Fa-f:.]+)\]:(\d+)|([\d.]+):(\d+)", s):
        host, port = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return None
        return f"[{ip}]:{int(port)}" if ip.version == 6 else f"{ip}:{int(port)}"
    return None


def matches(want: dict[str, Any], got: dict[str, Any]) -> bool:
    return want["kind"] == got["kind"] and all(_same(k, v, got) for k, v in want.items() if k != "kind")


_SUCCESS = ("ok", "connected")


def contradictions(expected: list[dict[str, Any]], reading: Reading) -> list[dict[str, Any]]:
    """Connection, lookup and ping readings whose result differs from an expected reading of the same
    probe (the same port, and the same address or only a name where an address is expected; the same
    looked-up name; the same ping target), whatever else the verdict says: a wrong reading is a
    floor failure even when the sample also misses something."""
    def same_probe(w: dict[str, Any], g: dict[str, Any]) -> bool:
        if w["kind"] != g["kind"]:
            return False
        if w["kind"] == "tcp_connect":
            named_only = g.get("dest_name") is not None and g.get("dest") == g.get("dest_name")
            return w.get("port") == g.get("port") and (str(w.get("dest")) == str(g.get("dest")) or named_only)
        if w["kind"] == "dns_lookup":
            return str(w.get("name")).rstrip(".") == str(g.get("name")).rstrip(".") and w.get("server") in (None, g.get("server"))
        return str(w.get("dest")) == str(g.get("dest"))
    found = []
    for g in reading.readings:
        if g["kind"] not in PROBES:
            continue
        same = [w for w in expected if w["kind"] in PROBES and same_probe(w, g)]
        vaguer = g.get("result") == "failed"  # a failure of unknown mode contradicts no failure mode
        if same and not any(w.get("result") in (None, g.get("result")) or (vaguer and w.get("result") not in _SUCCESS) for w in same):
            found.append(g)
    return found


def judge(expected: list[dict[str, Any]], reading: Reading) -> Verdict:
    if reading.crash:
        return Verdict(False, f"crash: {reading.crash}")
    left = list(reading.readings)
    missing = []
    for want in expected:
        hit = next((g for g in left if matches(want, g)), None)
        if hit is None:
            missing.append(want)
        else:
            left.remove(hit)
    expected_probes = {(w["kind"], str(w.get("dest") or w.get("name"))) for w in expected if w["kind"] in PROBES}
    guessed = [g for g in left if g["kind"] in PROBES and not any(matches(w, g) for w in expected)
               and (g["kind"], str(g.get("dest") or g.get("name"))) not in expected_probes | {(g["kind"], str(g.get("dest_name")))}]
    wrong = [g for g in left if g["kind"] in PROBES and g not in guessed and not any(matches(w, g) for w in expected)]
    if missing:
        near = [g for g in reading.readings if g["kind"] == missing[0]["kind"]]
        got = f"; read {near[0]}" if near else "; nothing of that kind read"
        return Verdict(False, f"expected {missing[0]} not read{got}", missing, guessed)
    if guessed:
        return Verdict(False, f"read what the sample does not show: {guessed[0]}", missing, guessed)
    if wrong:
        return Verdict(False, f"a second, different reading: {wrong[0]}", missing, wrong)
    return Verdict(True)
