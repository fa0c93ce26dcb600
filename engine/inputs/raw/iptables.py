"""iptables rules: ``iptables-save`` / ``iptables -S``, ``iptables -L -n [-v]`` and ``nft -j list ruleset``.

All forms are read by :mod:`podnet.netfilter` (the same code ``podnet collect`` uses); this
module only turns what it reports into records and located warnings. The record keeps the
dump's text: the firewall observation carries it, and the case's flows are traced through it
(:mod:`podnet.facts.verdicts`).
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from ...netfilter import iptables_list, iptables_save, nft
from ...netfilter.model import Ruleset
from ...netfilter.services import service_rules as kube_service_rules
from ..model import CommandRun, ParseResult
from ._util import quiet_jc

_UNREAD = ("line_unknown", "rule_not_split", "target_missing")


def _table_from_argv(run: CommandRun) -> str | None:
    for i, w in enumerate(run.argv):
        if w in ("-t", "--table") and i + 1 < len(run.argv):
            return run.argv[i + 1]
    return None


def _not_evaluated(res: ParseResult, run: CommandRun, rs: Ruleset) -> None:
    """One located warning for the rules whose matches the tracer cannot evaluate."""
    found = rs.not_evaluated()
    if found:
        names = list(dict.fromkeys(str(m.value) if m.value else m.text.split(" ")[0] for _, m in found))
        res.warn(run, "iptables_matches_not_evaluated", found[0][0].line, count=len({id(r) for r, _ in found}),
                 matches=", ".join(names[:4]) + (", ..." if len(names) > 4 else ""))


_NAT_TARGETS = re.compile(r"(?:^|\s)(?:-j\s+)?(?:DNAT|SNAT|MASQUERADE|KUBE-MARK-MASQ)(?:\s|$)")
_NAT_CHAINS = re.compile(r"^-[AI]\s+(?:KUBE-SEP-|KUBE-SVC-|KUBE-NODEPORTS|KUBE-POSTROUTING|KUBE-MARK-MASQ)\b")
_FILTER_TARGETS = re.compile(r"(?:^|\s)(?:-j\s+)?(?:REJECT|DROP)(?:\s|$)")


def fragment_table(lines: list[str]) -> str | None:
    """The table of rules pasted without their ``*table`` line or ``Chain`` heading: ``nat`` when
    they DNAT/SNAT/masquerade or are kube-proxy's nat chains (and never REJECT or DROP, which only
    filter does), else None (read as filter, iptables' own default)."""
    nat = any(_NAT_TARGETS.search(t) or _NAT_CHAINS.match(t.strip()) for t in lines)
    return "nat" if nat and not any(_FILTER_TARGETS.search(t) for t in lines) else None


def _headerless(run: CommandRun) -> bool:
    """Rules pasted without a table (no ``*table`` line, no ``-t``/``-S`` on a command line): a fragment."""
    return not run.argv and not any(t.strip().startswith("*") for _, t in run.nonblank)


def _record(res: ParseResult, run: CommandRun, rs: Ruleset, text: str, fmt: str, fragment: bool = False) -> None:
    """The rules of one dump; a ``fragment`` (rows without their table or chain heading) counts as
    filtered output, like a grep'd dump: what it shows is read, what it lacks proves nothing."""
    committed = not any(p.code == "table_not_committed" for p in rs.problems)
    piped = run.piped or fragment
    data: dict[str, Any] = {
        "ruleset": rs, "rules": rs.rules, "tables": sorted({t.name for t in rs.tables}), "text": text, "format": fmt,
        "complete": not piped and committed, "piped": piped,
        "kept": kept_by_grep(run.command) if run.piped and not fragment else None,
    }
    res.add(run, "iptables", data, run.nonblank[0][0])


def kept_by_grep(command: str | None) -> list[str] | None:
    """The patterns of a pipeline that only keeps lines (``| grep -e A -e B``, ``| grep A``): every
    line matching one of them is in the output. None when a stage may drop matching lines too
    (``-v``, ``-m``, ``head``...) or the pipeline is not read."""
    if not command or "|" not in command:
        return None
    patterns: list[str] = []
    for stage in command.split("|")[1:]:
        try:
            words = shlex.split(stage.strip())
        except ValueError:
            return None
        if not words or words[0] not in ("grep", "egrep"):
            return None
        rest, i = words[1:], 0
        stage_patterns: list[str] = []
        while i < len(rest):
            w = rest[i]
            if w in ("-e", "--regexp") and i + 1 < len(rest):
                stage_patterns.append(rest[i + 1])
                i += 2
                continue
            if w.startswith("-") and (set(w[1:]) & set("vmocAB") or w.startswith("--") and w not in ("--extended-regexp", "--fixed-strings", "--ignore-case")):
                return None
            if not w.startswith("-") and not stage_patterns:
                stage_patterns.append(w)
            i += 1
        if not stage_patterns or patterns:
            return None  # one filtering stage only: a second would drop lines the first kept
        patterns = stage_patterns
    return patterns or None


_VERSION = re.compile(r"^ip6?tables v[\d.]+ \((?P<mode>legacy|nf_tables)\)\s*$")
_COUNT_RULES = re.compile(r"ip6?tables-(?P<mode>legacy|nft)-save\b[^|]*\|\s*grep\s+-c\b")


def parse_backend(run: CommandRun) -> ParseResult:
    """``iptables -V`` (``iptables v1.8.9 (nf_tables)``): the backend of the host, or of the container
    it ran in (kube-proxy, the CNI's Pod, by the Pod's name)."""
    res = ParseResult()
    for n, text in run.nonblank:
        m = _VERSION.match(text.strip())
        if m:
            pod = (run.host.name or "") if run.host and run.host.kind == "pod" else ""
            field = "kube_proxy_backend" if "kube-proxy" in pod else "cni_backend" if pod else "host_backend"
            res.add(run, "iptables_backend", {field: m.group("mode")}, n)
            return res
    res.not_understood(run, list(run.nonblank))
    return res


def _rule_count(run: CommandRun) -> ParseResult | None:
    """``iptables-legacy-save | grep -c '^-A'``: the rules one backend holds (podnet's backend check)."""
    m = _COUNT_RULES.search(run.command or "")
    lines = run.nonblank
    if m is None or len(lines) != 1 or not lines[0][1].strip().isdigit():
        return None
    res = ParseResult()
    res.add(run, "iptables_backend", {f"{m.group('mode')}_rules": int(lines[0][1].strip())}, lines[0][0])
    return res


def parse_save(run: CommandRun) -> ParseResult:
    counted = _rule_count(run)
    if counted is not None:
        return counted
    res = ParseResult()
    six = bool(run.argv) and run.argv[0].startswith("ip6tables")
    fragment = _headerless(run)
    table = _table_from_argv(run) or ("filter" if run.argv[:1] in (["iptables"], ["ip6tables"]) else None)
    if fragment:
        table = fragment_table([t for _, t in run.nonblank])
    rs = iptables_save.parse_lines(run.nonblank, family="ip6" if six else None, table=table)
    unread = [p for p in rs.problems if p.code in _UNREAD]
    if not rs.rules and not any(t.chains for t in rs.tables):
        res.warn(run, "iptables_no_rules")
        return res
    if unread:
        # one located warning per stretch of lines not read as rules (the "..." a reporter put for a
        # cut, a line pasted into the dump), in the iptables wording; their text from the paste
        text = dict(run.nonblank)
        res.not_understood(run, [(p.line, text.get(p.line, p.detail)) for p in unread if p.line is not None],
                           code="iptables_lines_not_understood")
    for p in rs.problems:
        if p.code == "table_not_committed":
            res.warn(run, "iptables_not_committed", run.nonblank[-1][0], table=p.detail)
        elif p.code == "legacy_tables_present":
            res.warn(run, "iptables_legacy_tables", p.line)
    _not_evaluated(res, run, rs)
    _record(res, run, rs, run.text, "ip6tables-save" if rs.family == "ip6" else "iptables-save", fragment)
    return res


_LIST_ROW_V = re.compile(r"^\s*\d+[KMG]?\s+\d+[KMG]?\s+\S+\s+(?:all|tcp|udp|icmp|sctp|\d+)\s")
"""A row of ``iptables -L -v``: packet and byte counters first."""


def parse_list(run: CommandRun) -> ParseResult:
    """``iptables -L -n [-v]`` via jc, read into the same model (fewer matches are known)."""
    res = ParseResult()
    text = run.text
    rows = [t for _, t in run.nonblank if not t.lstrip().startswith("#")]
    first_chain = next((i for i, t in enumerate(rows) if t.startswith("Chain ")), None)
    if first_chain and not _LIST_ROW_V.match(rows[0]) and not re.match(r"\s*(?:pkts|target)\s", rows[0]):
        # a stray line (a prompt or prose pasted with the output) before the first chain: left out, located
        stray = {t for t in rows[:first_chain]}
        res.not_understood(run, [(n, t) for n, t in run.nonblank if t in stray])
        rows = rows[first_chain:]
        text = "\n".join(rows) + "\n"
    fragment = bool(rows) and not rows[0].startswith("Chain ")
    if fragment:
        # rows without their `Chain NAME` heading (`iptables -L -v | grep ...`): one chain whose name is not shown
        header = " pkts bytes target     prot opt in     out     source               destination" if _LIST_ROW_V.match(rows[0]) else \
            "target     prot opt source               destination"
        text = "Chain ? (0 references)\n" + ("" if re.match(r"\s*(?:pkts|target)\s", rows[0]) else header + "\n") + "\n".join(rows) + "\n"
    try:
        parsed = quiet_jc("iptables", text)
    except Exception as exc:  # noqa: BLE001
        res.warn(run, "iptables_list_not_understood", error=type(exc).__name__)
        return res
    chains = parsed if isinstance(parsed, list) else []
    if not chains:
        res.warn(run, "iptables_list_no_chains")
        return res
    table = _table_from_argv(run) or (fragment_table(rows) if fragment and not run.argv else None) or "filter"
    rs = iptables_list.from_jc(chains, table)
    _record(res, run, rs, run.text, "iptables-list", fragment)
    return res


def parse_nft(run: CommandRun) -> ParseResult:
    """``nft -j list ruleset``; the text form gets a warning asking for ``-j``."""
    res = ParseResult()
    rs = nft.parse(run.text)
    for p in rs.problems:
        if p.code == "nft_text_not_supported":
            res.warn(run, "nft_text_not_supported", run.nonblank[0][0] if run.nonblank else None)
            return res
        if p.code == "nft_json_not_understood":
            res.warn(run, "nft_json_not_understood", error=p.detail)
            return res
    _record(res, run, rs, run.text, "nft-json")
    return res


def service_rules(found: dict[str, Any], ip: str, port: int | None) -> dict[str, Any] | None:
    """kube-proxy's chain for a ClusterIP: KUBE-SERVICES entry -> KUBE-SVC-* -> KUBE-SEP-* DNAT.

    None when the dump does not hold the nat table (nothing can be said). When the output was
    piped through grep, only what is present counts: missing pieces stay unknown (None).
    """
    if "nat" not in found["tables"]:
        return None
    complete = found["complete"]
    svc = kube_service_rules(found["ruleset"], ip, port)
    assert svc is not None
    first = svc.entry or svc.reject
    data: dict[str, Any] = {"mode": "iptables", "service_ip": ip, "line": first.line if first else None}
    if port is not None:
        data["port"] = port
    if svc.entry is None:
        # kube-proxy's entry names the ClusterIP (-d IP/32): a grep that keeps every line with the IP
        # (podnet's own `iptables -S -t nat | grep -e IP -e KUBE-SEP`) would show it
        kept = found.get("kept") or []
        if not complete and not any(k.replace("\\.", ".") == ip for k in kept):
            return None
        data.update(kube_services_entry=False, svc_chain=False, sep_dnat=[])
        return data
    data["kube_services_entry"] = True
    data["svc_chain"] = svc.svc_chain_present if complete else (True if svc.svc_chain_present else None)
    data["sep_dnat"] = svc.backends
    if not complete and not (data["svc_chain"] and svc.backends):
        return None  # a grep'd dump that does not show the whole chain proves nothing either way
    return data
