"""Interfaces, addresses and routes read over netlink (pyroute2), as the records of ``ip addr`` and ``ip route``.

The adapter of the ``ip_addr`` and ``ip_route`` families: what pyroute2 reads in the calling
thread's namespace becomes the ``addresses`` record :func:`podnet.inputs.raw.ipaddr.parse_ip_addr`
yields (name, MTU, state ``up``/``down``/``no_carrier``, IPv4 addresses in kernel order, primary
first) and the ``routes`` record of :func:`podnet.inputs.raw.routes.parse_ip_route` (the main
table's IPv4 routes: destination, via, dev, kind). The ingest assembly reads them as it reads a
pasted ``ip addr`` and ``ip route``. pyroute2 is imported lazily.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .base import Context, Unobservable

if TYPE_CHECKING:
    from ..inputs.model import Record

KINDS = ("interface_mtu", "route", "link_status", "node_addresses")

_ROUTE_TYPES = {1: "unicast", 6: "blackhole", 7: "unreachable", 8: "prohibit", 9: "throw"}


def _state(msg: Any) -> str:
    """``ip addr``'s reading of a link: ``down`` (not UP), ``no_carrier`` (UP without carrier), ``up``."""
    if not msg["flags"] & 1:
        return "down"
    operstate = str(msg.get("IFLA_OPERSTATE") or "UNKNOWN")
    if not msg.get("IFLA_CARRIER", 1) or operstate in ("DOWN", "LOWERLAYERDOWN"):
        return "no_carrier"
    return "up"


def read(ctx: Context) -> list[Record]:
    """The ``addresses`` and ``routes`` records of the calling thread's namespace."""
    try:
        from pyroute2 import IPRoute
    except ImportError:
        raise Unobservable(KINDS, "pyroute2_missing") from None
    interfaces: list[dict[str, Any]] = []
    routes: list[dict[str, Any]] = []
    with IPRoute() as ipr:
        by_index: dict[int, dict[str, Any]] = {}
        for msg in ipr.get_links():
            info = msg.get("IFLA_LINKINFO")
            iface: dict[str, Any] = {
                "name": msg.get("IFLA_IFNAME"),
                "mtu": msg.get("IFLA_MTU"),
                "state": _state(msg),
                "addresses": [],
                "line": None,
                "kind": info.get("IFLA_INFO_KIND") if info else None,
            }
            by_index[msg["index"]] = iface
            interfaces.append(iface)
        for msg in ipr.get_addr(family=2):
            owner = by_index.get(msg["index"])
            if owner is not None:
                owner["addresses"].append(f"{msg.get('IFA_ADDRESS')}/{msg['prefixlen']}")
        for msg in ipr.get_routes(family=2, table=254):
            kind = _ROUTE_TYPES.get(msg["type"])
            if kind is None:
                continue
            dev = by_index.get(msg.get("RTA_OIF") or -1)
            routes.append({"destination": f"{msg.get('RTA_DST') or '0.0.0.0'}/{msg['dst_len']}", "via": msg.get("RTA_GATEWAY"),
                           "dev": dev["name"] if dev else None, "kind": kind, "line": None})
    out = [ctx.record("addresses", {"interfaces": interfaces}, "ip -4 addr", "netlink")]
    if routes:
        out.append(ctx.record("routes", {"routes": routes}, "ip -4 route", "netlink"))
    return out


IFCFG_DIR = Path("/etc/sysconfig/network-scripts")


def ifcfg_files(ctx: Context) -> list[Record]:
    """The ``ifcfg`` records of the RHEL-style interface files (BOOTPROTO, IPADDR), read only on the
    machine itself (a namespace has no files of its own) by the parser pasted ifcfg files go
    through (:mod:`podnet.inputs.raw.ifcfg`); the assembly pairs each with its NIC's addresses."""
    if ctx.vantage.kind != "current":
        return []
    out: list[Record] = []
    for path in sorted(IFCFG_DIR.glob("ifcfg-*")):
        if path.name == "ifcfg-lo":
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        out += ctx.read("ifcfg", f"cat {path}", text, str(path)).records
    return out


def local_mtu(target: str) -> int | None:
    """MTU of the interface the route to ``target`` leaves by (the DF sweep stops there)."""
    try:
        from pyroute2 import IPRoute
    except ImportError:
        return None
    try:
        with IPRoute() as ipr:
            route = ipr.route("get", dst=target)[0]
            mtu = route.get(("RTA_METRICS", "RTAX_MTU"))
            link = ipr.get_links(route.get("RTA_OIF"))[0]
            return min(x for x in (mtu, link.get("mtu")) if x)
    except Exception:  # noqa: BLE001 - no route: the sweep is capped at 1472
        return None
