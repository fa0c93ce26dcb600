"""``ipvsadm -Ln`` output: IPVS virtual servers and their real servers (kube-proxy in ipvs mode).

No library parses it (jc has no ipvsadm parser); the layout is a header, then ``TCP  VIP:PORT rr``
lines, each followed by ``  -> RIP:PORT  Masq  1  0  0`` lines. A real server of weight 0 is
quiesced (its Pod is terminating): kube-proxy sends it no new connections, so it is no backend.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_ADDR = r"(\d+\.\d+\.\d+\.\d+|\[[0-9A-Fa-f:.]+\]):(\d+)"
_VS = re.compile(rf"^(TCP|UDP|SCTP)\s+{_ADDR}\s+(\S+)")
_RS = re.compile(rf"^->\s+{_ADDR}\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)")
_HEADERS = ("IP Virtual Server", "Prot LocalAddress", "-> RemoteAddress", "FWM ")


@dataclass
class RealServer:
    ip: str
    port: int
    forward: str
    weight: int
    active: int
    inactive: int

    def __str__(self) -> str:
        return f"[{self.ip}]:{self.port}" if ":" in self.ip else f"{self.ip}:{self.port}"


@dataclass
class VirtualServer:
    protocol: str
    ip: str
    port: int
    scheduler: str
    line: int | None = None
    real: list[RealServer] = field(default_factory=list)

    @property
    def backends(self) -> list[str]:
        """Real servers that take new connections (weight above 0)."""
        return [str(r) for r in self.real if r.weight > 0]


@dataclass
class IpvsTable:
    services: list[VirtualServer]
    skipped: list[int]
    header: bool

    def find(self, ip: str, port: int | None, protocol: str | None = None) -> list[VirtualServer]:
        return [s for s in self.services if s.ip == ip and (port is None or s.port == port)
                and (protocol is None or s.protocol == protocol)]


def parse_lines(lines: Iterable[tuple[int, str]]) -> IpvsTable:
    services: list[VirtualServer] = []
    skipped: list[int] = []
    header = False
    for n, text in lines:
        t = text.strip()
        if not t:
            continue
        if t.startswith(_HEADERS):
            header = header or t.startswith("IP Virtual Server")
            continue
        m = _VS.match(t)
        if m:
            services.append(VirtualServer(m.group(1).lower(), m.group(2).strip("[]"), int(m.group(3)), m.group(4), n))
            continue
        m = _RS.match(t)
        if m and services:
            services[-1].real.append(RealServer(m.group(1).strip("[]"), int(m.group(2)), m.group(3), int(m.group(4)),
                                                int(m.group(5)), int(m.group(6))))
            continue
        skipped.append(n)
    return IpvsTable(services, skipped, header)


def parse(text: str, first_line: int = 1) -> IpvsTable:
    return parse_lines(enumerate(text.splitlines(), first_line))
