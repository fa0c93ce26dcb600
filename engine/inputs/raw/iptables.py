"""iptables rules: ``iptables-save`` / ``iptables -S``, ``iptables -L -n [-v]`` and ``nft -j list ruleset``.

All forms are read by :mod:`podnet.netfilter` (the same code ``podnet collect`` uses); this
module only turns what it reports into records and located warnings. The record keeps the
dump's text: the firewall observation carries it, and the case's flows are traced through it
(:mod:`podnet.facts.verdicts`).
"""

from __future__ import annotations

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


def _record(res: ParseResult, run: CommandRun, rs: Ruleset, text: str, fmt: str) -> None:
    committed = not any(p.code == "table_not_committed" for p in rs.problems)
    data: dict[str, Any] = {
        "ruleset": rs, "rules": rs.rules, "tables": sorted({t.name for t in rs.tables}), "text": text, "format": fmt,
        "complete": not run.piped and committed, "piped": run.piped,
    }
    res.add(run, "iptables", data, run.nonblank[0][0])


def parse_save(run: CommandRun) -> ParseResult:
    res = ParseResult()
    six = bool(run.argv) and run.argv[0].startswith("ip6tables")
    table = _table_from_argv(run) or ("filter" if run.argv[:1] in (["iptables"], ["ip6tables"]) else None)
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
    _record(res, run, rs, run.text, "ip6tables-save" if rs.family == "ip6" else "iptables-save")
    return res


def parse_list(run: CommandRun) -> ParseResult:
    """``iptables -L -n [-v]`` via jc, read into the same model (fewer matches are known)."""
    res = ParseResult()
    try:
        parsed = quiet_jc("iptables", run.text)
    except Exception as exc:  # noqa: BLE001
        res.warn(run, "iptables_list_not_understood", error=type(exc).__name__)
        return res
    chains = parsed if isinstance(parsed, list) else []
    if not chains:
        res.warn(run, "iptables_list_no_chains")
        return res
    rs = iptables_list.from_jc(chains, _table_from_argv(run) or "filter")
    _record(res, run, rs, run.text, "iptables-list")
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
        if not complete:
            return None
        data.update(kube_services_entry=False, svc_chain=False, sep_dnat=[])
        return data
    data["kube_services_entry"] = True
    data["svc_chain"] = svc.svc_chain_present if complete else (True if svc.svc_chain_present else None)
    data["sep_dnat"] = svc.backends
    if not complete and not (data["svc_chain"] and svc.backends):
        return None  # a grep'd dump that does not show the whole chain proves nothing either way
    return data
