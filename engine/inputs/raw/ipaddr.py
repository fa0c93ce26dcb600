"""Interfaces, MTUs and IPv4 addresses: ``ip addr`` / ``ip link`` (by hand) and ``ifconfig`` (jc).

jc has no parser for ``ip addr`` or ``ip link`` text (only for their ``-j`` JSON, which customers
rarely send), so the text form is read here: one ``N: name: <FLAGS> mtu M ... state S`` line per
interface, then ``inet A/P ... [secondary] name`` lines. ``ip -j addr`` JSON is accepted too.
With ``-s`` the ``RX:``/``TX:`` header lines are followed by a line of counters: RX/TX ``dropped``
become ``nic_drops``, RX ``missed`` (``overrun`` in older iproute2) ``nic_queue_overflows``, RX/TX
``errors`` the link's errors (``-s -s`` adds ``RX errors:`` detail lines, also read by header).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..model import CommandRun, ParseResult
from ._util import quiet_jc

_LINK = re.compile(r"^(?:\d+):\s+(?P<name>[^:@\s]+)(?:@\S+)?:\s+<(?P<flags>[^>]*)>(?P<rest>.*)$")
_INET = re.compile(r"^\s*inet (?P<cidr>\d+\.\d+\.\d+\.\d+(?:/\d+)?)(?P<rest>.*)$")


def _state(flags: list[str], rest: str) -> str:
    m = re.search(r"\bstate (\w+)", rest)
    state = m.group(1) if m else ""
    if "NO-CARRIER" in flags:
        return "no_carrier"
    if state == "DOWN" or "UP" not in flags:
        return "down"
    return "up"


def _counters(stats: dict[str, int]) -> dict[str, int]:
    """resource_pressure / link_status fields from the ``ip -s`` counters of one interface."""
    out = {}
    if "rx_dropped" in stats or "tx_dropped" in stats:
        out["nic_drops"] = stats.get("rx_dropped", 0) + stats.get("tx_dropped", 0)
    overflow = [stats[k] for k in ("rx_missed", "rx_overrun", "rx_fifo", "rx_over") if k in stats]
    if overflow:
        out["nic_queue_overflows"] = max(overflow)
    if "rx_errors" in stats or "tx_errors" in stats:
        out["errors"] = stats.get("rx_errors", 0) + stats.get("tx_errors", 0)
    return out


def _keep_counters(interface: dict[str, Any], stats: dict[str, int]) -> None:
    """The interface's counters as read (``rx_drop``/``tx_drop``) and as facts (``counters``)."""
    interface["counters"] = _counters(stats)
    for direction in ("rx", "tx"):
        if f"{direction}_dropped" in stats:
            interface[f"{direction}_drop"] = stats[f"{direction}_dropped"]


def parse_ip_addr(run: CommandRun) -> ParseResult:
    res = ParseResult()
    text = run.text.strip()
    if text.startswith("["):
        return _parse_json(run, res, text)
    interfaces: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    unknown: list[tuple[int, str]] = []
    header: tuple[str, list[str]] | None = None
    for n, line in run.nonblank:
        if header is not None:
            direction, names = header
            header = None
            values = line.split()
            if current is not None and len(values) == len(names) and all(v.isdigit() for v in values):
                current.setdefault("stats", {}).update({f"{direction}_{k}": int(v) for k, v in zip(names, values)})
                continue
        m = re.match(r"^\s+(RX|TX)(?: errors)?:\s+(.*)$", line)
        if m and current is not None:
            header = (m.group(1).lower(), [w.lower() for w in m.group(2).split()])
            continue
        m = _LINK.match(line.strip())
        if m:
            flags = m.group("flags").split(",")
            mtu = re.search(r"\bmtu (\d+)", m.group("rest"))
            current = {
                "name": m.group("name"),
                "mtu": int(mtu.group(1)) if mtu else None,
                "state": _state(flags, m.group("rest")),
                "addresses": [],
                "line": n,
            }
            interfaces.append(current)
            continue
        m = _INET.match(line)
        if m and current is not None:
            cidr = m.group("cidr") if "/" in m.group("cidr") else m.group("cidr") + "/32"
            current["addresses"].append(cidr)
            continue
        if re.match(r"^\s+(link/|inet6 |valid_lft|altname|vxlan |veth|bridge|tun|openvswitch|bond|prop |geneve |ipip |gre)", line):
            continue
        unknown.append((n, line))
    if unknown:
        res.not_understood(run, unknown)
    if not interfaces:
        res.warn(run, "ip_addr_no_interfaces")
        return res
    for i in interfaces:
        if "stats" in i:
            _keep_counters(i, i.pop("stats"))
    res.add(run, "addresses", {"interfaces": interfaces}, interfaces[0]["line"])
    return res


def _parse_json(run: CommandRun, res: ParseResult, text: str) -> ParseResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        res.warn(run, "ip_json_invalid", run.nonblank[0][0] + exc.lineno - 1, error=exc.msg)
        return res
    interfaces = []
    for item in data if isinstance(data, list) else []:
        if not isinstance(item, dict) or "ifname" not in item:
            continue
        flags = item.get("flags") or []
        interfaces.append({
            "name": item["ifname"],
            "mtu": item.get("mtu"),
            "state": "no_carrier" if "NO-CARRIER" in flags else ("up" if "UP" in flags and item.get("operstate") != "DOWN" else "down"),
            "addresses": [f"{a['local']}/{a.get('prefixlen', 32)}" for a in item.get("addr_info") or [] if a.get("family") == "inet"],
            "line": run.nonblank[0][0],
        })
    if not interfaces:
        res.warn(run, "ip_json_no_interfaces")
        return res
    res.add(run, "addresses", {"interfaces": interfaces}, run.nonblank[0][0])
    return res


_IFCONFIG_STATS = {"rx_overruns": "rx_overrun"}


def parse_ifconfig(run: CommandRun) -> ParseResult:
    """ifconfig via jc (it knows both the net-tools and busybox layouts)."""
    res = ParseResult()
    try:
        parsed = quiet_jc("ifconfig", run.text)
    except Exception as exc:  # noqa: BLE001
        res.warn(run, "ifconfig_not_understood", error=str(exc))
        return res
    interfaces = []
    for item in parsed if isinstance(parsed, list) else []:
        name = item.get("name")
        if not name:
            continue
        addresses = []
        for a in item.get("ipv4") or []:
            if a.get("address") and a.get("mask"):
                import ipaddress

                prefix = ipaddress.IPv4Network(f"0.0.0.0/{a['mask']}").prefixlen
                addresses.append(f"{a['address']}/{prefix}")
        if not addresses and item.get("ipv4_addr") and item.get("ipv4_mask"):
            import ipaddress

            addresses.append(f"{item['ipv4_addr']}/{ipaddress.IPv4Network('0.0.0.0/' + item['ipv4_mask']).prefixlen}")
        # jc gives the flags as words (new format) or as one string (net-tools 1.60: "UP BROADCAST RUNNING ...")
        flags = {word for f in item.get("state") or [] for word in str(f).split()}
        entry: dict[str, Any] = {
            "name": name.split(":")[0],
            "mtu": item.get("mtu"),
            "state": "up" if "UP" in flags and "RUNNING" in flags else ("no_carrier" if "UP" in flags else "down"),
            "addresses": addresses,
            "line": run.nonblank[0][0] if run.nonblank else run.line,
        }
        # the RX/TX lines' counters (jc: rx_dropped, rx_overruns...), as `ip -s` gives them
        stats = {_IFCONFIG_STATS.get(k, k): v for k, v in item.items() if k in _IFCONFIG_STATS or k in ("rx_dropped", "tx_dropped", "rx_errors", "tx_errors")}
        stats = {k: v for k, v in stats.items() if isinstance(v, int)}
        if stats and ":" not in name:  # an alias (eth0:1) repeats its NIC's counters
            _keep_counters(entry, stats)
        interfaces.append(entry)
    if not interfaces:
        res.warn(run, "ifconfig_no_interfaces")
        return res
    # ifconfig shows alias addresses (eth0:1) as separate entries: merge them into their NIC.
    merged: dict[str, dict[str, object]] = {}
    for i in interfaces:
        if i["name"] in merged:
            merged[i["name"]]["addresses"] += i["addresses"]  # type: ignore[operator]
        else:
            merged[i["name"]] = i
    res.add(run, "addresses", {"interfaces": list(merged.values())}, run.nonblank[0][0] if run.nonblank else None)
    return res
