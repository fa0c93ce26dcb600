"""TCP connection attempts: telnet, nc/ncat (OpenBSD, nmap, busybox) and curl.

jc has no parser for any of these: their outcome is one line of free text per tool and locale,
so the known phrasings are matched here. Conclusions a person draws are drawn too: curl >= 7.88
says only "Couldn't connect to server" (the mode is read from its ``-v`` line
``* connect to X port N failed: <reason>`` when present, else the result is ``failed``), an HTTP
body or status line proves the connection, a tool that showed it was connecting and then hung
until ``^C`` (or ``timeout``'s exit 124) timed out, and a loop that sometimes connects and
sometimes fails is ``intermittent``. Every output line none of this explains is reported.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..model import CommandRun, ParseResult
from ._util import IPV4, is_ip

# Outcome phrasings, most specific first. Shared by all tools.
_OUTCOMES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Connection refused|ECONNREFUSED|拒绝连接|连接被拒绝", re.IGNORECASE), "refused"),
    # musl (Alpine, busybox images) words EHOSTUNREACH "Host is unreachable"; ping's "Destination Host
    # Unreachable" is an ICMP reply, not a connect() error
    (re.compile(r"No route to host|没有到主机的路由|EHOSTUNREACH|(?<!Destination )\bHost is unreachable", re.IGNORECASE), "no_route"),
    (re.compile(r"Network is unreachable|网络不可达|ENETUNREACH", re.IGNORECASE), "unreachable"),
    (re.compile(r"Connection reset by peer|ECONNRESET|连接被对方重设|Recv failure", re.IGNORECASE), "reset"),
    (re.compile(r"timed out|Timeout was reached|TIMEOUT|连接超时|Operation timed out|ETIMEDOUT", re.IGNORECASE), "timeout"),
)


_ADDR_NOT_AVAILABLE = re.compile(r"Cannot assign requested address|EADDRNOTAVAIL|无法指定被请求的地址", re.IGNORECASE)
"""connect() failed before a packet left: no free local port (or the source address is gone);
recorded as tcp_connect result ``no_local_port``."""

_EXIT = re.compile(r"^(?:exit(?: code| status)?[=:]?\s*|\$\?\s*=\s*)(\d{1,3})$", re.IGNORECASE)
_BARE_EXIT = re.compile(r"^(\d{1,3})$")
_TIMEOUT_WRAPPER = re.compile(r"(?:^|[\s;&|(])timeout(?:\s+-\S+)*\s+\d+(?:\.\d+)?[smh]?\s")
_SHELL_NOISE = re.compile(
    r"^(?:(?:ba|z|a)?sh: |command terminated with exit code|Unable to use a TTY|If you don't see a command prompt|"
    r"Defaulted container |OCI runtime exec failed|error: |Error from server|\^C$|"
    r"Command exited with non-zero status \d+$|(?:real|user|sys)\s+(?:\d+m\s?)?[\d.]+s$|pod \"[\w.-]+\" deleted$)"
)
"""Lines of the shell or kubectl around a command, not of the command itself."""

HANG_AMBIGUOUS = "hang_ambiguous"


def _addr_not_available(run: CommandRun) -> int | None:
    return next((n for n, t in run.nonblank if _ADDR_NOT_AVAILABLE.search(t)), None)


def verbose(argv: list[str]) -> bool:
    return any(a in ("--verbose", "--trace", "--trace-ascii") or a.startswith(("--trace=", "--trace-ascii="))
               or (a.startswith("-") and not a.startswith("--") and "v" in a[1:]) for a in argv[1:])


_TRACE_INFO = re.compile(r"^== Info: ?(.*)$")
_TRACE_RECEIVED = re.compile(r"^<= Recv (?:header|data)\b")
_TRACE_OTHER = re.compile(r"^(?:=> Send (?:header|data|SSL data)|<= Recv SSL data)\b|^[0-9a-f]{4}: ")
"""curl ``--trace-ascii`` / ``--trace``: ``== Info:`` lines are the ``-v`` lines; ``<= Recv header|data``
is what the server sent; ``=> Send ...`` and the ``0000: ...`` dump lines are curl's own."""


def outcome(text: str) -> str | None:
    for pattern, result in _OUTCOMES:
        if pattern.search(text):
            return result
    return None


def exit_status(run: CommandRun) -> tuple[int | None, int | None]:
    """(exit code, line) when the paste shows it: ``cmd; echo exit=$?`` or ``cmd; echo $?``."""
    if "$?" not in run.command:
        return None, None
    for n, text in reversed(run.nonblank):
        m = _EXIT.match(text.strip()) or _BARE_EXIT.match(text.strip())
        if m:
            return int(m.group(1)), n
        break  # the status is the last thing printed
    return None, None


def hang_line(run: CommandRun) -> int | None:
    """The line showing the command hung and was stopped: ``^C``, or exit 124 from ``timeout N``."""
    if run.interrupted:
        return next((n for n, t in reversed(run.nonblank) if "^C" in t), None)
    code, line = exit_status(run)
    if code == 124 and _TIMEOUT_WRAPPER.search(" " + run.command + " "):
        return line
    return None


def is_noise(text: str) -> bool:
    """A shell/kubectl line, an exit status echo or an interruption: not the tool's own output."""
    t = text.strip()
    return bool(_SHELL_NOISE.match(t) or _EXIT.match(t) or t.endswith("^C"))


def _target_from_args(words: list[str]) -> tuple[str | None, int | None]:
    positional = [w for w in words if not w.startswith("-")]
    host = next((w for w in positional if is_ip(w)), None)
    port = None
    if host is not None:
        after = positional[positional.index(host) + 1 :]
        port = int(after[0]) if after and after[0].isdigit() else None
    return host, port


def emit(run: CommandRun, res: ParseResult, tool: str, target: str | None, port: int | None, result: str | None, line: int | None,
         *, name: str | None = None, unknown: list[tuple[int, str]] | None = None) -> ParseResult:
    """The tcp_connect record (``target`` an address, or only ``target_name`` when the paste shows a
    name), or a located warning when the result or the target is not known."""
    if unknown:
        res.not_understood(run, unknown)
    if result is None and (hit := _addr_not_available(run)) is not None:
        result, line = "no_local_port", hit
    if result is None:
        last = next(((n, t) for n, t in reversed(run.nonblank) if not is_noise(t)), run.nonblank[-1] if run.nonblank else (run.line, ""))
        res.warn(run, "connect_result_unknown", last[0], tool=tool, text=last[1].strip()[:80])
        return res
    if not (is_ip(target) or name) or port is None:
        res.warn(run, "connect_target_unknown", line, tool=tool)
        return res
    data: dict[str, object] = {"target": target if is_ip(target) else None, "port": port, "result": result, "tool": tool}
    if name and not is_ip(name):
        data["target_name"] = name
    res.add(run, "tcp_connect", data, line)
    return res


def _hung(run: CommandRun, res: ParseResult, tool: str, started: bool) -> tuple[str | None, int | None]:
    """A connect that hung until ^C / timeout's exit 124: ``timeout`` when the tool showed it was
    connecting and would have said so once connected."""
    line = hang_line(run)
    if line is None or not started:
        return None, None
    return "timeout", line


_BUSYBOX_REMOTE = re.compile(rf"can't connect to remote host \(({IPV4})\)")


def _name_and_port(words: list[str]) -> tuple[str | None, int | None]:
    """``telnet NAME [PORT]``: the host name and the port, when the first argument is a name."""
    positional = [w for w in words if not w.startswith("-")]
    if not positional or not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?", positional[0]):
        return None, None
    port = int(positional[1]) if len(positional) > 1 and positional[1].isdigit() else None
    return positional[0], port


def parse_telnet(run: CommandRun) -> ParseResult:
    res = ParseResult()
    argv = run.argv[1:] if run.argv[:1] == ["busybox"] else run.argv
    target, port = _target_from_args(argv[1:])
    name = None
    if target is None:  # telnet NAME [PORT]: the address comes from Trying or busybox's error line
        name, port = _name_and_port(argv[1:])
    port = port or (23 if target or name else None)
    result, line, trying = None, None, False
    unknown = []
    for n, text in run.nonblank:
        t = text.strip()
        m = re.search(rf"Trying ({IPV4})", t)
        if m:
            target, trying = target or m.group(1), True
            continue
        m = _BUSYBOX_REMOTE.search(t)
        if m:  # busybox: ``telnet: can't connect to remote host (10.96.0.10): Connection refused``
            target = target or m.group(1)
        if re.search(r"^Connected to |^Escape character is", t):
            result, line = result or "connected", line or n
            continue
        found = outcome(t)
        if found and re.search(r"telnet|Unable to connect|can't connect|无法|不能", t, re.IGNORECASE):
            result, line = found, n
            continue
        if result == "connected" or is_noise(t) or t.startswith(("telnet>", "^]", "Connection closed")):
            continue  # what the server sent, and the way out
        unknown.append((n, text))
    if result is None:
        result, line = _hung(run, res, "telnet", trying)
    return emit(run, res, "telnet", target, port, result, line, name=name, unknown=unknown if result is None else None)


_HTTP_STATUS = re.compile(r"^(?:< )?HTTP/[\d.]+ \d{3}\b")


def parse_nc(run: CommandRun) -> ParseResult:
    """nc -zv (OpenBSD, ncat, busybox) lines, and plain nc: what the server sent back (an HTTP
    response to ``printf 'GET / ...' | nc``) proves the connection."""
    res = ParseResult()
    argv = run.argv[1:] if run.argv[:1] == ["busybox"] else run.argv
    target, port = _target_from_args([w for i, w in enumerate(argv[1:]) if not (i > 0 and argv[i] in ("-w", "-i", "-p", "-s", "-q"))])
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
        found = outcome(t)
        if found and (t.startswith(("nc:", "ncat:", "Ncat:", "netcat:")) or "connect to" in t or not _HTTP_STATUS.match(t)):
            result, line = found, n
            break
        if _HTTP_STATUS.match(t):
            result, line = "connected", n  # the server answered the request piped into nc
            break
    if result is None:
        result, line = _hung(run, res, "nc", verbose(argv))
    return emit(run, res, "nc", target, port, result, line)


def _curl_target(argv: list[str]) -> tuple[str | None, str | None, int | None]:
    """(address, name, port) of the URL on a curl command line."""
    for w in argv[1:]:
        # Only a URL or a HOST[:port] names the target: option values (`--connect-timeout 10`) do not.
        if w.startswith("-") or ("://" not in w and not is_ip(w.split(":")[0]) and not re.match(r"^[\w.-]+\.[A-Za-z][\w-]*(:\d+)?(/|$)", w)):
            continue
        url = w if "://" in w else f"http://{w}"
        try:
            parts = urlsplit(url)
            host, port = parts.hostname, parts.port
        except ValueError:
            continue
        if host:
            default = 443 if parts.scheme == "https" else 80
            return (host if is_ip(host) else None), (None if is_ip(host) else host), port or default
    return None, None, None


_METER = re.compile(r"^\s*(?:% Total|Dload\s+Upload|\d+(?:\.\d+)?[kMG]?\s+\d+(?:\.\d+)?[kMG]?\s+\d+\s+\d+(?:\.\d+)?[kMG]?\s)")
_METER_ROW = re.compile(r"^\s*\d+\s+(\d+(?:\.\d+)?[kMG]?)\s+\d+\s+(\d+(?:\.\d+)?[kMG]?)\s")
_VERBOSE = re.compile(r"^(?:\*|>|<|\{ \[|\} \[)(?:\s|$)")
_CURL_ERROR = re.compile(r"curl: \((\d+)\) ?(.*)")
_TRYING = re.compile(r"Trying (\[[0-9A-Fa-f:.]+\]|\d+(?:\.\d+){3})(?::(\d+))?")
"""curl -v's ``Trying 10.0.0.1:80...`` (>= 7.55 with the port), ``Trying 10.0.0.1...`` (older, 7.29 of CentOS 7:
the trailing dots are not part of the address)."""
_CONNECTED = re.compile(r"Connected to (\S+) \(([0-9A-Fa-f:.]+)\) port (\d+)")
_FAILED_TO = re.compile(r"Failed (?:to )?connect to (\S+?)(?: port |:)(\d+)")
_REASON = re.compile(r"\* (?:connect to \S+ port \d+ failed: |Immediate connect fail for \S+: |Failed to connect to .*: )(.*)")
_RESET_AFTER_CONNECT = re.compile(r"^\* (?:Recv|Send) failure: Connection reset by peer")
"""curl -v's line for a connection the peer reset after it was made (``--silent`` hides the closing ``curl: (56)``)."""
_CONNECTED_CODES = {18, 22, 35, 47, 51, 52, 53, 54, 58, 59, 60, 61, 63, 77, 80, 83, 90, 91, 92, 95}
"""curl exit codes that happen after the TCP connection was made (HTTP and TLS errors, empty reply...)."""
_RESOLVE = re.compile(r"Could not resolve host: ?(\S+)|Resolving timed out after")


def _curl_error(code: int, msg: str, connected: bool, reason: str | None, no_local_port: bool = False) -> str | None:
    if code == 7:
        # curl >= 7.88 says "Couldn't connect to server" alone: the -v line's reason, else failed
        return outcome(msg) or reason or ("no_local_port" if no_local_port else "failed")
    if code == 28:
        if re.search(r"Operation timed out after \d+ milliseconds with \d+", msg) or connected:
            return "connected"  # the transfer timed out; the connection was made
        return "timeout"
    if code == 56:
        return "reset" if outcome(msg) == "reset" else "connected"
    if code == 55:
        return "reset" if outcome(msg) == "reset" else "connected"
    if code in _CONNECTED_CODES:
        return "connected"
    return None


def _meter_received(text: str) -> float | None:
    m = _METER_ROW.match(text.split("\r")[-1])
    if not m:
        return None
    value = m.group(2)
    scale = {"k": 1e3, "M": 1e6, "G": 1e9}.get(value[-1], 1)
    return float(value.rstrip("kMG")) * scale


def parse_curl(run: CommandRun) -> ParseResult:
    """curl with or without ``-v``; one or many attempts (a loop's output)."""
    res = ParseResult()
    ip, name, port = _curl_target(run.argv)
    is_verbose = verbose(run.argv)
    writes_out = any(a in ("-w", "--write-out") or a.startswith("--write-out=") for a in run.argv)
    attempts: list[tuple[str, int]] = []
    open_ = False  # the last attempt connected and no error line has ended it yet
    reason, trying, http_status, received = None, False, None, 0.0
    unknown: list[tuple[int, str]] = []
    lookup: tuple[str | None, int] | None = None
    seen_curl = False
    # a loop (or output without its command line) may hold many attempts; one curl makes one
    repeated = not run.argv or bool(re.match(r"^\s*(?:for|while|until)\b", run.command))
    for n, text in run.nonblank:
        # The progress meter (or an HTTP body without a final newline) may precede the error on its line.
        body_part, _, error_part = text.partition("curl: (")
        t = body_part.strip()
        if t and (_METER.match(t) or _meter_received(t) is not None):
            # the meter is redrawn in place: a -v line may follow it on the same line
            cut = t.find("* ")
            received = max(received, _meter_received(t[:cut] if cut > 0 else t) or 0.0)
            t = t[cut:] if cut > 0 else ""
        if m := _TRACE_INFO.match(t):
            t = f"* {m.group(1)}"  # --trace-ascii's form of a -v line
        if t and not run.argv and not seen_curl and re.match(r"^\*\s+Trying ", t) and _TRYING.search(t):
            seen_curl = True  # no command line, but -v's first line is curl's own: a trace pasted alone
        if t and not run.argv and not seen_curl:
            unknown.append((n, text))  # no command line: only what follows curl's own lines is its output
        elif not t or is_noise(t) or re.match(r"^(?:>|\{ \[|\} \[)(?:\s|$)", t) or _TRACE_OTHER.match(t):
            pass
        elif _TRACE_RECEIVED.match(t):
            http_status = http_status or n  # the server sent headers or data: connected
        elif re.match(r"^\*(?:\s|$)", t):
            if m := _TRYING.search(t):
                ip, trying = m.group(1).strip("[]"), True
                port = int(m.group(2)) if m.group(2) else port
            if m := _CONNECTED.search(t):
                name = name or (m.group(1) if not is_ip(m.group(1)) else None)
                ip, port = m.group(2), int(m.group(3))
                if not open_:
                    attempts.append(("connected", n))
                    open_ = True
            if (m := _REASON.search(t)) and not open_:
                reason = outcome(m.group(1)) or reason
            if open_ and _RESET_AFTER_CONNECT.match(t):
                attempts[-1] = ("reset", n)  # connected, then reset
            if m := _FAILED_TO.search(t):
                ip, name = (m.group(1), name) if is_ip(m.group(1)) else (ip, name or m.group(1))
                port = int(m.group(2))
            if m := _RESOLVE.search(t):
                lookup = (m.group(1) or name, n)
        elif re.match(r"^<(?:\s|$)", t):
            http_status = http_status or (n if _HTTP_STATUS.match(t) else None)
        elif (attempts or lookup is not None) and not repeated and not open_:
            unknown.append((n, text))  # one curl ends at its error (a name not resolved too): what follows is not its output
        elif writes_out:
            if re.fullmatch(r"\d{3}", t):  # -w '%{http_code}': 000 is no HTTP answer at all
                attempts.append(("failed" if t == "000" else "connected", n))
            else:
                unknown.append((n, text))  # other -w values (timings): not read
        elif not open_:
            attempts.append(("connected", n))  # curl printed what the server sent
            open_ = True
        if not error_part:
            continue
        seen_curl = True
        m = _CURL_ERROR.match("curl: (" + error_part)
        if not m:
            unknown.append((n, text))
            continue
        code, msg = int(m.group(1)), m.group(2)
        if code == 6 or (found := _RESOLVE.search(msg)):
            found = _RESOLVE.search(msg)
            lookup = ((found.group(1) if found and found.group(1) else None) or name, n)
            open_ = False
            continue
        if f := _FAILED_TO.search(msg):
            ip, name = (f.group(1), name) if is_ip(f.group(1)) else (ip, name or f.group(1))
            port = int(f.group(2))
        result = _curl_error(code, msg, open_, reason, _addr_not_available(run) is not None)
        if result is None and _addr_not_available(run) is not None:
            result = "no_local_port"
        if result is None:
            unknown.append((n, text))
        elif open_:
            if result == "reset":
                attempts[-1] = ("reset", n)  # connected, then reset
        else:
            attempts.append((result, n))
        open_, reason = False, None
    if lookup is not None:
        if lookup[0]:
            res.add(run, "dns_lookup", {"name": lookup[0].rstrip("."), "result": "failed", "answers": []}, lookup[1])
        if not attempts:
            if unknown:
                res.not_understood(run, unknown)
            return res
    if not attempts and http_status is not None:
        attempts.append(("connected", http_status))  # an HTTP status line proves the connection
    if not attempts and received > 0:
        attempts.append(("connected", run.nonblank[-1][0]))  # the progress meter counted bytes received
    result, line = _summary(attempts)
    if result is None and (hang := hang_line(run)) is not None and (trying or not is_verbose):
        result, line = "timeout", hang
        if not is_verbose:
            res.warn(run, "connect_hang_ambiguous", hang, tool="curl")
    return emit(run, res, "curl", ip, port, result, line, name=name, unknown=unknown)


def _summary(attempts: list[tuple[str, int]]) -> tuple[str | None, int | None]:
    """One result for all attempts: their result when they agree, ``intermittent`` when some
    connected and some did not, ``failed`` when they failed in different ways."""
    if not attempts:
        return None, None
    results = {r for r, _ in attempts}
    if len(results) == 1:
        return attempts[0]
    if "connected" in results:
        return "intermittent", attempts[0][1]
    return "failed", attempts[0][1]
