"""Three-valued evaluation of one match against a packet's state: True, False, or None (undecided).

"choice" is returned for ``-m statistic`` (and nft ``numgen``): it is true for some packets and
false for others, so the tracer follows both ways and reports every backend it can lead to.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal

from .model import Match

Truth = Literal[True, False, None, "choice"]

_ECHO = {"echo-request", "8", "8/0", "128", "128/0", "any"}


@dataclass(frozen=True)
class Packet:
    """What a match can look at: addresses and ports after any NAT so far, interfaces, state."""

    src: str | None
    dst: str
    proto: str
    sport: int | None
    dport: int | None
    in_iface: str | None
    out_iface: str | None
    ctstate: frozenset[str]
    mark: int | None
    local: frozenset[str]
    """Addresses known to be the host's own (addrtype LOCAL)."""
    local_complete: bool = False
    """``local`` lists every address of the host: any other address is not local."""
    remote: frozenset[str] = frozenset()
    """Addresses known not to be the host's (a Pod's address seen from a node)."""
    in_not_lo: bool = False
    """The input interface is not known, but it is not ``lo`` (the source is not this host)."""
    out_not_lo: bool = False


def _addr(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if text is None:
        return None
    try:
        return ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return None


def _in_nets(ip: str | None, nets: tuple) -> bool | None:  # type: ignore[type-arg]
    a = _addr(ip)
    if a is None:
        return True if any(n.prefixlen == 0 for n in nets) else None  # an unknown address is still "anywhere"
    return any(a.version == n.version and a in n for n in nets)


def _in_ranges(port: int | None, ranges: tuple[tuple[int, int], ...]) -> bool | None:
    if port is None:
        return None
    return any(lo <= port <= hi for lo, hi in ranges)


def _iface(name: str | None, patterns: tuple[str, ...], not_lo: bool) -> bool | None:
    if name is None:
        return False if not_lo and all(p == "lo" for p in patterns) else None
    for p in patterns:
        if p.endswith(("+", "*")) and name.startswith(p[:-1]) or name == p:
            return True
    return False


def is_local(p: Packet, ip: str | None) -> bool | None:
    """Whether ``ip`` is one of the host's addresses; None when that is not known."""
    a = _addr(ip)
    if a is None:
        return None
    if a.is_loopback or str(a) in p.local:
        return True
    return False if p.local_complete or str(a) in p.remote else None


def _addr_type(ip: str | None, types: frozenset[str], p: Packet) -> bool | None:
    a = _addr(ip)
    if a is None:
        return None
    results: list[bool | None] = []
    local = is_local(p, ip)
    for t in types:
        if t == "LOCAL":
            results.append(local)
        elif t == "MULTICAST":
            results.append(a.is_multicast)
        elif t == "BROADCAST":
            results.append(True if str(a) == "255.255.255.255" else (False if a.is_multicast else None))
        elif t == "UNICAST":
            results.append(False if a.is_multicast or local else (None if local is None else True))
        else:
            results.append(None)
    if True in results:
        return True
    return None if None in results else False


def evaluate(m: Match, p: Packet) -> Truth:
    """Whether match ``m`` holds for packet ``p`` (negation applied)."""
    k = m.kind
    if k == "comment":
        return True
    if k == "choice":
        return "choice"
    result: bool | None
    if k in ("src", "dst"):
        result = _in_nets(p.src if k == "src" else p.dst, m.value)
    elif k in ("src_range", "dst_range"):
        a = _addr(p.src if k == "src_range" else p.dst)
        lo, hi = m.value
        result = None if a is None else (a.version == lo.version and lo <= a <= hi)
    elif k == "proto":
        result = m.value == "all" or p.proto == m.value
    elif k in ("dport", "sport"):
        if p.proto not in ("tcp", "udp", "sctp"):
            result = False
        else:
            result = _in_ranges(p.dport if k == "dport" else p.sport, m.value)
    elif k == "ports":
        d = _in_ranges(p.dport, m.value)
        result = True if d else (None if d is None else _in_ranges(p.sport, m.value))
    elif k in ("iif", "oif"):
        result = _iface(p.in_iface, m.value, p.in_not_lo) if k == "iif" else _iface(p.out_iface, m.value, p.out_not_lo)
    elif k == "ctstate":
        result = bool(p.ctstate & m.value)
    elif k == "mark":
        value, mask = m.value
        result = None if p.mark is None else (p.mark & mask) == value
    elif k in ("src_type", "dst_type"):
        result = _addr_type(p.src if k == "src_type" else p.dst, m.value, p)
    elif k == "icmp_type":
        result = p.proto in ("icmp", "ipv6-icmp") and str(m.value).lower() in _ECHO
    elif k == "tcp_flags":
        mask, want = m.value
        flags = frozenset({"SYN"}) if "NEW" in p.ctstate else frozenset({"ACK"})
        result = p.proto == "tcp" and (flags & mask) == want
    elif k == "family":
        result = (":" in p.dst) == (m.value == "ip6")
    elif k == "fragment":
        result = False  # the packets traced are first packets, never later fragments
    else:
        return None
    if result is None:
        return None
    return (not result) if m.negated else result


def evaluate_all(matches: tuple[Match, ...], p: Packet) -> Truth:
    """All matches of a rule: False if one is false, else None if one is undecided, else "choice"
    if one is a choice, else True."""
    seen_none = seen_choice = False
    for m in matches:
        r = evaluate(m, p)
        if r is False:
            return False
        if r is None:
            seen_none = True
        elif r == "choice":
            seen_choice = True
    if seen_none:
        return None
    return "choice" if seen_choice else True
