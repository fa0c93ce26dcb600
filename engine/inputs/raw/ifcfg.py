"""RHEL/CentOS ``/etc/sysconfig/network-scripts/ifcfg-*`` files.

These are shell variable assignments; jc has no parser for them (its ``ini`` parser would read
``KEY="value"`` but not say which lines it skipped), and a few lines of matching is all it takes.
"""

from __future__ import annotations

import os
import re

from ..model import CommandRun, ParseResult
from ._util import is_ip

_ASSIGN = re.compile(r"^\s*(?:export\s+)?([A-Z][A-Z0-9_]*)=(.*)$")


def parse(run: CommandRun) -> ParseResult:
    res = ParseResult()
    values: dict[str, str] = {}
    lines: dict[str, int] = {}
    for n, text in run.nonblank:
        t = text.strip()
        if t.startswith("#"):
            continue
        m = _ASSIGN.match(t)
        if not m:
            res.warn(run, "ifcfg_line_unknown", n, text=t[:60])
            continue
        value = m.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[m.group(1)] = value
        lines[m.group(1)] = n
    files = [a for a in run.argv[1:] if "ifcfg-" in a]
    name_hint = os.path.basename(files[0]).removeprefix("ifcfg-") if files else os.path.basename(run.origin).removeprefix("ifcfg-")
    interface = values.get("DEVICE") or values.get("NAME") or name_hint
    if not values or not interface:
        res.warn(run, "ifcfg_empty")
        return res
    bootproto = values.get("BOOTPROTO", "").lower() or None
    if bootproto not in (None, "dhcp", "none", "static", "bootp"):
        res.warn(run, "ifcfg_bootproto_unknown", lines.get("BOOTPROTO"), value=bootproto)
        bootproto = None
    static_ip = values.get("IPADDR") or values.get("IPADDR0")
    if static_ip and not is_ip(static_ip):
        res.warn(run, "ifcfg_ipaddr_invalid", lines.get("IPADDR"), value=static_ip)
        static_ip = None
    data = {"interface": interface, "bootproto": bootproto, "static_ip": static_ip, "prefix": values.get("PREFIX")}
    res.add(run, "ifcfg", data, lines.get("BOOTPROTO") or run.nonblank[0][0])
    return res
