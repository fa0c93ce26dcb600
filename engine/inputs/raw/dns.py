"""Name lookups (dig via jc; nslookup by hand) and /etc/resolv.conf (via jc).

jc's ``dig`` parser returns ``[]`` for a timeout ("connection timed out; no servers could be
reached"), so that case is recognised from the text. jc has no ``nslookup`` parser; nslookup's
output differs between BIND, busybox (old and new) and Windows (also in a Chinese locale), so its
few meaningful lines are matched here.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..model import CommandRun, ParseResult
from ._util import IPV4, is_ip, quiet_jc
from .connect import is_noise

_TIMEOUT = re.compile(r"connection timed out; no servers could be reached|no servers could be reached|DNS request timed out|请求 .*超时|timed out|超时", re.IGNORECASE)
_STATUS = {"NOERROR": "ok", "NXDOMAIN": "nxdomain", "SERVFAIL": "servfail", "REFUSED": "refused"}

_TRANSPORT_ERROR = re.compile(
    r";; (?:communications error to ([0-9a-fA-F:.]+)#\d+|Connection to ([0-9a-fA-F:.]+)#\d+\(\S*\) for \S+ failed): (.+?)\.?$"
)
"""BIND's (dig, nslookup, host) line for a query that got no reply: 9.18 prints ``;; communications error
to 10.96.0.10#53: connection refused`` (or ``timed out``, ``host unreachable``...) for each try, over TCP
``;; Connection to IP#53(IP) for NAME failed: connection refused.``; the closing ``;; no servers could be
reached`` only sums them up."""


def _transport_error(run: CommandRun) -> tuple[int, str, str] | None:
    """(first line, server, result) of the tries BIND reports failed, or None: ``refused`` when every try
    met a connection refused (ICMP port unreachable: nothing listens, or a REJECT), ``timeout`` when every
    try timed out, ``failed`` for unreachable hosts or a mix (the mode is not one)."""
    seen: list[tuple[int, str, str]] = []
    for n, t in run.nonblank:
        m = _TRANSPORT_ERROR.search(t.strip())
        if m:
            why = m.group(3).lower()
            result = "refused" if "refused" in why else "timeout" if "timed out" in why else "failed"
            seen.append((n, m.group(1) or m.group(2), result))
    if not seen:
        return None
    results = {r for _, _, r in seen}
    return seen[0][0], seen[0][1], results.pop() if len(results) == 1 else "failed"


_NSLOOKUP_KNOWN = re.compile(
    r"^(?:Non-authoritative answer:|Authoritative answers can be found from:|非权威应答:|Aliases:|别名:|Default Server:|默认服务器:|"
    r"\S+\s+canonical name = |(?:Address(?:es)?(?: \d+)?|地址):\s+[0-9a-fA-F:.]+|Server:\s+\S+$|服务器:\s+\S+$|"
    r"timeout was \d+ seconds?\.?$|;; Got recursion not available|;; reply from unexpected source: |;; Truncated, retrying in TCP mode\.|\*\*\* Can't find )"
)
"""nslookup lines that carry nothing beyond the server, answers and errors read (IPv6 answers and
names included: the lookup's result comes from the IPv4 answers and the error lines)."""

_NSLOOKUP_RECORD = re.compile(r"^\S+\s+(?:service|mail exchanger|text|nameserver|origin)\s*=\s*\S")
"""An nslookup answer of another type than an address (``_http._tcp.web.default.svc.cluster.local
service = 10 100 80 web.default.svc.cluster.local.``)."""

_DIG_RR = re.compile(r"^\S+\s+\d+\s+(?:IN|CH|HS)\s+[A-Z0-9]+\s+\S")
"""A resource record line of dig's answer/authority/additional sections."""


def _dig_understood(run: CommandRun, res: ParseResult) -> str:
    """dig prints comments (``;``), resource records and, with ``+short``, bare answers: any other
    line (pasted into the output, or cut) is not understood (a located warning) and left out of
    the text given to jc, which would otherwise read nothing."""
    short = "+short" in run.argv
    unknown = [(n, t) for n, t in run.nonblank
               if not (t.lstrip().startswith(";") or _DIG_RR.match(t.strip()) or is_noise(t)
                       or short and (is_ip(t.strip()) or re.fullmatch(r"[\w.-]+\.", t.strip())))]
    if unknown:
        res.not_understood(run, unknown)
    skip = {n for n, _ in unknown}
    return "\n".join(t for n, t in run.output if n not in skip)


_DIG_VALUE_OPTIONS = frozenset({"-p", "-b", "-c", "-f", "-k", "-t", "-y", "-m"})
"""dig options whose value is the next word (a port, a source address...), not the name looked up."""


def _name_and_server(argv: list[str]) -> tuple[str | None, str | None]:
    words: list[str] = []
    skip = False
    for w in argv[1:]:
        if skip:
            skip = False
        elif w in _DIG_VALUE_OPTIONS:
            skip = True
        elif not w.startswith(("-", "+")):
            words.append(w)
    server = next((w[1:] for w in words if w.startswith("@")), None)
    names = [w for w in words if not w.startswith("@") and w.upper() not in ("A", "AAAA", "SRV", "PTR", "CNAME", "MX", "TXT", "NS", "ANY", "IN")]
    name = names[0] if names else None
    if server is None and len(names) > 1 and is_ip(names[1]):
        server = names[1]  # nslookup NAME SERVER
    return name, server


_TCP_OPTIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "dig": (frozenset({"+tcp", "+vc"}), frozenset({"+notcp", "+novc"})),
    "kdig": (frozenset({"+tcp"}), frozenset({"+notcp"})),
    "nslookup": (frozenset({"-vc"}), frozenset({"-novc"})),
    "host": (frozenset({"-T"}), frozenset()),
}
"""Per tool, the options that send the query over TCP, and those that undo them (the last one given wins)."""

_SAYS_TCP = re.compile(r"^;; SERVER: \S+#\d+\(\S*\) \(TCP\)$|^;; From \S+@\d+\(TCP\) in ")
"""The footer line that names the transport: dig 9.18's ``;; SERVER: IP#53(IP) (TCP)``, kdig's
``;; From IP@53(TCP) in 1.9 ms``."""


_DIG_HEADER = re.compile(r"^; <<>> DiG \S+ <<>> (.*)$")
_TRUNCATED = re.compile(r";; Truncated, retrying in TCP mode")


def query_transport(run: CommandRun) -> str | None:
    """``tcp`` when the command line asks for TCP (``dig +tcp``/``+vc``, ``kdig +tcp``, ``nslookup -vc``,
    ``host -T``) or the output's footer says the answer came over TCP; else None (not stated: the
    resolvers' default is UDP, and a truncated UDP answer retried over TCP is still a UDP lookup)."""
    tool = run.argv[0].rsplit("/", 1)[-1] if run.argv else ""
    words = run.argv[1:]
    header = next((m for _, t in run.nonblank if (m := _DIG_HEADER.match(t.strip()))), None)
    if header:
        tool, words = "dig", [*words, *header.group(1).split()]  # dig repeats its options (a paste without the command)
    on, off = _TCP_OPTIONS.get(tool, (frozenset(), frozenset()))
    tcp = False
    for word in words:
        if word in on or tool == "host" and re.fullmatch(r"-[46acdilrsvwCT]*T[46acdilrsvwCT]*", word):  # host -vT
            tcp = True
        elif word in off:
            tcp = False
    if tcp:
        return "tcp"
    lines = [t.strip() for _, t in run.nonblank]
    if any(_SAYS_TCP.match(t) for t in lines) and not any(_TRUNCATED.search(t) for t in lines):
        return "tcp"
    return None


_UNEXPECTED_SOURCE = re.compile(r"reply from unexpected source: ([0-9a-fA-F:.]+)#\d+, expected ([0-9a-fA-F:.]+)#")
"""BIND's (dig, nslookup, host) line for a reply from another address than the one asked, which it drops:
a reply to a Service address that was not translated back (bridge netfilter off, on the backend's node)."""


def _emit(run: CommandRun, res: ParseResult, name: str | None, server: str | None, result: str, answers: list[str], line: int | None) -> ParseResult:
    if not name:
        res.warn(run, "lookup_name_unknown", line)
        return res
    data: dict[str, object] = {"name": name.rstrip("."), "result": result, "answers": answers}
    unexpected = next((m for _, t in run.nonblank if (m := _UNEXPECTED_SOURCE.search(t))), None)
    if unexpected is not None:
        server = server or unexpected.group(2)
        if unexpected.group(1) != server:
            data["unexpected_reply"], data["reply_from"] = True, unexpected.group(1)
    if server and is_ip(server):
        data["server"] = server
    if transport := query_transport(run):
        data["transport"] = transport
    res.add(run, "dns_lookup", data, line)
    return res


_DIG_BANNER = re.compile(r"^; <<>> DiG \S+ <<>> (?P<args>.*)$")
"""The banner each dig query prints first (``; <<>> DiG 9.16.1 <<>> @10.96.0.10 web.default.svc``)."""


def _each_query(run: CommandRun) -> list[CommandRun] | None:
    """A loop's or a multi-query dig's output, one run per banner (its words as the command's), or
    None when the output holds at most one query."""
    starts = [i for i, (_, t) in enumerate(run.output) if _DIG_BANNER.match(t.strip())]
    if len(starts) < 2:
        return None
    runs = []
    for k, i in enumerate(starts):
        part = run.output[i : starts[k + 1] if k + 1 < len(starts) else None]
        m = _DIG_BANNER.match(part[0][1].strip())
        words = ["dig", *(m.group("args").split() if m else [])]
        runs.append(replace(run, line=part[0][0], command=" ".join(words), argv=words, output=part, ended_by_prompt=run.ended_by_prompt or k + 1 < len(starts)))
    return runs


def parse_dig(run: CommandRun) -> ParseResult:
    if (queries := _each_query(run)) is not None:
        res = ParseResult()
        for part in queries:
            one = parse_dig(part)
            res.records += one.records
            res.warnings += one.warnings
        return res
    res = ParseResult()
    text = _dig_understood(run, res)
    name, server = _name_and_server(run.argv)
    line = run.nonblank[0][0] if run.nonblank else run.line
    try:
        parsed = quiet_jc("dig", text)
    except Exception:  # noqa: BLE001 - jc raises on malformed or truncated dig output
        parsed = None
    if isinstance(parsed, list) and parsed and isinstance(parsed[0], dict) and parsed[0].get("status"):
        entry = parsed[0]
        status = str(entry["status"]).upper()
        result = _STATUS.get(status)
        if result is None:
            res.warn(run, "dig_status_unknown", line, status=status)
            return res
        question = entry.get("question") or {}
        name = question.get("name") or name
        m = re.search(rf"SERVER: ({IPV4})#", text)
        server = m.group(1) if m else server
        answers = [a["data"] for a in entry.get("answer") or [] if a.get("type") in ("A", "AAAA") and a.get("data")]
        return _emit(run, res, name, server, result, answers, line)
    if failed := _transport_error(run):
        n, error_server, result = failed
        return _emit(run, res, name, server if server and is_ip(server) else error_server, result, [], n)
    for n, t in run.nonblank:
        if _TIMEOUT.search(t):
            return _emit(run, res, name, server, "timeout", [], n)
        if re.search(r"communications error .*connection refused", t):
            return _emit(run, res, name, server, "refused", [], n)
    if "+short" in run.argv:
        answers = [t.strip() for _, t in run.nonblank if is_ip(t.strip())]
        if answers:
            return _emit(run, res, name, server, "ok", answers, line)
        if not run.nonblank and run.ended_by_prompt:
            # +short prints nothing for NXDOMAIN, an empty answer or SERVFAIL alike: no address, mode unknown
            return _emit(run, res, name, server, "failed", [], run.line)
    for n, t in run.nonblank:
        if m := _UNEXPECTED_SOURCE.search(t):
            # dig drops the reply (not from the address it asked: an un-NATed answer) and gets none other
            return _emit(run, res, name, server or m.group(2), "failed", [], n)
    res.warn(run, "dig_no_status", line)
    return res


_KDIG_STATUS = re.compile(r"^;; ->>HEADER<<- opcode: \w+; status: (\w+);")
_KDIG_FROM = re.compile(r"^;; From ([0-9a-fA-F:.]+)@\d+\((?:UDP|TCP)\) in ")
_KDIG_FAILED_TRY = re.compile(r"^;; WARNING: (response timeout|can't connect|can't send query|connection refused)\b.*? (?:for |to )?([0-9a-fA-F:.]+)@\d+\((?:UDP|TCP)\)")


def parse_kdig(run: CommandRun) -> ParseResult:
    """Knot's ``kdig``: its header (``;; ->>HEADER<<- opcode: QUERY; status: NOERROR; id: N``), dig-like
    resource records and the footer ``;; From IP@53(TCP) in 1.9 ms``; a query without reply prints
    ``;; WARNING: response timeout for IP@53(UDP)`` (``can't connect to`` over TCP) per try and ``;; ERROR:
    failed to query server ...``. jc has no kdig parser (its dig parser expects BIND's header)."""
    res = ParseResult()
    name, server = _name_and_server(run.argv)
    status, answers, tries = None, [], []
    line = run.nonblank[0][0] if run.nonblank else run.line
    for n, text in run.nonblank:
        t = text.strip()
        if m := _KDIG_STATUS.match(t):
            status, line = m.group(1).upper(), n
        elif m := _KDIG_FROM.match(t):
            server = m.group(1)
        elif m := _KDIG_FAILED_TRY.match(t):
            tries.append((n, m.group(2), "timeout" if m.group(1) == "response timeout" else "failed"))
        elif _DIG_RR.match(t):
            parts = t.split()
            if parts[3] in ("A", "AAAA") and is_ip(parts[4]):
                answers.append(parts[4])
        elif "+short" in run.argv and is_ip(t):
            answers.append(t)
    if status is not None:
        result = _STATUS.get(status)
        if result is None:
            res.warn(run, "dig_status_unknown", line, status=status)
            return res
        return _emit(run, res, name, server, result, answers, line)
    if answers:
        return _emit(run, res, name, server, "ok", answers, line)
    if tries:
        results = {r for _, _, r in tries}
        return _emit(run, res, name, server or tries[0][1], results.pop() if len(results) == 1 else "failed", [], tries[0][0])
    res.warn(run, "dig_no_status", line)
    return res


_NSLOOKUP_START = re.compile(r"^(?:Server|服务器):\s")
_NSLOOKUP_ERROR = re.compile(r"^;; |^(?:nslookup: )?can't resolve|^\*\*\* ")


def nslookup_runs(lines: list[str]) -> list[list[str]]:
    """The output of several nslookup runs, one after the other and without their command lines,
    split into one block per run: a run starts at its ``Server:`` line, or at a ``;;`` error line
    (BIND's failed tries) that does not follow another; an ``** server can't find`` line after an
    answer (the AAAA query) stays in its run. Blank lines belong to the run before them."""
    runs: list[list[str]] = []
    previous = ""
    for line in lines:
        t = line.strip()
        starts = bool(_NSLOOKUP_START.match(t)) or (bool(_NSLOOKUP_ERROR.match(t)) and not _NSLOOKUP_ERROR.match(previous))
        if starts or not runs:
            runs.append([])
        runs[-1].append(line)
        if t:
            previous = t
    return runs


def parse_nslookup(run: CommandRun) -> ParseResult:
    res = ParseResult()
    name, server = _name_and_server(run.argv)
    answers: list[str] = []
    result: str | None = None
    line: int | None = None
    in_answer = False
    records: int | None = None
    unknown: list[tuple[int, str]] = []
    failed = _transport_error(run)
    for n, text in run.nonblank:
        t = text.strip()
        if failed and _TRANSPORT_ERROR.search(t):
            continue
        m = re.match(rf"^(?:Server|服务器):\s+({IPV4})$", t)
        if m:
            server = m.group(1)
            continue
        if re.match(r"^(?:Name|名称):\s+", t):
            in_answer = True
            found = re.match(r"^(?:Name|名称):\s+(\S+)", t)
            if found and not name:
                name = found.group(1)
            continue
        m = re.match(rf"^(?:Address(?:es)?(?: \d+)?|地址):\s+({IPV4})", t)
        if m:
            if in_answer:
                answers.append(m.group(1))
            elif server is None:
                server = m.group(1)
            continue
        if in_answer and re.fullmatch(IPV4, t):
            answers.append(t)  # Windows lists further "Addresses:" on indented lines of their own
            continue
        if _NSLOOKUP_RECORD.match(t):
            records = records or n  # an SRV, MX, TXT or NS answer (-q=SRV): the name resolved, no address
            continue
        m = re.search(r"(?:server can't find|找不到) (\S+?):? ?(NXDOMAIN|SERVFAIL|REFUSED|Non-existent domain|Server failed|Query refused)", t)
        if m:
            name = name or m.group(1)
            kind = m.group(2)
            result = {"Non-existent domain": "NXDOMAIN", "Server failed": "SERVFAIL", "Query refused": "REFUSED"}.get(kind, kind)
            line = n
            continue
        if m := re.search(r"can't resolve '([^']*)'(?::\s*(.*))?", t):
            if m.group(1) == "(null)":
                continue  # old busybox: the server's own name, not the one looked up
            name = name or m.group(1)
            why = m.group(2) or ""
            # musl/busybox: "Name does not resolve" is a negative answer, "Try again" no answer
            result = result or ("NXDOMAIN" if "does not resolve" in why or "not known" in why else "FAILED")
            line = line or n
            continue
        if re.search(r"can't find", t, re.IGNORECASE):
            result, line = result or "FAILED", n
            continue
        if _TIMEOUT.search(t):
            result, line = "TIMEOUT", n
        elif re.search(r"Connection refused|connection refused", t):
            result, line = result or "REFUSED", n
        elif not (_NSLOOKUP_KNOWN.match(t) or is_noise(t)):
            unknown.append((n, text))
    if unknown:
        res.not_understood(run, unknown)
    if answers:
        # A NXDOMAIN next to answers is the AAAA (or search-list) query failing: the name resolved.
        return _emit(run, res, name, server, "ok", answers, line or (run.nonblank[0][0] if run.nonblank else None))
    if records is not None and result is None:
        return _emit(run, res, name, server, "ok", [], records)
    if failed and result in (None, "TIMEOUT", "REFUSED"):
        # the tries' own errors say more than the closing "no servers could be reached"
        n, error_server, transport = failed
        return _emit(run, res, name, server or error_server, transport, [], n)
    if result is None:
        res.warn(run, "nslookup_no_result", run.nonblank[-1][0] if run.nonblank else None)
        return res
    return _emit(run, res, name, server, {"TIMEOUT": "timeout", "FAILED": "failed"}.get(result) or _STATUS.get(result, "servfail"), [], line)


_RESOLV_KEY = re.compile(r"^\s*(nameserver|search|domain|options|sortlist)(?:\s+(\S+))?")


def resolv_files(output: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """The resolv.conf files one paste shows (the node's and the Pod's, pasted one after the other):
    a stretch after a blank line starts a new file when it repeats the search list (``search`` or
    ``domain``) or the ``options`` of the file before, which already names a nameserver; else it goes
    on with that file (a trailing comment block such as Docker's ``# Based on host file: ...`` does)."""
    stretches: list[list[tuple[int, str]]] = [[]]
    for n, text in output:
        if not text.strip():
            if stretches[-1]:
                stretches.append([])
            continue
        stretches[-1].append((n, text))
    keys = lambda lines: {m.group(1) if m.group(1) != "domain" else "search" for _, t in lines if (m := _RESOLV_KEY.match(t))}  # noqa: E731
    files: list[list[tuple[int, str]]] = []
    for stretch in (s for s in stretches if s):
        if files and "nameserver" in keys(files[-1]) and keys(stretch) & keys(files[-1]) & {"search", "options"}:
            files.append(list(stretch))
        elif files:
            files[-1].extend(stretch)
        else:
            files.append(list(stretch))
    return files


def parse_resolv_conf(run: CommandRun) -> ParseResult:
    """/etc/resolv.conf via jc ``resolve_conf``, each file of the paste (:func:`resolv_files`) on its own;
    a nameserver listed twice is one server, and a ``nameserver`` line without an address is warned."""
    res = ParseResult()
    for lines in resolv_files(run.output):
        _one_resolv_conf(run, lines, res)
    if not res.records and not res.warnings:
        res.warn(run, "resolv_conf_empty")
    return res


def _one_resolv_conf(run: CommandRun, lines: list[tuple[int, str]], res: ParseResult) -> None:
    try:
        parsed = quiet_jc("resolve_conf", "\n".join(t for _, t in lines))
    except Exception as exc:  # noqa: BLE001
        res.warn(run, "resolv_conf_error", lines[0][0], error=str(exc))
        return
    if not isinstance(parsed, dict):
        res.warn(run, "resolv_conf_not_understood", lines[0][0])
        return
    # a link-local server's zone (fe80::1%eth0) is not part of its address
    nameservers = list(dict.fromkeys(ns.split("%", 1)[0] for ns in parsed.get("nameservers") or [] if is_ip(str(ns).split("%", 1)[0])))
    bad = [(n, t) for n, t in lines if (m := _RESOLV_KEY.match(t)) and m.group(1) == "nameserver" and not is_ip(str(m.group(2)).split("%", 1)[0])]
    if bad:
        res.not_understood(run, bad)  # `nameserver #`, `nameserver updated`: no server
    # a "domain" line is the search list when no "search" line gives one (resolv.conf(5))
    search = list(parsed.get("search") or ([parsed["domain"]] if parsed.get("domain") else []))
    if not nameservers and not search:
        res.warn(run, "resolv_conf_empty", lines[0][0])
        return
    data: dict[str, object] = {"nameservers": nameservers, "search": search}
    for opt in parsed.get("options") or []:
        m = re.match(r"ndots:(\d+)$", str(opt))
        if m:
            data["ndots"] = min(int(m.group(1)), 15)
    res.add(run, "pod_dns_config", data, lines[0][0])
