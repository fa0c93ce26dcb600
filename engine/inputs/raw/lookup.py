"""Name lookups that are not dig or nslookup: ``host`` and ``getent hosts`` -> ``dns_lookup``.

``host``: jc's ``host`` parser reads the answers (``NAME has address ADDR``) and is used for them;
it returns ``{}`` for every failure line, so those are matched here: ``Host NAME not found:
3(NXDOMAIN)`` / ``2(SERVFAIL)`` / ``5(REFUSED)``, ``;; connection timed out; no servers could be
reached`` (BIND 9.16 and older) or ``;; communications error to ADDR#53: timed out`` and ``;; no
servers could be reached`` (9.18). host asks for A, AAAA and MX: a ``not found`` next to an
address is the other types failing, so the name resolved. ``Using domain server: ... Address:
ADDR#53`` names the server.

``getent hosts NAME`` (or ``ahosts``) prints ``ADDR NAME...`` lines, or nothing: glibc gives the
same empty output and exit status 2 for NXDOMAIN and for a server that does not answer, so an
empty result is ``failed`` -- read only when the paste shows the command finished (its exit
status, or the next prompt). jc has no getent parser.
"""

from __future__ import annotations

import re

from ..model import CommandRun, ParseResult
from ._util import IPV4, is_ip, quiet_jc
from .connect import exit_status, is_noise
from .dns import query_transport

_NOT_FOUND = re.compile(r"^Host (\S+?)\.? not found: (\d+)\((\w+)\)")
_TIMEOUT = re.compile(r"connection timed out; no servers could be reached|no servers could be reached")
_COMM_ERROR = re.compile(r"^;; communications error to ([0-9a-fA-F:.]+)#\d+: (.*)$")
_HAS = re.compile(r"^(\S+?)\.? (?:has (?:IPv6 )?address|is an alias for|mail is handled by|domain name pointer|has no \w+ record) ")
_SERVER = re.compile(rf"^Address: ({IPV4}|[0-9a-fA-F:]+)#\d+$")
_STATUS = {"NXDOMAIN": "nxdomain", "SERVFAIL": "servfail", "REFUSED": "refused"}


def _name_arg(argv: list[str]) -> tuple[str | None, str | None]:
    """(name, server) of ``host [-options] NAME [SERVER]``."""
    words, skip = [], False
    for w in argv[1:]:
        if skip:
            skip = False
        elif w in ("-t", "-c", "-W", "-R", "-N", "-m"):
            skip = True
        elif not w.startswith("-"):
            words.append(w)
    return (words[0] if words else None), (words[1] if len(words) > 1 else None)


def parse_host(run: CommandRun) -> ParseResult:
    res = ParseResult()
    name, server = _name_arg(run.argv)
    answers: list[str] = []
    failure, line, first = None, None, None
    unknown: list[tuple[int, str]] = []
    in_server_block = False
    for n, text in run.nonblank:
        t = text.strip()
        if t == "Using domain server:":
            in_server_block = True
            continue
        if in_server_block:
            if m := _SERVER.match(t):
                server = m.group(1)
                in_server_block = False
            continue
        if t.startswith("Aliases:"):
            continue  # the closing line of the "Using domain server:" block (host -T and BIND 9.18 print it empty)
        if m := _NOT_FOUND.match(t):
            name = name or m.group(1)
            failure, line = failure or _STATUS.get(m.group(3).upper(), "failed"), line or n
            continue
        if _TIMEOUT.search(t):
            failure, line = "timeout", n
            continue
        if m := _COMM_ERROR.match(t):
            server = server or m.group(1)
            if "timed out" in m.group(2):
                failure, line = "timeout", line or n
            elif "refused" in m.group(2):
                failure, line = failure or "refused", line or n
            continue
        if m := _HAS.match(t):
            name = name or m.group(1)
            first = first or n
            continue
        if not is_noise(t):
            unknown.append((n, text))
    try:
        parsed = quiet_jc("host", "\n".join(t for _, t in run.nonblank if _HAS.match(t.strip())) + "\n")
    except Exception:  # noqa: BLE001 - jc raises on forms it does not know; the answers are then read by hand
        parsed = None
    for item in parsed if isinstance(parsed, list) else []:
        answers += [a for a in item.get("address") or [] if is_ip(a)]
    if not answers:
        answers = [m.group(1) for _, t in run.nonblank if (m := re.search(r" has (?:IPv6 )?address (\S+)$", t.strip()))]
    if unknown:
        res.not_understood(run, unknown)
    if not name:
        res.warn(run, "lookup_name_unknown", run.line)
        return res
    data: dict[str, object] = {"name": name.rstrip("."), "answers": answers}
    if server and is_ip(server):
        data["server"] = server
    if transport := query_transport(run):
        data["transport"] = transport  # host -T
    if answers:
        res.add(run, "dns_lookup", {**data, "result": "ok"}, first)
    elif failure:
        res.add(run, "dns_lookup", {**data, "result": failure}, line)
    else:
        res.warn(run, "host_no_result", run.nonblank[-1][0] if run.nonblank else run.line)
    return res


def parse_getent(run: CommandRun) -> ParseResult:
    res = ParseResult()
    words = [w for w in run.argv[2:] if not w.startswith("-")]
    name = words[0] if words else None
    answers, first, unknown = [], None, []
    for n, text in run.nonblank:
        parts = text.split()
        if parts and is_ip(parts[0]):
            if parts[0] not in answers:
                answers.append(parts[0])
            first = first or n
        elif not is_noise(text):
            unknown.append((n, text))
    if unknown:
        res.not_understood(run, unknown)
    if not name:
        res.warn(run, "lookup_name_unknown", run.line)
        return res
    code, code_line = exit_status(run)
    if answers:
        res.add(run, "dns_lookup", {"name": name, "result": "ok", "answers": answers}, first)
    elif code == 2 or code is None and run.ended_by_prompt and not unknown:
        # glibc: exit 2 and no output for NXDOMAIN and for a server that never answers alike
        res.add(run, "dns_lookup", {"name": name, "result": "failed", "answers": []}, code_line or run.line)
    else:
        res.warn(run, "getent_no_result", run.line)
    return res
