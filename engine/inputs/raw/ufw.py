"""Ubuntu's ``ufw status`` (``verbose``, ``numbered``) -> a ``ufw`` record: whether ufw is active and,
with ``verbose``, its default policy for routed (forwarded) traffic.

jc has no ufw parser. ``ufw status`` prints ``Status: active`` or ``Status: inactive``; ``verbose``
adds ``Default: deny (incoming), allow (outgoing), deny (routed)`` (``disabled (routed)`` when the
kernel does not forward). Routed traffic is what crosses the node: Pod to Pod across nodes, Pod to
Service backends elsewhere, Pod to the outside. Its rules (``ALLOW FWD``, ``... on cni0``) are listed
below but not weighed here: whether a flow passes is the iptables trace's question.
"""

from __future__ import annotations

import re

from ..model import CommandRun, ParseResult

_STATUS = re.compile(r"^Status:\s+(active|inactive)\b", re.IGNORECASE)
_DEFAULT = re.compile(r"^Default:\s.*?\b(allow|deny|reject|disabled)\s+\(routed\)", re.IGNORECASE)


def is_ufw(argv: list[str]) -> bool:
    """``ufw status [verbose|numbered]``."""
    return bool(argv) and argv[0].rsplit("/", 1)[-1] == "ufw" and argv[1:2] == ["status"]


def parse(run: CommandRun) -> ParseResult:
    res = ParseResult()
    active: bool | None = None
    routed: str | None = None
    line: int | None = None
    for n, text in run.nonblank:
        t = text.strip()
        if m := _STATUS.match(t):
            active, line = m.group(1).lower() == "active", n
        elif m := _DEFAULT.match(t):
            routed = m.group(1).lower()
    if active is None:
        first = run.nonblank[0] if run.nonblank else (run.line, "")
        res.warn(run, "ufw_state_unknown", first[0], state=first[1].strip()[:60])
        return res
    res.add(run, "ufw", {"active": active, "routed_policy": routed if active else None}, line)
    return res
