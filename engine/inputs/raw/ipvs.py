"""``ipvsadm -Ln``: IPVS virtual servers and their real servers (kube-proxy in ipvs mode).

Read by :mod:`podnet.netfilter.ipvs` (the same code ``podnet collect`` uses); real servers of
weight 0 are quiesced (terminating Pods) and are not listed as backends.
"""

from __future__ import annotations

from typing import Any

from ...netfilter import ipvs
from ..model import CommandRun, ParseResult


def parse(run: CommandRun) -> ParseResult:
    res = ParseResult()
    table = ipvs.parse_lines(run.nonblank)
    services: list[dict[str, Any]] = [
        {"protocol": s.protocol, "ip": s.ip, "port": s.port, "scheduler": s.scheduler, "real_servers": s.backends, "line": s.line}
        for s in table.services
    ]
    if table.skipped:
        text = dict(run.output)
        res.not_understood(run, [(n, text.get(n, "")) for n in table.skipped])
    if not services and not table.header:
        res.warn(run, "ipvs_no_table")
        return res
    res.add(run, "ipvs", {"services": services, "complete": not run.piped}, run.nonblank[0][0] if run.nonblank else None)
    return res
