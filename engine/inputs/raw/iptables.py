"""iptables rules: ``iptables-save`` / ``iptables -S`` (by hand) and ``iptables -L -n`` (jc).

jc has no parser for the ``iptables-save``/``-S`` form, which is what shows kube-proxy's chains
(``-A KUBE-SERVICES -d 10.233.0.100/32 -p tcp --dport 5000 -j KUBE-SVC-...``); each rule is one
shell-quoted line, split here as shlex would (:func:`~podnet.inputs.commands.shell_words`). ``iptables -L -n -v`` goes through jc.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from ..commands import shell_words
from ..model import CommandRun, ParseResult
from ._util import quiet_jc


@dataclass
class Rule:
    table: str
    chain: str
    text: str
    line: int | None
    target: str | None = None
    proto: str | None = None
    src: str | None = None
    dst: str | None = None
    dport: int | None = None
    to_destination: str | None = None
    comment: str | None = None
    negated: set[str] = field(default_factory=set)
    matches: list[str] = field(default_factory=list)


def _parse_rule(table: str, words: list[str], text: str, line: int | None) -> Rule:
    rule = Rule(table, words[1], text, line)
    i, negate = 2, False
    while i < len(words):
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else None
        if w == "!":
            negate = True
            i += 1
            continue
        key = {"-p": "proto", "--protocol": "proto", "-s": "src", "--source": "src", "-d": "dst", "--destination": "dst"}.get(w)
        if key and nxt is not None:
            setattr(rule, key, nxt)
            if negate:
                rule.negated.add(key)
            i += 2
        elif w in ("--dport", "--destination-port") and nxt is not None:
            rule.dport = int(nxt) if nxt.isdigit() else None
            if negate:
                rule.negated.add("dport")
            i += 2
        elif w in ("-j", "--jump", "-g", "--goto") and nxt is not None:
            rule.target = nxt
            i += 2
        elif w == "--to-destination" and nxt is not None:
            rule.to_destination = nxt
            i += 2
        elif w == "--comment" and nxt is not None:
            rule.comment = nxt
            i += 2
        elif w == "-m" and nxt is not None:
            rule.matches.append(nxt)
            i += 2
        elif w in ("--ctstate", "--state") and nxt is not None:
            rule.matches.append(w)
            rule.matches.append(f"state:{nxt}")
            i += 2
        else:
            if w in ("--mark", "-i", "-o", "--in-interface", "--out-interface", "--src-type", "--dst-type", "--mode", "--probability"):
                rule.matches.append(w)
            i += 1
        negate = False
    return rule


def parse_save(run: CommandRun) -> ParseResult:
    res = ParseResult()
    table = None
    # `iptables -t nat -S` has no *table line: the table comes from the command line.
    for i, w in enumerate(run.argv):
        if w in ("-t", "--table") and i + 1 < len(run.argv):
            table = run.argv[i + 1]
    if table is None and run.argv[:1] == ["iptables"]:
        table = "filter"
    tables: set[str] = set()
    chains: set[tuple[str, str]] = set()
    policies: dict[tuple[str, str], str] = {}
    rules: list[Rule] = []
    skipped: list[int] = []
    for n, text in run.nonblank:
        t = text.strip()
        if t.startswith("#") or t == "COMMIT":
            continue
        if t.startswith("*"):
            table = t[1:]
            tables.add(table)
            continue
        if table is None:
            table = "filter" if t.startswith((":", "-")) else None
        m = re.match(r"^:(\S+)\s+(\S+)", t) or re.match(r"^-P (\S+) (\S+)", t) or re.match(r"^-N (\S+)()", t)
        if m and table:
            tables.add(table)
            chains.add((table, m.group(1)))
            if m.group(2) in ("ACCEPT", "DROP"):
                policies[(table, m.group(1))] = m.group(2)
            continue
        if t.startswith("-A ") and table:
            try:
                words = shell_words(t)
            except ValueError:
                skipped.append(n)
                continue
            tables.add(table)
            rule = _parse_rule(table, words, t, n)
            chains.add((table, rule.chain))
            rules.append(rule)
            continue
        skipped.append(n)
    if not rules and not chains:
        res.warn(run, "iptables_no_rules")
        return res
    if skipped:
        res.warn(run, "iptables_lines_unknown", skipped[0], count=len(skipped))
    res.add(run, "iptables", {"tables": sorted(tables), "chains": chains, "policies": policies, "rules": rules, "complete": not run.piped}, run.nonblank[0][0])
    return res


def parse_list(run: CommandRun) -> ParseResult:
    """``iptables -L -n [-v]`` via jc: only DROP/REJECT rules are used from this form."""
    res = ParseResult()
    try:
        parsed = quiet_jc("iptables", run.text)
    except Exception as exc:  # noqa: BLE001
        res.warn(run, "iptables_list_not_understood", error=type(exc).__name__)
        return res
    table = "filter"
    for i, w in enumerate(run.argv):
        if w in ("-t", "--table") and i + 1 < len(run.argv):
            table = run.argv[i + 1]
    rules: list[Rule] = []
    chains: set[tuple[str, str]] = set()
    chain_list: list[dict] = parsed if isinstance(parsed, list) else []
    for chain in chain_list:
        name = str(chain.get("chain"))
        chains.add((table, name))
        for r in chain.get("rules") or []:
            opts = str(r.get("options") or "")
            m = re.search(r"dpt:(\d+)", opts)
            rule = Rule(table, name, f"-A {name} {r.get('prot')} {r.get('source')} -> {r.get('destination')} {opts} -j {r.get('target')}".strip(), None,
                        target=r.get("target"), proto=r.get("prot"), src=r.get("source"), dst=r.get("destination"),
                        dport=int(m.group(1)) if m else None)
            if "ctstate INVALID" in opts or "state INVALID" in opts:
                rule.matches.append("--ctstate")
            if "mark match" in opts:
                rule.matches.append("--mark")
            m = re.search(r"/\* (.*?) \*/", opts)
            rule.comment = m.group(1) if m else None
            rules.append(rule)
    if not chains:
        res.warn(run, "iptables_list_no_chains")
        return res
    policies = {(table, c.get("chain")): c.get("default_policy") for c in chain_list if c.get("default_policy") in ("ACCEPT", "DROP")}
    res.add(run, "iptables", {"tables": [table], "chains": chains, "policies": policies, "rules": rules, "complete": not run.piped}, run.nonblank[0][0])
    return res


def _contains(cidr: str | None, ip: str | None) -> bool:
    if cidr is None or ip is None:
        return True
    if cidr in ("0.0.0.0/0", "anywhere", "any"):
        return True
    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


def service_rules(found: dict, ip: str, port: int | None) -> dict | None:
    """kube-proxy's chain for a ClusterIP: KUBE-SERVICES entry -> KUBE-SVC-* -> KUBE-SEP-* DNAT.

    None when the dump does not hold the nat table (nothing can be said). When the output was
    piped through grep, only what is present counts: missing pieces stay unknown (None).
    """
    if "nat" not in found["tables"]:
        return None
    complete = found["complete"]
    rules: list[Rule] = [r for r in found["rules"] if r.table == "nat"]
    entries = [
        r for r in rules
        if r.chain == "KUBE-SERVICES" and r.dst and r.dst.split("/")[0] == ip and (port is None or r.dport in (None, port))
        and (r.target or "").startswith(("KUBE-SVC-", "KUBE-EXT-"))
    ]
    rejects = [r for r in rules if r.chain == "KUBE-SERVICES" and r.dst and r.dst.split("/")[0] == ip and r.target in ("REJECT", "DROP")]
    first = (entries or rejects)[0] if entries or rejects else None
    data: dict = {"mode": "iptables", "service_ip": ip, "line": first.line if first else None}
    if port is not None:
        data["port"] = port
    if not entries:
        data["kube_services_entry"] = False if complete else None
        if not complete:
            return None
        data["svc_chain"] = False
        data["sep_dnat"] = []
        return data
    data["kube_services_entry"] = True
    svc = entries[0].target
    chains = {c for t, c in found["chains"] if t == "nat"}
    svc_rules = [r for r in rules if r.chain == svc]
    data["svc_chain"] = (svc in chains) if complete else (True if svc_rules or svc in chains else None)
    seps = [r.target for r in svc_rules if (r.target or "").startswith("KUBE-SEP-")]
    dnat = []
    for sep in seps:
        for r in rules:
            if r.chain == sep and r.target == "DNAT" and r.to_destination:
                dnat.append(r.to_destination)
    data["sep_dnat"] = dnat
    if not complete and not (data["svc_chain"] and dnat):
        return None  # a grep'd dump that does not show the whole chain proves nothing either way
    return data


_KUBE_ROUTINE = ("KUBE-MARK-DROP", "KUBE-FIREWALL")


def entry_chains(at: str, source_kind: str, destination_kind: str, proxy_mode: str | None = None) -> tuple[str, ...]:
    """Built-in filter chains the failing flow passes at a vantage.

    In a Pod's own namespace: OUTPUT at the source, INPUT at the destination. On a node: a Pod's
    traffic is forwarded (FORWARD); the node's own traffic leaves by OUTPUT and arrives by INPUT.
    On another node: FORWARD and OUTPUT, and INPUT only when the destination is a node (or a
    ClusterIP in ipvs mode, where ClusterIPs are local addresses on kube-ipvs0).
    """
    if at == "source_pod":
        return ("OUTPUT",)
    if at == "destination_pod":
        return ("INPUT",)
    if at == "source_node":
        return ("OUTPUT",) if source_kind == "node" else ("FORWARD",)
    if at == "destination_node":
        return ("INPUT",) if destination_kind == "node" else ("FORWARD",)
    if destination_kind == "node" or (destination_kind == "service" and proxy_mode == "ipvs"):
        return ("INPUT", "FORWARD", "OUTPUT")
    return ("FORWARD", "OUTPUT")


def _reachable(rules: list[Rule], starts: tuple[str, ...]) -> set[str]:
    chains = {r.chain for r in rules}
    seen, todo = set(starts), list(starts)
    while todo:
        chain = todo.pop()
        for r in rules:
            if r.chain == chain and r.target in chains and r.target not in seen:
                seen.add(r.target)
                todo.append(r.target)
    return seen


def blocking_rules(found: dict, dst_ips: list[str], port: int | None, src_ip: str | None, protocol: str = "tcp",
                   starts: tuple[str, ...] = ("INPUT", "FORWARD", "OUTPUT")) -> list[dict] | None:
    """DROP/REJECT rules that could match the failing flow; None without a filter table.

    Only chains the flow passes count (``starts`` and the chains they jump to). Left out:
    kube-proxy's and the kernel's routine drops (marked packets, INVALID conntrack state, the
    loopback anti-spoof rule), which never match a normal connection, and DROP/REJECT rules after
    an ACCEPT that already takes the flow. A DROP policy of a passed built-in chain counts when
    no ACCEPT rule of that chain takes the flow.
    """
    if "filter" not in found["tables"]:
        return None
    filter_rules = [r for r in found["rules"] if r.table == "filter"]
    relevant = _reachable(filter_rules, starts)
    out = []
    accepted: set[str] = set()  # chains where an earlier ACCEPT already takes the flow
    for r in filter_rules:
        if r.chain not in relevant:
            continue
        if r.target == "ACCEPT" and not r.negated and _unconditional(r) and _matches(r, dst_ips, port, src_ip, protocol):
            accepted.add(r.chain)
        if r.target not in ("DROP", "REJECT") or r.chain in accepted:
            continue
        if r.chain in _KUBE_ROUTINE or "--mark" in r.matches or "--ctstate" in r.matches or "--state" in r.matches:
            continue
        if r.src and r.src.startswith("127.") or r.dst and r.dst.startswith("127."):
            continue
        if r.negated:
            continue  # "everything except X" rules are too easy to misread: not claimed
        if r.dst and not any(_contains(r.dst, ip) for ip in dst_ips):
            continue
        if r.src and src_ip and not _contains(r.src, src_ip):
            continue
        proto = (r.proto or "all").lower()
        if proto not in ("all", "tcp", "udp", "icmp", "0"):
            continue
        proto = "all" if proto == "0" else proto
        if r.dport is not None and (port is None or r.dport != port):
            continue
        if proto not in ("all", protocol, "icmp"):
            continue
        item = {"table": r.table, "chain": r.chain, "target": r.target, "protocol": proto, "text": r.text}
        if r.dport is not None:
            item["port"] = r.dport
        out.append(item)
    for chain in starts:
        if found.get("policies", {}).get(("filter", chain)) == "DROP" and chain not in accepted:
            out.append({"table": "filter", "chain": chain, "target": "DROP", "protocol": "all", "text": f":{chain} DROP (chain policy; no ACCEPT rule takes the flow)"})
    return out


def _matches(r: Rule, dst_ips: list[str], port: int | None, src_ip: str | None, protocol: str) -> bool:
    """An unconditional-enough rule (no -m matches) that takes this flow."""
    if r.dst and not any(_contains(r.dst, ip) for ip in dst_ips):
        return False
    if r.src and src_ip and not _contains(r.src, src_ip):
        return False
    if r.dport is not None and r.dport != port:
        return False
    return (r.proto or "all").lower() in ("all", "0", protocol)


def _unconditional(r: Rule) -> bool:
    """Only protocol/address/port matches (and NEW connection state): takes any such new flow."""
    for m in r.matches:
        if m.startswith("state:"):
            if "NEW" not in m.split(":", 1)[1].split(","):
                return False
        elif m.startswith("-") and m not in ("--ctstate", "--state"):
            return False
    return True
