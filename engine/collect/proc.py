"""Listening sockets and kernel settings read from /proc, as the records of ``ss -ltn`` and ``sysctl``.

The adapter of the ``ss`` and ``sysctl`` families: the calling thread's namespace is read
through ``/proc/thread-self`` (a thread that entered a namespace sees that namespace) and
becomes the ``sockets`` record :func:`podnet.inputs.raw.sockets.parse_ss` yields, the ``sysctl``
records of :func:`podnet.inputs.raw.kernel.parse_sysctl` and the ``counters`` record of ``ss -s``
(TCP sockets holding a local port). The ingest assembly turns them into ``listening_sockets``,
``sysctl`` and ``resource_pressure`` observations, as it does for pasted output.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import TYPE_CHECKING

from .base import Context, Unobservable

if TYPE_CHECKING:
    from ..inputs.model import Record

NODE_SYSCTLS = ("net.ipv4.ip_forward", "net.ipv4.conf.all.rp_filter", "net.bridge.bridge-nf-call-iptables")
"""What a node's kernel is asked (with the rp_filter of the NIC that carries the overlay)."""
PRESSURE_SYSCTLS = ("net.netfilter.nf_conntrack_count", "net.netfilter.nf_conntrack_max", "net.ipv4.ip_local_port_range")


def read_sysctl(name: str) -> str | None:
    try:
        return Path("/proc/sys", *name.split(".")).read_text().strip()
    except OSError:
        return None


def sysctls(ctx: Context, names: list[str], kinds: tuple[str, ...] | str = "sysctl") -> list[Record]:
    """One ``sysctl`` record per readable name (``sysctl NAME``'s output)."""
    out = []
    for name in names:
        value = read_sysctl(name)
        if value is not None:
            out.append(ctx.record("sysctl", {"name": name, "value": value}, f"sysctl {name}", "/proc/sys"))
    if not out:
        raise Unobservable(kinds, "proc_sys_unreadable" if kinds == "sysctl" else "pressure_unreadable")
    return out


def _sockets() -> list[tuple[str, int, str]] | None:
    """(local address, local port, state hex) from /proc/thread-self/net/{tcp,tcp6}; None when unreadable."""
    out = []
    read = False
    for name in ("tcp", "tcp6"):
        try:
            lines = Path("/proc/thread-self/net", name).read_text().splitlines()[1:]
        except OSError:
            continue
        read = True
        for line in lines:
            parts = line.split()
            addr_hex, port_hex = parts[1].split(":")
            raw = bytes.fromhex(addr_hex)
            if len(raw) == 4:
                addr = str(ipaddress.IPv4Address(raw[::-1]))
            else:
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                v6 = ipaddress.IPv6Address(words)
                addr = str(v6.ipv4_mapped) if v6.ipv4_mapped else str(v6)
            out.append((addr, int(port_hex, 16), parts[3]))
    return out if read else None


def listening(ctx: Context) -> Record:
    """Every TCP socket listening here, the ``sockets`` record of ``ss -ltn``."""
    socks = _sockets()
    if socks is None:
        raise Unobservable("listening_sockets", "proc_net_tcp_unreadable")
    listeners = [{"port": p, "address": a, "process": None, "line": None} for a, p, st in socks if st == "0A"]
    return ctx.record("sockets", {"listeners": listeners, "complete": True}, "ss -ltn", "/proc/net/tcp")


def pressure(ctx: Context) -> list[Record]:
    """Connection tracking fill and the ephemeral port range (``sysctl``), the ports in use (``ss -s``)."""
    out = sysctls(ctx, list(PRESSURE_SYSCTLS), "resource_pressure")
    rng = read_sysctl("net.ipv4.ip_local_port_range")
    socks = _sockets()
    if rng and socks is not None:
        low, high = (int(x) for x in rng.split())
        used = sum(1 for _a, p, st in socks if low <= p <= high and st != "0A")
        out.append(ctx.record("counters", {"ephemeral_ports_in_use": used}, "ss -s", "/proc/net/tcp"))
    return out
