"""The firewall, kube-proxy's Service chains and IPVS, read with ``iptables-save``, ``nft`` and ``ipvsadm``.

The commands run in the vantage point's namespace and their output is read by the parsers pasted
output goes through (:mod:`podnet.inputs.raw.iptables`, :mod:`podnet.inputs.raw.ipvs`): the
``iptables`` and ``ipvs`` records, with the parsers' located warnings (``iptables-save:7: the
filter table has no COMMIT line ...``). The ingest assembly makes the ``service_rules`` and
``firewall`` observations of them, as it does for a pasted dump; the case's flows are traced when
the facts are read (:mod:`podnet.facts.verdicts`).
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from ..facts.firewall import max_ruleset
from .base import Context, Unobservable, run_tool, tool

if TYPE_CHECKING:
    from ..inputs.model import IngestWarning, Record

KINDS = ("service_rules", "firewall")


def iptables_save(ctx: Context, timeout: float) -> tuple[list[Record], list[IngestWarning]]:
    """The vantage point's whole dump (``iptables-save``: nat and filter traced together); when it
    holds no rule, the nftables ruleset (``nft -j list ruleset``, kube-proxy's nftables mode)."""
    proc = run_tool([tool("iptables-save", KINDS)], KINDS, timeout=timeout)
    if proc.returncode != 0:
        msg = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
        raise Unobservable(KINDS, "iptables_save_failed", table="filter", error=msg)
    if len(proc.stdout) > max_ruleset():
        raise Unobservable(("firewall",), "ruleset_too_large", size=str(len(proc.stdout)), limit=str(max_ruleset()))
    res = ctx.read("iptables_save", "iptables-save", proc.stdout)
    if not any(r.data["rules"] for r in res.records):
        native = _native_nft(ctx, timeout)
        if native:
            return native, []
        if not any(line.strip() and not line.startswith("#") for line in proc.stdout.splitlines()):
            return [], []  # no table at all (a Pod's namespace without rules): nothing to warn about
    return res.records, res.warnings


def _native_nft(ctx: Context, timeout: float) -> list[Record]:
    """The records of ``nft -j list ruleset`` when it has rules; none without nft or rules."""
    try:
        cmd = [tool("nft", KINDS), "-j", "list", "ruleset"]
        proc = run_tool(cmd, KINDS, timeout=timeout)
    except Unobservable:
        return []
    if proc.returncode != 0:
        return []
    return [r for r in ctx.read("nft", shlex.join(["nft", *cmd[1:]]), proc.stdout).records if r.data["rules"]]


def ipvs_rules(ctx: Context, timeout: float) -> list[Record]:
    """kube-proxy's ipvs mode: every virtual server and its real servers (``ipvsadm -Ln``)."""
    proc = run_tool([tool("ipvsadm", "service_rules"), "-Ln"], "service_rules", timeout=timeout)
    if proc.returncode != 0:
        raise Unobservable("service_rules", "ipvsadm_failed", error=str(proc.stderr.strip() or proc.returncode))
    return ctx.read("ipvsadm", "ipvsadm -Ln", proc.stdout).records
