"""Whether firewalld runs on a node: ``firewall-cmd --state``, ``systemctl status firewalld`` and
``systemctl is-active firewalld`` -> a ``firewalld`` record (``running``: true or false).

jc has no parser for these one-word states. ``firewall-cmd --state`` prints ``running`` or ``not
running`` (any firewall-cmd query prints ``FirewallD is not running`` when the daemon is down);
``systemctl is-active`` prints the unit's ActiveState (``active``, ``inactive``, ``failed``,
``activating``...); ``systemctl status`` shows it on its ``Active:`` line, followed by the unit's last
journal lines, which are not read here. A unit that is not installed (``Unit firewalld.service could
not be found.``) does not run either. A state between the two (``activating``, ``deactivating``,
``reloading``) is warned, not guessed.
"""

from __future__ import annotations

import re

from ..model import CommandRun, ParseResult

_RUNNING = {"running": True, "not running": False}
_ACTIVE_STATE = {"active": True, "inactive": False, "failed": False, "dead": False}
_ACTIVE_LINE = re.compile(r"^Active:\s+(\S+)(?:\s+\(([^)]*)\))?")
_NOT_RUNNING = re.compile(r"^FirewallD is not running$", re.IGNORECASE)
_NO_UNIT = re.compile(r"^Unit firewalld(?:\.service)? could not be found\.?$")


def is_firewalld(argv: list[str]) -> bool:
    """``firewall-cmd ...``, or ``systemctl status|is-active firewalld[.service]``."""
    name = argv[0].rsplit("/", 1)[-1] if argv else ""
    if name == "firewall-cmd":
        return True
    words = [a for a in argv[1:] if not a.startswith("-")]
    return name == "systemctl" and bool(words) and words[0] in ("status", "is-active") and words[1:2] in (["firewalld"], ["firewalld.service"])


def parse(run: CommandRun) -> ParseResult:
    res = ParseResult()
    name = run.argv[0].rsplit("/", 1)[-1] if run.argv else ""
    for n, text in run.nonblank:
        t = text.strip().lstrip("●○× ").strip()
        if _NOT_RUNNING.match(t) or _NO_UNIT.match(t):
            res.add(run, "firewalld", {"running": False}, n)
            return res
        if name == "firewall-cmd" and "--state" in run.argv and t in _RUNNING:
            res.add(run, "firewalld", {"running": _RUNNING[t]}, n)
            return res
        if name == "systemctl" and "is-active" in run.argv and re.fullmatch(r"[a-z-]+", t):
            return _state(run, res, t, n)
        if name != "firewall-cmd" and (m := _ACTIVE_LINE.match(t)):  # systemctl status, with or without its command line
            return _state(run, res, m.group(1), n)
    if name == "firewall-cmd" and "--state" not in run.argv:
        return res  # other queries (--list-all, --reload...) say nothing podnet reads
    first = run.nonblank[0] if run.nonblank else (run.line, "")
    res.warn(run, "firewalld_state_unknown", first[0], state=first[1].strip()[:60])
    return res


def _state(run: CommandRun, res: ParseResult, state: str, line: int) -> ParseResult:
    if state in _ACTIVE_STATE:
        res.add(run, "firewalld", {"running": _ACTIVE_STATE[state]}, line)
    else:
        res.warn(run, "firewalld_state_unknown", line, state=state)
    return res
