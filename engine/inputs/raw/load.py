"""Host load and kernel/NIC counters for ``resource_pressure``: ``uptime``, ``nproc``, ``ethtool -S``, ``dmesg``.

``uptime`` is read with jc's ``uptime`` parser. ``nproc`` prints one number. jc 1.x has an
``ethtool`` parser, but only for the link-settings form (``ethtool IFACE``, ``--module-info``): it
returns ``{}`` for the ``NIC statistics:`` list of ``ethtool -S``, so those ``name: value`` lines are
read here. ``dmesg`` is free text: only the kernel's "nf_conntrack: table full, dropping packet" line
is looked for (jc has no dmesg parser).
"""

from __future__ import annotations

import re

from ..model import CommandRun, ParseResult
from ._util import quiet_jc
from .messages import JOURNAL_STAMP

# ethtool -S counters (driver-specific names, whole-device totals; per-queue ``rx_queue_0_*`` are not summed).
_QUEUE_OVERFLOW = ("rx_fifo_errors", "rx_missed_errors", "rx_over_errors", "rx_no_buffer_count", "rx_no_dma_resources", "rx_missed")
"""Frames lost because the NIC's receive ring / FIFO was full. Drivers count one event in several of
these (igb: rx_missed_errors = rx_fifo_errors), so the largest is taken, not the sum."""
_DROPS = ("rx_dropped", "tx_dropped")


def parse_uptime(run: CommandRun) -> ParseResult:
    res = ParseResult()
    found = next(((n, t) for n, t in run.nonblank if "load average" in t), None)
    line = found[0] if found else None
    try:
        # the line alone: jc reads one uptime line, and a paste may run on into other output
        parsed = quiet_jc("uptime", found[1].strip() + "\n") if found else None
    except Exception:  # noqa: BLE001
        parsed = None
    load1 = parsed.get("load_1m") if isinstance(parsed, dict) else None
    if load1 is None:
        res.warn(run, "uptime_no_load")
        return res
    res.add(run, "counters", {"load1": float(load1)}, line)
    return res


def parse_nproc(run: CommandRun) -> ParseResult:
    res = ParseResult()
    lines = run.nonblank
    if len(lines) == 1 and lines[0][1].strip().isdigit() and int(lines[0][1].strip()) >= 1:
        res.add(run, "counters", {"cpus": int(lines[0][1].strip())}, lines[0][0])
    else:
        res.warn(run, "nproc_not_number")
    return res


def parse_ethtool(run: CommandRun) -> ParseResult:
    """``ethtool -S IFACE``: the NIC's receive-queue overflows and drops, tied to IFACE."""
    res = ParseResult()
    if not any(a in ("-S", "--statistics") for a in run.argv[1:]):
        res.warn(run, "ethtool_only_statistics")
        return res
    words = [a for a in run.argv[1:] if not a.startswith("-")]
    values: dict[str, tuple[int, int]] = {}
    for n, text in run.nonblank:
        m = re.match(r"^\s*([\w.\[\]-]+):\s*(\d+)\s*$", text)
        if m:
            values[m.group(1)] = (int(m.group(2)), n)
    if not words or not values:
        res.warn(run, "ethtool_no_counters")
        return res
    data: dict[str, object] = {"interface": words[0]}
    overflow = [values[k] for k in _QUEUE_OVERFLOW if k in values]
    if overflow:
        data["nic_queue_overflows"] = max(v for v, _ in overflow)
    drops = [values[k] for k in _DROPS if k in values]
    # Through `| grep` an absent tx_dropped proves nothing; rx_dropped alone is then a lower bound.
    if drops:
        data["nic_drops"] = sum(v for v, _ in drops)
    if len(data) == 1:
        res.warn(run, "ethtool_no_counters")
        return res
    first = min(n for _, n in overflow + drops)
    res.add(run, "nic_counters", data, first)
    return res


_TABLE_FULL = re.compile(r"nf_conntrack: table full, dropping packet|ip_conntrack: table full, dropping packet")
_NEIGH_OVERFLOW = re.compile(r"neighbou?r(?: table)?: (?:arp_cache|ndisc_cache): neighbor table overflow")
"""The kernel's neighbour (ARP / IPv6 ND) table is at gc_thresh3: new neighbours are not resolved."""
_BAD_CHECKSUM = re.compile(r"UDP(?:v6)?: bad checksum\. From ([\d.]+):(\d+) to ([\d.]+):(\d+)")
_NF_LOG = re.compile(r"(?:^|\s)(?P<prefix>[^\s=]*?)\s*IN=(?P<in>\S*) OUT=(?P<out>\S*) .*?\bSRC=(?P<src>\S+) DST=(?P<dst>\S+)")
_IPVS_NO_DEST = re.compile(r"IPVS: \w+: (TCP|UDP|SCTP) ([\d.]+):(\d+) - no destination available")
"""The IPVS scheduler found no real server for a virtual server (kube-proxy's ipvs mode: a Service, or one of
its NodePorts, without a ready endpoint)."""
_KERNEL_LINE = re.compile(rf"^\[\s*\d+\.\d+\] |^\[\w{{3}} \w{{3}} +\d+ [\d:]+ \d{{4}}\] |^{JOURNAL_STAMP} \S+ kernel: |^[\w-]+:? ?IN=")


def parse_dmesg(run: CommandRun) -> ParseResult:
    """``dmesg`` / ``journalctl -k``: "nf_conntrack: table full, dropping packet" ->
    conntrack_table_full_logged; "neighbour: arp_cache: neighbor table overflow!" ->
    neighbor_table_overflow_logged; "UDP: bad checksum. From A:p to B:8472" -> checksum errors (VXLAN
    when the port is 8472/4789); netfilter LOG lines (``PREFIX IN=.. OUT=.. SRC=.. DST=..``) -> the
    packets a LOG rule saw, with its prefix (``filter_FWD_public_REJECT``, ``Input-dropped``).

    Absence of either message is concluded only from the whole output of a dmesg command line
    (``dmesg | grep conntrack`` with no match, or lines pasted without the command, prove nothing).
    """
    res = ParseResult()
    lines = _joined(run.nonblank)
    hit = next((n for n, t in lines if _TABLE_FULL.search(t)), None)
    neigh = next((n for n, t in lines if _NEIGH_OVERFLOW.search(t)), None)
    checksum = [(n, m) for n, t in lines if (m := _BAD_CHECKSUM.search(t))]
    nflog = [(n, t, m) for n, t in lines if (m := _NF_LOG.search(t))]
    ipvs_empty = [(n, m) for n, t in lines if (m := _IPVS_NO_DEST.search(t))]
    if ipvs_empty:
        seen: dict[tuple[str, str, int], int] = {}
        for n, m in ipvs_empty:
            seen.setdefault((m.group(1), m.group(2), int(m.group(3))), n)
        services: list[dict[str, object]] = [{"protocol": p, "ip": ip, "port": port, "scheduler": None, "real_servers": [], "line": n, "kernel_line": True}
                    for (p, ip, port), n in seen.items()]
        # not every virtual server is named: only those a packet found empty ("complete": false)
        res.add(run, "ipvs", {"services": services, "complete": False}, ipvs_empty[0][0])
    whole = bool(run.nonblank and not run.piped and run.argv)  # a dmesg command's whole output: an absent line is absent
    if hit is not None or neigh is not None or whole:
        counters: dict[str, object] = {}
        if hit is not None or whole:
            counters["conntrack_table_full_logged"] = hit is not None
        if neigh is not None or whole:
            counters["neighbor_table_overflow_logged"] = neigh is not None
        found = [n for n in (hit, neigh) if n is not None]
        res.add(run, "counters", counters, min(found) if found else run.nonblank[0][0])
    elif not checksum and not nflog and not ipvs_empty:
        res.warn(run, "dmesg_no_table_full_line")
    if checksum:
        res.add(run, "checksum", {"bad_checksum_logged": True, "count": len(checksum),
                                  "packets": [{"src": m.group(1), "dst": m.group(3), "dport": int(m.group(4)), "line": n} for n, m in checksum]},
                checksum[0][0])
    if nflog:
        packets = []
        for n, t, m in nflog:
            dport, proto = re.search(r"\bDPT=(\d+)", t), re.search(r"\bPROTO=(\w+)", t)
            packets.append({"prefix": m.group("prefix").rstrip(":") or None, "in": m.group("in") or None, "out": m.group("out") or None,
                            "src": m.group("src"), "dst": m.group("dst"), "dport": int(dport.group(1)) if dport else None,
                            "proto": proto.group(1).lower() if proto else None, "line": n, "text": t})
        res.add(run, "nf_log", {"packets": packets}, nflog[0][0])
    used = {hit, neigh} | {n for n, _ in checksum} | {n for n, _, _ in nflog} | {n for n, _ in ipvs_empty}
    unknown = [(n, t) for n, t in lines if n not in used and not _KERNEL_LINE.match(t.strip())]
    if unknown and (hit or neigh or checksum or nflog or ipvs_empty):
        res.not_understood(run, unknown)
    return res


def _joined(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Lines with a paste's hard wraps undone: a line starting with ``=`` continues the one before
    (a LOG line cut inside ``ID=53307``)."""
    out: list[tuple[int, str]] = []
    for n, t in lines:
        if out and t.startswith("="):
            out[-1] = (out[-1][0], out[-1][1] + t)
        else:
            out.append((n, t))
    return out
