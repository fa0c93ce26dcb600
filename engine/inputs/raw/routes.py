"""Routing tables: ``ip route`` and ``route -n`` / ``netstat -rn`` (via jc).

jc's ``ip_route`` parser drops the destination of ``blackhole``/``unreachable``/``prohibit``
routes (it reports the type word as the address), so those lines are read here.
"""

from __future__ import annotations

import ipaddress
import re

from ..model import CommandRun, ParseResult
from ._util import quiet_jc

_SPECIAL = re.compile(r"^(blackhole|unreachable|prohibit|throw)\s+(\S+)")
_ROUTE_HEADER = re.compile(r"^Kernel IP routing table$|^Destination\s+Gateway\s+Genmask\s")


def _network(dest: str) -> str | None:
    if dest == "default":
        return "0.0.0.0/0"
    try:
        if "/" not in dest:  # a host route: /32, or /128 for IPv6 (``fc00::af08 dev cali...``)
            return str(ipaddress.ip_network(ipaddress.ip_address(dest)))
        return str(ipaddress.ip_network(dest, strict=False))
    except ValueError:
        return None


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def parse_ip_route(run: CommandRun) -> ParseResult:
    res = ParseResult()
    routes: list[dict[str, object]] = []
    normal: list[str] = []
    # `ip route get` prints an indented "cache ..." attribute line under its route: not a route
    body = [(n, t) for n, t in run.nonblank if not (t[:1].isspace() and t.split()[0] == "cache")]
    for n, text in body:
        m = _SPECIAL.match(text.strip())
        if m:
            net = _network(m.group(2))
            if net:
                dev = re.search(r"\sdev\s+(\S+)", text)
                routes.append({"destination": net, "kind": m.group(1), "line": n, **({"dev": dev.group(1)} if dev else {})})
            continue
        normal.append(text)
    try:
        parsed = quiet_jc("ip_route", "\n".join(normal) + "\n") if normal else []
    except Exception as exc:  # noqa: BLE001
        res.warn(run, "ip_route_not_understood", error=str(exc))
        return res
    lines = [(n, t) for n, t in body if not _SPECIAL.match(t.strip())]
    unknown: list[tuple[int, str]] = []
    # jc gives one item per line, in order (an unknown line becomes {"ip": its first word})
    for item, (n, text) in zip(parsed if isinstance(parsed, list) else [], lines):
        net = _network(str(item.get("ip", "")))
        if net is None:
            unknown.append((n, text))
            continue
        routes.append({"destination": net, "via": item.get("via"), "dev": item.get("dev"), "kind": "unicast", "line": n})
    if unknown:
        res.not_understood(run, unknown, code="route_lines_not_understood")
    if not routes:
        res.warn(run, "ip_route_no_routes")
        return res
    res.add(run, "routes", {"routes": routes}, run.nonblank[0][0])
    return res


def parse_route(run: CommandRun) -> ParseResult:
    """``route -n`` (jc ``route``) or ``netstat -rn`` (jc ``netstat``)."""
    res = ParseResult()
    routes: list[dict[str, object]] = []
    name = run.argv[0] if run.argv else "route"
    text = [t for _, t in run.nonblank]
    if text and text[0].strip() != "Kernel IP routing table" and re.match(r"\s*Destination\s+Gateway\s", text[0]):
        text.insert(0, "Kernel IP routing table")  # a table copied from its column header: jc skips the title line
    try:
        parsed = quiet_jc("netstat" if name == "netstat" else "route", "\n".join(text) + "\n")
    except Exception as exc:  # noqa: BLE001
        res.warn(run, "route_output_not_understood", command=name, error=str(exc))
        return res
    # jc gives one item per line after the two header lines, in order: each route keeps its line
    rows = [(n, t) for n, t in run.nonblank if not _ROUTE_HEADER.match(t.strip())]
    items = parsed if isinstance(parsed, list) else []
    located = len(items) == len(rows)
    unknown: list[tuple[int, str]] = []
    for i, item in enumerate(items):
        n, line = rows[i] if located else (None, str(item.get("destination")))
        dest, mask = item.get("destination"), item.get("genmask")
        try:
            if dest is None or mask is None:
                raise ValueError(dest)
            net = str(ipaddress.ip_network(f"{'0.0.0.0' if dest == 'default' else dest}/{mask}", strict=False))
        except ValueError:
            if n is not None:
                unknown.append((n, line))
            continue
        gw = item.get("gateway")
        if gw not in (None, "0.0.0.0", "*") and not _is_address(str(gw)):
            res.warn(run, "route_gateway_named", n, name=str(gw))  # the route exists; its next hop is not known
            gw = None
        flags = str(item.get("flags") or item.get("route_flags") or "")
        routes.append({
            "destination": net,
            "via": gw if gw not in (None, "0.0.0.0", "*") else None,
            "dev": item.get("iface"),
            "kind": "blackhole" if "!" in flags or "R" in flags and "U" not in flags else "unicast",
            "line": n,
        })
    if unknown:
        res.not_understood(run, unknown, code="route_lines_not_understood")
    elif not located:
        res.warn(run, "route_output_not_understood", command=name, error=f"{len(items)} rows read from {len(rows)} lines: rows not located")
    if not routes:
        res.warn(run, "route_output_no_routes", command=name)
        return res
    res.add(run, "routes", {"routes": routes}, run.nonblank[0][0] if run.nonblank else None)
    return res
