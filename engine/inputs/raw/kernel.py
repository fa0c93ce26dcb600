"""Kernel settings and counters: ``sysctl`` (jc), ``cat /proc/sys/...``, ``conntrack -C/-S``, ``getenforce``,
``ausearch -m avc`` (SELinux denials; jc has no audit-log parser: an AVC record is one ``type=AVC`` line
with ``avc:  denied``)."""

from __future__ import annotations

import re

from ..model import CommandRun, ParseResult
from ._util import quiet_jc

RELEVANT_SYSCTLS = (
    "net.ipv4.ip_forward",
    "net.ipv4.conf.all.rp_filter",
    "net.ipv4.conf.default.rp_filter",
    "net.bridge.bridge-nf-call-iptables",
    "net.ipv4.ip_local_port_range",
    "net.netfilter.nf_conntrack_max",
    "net.netfilter.nf_conntrack_count",
    "net.nf_conntrack_max",
)


def _settings(run: CommandRun, res: ParseResult, values: dict[str, str]) -> ParseResult:
    lines = {}
    for n, t in run.nonblank:
        m = re.match(r"^\s*([\w./-]+)\s*=", t)
        if m:
            lines[m.group(1)] = n
    found = False
    for name, value in values.items():
        name = name.replace("/", ".")
        if name in RELEVANT_SYSCTLS or re.match(r"net\.ipv4\.conf\.[\w.-]+\.rp_filter$", name):
            res.add(run, "sysctl", {"name": name, "value": str(value).strip()}, lines.get(name))
            found = True
    if not found:
        res.warn(run, "sysctl_nothing_used")
    return res


def parse_sysctl(run: CommandRun) -> ParseResult:
    res = ParseResult()
    try:
        parsed = quiet_jc("sysctl", run.text)
    except Exception as exc:  # noqa: BLE001
        res.warn(run, "sysctl_not_understood", error=type(exc).__name__)
        return res
    return _settings(run, res, {k: str(v) for k, v in (parsed or {}).items()} if isinstance(parsed, dict) else {})


def parse_proc_sys(run: CommandRun) -> ParseResult:
    """``cat /proc/sys/net/ipv4/ip_forward``: the name is the path, the value the output; several
    one-line files (``cat .../nf_conntrack_count .../nf_conntrack_max``) give one line each, in order."""
    res = ParseResult()
    paths = [a for a in run.argv[1:] if a.startswith("/proc/sys/")]
    lines = run.nonblank
    if not paths or len(lines) != len(paths) or len(paths) != len(run.argv) - 1:
        res.warn(run, "proc_sys_needs_path")
        return res
    return _settings(run, res, {p.removeprefix("/proc/sys/").replace("/", "."): " ".join(t.split()) for p, (_, t) in zip(paths, lines)})


def parse_conntrack(run: CommandRun) -> ParseResult:
    """``conntrack -C`` (count) or ``conntrack -S`` (per-CPU stats: drops/insert_failed)."""
    res = ParseResult()
    lines = run.nonblank
    if "-C" in run.argv or "--count" in run.argv:
        if lines and lines[0][1].strip().isdigit():
            res.add(run, "counters", {"conntrack_count": int(lines[0][1].strip())}, lines[0][0])
        else:
            res.warn(run, "conntrack_count_not_number")
        return res
    if ("-L" in run.argv or "--dump" in run.argv) and re.search(r"\|\s*wc\s+-l\s*$", run.command or ""):
        # podnet's SNAT check: `conntrack -L --src-nat | wc -l`, the source-NATed connections
        if len(lines) == 1 and lines[0][1].strip().isdigit() and any(a in ("--src-nat", "-n") for a in run.argv):
            res.add(run, "snat_count", {"connections": int(lines[0][1].strip())}, lines[0][0])
        else:
            res.not_understood(run, list(lines))
        return res
    stats = _conntrack_stats(run)
    if stats is not None:
        res.add(run, "conntrack_stats", stats, run.nonblank[0][0])
        return res
    res.warn(run, "conntrack_only_count")
    return res


_CPU_ROW = re.compile(r"^cpu=(\d+)\s+(.*)$")


def _conntrack_stats(run: CommandRun) -> dict[str, int] | None:
    """``conntrack -S``: per-CPU ``key=value`` rows summed (jc's ``conntrack`` parser returns [] for
    them). ``insert_failed`` is the UDP insertion race, ``drop``/``early_drop`` a full table."""
    sums: dict[str, int] = {}
    cpus = 0
    for _, text in run.nonblank:
        m = _CPU_ROW.match(text.strip())
        if not m:
            continue
        cpus += 1
        for key, value in re.findall(r"(\w+)=(\d+)", m.group(2)):
            sums[key] = sums.get(key, 0) + int(value)
    if not cpus and run.piped and run.nonblank and all(re.fullmatch(r"insert_failed=\d+", t.strip()) for _, t in run.nonblank):
        # `conntrack -S | grep -o 'insert_failed=[0-9]*'` (podnet's SNAT check): one line per CPU
        return {"insert_failed": sum(int(t.strip().partition("=")[2]) for _, t in run.nonblank), "cpus": len(run.nonblank)}
    if not cpus:
        return None
    return {**{k: sums[k] for k in ("insert_failed", "drop", "early_drop", "search_restart", "invalid", "found", "error") if k in sums}, "cpus": cpus}


def parse_getenforce(run: CommandRun) -> ParseResult:
    res = ParseResult()
    lines = run.nonblank
    mode = lines[0][1].strip().lower() if lines else ""
    if mode in ("enforcing", "permissive", "disabled"):
        res.add(run, "selinux", {"mode": mode}, lines[0][0])
    else:
        res.warn(run, "getenforce_unknown", mode=mode)
    return res


_AVC_DENIED = re.compile(r"^type=AVC\b.*\bavc:\s+denied\b")


def parse_ausearch(run: CommandRun) -> ParseResult:
    """``ausearch -m avc``: how many enforced AVC denials it lists (``<no matches>`` is none; a
    denial logged with ``permissive=1`` was not enforced and does not count)."""
    res = ParseResult()
    lines = run.nonblank
    if any(text.strip() == "<no matches>" for _, text in lines):
        res.add(run, "selinux_avc", {"denials": 0}, lines[0][0])
        return res
    denied = [n for n, text in lines if _AVC_DENIED.search(text.strip()) and "permissive=1" not in text]
    logged = any(_AVC_DENIED.search(text.strip()) for _, text in lines)
    if denied or logged:
        res.add(run, "selinux_avc", {"denials": len(denied)}, denied[0] if denied else lines[0][0])
    elif lines:
        res.warn(run, "ausearch_unknown", lines[0][0])
    return res


_HAIRPIN_LINE = re.compile(r"^(?:/sys/(?:class|devices/virtual)/net/(?P<bridge>[^/\s]+)/brif/(?P<port>[^/\s]+)/hairpin_mode)?[:\s]*(?P<value>[01])$")


def parse_hairpin_mode(run: CommandRun) -> ParseResult:
    """Bridge ports' ``hairpin_mode`` from sysfs: ``grep -H . /sys/class/net/*/brif/*/hairpin_mode``,
    a loop printing ``PATH VALUE``, or ``cat`` of one file (its path on the command line). One
    ``bridge_port`` record per bridge: hairpin off when any of its ports reads 0 (the kubelet or
    the CNI sets all of a node's Pod ports alike), naming the first such port."""
    res = ParseResult()
    path = next((a for a in run.argv if "/brif/" in a and "*" not in a), None)
    ports: dict[str, list[tuple[int, str, bool]]] = {}
    unknown = []
    for n, text in run.nonblank:
        m = _HAIRPIN_LINE.match(text.strip())
        if m is None:
            unknown.append((n, text))
            continue
        bridge, port = m.group("bridge"), m.group("port")
        if bridge is None and path is not None:
            parts = path.split("/")
            bridge, port = parts[parts.index("brif") - 1], parts[parts.index("brif") + 1]
        if bridge is None:
            unknown.append((n, text))
            continue
        ports.setdefault(bridge, []).append((n, port or "", m.group("value") == "1"))
    if unknown:
        res.not_understood(run, unknown)
    for bridge, rows in ports.items():
        off = [r for r in rows if not r[2]]
        n, port, _ = off[0] if off else rows[0]
        res.add(run, "bridge_port", {"bridge": bridge, "interface": port if off else None, "hairpin": not off}, n)
    return res
