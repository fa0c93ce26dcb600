"""bash's ``/dev/tcp/HOST/PORT`` redirection (``echo > /dev/tcp/10.0.0.1/80``, ``timeout 3 bash -c
'</dev/tcp/HOST/PORT'``, ``(...) && echo open || echo closed``) -> ``tcp_connect``.

No tool prints this: bash itself says ``bash: connect: <reason>`` and ``bash: /dev/tcp/H/P:
<reason>`` when the connect fails, and nothing when it succeeds. So the reading needs to know the
command finished: a following prompt with no error, ``exit=0`` (``; echo exit=$?``), or the word
the command line echoes on success (``&& echo open``). A connect stopped by ``^C`` ("Interrupted
system call") or by ``timeout`` (exit 124) timed out; bash's resolver error (``bash: NAME: Name or
service not known``) is a failed lookup, not a connection result. jc has no parser for it.
"""

from __future__ import annotations

import re

from ..model import CommandRun, ParseResult
from ._util import is_ip
from .connect import emit, exit_status, hang_line, is_noise, outcome

_TARGET = re.compile(r"/dev/tcp/([^/\s'\"]+)/(\d+)")
_BASH = re.compile(r"^(?:\^C)?(?:-?bash|sh)(?:: line \d+)?: (.*)$")


def parse(run: CommandRun) -> ParseResult:
    res = ParseResult()
    m = _TARGET.search(run.command)
    host, port = (m.group(1), int(m.group(2))) if m else (None, None)
    on_success = re.search(r"&&\s*echo\s+['\"]?([^'\"|;&]+?)['\"]?\s*(?:\|\||;|$)", run.command)
    on_failure = re.search(r"\|\|\s*echo\s+['\"]?([^'\"|;&]+?)['\"]?\s*(?:;|$)", run.command)
    result, line = None, None
    unknown: list[tuple[int, str]] = []
    for n, text in run.nonblank:
        t = text.strip()
        if b := _BASH.match(t):
            msg = b.group(1)
            if "Interrupted system call" in msg:
                result, line = result or "timeout", line or n
            elif re.search(r"Name or service not known|Temporary failure in name resolution|No address associated", msg):
                name = msg.split(":")[0].strip()
                mode = "nxdomain" if "not known" in msg or "No address" in msg else "failed"
                if not any(r.type == "dns_lookup" for r in res.records):
                    res.add(run, "dns_lookup", {"name": name, "result": mode, "answers": []}, n)
                result = "lookup_failed"
            elif (found := outcome(msg)) and result in (None, "failed"):
                result, line = found, n
            elif "Invalid argument" in msg and result == "lookup_failed":
                pass
            elif msg.startswith(("connect:", "/dev/tcp/")) and result is None:
                result, line = "failed", n
            elif result is None:
                unknown.append((n, text))
            continue
        if on_success and t == on_success.group(1).strip():
            result, line = result or "connected", line or n
            continue
        if on_failure and t == on_failure.group(1).strip():
            result, line = result or "failed", line or n
            continue
        if not is_noise(t):
            unknown.append((n, text))
    if result == "lookup_failed":
        if unknown:
            res.not_understood(run, unknown)
        return res
    code, code_line = exit_status(run)
    if result is None and (hang := hang_line(run)) is not None:
        result, line = "timeout", hang
    elif result is None and code == 0:
        result, line = "connected", code_line
    elif result is None and code is None and run.ended_by_prompt and not unknown and not run.interrupted:
        # bash says nothing when the connect succeeds; the next prompt shows the command finished
        result, line = "connected", run.line
    return emit(run, res, "bash /dev/tcp", host if is_ip(host) else None, port, result, line,
                name=None if is_ip(host) else host, unknown=unknown)
