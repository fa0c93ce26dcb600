"""Listening sockets: ``ss -ltnp`` and ``netstat -ltnp`` (both via jc).

jc's ``ss`` parser needs the ``Netid`` column, which ``ss`` leaves out when one protocol is
asked for (``ss -ltnp``, the usual form: it crashes with KeyError 'netid'), so the column is
added (``tcp``/``udp`` from the flags) before the text is handed to jc.
"""

from __future__ import annotations

import re

from ..model import CommandRun, ParseResult
from ._util import quiet_jc


def _address(addr: str) -> str:
    addr = addr.strip("[]").split("%")[0]
    return {"*": "0.0.0.0", "": "0.0.0.0"}.get(addr, addr)


def _process(text: str) -> str | None:
    m = re.search(r'users:\(\("([^"]+)"', text)
    return m.group(1) if m else None


def parse_ss_summary(run: CommandRun, res: ParseResult) -> ParseResult:
    """``ss -s``: TCP sockets holding a local port (established + TIME-WAIT) -> ephemeral_ports_in_use.

    Read by hand: jc's ``ss`` parser expects the socket table and raises on this summary (IndexError).
    The line is ``TCP:   28154 (estab 2, closed 28150, orphaned 0, timewait 28150)``; ``closed``
    includes the TIME-WAIT sockets, so it is not added again.
    """
    for n, text in run.nonblank:
        m = re.match(r"^\s*TCP:\s+\d+\s+\((?P<body>[^)]*)\)", text)
        if m:
            counts = {k: int(v) for k, v in re.findall(r"(\w+)\s+(\d+)", m.group("body"))}
            if "estab" in counts and "timewait" in counts:
                res.add(run, "counters", {"ephemeral_ports_in_use": counts["estab"] + counts["timewait"]}, n)
                return res
    res.warn(run, "ss_summary_no_tcp")
    return res


_SS_ROW = re.compile(r"^\s*(?:(?:tcp|udp|raw|u_str|u_dgr|u_seq|nl|p_raw|p_dgr|icmp6|sctp|mptcp)\s+)?"
                     r"(?:LISTEN|UNCONN|ESTAB|SYN-SENT|SYN-RECV|FIN-WAIT-1|FIN-WAIT-2|TIME-WAIT|CLOSE-WAIT|LAST-ACK|CLOSING|CLOSED)\s+\d+\s+\d+\s+\S+\s+\S+")
"""One socket row of ``ss`` (with or without its Netid column)."""


def parse_ss(run: CommandRun) -> ParseResult:
    res = ParseResult()
    if any(a in ("-s", "--summary") for a in run.argv[1:]):
        return parse_ss_summary(run, res)
    lines = run.nonblank
    if not lines:
        res.warn(run, "ss_empty")
        return res
    header_n, header = lines[0]
    body = lines[1:] if re.match(r"^\s*(Netid|State)\s", header) else lines
    # only socket rows go to jc (a stray line would shift its rows against ours); the rest is not understood
    unknown = [(n, t) for n, t in body if not _SS_ROW.match(t)]
    body = [(n, t) for n, t in body if _SS_ROW.match(t)]
    if unknown:
        res.not_understood(run, unknown)
    has_netid = header.strip().startswith("Netid")
    flags = "".join(a.lstrip("-") for a in run.argv[1:] if a.startswith("-") and not a.startswith("--"))
    proto = "udp" if "u" in flags and "t" not in flags else "tcp"
    rows = [t if has_netid else f"{proto:<6}{t}" for _, t in body]
    head = header if has_netid else f"Netid {header}"
    try:
        parsed = quiet_jc("ss", "\n".join([head, *rows]) + "\n")
    except Exception as exc:  # noqa: BLE001
        res.warn(run, "ss_not_understood", header_n, error=type(exc).__name__)
        return res
    listeners = []
    for item, (n, text) in zip(parsed if isinstance(parsed, list) else [], body):
        if item.get("state") not in ("LISTEN", "UNCONN") or item.get("local_port_num") is None:
            continue
        listeners.append({"port": int(item["local_port_num"]), "address": _address(str(item.get("local_address", ""))), "process": _process(text), "line": n})
    res.add(run, "sockets", {"listeners": listeners, "complete": not run.piped}, header_n)
    return res


def parse_netstat(run: CommandRun) -> ParseResult:
    res = ParseResult()
    try:
        parsed = quiet_jc("netstat", run.text)
    except Exception as exc:  # noqa: BLE001
        res.warn(run, "netstat_not_understood", error=type(exc).__name__)
        return res
    listeners = []
    for item in parsed if isinstance(parsed, list) else []:
        if item.get("kind") != "network" or item.get("state") != "LISTEN" or item.get("local_port_num") is None:
            continue
        listeners.append({"port": int(item["local_port_num"]), "address": _address(str(item.get("local_address", ""))), "process": item.get("program_name"), "line": None})
    res.add(run, "sockets", {"listeners": listeners, "complete": not run.piped}, run.nonblank[0][0] if run.nonblank else None)
    return res


def parse_netstat_interfaces(run: CommandRun) -> ParseResult:
    """``netstat -i`` (jc ``netstat``): per interface MTU and RX/TX error and drop counters.
    netstat cuts names to 8 characters (``flannel.``): such a name is kept as shown."""
    res = ParseResult()
    try:
        parsed = quiet_jc("netstat", run.text)
    except Exception as exc:  # noqa: BLE001
        res.warn(run, "netstat_not_understood", error=type(exc).__name__)
        return res
    rows = [i for i in parsed if isinstance(i, dict) and i.get("kind") == "interface"] if isinstance(parsed, list) else []
    if not rows:
        res.warn(run, "netstat_not_understood", error="no interface rows")
        return res
    lines = {t.split()[0]: n for n, t in run.nonblank if t.split()}
    interfaces = [{"name": r["iface"], "mtu": r.get("mtu"), "rx_drop": r.get("rx_drp"), "tx_drop": r.get("tx_drp"),
                   "rx_err": r.get("rx_err"), "tx_err": r.get("tx_err"), "truncated_name": len(str(r["iface"])) >= 8 and str(r["iface"]).endswith("."),
                   "line": lines.get(r["iface"])} for r in rows]
    res.add(run, "interface_counters", {"interfaces": interfaces}, run.nonblank[0][0])
    return res
