"""wget: GNU wget and busybox wget -> ``tcp_connect`` (and ``dns_lookup`` when the name did not resolve).

jc has no wget parser. GNU wget says each step on a line of its own (``Resolving NAME (NAME)...
ADDR``, ``Connecting to NAME (NAME)|ADDR|:PORT... connected.`` or ``failed: <reason>.``, ``HTTP
request sent, awaiting response... 200 OK``, ``Read error (...) in headers``); busybox wget prints
``Connecting to HOST:PORT (ADDR:PORT)`` before it connects and only errors after (``can't connect
to remote host (ADDR): <reason>``, ``bad address 'HOST'``, ``server returned error: HTTP/1.1 404``,
``error getting response: <reason>``, ``download timed out``).

Readings: an HTTP status (any code) proves the connection; a read error after ``connected.`` is
``reset`` for a reset and ``connected`` for a timeout (the server accepted and did not answer).
GNU wget's resolver errors tell the mode (``Name or service not known`` is NXDOMAIN; ``Temporary
failure in name resolution`` is a timeout or SERVFAIL: ``failed``); busybox's ``bad address`` does
not (``failed``). busybox wget prints nothing once connected, so a run that hung after
``Connecting to`` (``^C``, ``timeout``'s exit 124, ``download timed out`` with nothing received)
is read as a connect ``timeout`` with a warning that a server that accepts and never answers
looks the same.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..model import CommandRun, ParseResult
from ._util import is_ip
from .connect import emit, exit_status, hang_line, is_noise, outcome

_GNU_START = re.compile(r"^--\d{4}-\d\d-\d\d \d\d:\d\d:\d\d--\s+(\S+)")
_RESOLVING = re.compile(r"^Resolving (\S+) \([^)]*\)\.\.\.\s*(.*)$")
_GNU_CONNECTING = re.compile(r"^Connecting to (?:(\S+) \([^)]*\)\|([0-9a-fA-F:.]+)\||([0-9a-fA-F:.\[\]]+)):(\d+)\.\.\.\s*(.*)$")
_BB_CONNECTING = re.compile(r"^Connecting to (\S+?)(?::(\d+))? \(([0-9a-fA-F:.\[\]]+):(\d+)\)$")
_HTTP_SENT = re.compile(r"^(?:HTTP|Proxy) request sent, awaiting response\.\.\.\s*(.*)$")
_GNU_NOISE = re.compile(
    r"^(?:Length: |Saving to: |Location: |Giving up\.|Retrying\.|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(.*\) - |"
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ERROR \d+|.*\d+%\[[=> ]*\]|Reusing existing connection|Cannot write to|"
    r"Warning: wildcards|--\d{4}-|written to stdout|writing to stdout|saving to '|'.*' saved|\S+\s+\d+% \|[* ]*\|)"
)
_NAME_ERRORS = (
    (re.compile(r"Name or service not known|No address associated with hostname|nodename nor servname"), "nxdomain"),
    (re.compile(r"Temporary failure in name resolution|Try again"), "failed"),
)


def _url(argv: list[str]) -> tuple[str | None, int | None]:
    for w in argv[1:]:
        if w.startswith("-") or ("://" not in w and "." not in w):
            continue
        try:
            parts = urlsplit(w if "://" in w else f"http://{w}")
            return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            continue
    return None, None


def parse(run: CommandRun) -> ParseResult:
    res = ParseResult()
    host, port = _url(run.argv)
    ip = host if is_ip(host) else None
    name = None if is_ip(host) else host
    result, line, connecting, busybox = None, None, False, False
    bb_line: int | None = None
    unknown: list[tuple[int, str]] = []
    for n, text in run.nonblank:
        t = text.strip()
        if m := _GNU_START.match(t):
            host2, port2 = _url(["wget", m.group(1)])
            name = name or (None if is_ip(host2) else host2)
            port = port or port2
            continue
        if m := _RESOLVING.match(t):
            name = m.group(1)
            rest = m.group(2)
            if rest.startswith("failed:"):
                mode = next((r for p, r in _NAME_ERRORS if p.search(rest)), "failed")
                res.add(run, "dns_lookup", {"name": name, "result": mode, "answers": []}, n)
                result = result or "lookup_failed"
            else:
                answers = [a.strip() for a in rest.split(",") if is_ip(a.strip())]
                if answers:
                    res.add(run, "dns_lookup", {"name": name, "result": "ok", "answers": answers}, n)
            continue
        if m := _GNU_CONNECTING.match(t):
            name = m.group(1) or name
            ip, port, connecting = (m.group(2) or m.group(3) or "").strip("[]") or ip, int(m.group(4)), True
            rest = m.group(5)
            if rest.startswith("connected"):
                result, line = "connected", n
            elif rest.startswith("failed:"):
                result, line = outcome(rest) or "failed", n
            continue
        if m := _BB_CONNECTING.match(t):
            if busybox and connecting and result is None and ip is not None:
                # a second "Connecting to": the first server answered (a redirect, http to https)
                emit(run, res, "wget", ip, port, "connected", bb_line, name=name, unknown=[])
            busybox, connecting, bb_line = True, True, n
            name = name or (None if is_ip(m.group(1)) else m.group(1))
            ip, port = m.group(3).strip("[]"), int(m.group(4))
            continue
        if m := _HTTP_SENT.match(t):
            rest = m.group(1)
            if re.match(r"\d{3}\b", rest):
                result, line = result or "connected", line or n
            elif "Read error" in rest or outcome(rest):
                result, line = ("reset" if outcome(rest) == "reset" else "connected"), n
            continue
        if t.startswith("wget: "):
            msg = t[6:]
            if m := re.match(r"unable to resolve host address [‘'`\"]?([^’'`\"]+)", msg):
                if not any(r.type == "dns_lookup" for r in res.records):
                    res.add(run, "dns_lookup", {"name": m.group(1), "result": "failed", "answers": []}, n)
                result = "lookup_failed"
            elif m := re.match(r"bad address [‘'`\"]?([^’'`\":]+)", msg):
                busybox = True
                res.add(run, "dns_lookup", {"name": m.group(1), "result": "failed", "answers": []}, n)
                result = "lookup_failed"
            elif msg.startswith("can't connect to remote host"):
                busybox = True
                result, line = outcome(msg) or "failed", n
                if m := re.search(r"\(([0-9a-fA-F:.]+)\)", msg):
                    ip = m.group(1)
            elif msg.startswith(("server returned error", "error getting response")) or re.match(r"server returned error|HTTP/", msg):
                busybox = True
                result, line = ("reset" if outcome(msg) == "reset" else "connected"), n
            elif msg.startswith("download timed out"):
                busybox = True
                result, line = (result, line) if result == "connected" else ("timeout", n)
                if line == n:
                    res.warn(run, "connect_hang_ambiguous", n, tool="busybox wget")
            else:
                unknown.append((n, text))
            continue
        if busybox and re.match(r"^(?:writing to stdout|written to stdout|saving to [‘'`\"])|^\S+\s+\d+% \|", t):
            result, line = result or "connected", line or n  # busybox writes only once the server answered
            continue
        if _GNU_NOISE.match(t) or is_noise(t):
            continue
        if result == "connected" or connecting:
            continue  # the document written to stdout (-O-)
        unknown.append((n, text))
    if result == "lookup_failed":
        if unknown:
            res.not_understood(run, unknown)
        return res
    if result is None and connecting and (hang := hang_line(run)) is not None:
        result, line = "timeout", hang
        if busybox:
            res.warn(run, "connect_hang_ambiguous", hang, tool="busybox wget")
    if result is None and busybox and exit_status(run)[0] == 0:
        result, line = "connected", exit_status(run)[1]
    return emit(run, res, "wget", ip, port, result, line, name=name, unknown=unknown)
