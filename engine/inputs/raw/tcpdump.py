"""``tcpdump -nn`` text: which hosts and ports were seen, TCP retransmissions, VXLAN/IPIP outer addresses.

jc has no tcpdump parser. Lines are ``TIME IP SRC.PORT > DST.PORT: ...``; an encapsulated packet
(flannel VXLAN on UDP 8472 shows as ``OTV``, 4789 as ``VXLAN``) is followed by its inner packet on
a line without a timestamp; IPIP (calico) puts ``IP inner...`` on the same line. With ``-v`` the IP
header (``IP (tos 0x0, ttl 64, ..., length 84)``) comes first and the addresses on the next line. Without ``-n`` tcpdump prints names
(``busybox.46239 > kube-dns.kube-system.svc.cluster.local.domain``): such packets are counted and
warned about (they cannot be tied to the flow's addresses), never guessed into addresses.

tshark's one-line summaries (``4  0.000  10.244.0.22 -> 10.96.0.10  DNS 109 Standard query ...``,
also with ``→``; ``kubectl sniff POD -o - | tshark -r -``) are read by :func:`parse_tshark` into
the same packets (addresses and protocol; ports are not in the summary).
"""

from __future__ import annotations

import re

from ..model import CommandRun, ParseResult
from ._util import is_ip, positional

_TIME = r"(?:\d{4}-\d\d-\d\d )?(?:\d+:\d\d:\d\d\.\d+|\d{9,}\.\d+)"
_PACKET = re.compile(rf"^(?:{_TIME}\s+)?(?:(?P<iface>[\w.@-]+)\s+(?:In|Out|P|M)\s+)?(?:[0-9a-f:]{{17}} > [0-9a-f:]{{17}}, .*?length \d+: )?IP (?P<body>.*)$")
_CONT = re.compile(r"^IP (?P<body>.*)$")
_TIMESTAMPED = re.compile(rf"^{_TIME}\s")


def _endpoint(text: str) -> tuple[str | None, int | None]:
    parts = text.split(".")
    if len(parts) == 5 and parts[4].isdigit():
        ip = ".".join(parts[:4])
        return (ip, int(parts[4])) if is_ip(ip) else (None, None)
    return (text, None) if is_ip(text) else (None, None)


def parse_packet(body: str) -> dict[str, object] | None:
    """``SRC[.PORT] > DST[.PORT]: rest`` into a packet dict (inner IPIP packet included)."""
    m = re.match(r"^(?:\([^)]*\)\s*)?(\S+) > (\S+?):\s*(.*)$", body)
    if not m:
        return None
    src, sport = _endpoint(m.group(1))
    dst, dport = _endpoint(m.group(2))
    if src is None or dst is None:
        return None
    rest = m.group(3)
    packet: dict[str, object] = {"src": src, "sport": sport, "dst": dst, "dport": dport, "inner": None, "encap": None}
    if rest.startswith("Flags ["):
        flags = re.match(r"Flags \[([^\]]*)\]", rest)
        seq = re.search(r"\bseq (\d+)", rest)
        packet.update(proto="tcp", flags=flags.group(1) if flags else "", seq=seq.group(1) if seq else None)
    elif rest.startswith("ICMP"):
        packet.update(proto="icmp", icmp="reply" if "echo reply" in rest else ("request" if "echo request" in rest else rest[5:40]))
    elif rest.startswith(("OTV", "VXLAN")):
        packet.update(proto="udp", encap="vxlan")
    elif rest.startswith("IP "):
        packet.update(proto="ipip", encap="ipip", inner=parse_packet(rest[3:]))
    else:
        packet.update(proto="udp" if sport is not None else "other")
    return packet


_NAMED = re.compile(rf"^{_TIME}\s+(?:[\w.@-]+\s+(?:In|Out|P|M)\s+)?IP6? (?P<src>[\w.-]+)\.(?P<sport>[\w-]+) > (?P<dst>[\w.-]+)\.(?P<dport>[\w-]+): ")
"""A packet line of tcpdump without ``-n``: host and port names (``busybox.46239 > kube-dns.kube-system.svc.cluster.local.domain:``)."""


def parse(run: CommandRun) -> ParseResult:
    res = ParseResult()
    iface = next((run.argv[i + 1] for i, w in enumerate(run.argv[:-1]) if w in ("-i", "--interface")), None)
    packets: list[dict[str, object]] = []
    named: list[int] = []
    captured = None
    header: int | None = None
    unknown: list[tuple[int, str]] = []
    for n, text in run.nonblank:
        t = text.strip()
        m = re.search(r"listening on ([\w.@-]+)", t)
        if m:
            iface = iface or m.group(1)
            continue
        m = re.match(r"^(\d+) packets? captured", t)
        if m:
            captured = int(m.group(1))
            continue
        if re.match(r"^(\d+ packets? (received|dropped)|tcpdump: |\^C|reading from file|dropped privs)", t):
            continue
        if header is not None and not _TIMESTAMPED.match(t) and (p := parse_packet(t)) is not None:
            p["line"], header = header, None  # -v: the addresses on the line after the IP header
            packets.append(p)
            continue
        header = None
        cont = _CONT.match(t) if not _TIMESTAMPED.match(t) else None
        if cont and packets and packets[-1].get("encap") == "vxlan" and packets[-1].get("inner") is None:
            packets[-1]["inner"] = parse_packet(cont.group("body"))
            continue
        m = _PACKET.match(t)
        if m:
            p = parse_packet(m.group("body"))
            if p is not None:
                p["line"] = n
                packets.append(p)
                continue
            body = m.group("body").strip()
            if body.startswith("(") and body.endswith(")") and " > " not in body:
                header = n  # -v prints the IP header here (tos, ttl, id, ..., length) and the packet below
                continue
        if re.match(rf"^{_TIME}\s+(ARP|IP6|LLDP|STP)", t) or t.startswith(("0x", "E..", "\t0x")):
            continue
        if _NAMED.match(t):
            named.append(n)  # read, but names cannot be tied to the flow's addresses
            continue
        unknown.append((n, text))
    if named:
        res.warn(run, "tcpdump_names", named[0], count=len(named))
    if not packets and captured is None and not named:
        res.warn(run, "tcpdump_empty")
        return res
    if unknown:
        res.not_understood(run, unknown)
    if iface is None:
        res.warn(run, "tcpdump_no_interface")
        return res
    expr = _filter(run.argv)
    res.add(run, "capture", {"interface": iface, "filter": expr, "packets": packets, "captured": captured, "complete": not run.piped}, run.nonblank[0][0])
    return res


def _filter(argv: list[str]) -> str | None:
    with_value = {"-i", "-c", "-s", "-w", "-r", "-C", "-G", "-W", "-E", "-F", "-y", "-B", "-j", "-T", "-Q", "--interface"}
    return " ".join(positional(argv[1:], with_value)) or None


_TSHARK = re.compile(r"^\s*(?P<no>\d+)\s+(?P<time>[\d.]+)\s+(?P<src>\S+)\s+(?:->|→)\s+(?P<dst>\S*)\s+(?P<proto>[A-Z][\w.-]*)\s+(?P<len>\d+)\s*(?P<info>.*)$")
_TSHARK_ARP = re.compile(r"^\s*\d+\s+[\d.]+\s+[0-9a-f:]{17}\s+(?:->|→)\s+(?:[0-9a-f:]{17}|Broadcast)?\s+ARP\b")
_KSNIFF = re.compile(r"^(?:INFO|WARN|DEBU|ERRO)\[\d+\] ")


def parse_tshark(run: CommandRun) -> ParseResult:
    """tshark's summary lines (``kubectl sniff`` too): packets with addresses and protocol; ICMP
    errors keep their text (``Destination unreachable (Host unreachable)``)."""
    res = ParseResult()
    iface = next((run.argv[i + 1] for i, w in enumerate(run.argv[:-1]) if w in ("-i", "--interface")), None)
    packets: list[dict[str, object]] = []
    unknown: list[tuple[int, str]] = []
    for n, text in run.nonblank:
        if _KSNIFF.match(text.strip()):
            # ksniff's own log: "executing command: '[/tmp/static-tcpdump -i any -U -w - ]' on container..."
            if m := re.search(r"tcpdump\b[^\]']*?\s-i\s+(\S+)", text):
                iface = iface or m.group(1)
            continue
        if _TSHARK_ARP.match(text):
            continue  # ARP: no addresses of the flow
        m = _TSHARK.match(text)
        if m and is_ip(m.group("src")) and is_ip(m.group("dst")):
            proto = m.group("proto").lower()
            packet: dict[str, object] = {"src": m.group("src"), "sport": None, "dst": m.group("dst"), "dport": None, "inner": None, "encap": None,
                                         "proto": "icmp" if proto == "icmp" else proto, "line": n}
            if proto == "icmp":
                info = m.group("info")
                packet["icmp"] = "reply" if "reply" in info else "request" if "request" in info else info[:40]
            packets.append(packet)
            continue
        unknown.append((n, text))
    if unknown:
        res.not_understood(run, unknown)
    if not packets:
        res.warn(run, "tcpdump_empty")
        return res
    if iface is None:
        res.warn(run, "tcpdump_no_interface")
        return res
    res.add(run, "capture", {"interface": iface, "filter": None, "packets": packets, "captured": len(packets), "complete": not run.piped},
            run.nonblank[0][0])
    return res
