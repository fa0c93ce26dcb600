"""``ipvsadm -Ln``: IPVS virtual servers and their real servers (kube-proxy in ipvs mode).

jc has no ipvsadm parser; the layout is a header, then ``TCP  VIP:PORT rr`` lines each followed
by ``  -> RIP:PORT  Masq  1  0  0`` lines.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import CommandRun, ParseResult

_VS = re.compile(r"^(TCP|UDP|SCTP)\s+(\d+\.\d+\.\d+\.\d+):(\d+)\s+(\S+)")
_RS = re.compile(r"^->\s+(\d+\.\d+\.\d+\.\d+):(\d+)\s+(\S+)\s+(\d+)")


def parse(run: CommandRun) -> ParseResult:
    res = ParseResult()
    services: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    skipped: list[int] = []
    for n, text in run.nonblank:
        t = text.strip()
        if t.startswith(("IP Virtual Server", "Prot LocalAddress", "-> RemoteAddress")):
            continue
        m = _VS.match(t)
        if m:
            current = {"protocol": m.group(1).lower(), "ip": m.group(2), "port": int(m.group(3)), "scheduler": m.group(4), "real_servers": [], "line": n}
            services.append(current)
            continue
        m = _RS.match(t)
        if m and current is not None:
            if int(m.group(4)) > 0:  # weight 0 = quiesced (terminating) backend
                current["real_servers"].append(f"{m.group(1)}:{m.group(2)}")
            continue
        skipped.append(n)
    if skipped:
        res.warn(run, "ipvs_lines_unknown", skipped[0], count=len(skipped))
    header = any(t.strip().startswith("IP Virtual Server") for _, t in run.nonblank)
    if not services and not header:
        res.warn(run, "ipvs_no_table")
        return res
    res.add(run, "ipvs", {"services": services, "complete": not run.piped}, run.nonblank[0][0] if run.nonblank else None)
    return res
