"""``iptables -L -n [-v]`` as jc parses it, turned into a :class:`Ruleset` the tracer can walk.

The listing loses what ``iptables-save`` keeps (quoting, some module options), so only the
columns and the common option words are read: ``tcp dpt:80``, ``dpts:1:2``, ``spt:``,
``multiport dports``, ``ctstate``/``state``, ``mark match``, ``/* comment */``,
``ADDRTYPE match dst-type``; anything else in the options column is an opaque match.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from .model import HOOKS, TABLE_PRIORITY, Chain, Match, Rule, Ruleset, Table, Target, protocol_name

_ANY = {"0.0.0.0/0", "::/0", "anywhere", "any", "*", "--", ""}
_WORDS = [
    (re.compile(r"\b(tcp|udp|sctp)\s+dpts?:(!?)(\d+)(?::(\d+))?"), "dport"),
    (re.compile(r"\b(tcp|udp|sctp)\s+spts?:(!?)(\d+)(?::(\d+))?"), "sport"),
]


def parse(text: str, table: str = "filter") -> Ruleset:
    """``iptables -L`` text through jc's ``iptables`` parser (raises what jc raises)."""
    import jc

    chains = jc.parse("iptables", text, quiet=True)
    return from_jc(chains if isinstance(chains, list) else [], table)


def from_jc(chains: list[dict[str, Any]], table: str = "filter") -> Ruleset:
    """The ruleset of one table listed by ``iptables [-t TABLE] -L -n [-v]`` (jc ``iptables``)."""
    t = Table(table)
    for c in chains:
        name = str(c.get("chain"))
        chain = t.chains.setdefault(name, Chain(name))
        policy = c.get("default_policy")
        if name.lower() in HOOKS and policy:
            chain.hook, chain.policy = name.lower(), str(policy).upper()
            chain.priority = TABLE_PRIORITY.get(table, {}).get(chain.hook, 0)
            chain.type = "nat" if table == "nat" else "filter"
        for r in c.get("rules") or []:
            chain.rules.append(_rule(table, name, r))
    return Ruleset("iptables-save", tables=[t])


def _net(value: str | None) -> Match | None:
    v = (value or "").strip()
    neg = v.startswith("!")
    v = v.lstrip("!")
    if v in _ANY:
        return None
    try:
        return Match("net", (ipaddress.ip_network(v, strict=False),), neg, v)
    except ValueError:
        return Match("opaque", None, neg, v)


def _rule(table: str, chain: str, r: dict[str, Any]) -> Rule:
    matches: list[Match] = []
    for key, kind in (("source", "src"), ("destination", "dst")):
        net = _net(r.get(key))
        if net is not None:
            matches.append(Match(kind, net.value, net.negated, f"{key} {net.text}") if net.kind == "net" else net)
    prot = str(r.get("prot") or "all")
    if prot not in ("all", "0"):
        matches.append(Match("proto", protocol_name(prot.lstrip("!")), prot.startswith("!"), prot))
    for key, kind in (("in", "iif"), ("out", "oif")):
        v = str(r.get(key) or "*")
        if v not in _ANY:
            matches.append(Match(kind, (v.lstrip("!"),), v.startswith("!"), f"{key} {v}"))
    opts = str(r.get("options") or "")
    matches += _options(opts)
    target_name = str(r.get("target") or "")
    options: tuple[tuple[str, str], ...] = ()
    m = re.search(r"reject-with (\S+)", opts)
    if m:
        options = (("--reject-with", m.group(1)),)
    m = re.search(r"to:(\S+)", opts)
    if m and target_name == "DNAT":
        options = (("--to-destination", m.group(1)),)
    text = f"{target_name} {prot} {r.get('source')} -> {r.get('destination')} {opts}".strip()
    return Rule(table, chain, tuple(matches), Target(target_name, options=options) if target_name else None, text)


def _options(opts: str) -> list[Match]:
    out: list[Match] = []
    rest = re.sub(r"/\*.*?\*/", "", opts)
    rest = re.sub(r"reject-with \S+|to:\S+", "", rest)
    for pattern, kind in _WORDS:
        for word in pattern.finditer(rest):
            lo = int(word.group(3))
            out.append(Match(kind, ((lo, int(word.group(4)) if word.group(4) else lo),), word.group(2) == "!", word.group(0)))
        rest = pattern.sub("", rest)
    m = re.search(r"multiport (dports|sports|ports) (!?\s*)([\d,:]+)", rest)
    if m:
        ranges = tuple((int(a), int(b or a)) for a, _, b in (p.partition(":") for p in m.group(3).split(",")))
        out.append(Match({"dports": "dport", "sports": "sport"}.get(m.group(1), "ports"), ranges, bool(m.group(2).strip()), m.group(0)))
        rest = rest.replace(m.group(0), "")
    m = re.search(r"\b(ctstate|state) (!?\s*)([A-Z,]+)", rest)
    if m:
        out.append(Match("ctstate", frozenset(m.group(3).split(",")), bool(m.group(2).strip()), m.group(0)))
        rest = rest.replace(m.group(0), "")
    m = re.search(r"mark match (!?\s*)(0x[0-9a-fA-F]+)(?:/(0x[0-9a-fA-F]+))?", rest)
    if m:
        out.append(Match("mark", (int(m.group(2), 16), int(m.group(3), 16) if m.group(3) else 0xFFFFFFFF), bool(m.group(1).strip()), m.group(0)))
        rest = rest.replace(m.group(0), "")
    m = re.search(r"ADDRTYPE match (src|dst)-type (!?\s*)(\S+)", rest)
    if m:
        out.append(Match(f"{m.group(1)}_type", frozenset(m.group(3).split(",")), bool(m.group(2).strip()), m.group(0)))
        rest = rest.replace(m.group(0), "")
    m = re.search(r"\bicmp(?:type)? (!?\s*)(\S+)", rest)
    if m:
        out.append(Match("icmp_type", m.group(2), bool(m.group(1).strip()), m.group(0)))
        rest = rest.replace(m.group(0), "")
    m = re.search(r"statistic mode random probability \S+", rest)
    if m:
        out.append(Match("choice", None, False, m.group(0)))
        rest = rest.replace(m.group(0), "")
    rest = re.sub(r"\b(tcp|udp|sctp|icmp)\b", "", rest).strip()
    if rest:
        out.append(Match("opaque", None, False, rest))
    return out
