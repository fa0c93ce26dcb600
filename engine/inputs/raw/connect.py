"""TCP connection attempts: telnet, nc/ncat (OpenBSD, nmap, busybox) and curl.

jc has no parser for any of these: their outcome is one line of free text per tool and locale,
so the known phrasings are matched here.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..model import CommandRun, ParseResult
from ._util import IPV4, is_ip

# Outcome phrasings, most specific first. Shared by all tools.
_OUTCOMES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Connection refused|ECONNREFUSED|拒绝连接|连接被拒绝", re.IGNORECASE), "refused"),
    (re.compile(r"No route to host|没有到主机的路由|EHOSTUNREACH", re.IGNORECASE), "no_route"),
    (re.compile(r"Network is unreachable|网络不可达|ENETUNREACH", re.IGNORECASE), "unreachable"),
    (re.compile(r"Connection reset by peer|ECONNRESET|连接被对方重设|Recv failure", re.IGNORECASE), "reset"),
    (re.compile(r"timed out|Timeout was reached|TIMEOUT|连接超时|Operation timed out|ETIMEDOUT", re.IGNORECASE), "timeout"),
)


_ADDR_NOT_AVAILABLE = re.compile(r"Cannot assign requested address|EADDRNOTAVAIL|无法指定被请求的地址", re.IGNORECASE)
"""connect() failed before a packet left: no free local port (or the source address is gone);
recorded as tcp_connect result ``no_local_port``."""


def _addr_not_available(run: CommandRun) -> int | None:
    return next((n for n, t in run.nonblank if _ADDR_NOT_AVAILABLE.search(t)), None)


def _verbose(argv: list[str]) -> bool:
    return any(a == "--verbose" or (a.startswith("-") and not a.startswith("--") and "v" in a[1:]) for a in argv[1:])


def _outcome(text: str) -> str | None:
    for pattern, result in _OUTCOMES:
        if pattern.search(text):
            return result
    return None


def _target_from_args(words: list[str]) -> tuple[str | None, int | None]:
    positional = [w for w in words if not w.startswith("-")]
    host = next((w for w in positional if is_ip(w)), None)
    port = None
    if host is not None:
        after = positional[positional.index(host) + 1 :]
        port = int(after[0]) if after and after[0].isdigit() else None
    return host, port


def _emit(run: CommandRun, res: ParseResult, tool: str, target: str | None, port: int | None, result: str | None, line: int | None) -> ParseResult:
    if result is None and (hit := _addr_not_available(run)) is not None:
        result, line = "no_local_port", hit
    if result is None:
        last = run.nonblank[-1] if run.nonblank else (run.line, "")
        res.warn(run, "connect_result_unknown", last[0], tool=tool, text=last[1].strip()[:80])
        return res
    if not is_ip(target) or port is None:
        res.warn(run, "connect_target_unknown", line, tool=tool)
        return res
    res.add(run, "tcp_connect", {"target": target, "port": port, "result": result, "tool": tool}, line)
    return res


def parse_telnet(run: CommandRun) -> ParseResult:
    res = ParseResult()
    argv = run.argv[1:] if run.argv[:1] == ["busybox"] else run.argv
    target, port = _target_from_args(argv[1:])
    port = port or (23 if target else None)
    result, line = None, None
    for n, text in run.nonblank:
        m = re.search(rf"Trying ({IPV4})", text)
        if m and not target:
            target = m.group(1)
        if re.search(r"^Connected to |^Escape character is", text.strip()):
            result, line = "connected", n
            break
        found = _outcome(text)
        if found and re.search(r"telnet|Unable to connect|can't connect|无法|不能", text, re.IGNORECASE):
            result, line = found, n
            break
    return _emit(run, res, "telnet", target, port, result, line)


def parse_nc(run: CommandRun) -> ParseResult:
    res = ParseResult()
    argv = run.argv[1:] if run.argv[:1] == ["busybox"] else run.argv
    target, port = _target_from_args([w for i, w in enumerate(argv[1:]) if not (i > 0 and argv[i] in ("-w", "-i", "-p", "-s"))])
    result, line = None, None
    for n, text in run.nonblank:
        t = text.strip()
        m = (re.search(rf"Connection to ({IPV4}) (\d+) port .*succeeded", t) or re.search(rf"Ncat: Connected to ({IPV4}):(\d+)", t)
             or re.search(rf"({IPV4}) \({IPV4}:(\d+)\) open", t))
        if m:
            target = target or m.group(1)
            port = port or int(m.group(2))
            result, line = "connected", n
            break
        m = re.search(rf"connect to ({IPV4}) port (\d+) \(tcp\) (?:failed|timed out)", t)
        if m:
            target, port = target or m.group(1), port or int(m.group(2))
        if "invalid option" in t or t.startswith("Usage:"):
            res.warn(run, "nc_options_unsupported", n)
            return res
        found = _outcome(t)
        if found:
            result, line = found, n
            break
    return _emit(run, res, "nc", target, port, result, line)


def _curl_target(argv: list[str]) -> tuple[str | None, int | None]:
    for w in argv[1:]:
        # Only a URL or an IP[:port] names the target: option values (`--connect-timeout 10`) do not.
        if w.startswith("-") or ("://" not in w and not is_ip(w.split(":")[0])):
            continue
        url = w if "://" in w else f"http://{w}"
        try:
            parts = urlsplit(url)
            host, port = parts.hostname, parts.port
        except ValueError:
            continue
        if host:
            return (host if is_ip(host) else None), port or (443 if parts.scheme == "https" else 80)
    return None, None


def parse_curl(run: CommandRun) -> ParseResult:
    res = ParseResult()
    target, port = _curl_target(run.argv)
    result, line = None, None
    for n, text in run.nonblank:
        m = re.search(rf"Trying ({IPV4})(?::(\d+))?", text)
        if m:
            target = m.group(1)
            port = int(m.group(2)) if m.group(2) else port
        m = re.search(rf"Connected to \S+ \(({IPV4})\) port (\d+)", text)
        if m:
            target, port = m.group(1), int(m.group(2))
            result, line = "connected", n
            continue
        if result == "connected":
            if "curl: (" in text and _outcome(text) == "reset":
                result, line = "reset", n
            continue
        m = re.search(rf"Failed (?:to )?connect to ({IPV4})(?: port |:)(\d+)", text)
        if m:
            target, port = m.group(1), int(m.group(2))
        m = re.search(r"curl: \((\d+)\)(.*)", text)
        if m:
            code, msg = int(m.group(1)), m.group(2)
            result = _outcome(msg) or {28: "timeout", 56: "reset", 52: "connected"}.get(code)
            if code == 7 and result is None:
                # curl 7.88: "Couldn't connect to server"; the reason is on the "* connect to ... failed:" line.
                # (The progress meter may precede it on the same line.)
                result = _outcome("\n".join(t for _, t in run.output if "* connect to" in t or "* Immediate connect fail" in t))
                if result is None and _addr_not_available(run) is not None:
                    result = "no_local_port"
                if result is None:
                    if _verbose(run.argv):
                        res.warn(run, "curl_failed_reason_unknown", n)
                    else:
                        res.warn(run, "curl_failed_no_reason", n)
                    return res
            line = n
            break
    if result is None and any(re.match(r"^(< )?HTTP/[\d.]+ \d{3}", t.strip()) for _, t in run.output):
        result = "connected"  # an HTTP status line proves the connection
    return _emit(run, res, "curl", target, port, result, line)
