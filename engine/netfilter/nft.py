"""Read ``nft -j list ruleset`` (JSON) into a :class:`Ruleset`.

The JSON form is the one to collect: it is structured, so no nft grammar is re-implemented here.
The text form (``nft list ruleset``) is not read: it gets a located problem asking for ``-j``.

Matches on addresses, ports, protocol, interface names, ``ct state``, ``meta mark`` (with a
mask), ``fib ... type`` and ICMP type become the same matches iptables rules have; anonymous and
named sets are expanded. Verdict maps (``vmap``, kube-proxy's nftables mode) become one rule per
element; a ``numgen`` key is a choice between the elements. Rules written by iptables-nft carry
``xt`` expressions whose options nft does not show: they are opaque (undecided), so for such
hosts ``iptables-save`` is the better input.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from .model import HOOKS, Chain, Match, Problem, Rule, Ruleset, Table, Target, protocol_name

_FAMILIES = ("ip", "ip6", "inet")
_VERDICTS = {"accept": "ACCEPT", "drop": "DROP", "return": "RETURN"}
_PORT_FIELDS = {"sport": "sport", "dport": "dport"}


def looks_like_text(text: str) -> bool:
    """``nft list ruleset`` text rather than JSON."""
    return text.lstrip().startswith(("table ", "#", "flush ruleset"))


def parse(text: str, *, first_line: int = 1) -> Ruleset:
    """The ruleset in ``nft -j list ruleset`` output; problems are located at ``first_line``."""
    rs = Ruleset("nft", family="ip")
    if looks_like_text(text):
        rs.problems.append(Problem("nft_text_not_supported", first_line, "run nft -j list ruleset"))
        rs.complete = False
        return rs
    try:
        doc = json.loads(text)
        items = doc["nftables"]
        if not isinstance(items, list):
            raise TypeError("nftables is not a list")
    except (ValueError, KeyError, TypeError) as exc:
        rs.problems.append(Problem("nft_json_not_understood", first_line, str(exc)[:120]))
        rs.complete = False
        return rs
    _Reader(rs, first_line).read(items)
    return rs


class _Reader:
    def __init__(self, rs: Ruleset, line: int) -> None:
        self.rs, self.line = rs, line
        self.sets: dict[tuple[str, str, str], list[Any]] = {}
        self.skipped: set[str] = set()

    def problem(self, code: str, detail: str) -> None:
        self.rs.problems.append(Problem(code, self.line, detail))

    def read(self, items: list[Any]) -> None:
        for item in items:
            for kind in ("set", "map"):
                if isinstance(item, dict) and kind in item:
                    s = item[kind]
                    self.sets[(s.get("family"), s.get("table"), s.get("name"))] = s.get("elem") or []
        for item in items:
            if not isinstance(item, dict):
                continue
            if "table" in item:
                self.table(item["table"])
            elif "chain" in item:
                self.chain(item["chain"])
            elif "rule" in item:
                self.rule(item["rule"])
        if self.skipped:
            self.problem("nft_families_not_modelled", ", ".join(sorted(self.skipped)))

    def _table(self, family: str, name: str) -> Table | None:
        if family not in _FAMILIES:
            self.skipped.add(family)
            return None
        t = next((t for t in self.rs.tables if t.name == name and t.family == family), None)
        if t is None:
            t = Table(name, family)  # type: ignore[arg-type]
            self.rs.tables.append(t)
            if family == "ip6" and not any(x.family == "ip" for x in self.rs.tables):
                self.rs.family = "ip6"
        return t

    def table(self, d: dict[str, Any]) -> None:
        self._table(d.get("family", ""), d.get("name", ""))

    def chain(self, d: dict[str, Any]) -> None:
        t = self._table(d.get("family", ""), d.get("table", ""))
        if t is None:
            return
        c = t.chains.setdefault(d["name"], Chain(d["name"]))
        hook = d.get("hook")
        if hook in HOOKS:
            c.hook, c.priority, c.type = hook, int(d.get("prio", 0)), d.get("type", "filter")
            c.policy = str(d.get("policy", "accept")).upper()
        elif hook is not None:
            self.problem("nft_hook_not_modelled", f"{t.family} {t.name} {c.name}: hook {hook}")

    def rule(self, d: dict[str, Any]) -> None:
        t = self._table(d.get("family", ""), d.get("table", ""))
        if t is None:
            return
        chain = t.chains.setdefault(d["chain"], Chain(d["chain"]))
        exprs = d.get("expr") or []
        text = f"[handle {d.get('handle')}] " + " ".join(describe(e) for e in exprs)
        if d.get("comment"):
            text += f' comment "{d["comment"]}"'
        matches: list[Match] = []
        effects: list[Target] = []
        for e in exprs:
            if "vmap" in e:
                chain.rules.extend(self.vmap(t, chain.name, matches, effects, e["vmap"], text))
                return
            if "match" in e:
                matches.extend(self.match(t, e["match"]))
                continue
            target = self.statement(e)
            if target is None:
                continue
            if target.name in ("MARK", "NOTRACK", "CONNMARK", "LOG", "COUNTER"):
                effects.append(target)
                continue
            if target.name in ("opaque", "choice"):
                matches.append(Match(target.name, None, False, describe(e)))
                continue
            chain.rules.append(Rule(t.name, chain.name, tuple(matches), target, text, None, (), tuple(effects)))
            return
        chain.rules.append(Rule(t.name, chain.name, tuple(matches), None, text, None, (), tuple(effects)))

    # -- matches -------------------------------------------------------------------------------
    def match(self, t: Table, m: dict[str, Any]) -> list[Match]:
        left, right, op = m.get("left"), m.get("right"), m.get("op", "==")
        text = f"{describe(left)} {op if op not in ('==', 'in') else ''} {describe(right)}".replace("  ", " ")
        neg = op == "!="
        if op not in ("==", "!=", "in"):
            return [Match("opaque", None, False, text)]
        if isinstance(right, str) and right.startswith("@"):
            elems = self.sets.get((t.family, t.name, right[1:]))
            if elems is None:
                return [Match("opaque", None, False, text)]
            right = {"set": elems}
        if isinstance(left, dict) and "concat" in left:
            keys = left["concat"]
            vals = right if isinstance(right, list) else (right.get("concat") if isinstance(right, dict) else None)
            if not isinstance(vals, list) or len(vals) != len(keys) or neg:
                return [Match("opaque", None, False, text)]
            return [x for k, v in zip(keys, vals) for x in self.simple(k, v, False, text)]
        return self.simple(left, right, neg, text)

    def simple(self, left: Any, right: Any, neg: bool, text: str) -> list[Match]:
        opaque = [Match("opaque", None, neg, text)]
        if not isinstance(left, dict):
            return opaque
        values = right["set"] if isinstance(right, dict) and "set" in right else [right]
        if "payload" in left:
            proto, fld = left["payload"].get("protocol"), left["payload"].get("field")
            if proto in ("ip", "ip6") and fld in ("saddr", "daddr"):
                nets = _networks(values)
                if nets is None:
                    return opaque
                return [Match("family", proto), Match("src" if fld == "saddr" else "dst", nets, neg, text)]
            if proto in ("ip", "ip6") and fld in ("protocol", "nexthdr"):
                return [Match("proto", protocol_name(str(values[0])), neg, text)] if len(values) == 1 else opaque
            if proto in ("tcp", "udp", "sctp", "th") and fld in _PORT_FIELDS:
                ranges = _ranges(values)
                if ranges is None:
                    return opaque
                out = [Match(_PORT_FIELDS[fld], ranges, neg, text)]
                return ([Match("proto", proto)] if proto != "th" else []) + out
            if proto in ("icmp", "icmpv6") and fld == "type" and len(values) == 1:
                return [Match("proto", protocol_name(proto)), Match("icmp_type", str(values[0]), neg, text)]
            return opaque
        if "meta" in left:
            key = left["meta"].get("key")
            if key == "l4proto" and len(values) == 1:
                return [Match("proto", protocol_name(str(values[0])), neg, text)]
            if key in ("iifname", "oifname") and all(isinstance(v, str) for v in values):
                return [Match("iif" if key == "iifname" else "oif", tuple(values), neg, text)]
            if key == "nfproto" and len(values) == 1:
                return [Match("family", "ip6" if values[0] == "ipv6" else "ip", neg, text)]
            if key == "mark" and len(values) == 1 and isinstance(values[0], int):
                return [Match("mark", (values[0], 0xFFFFFFFF), neg, text)]
            return opaque
        if "&" in left and isinstance(right, int):
            a, b = left["&"]
            if isinstance(a, dict) and a.get("meta", {}).get("key") == "mark" and isinstance(b, int):
                return [Match("mark", (right, b), neg, text)]
            return opaque
        if "ct" in left and left["ct"].get("key") in ("state", "status"):
            states = right if isinstance(right, list) else values
            return [Match("ctstate", frozenset(str(s).upper() for s in states), neg, text)]
        if "fib" in left and left["fib"].get("result") == "type" and left["fib"].get("flags") in (["daddr"], ["saddr"]):
            kind = "dst_type" if left["fib"]["flags"] == ["daddr"] else "src_type"
            return [Match(kind, frozenset(str(v).upper() for v in values), neg, text)]
        if "numgen" in left:
            return [Match("choice", None, False, text)]
        return opaque

    # -- statements ----------------------------------------------------------------------------
    def statement(self, e: dict[str, Any]) -> Target | None:
        for key, name in _VERDICTS.items():
            if key in e:
                return Target(name)
        if "jump" in e or "goto" in e:
            return Target((e.get("jump") or e["goto"])["target"], goto="goto" in e)
        if "reject" in e:
            r = e["reject"] or {}
            kind = r.get("type")
            how = "tcp-reset" if kind == "tcp reset" else (f"icmp-{r['expr']}" if r.get("expr") else None)
            return Target("REJECT", options=(("--reject-with", how),) if how else ())
        if "dnat" in e:
            d = e["dnat"] or {}
            addr, port = d.get("addr"), d.get("port")
            if not isinstance(addr, str) or (port is not None and not isinstance(port, int)):
                return Target("DNAT")  # an address from a map: not followed
            where = (f"[{addr}]" if ":" in addr else addr) + (f":{port}" if port is not None else "")
            return Target("DNAT", options=(("--to-destination", where),))
        if "snat" in e or "masquerade" in e:
            return Target("SNAT" if "snat" in e else "MASQUERADE")
        if "redirect" in e:
            port = (e["redirect"] or {}).get("port")
            return Target("REDIRECT", options=(("--to-ports", str(port)),) if isinstance(port, int) else ())
        if "mangle" in e:
            key, value = e["mangle"].get("key", {}), e["mangle"].get("value")
            if key.get("meta", {}).get("key") == "mark":
                if isinstance(value, int):
                    return Target("MARK", options=(("--set-xmark", f"{value:#x}/0xffffffff"),))
                if isinstance(value, dict) and "|" in value and isinstance(value["|"][1], int):
                    return Target("MARK", options=(("--or-mark", f"{value['|'][1]:#x}"),))
                return Target("MARK")
            return None
        if "notrack" in e:
            return Target("NOTRACK")
        if "xt" in e:
            xt = e["xt"]
            if xt.get("type") == "match":
                name = xt.get("name")
                # A comment matches every packet; statistic takes some packets (one Service backend each).
                return None if name == "comment" else Target("choice" if name == "statistic" else "opaque")
            return Target(str(xt.get("name", "xt")).upper())
        if "limit" in e or "quota" in e:
            return Target("opaque")  # a statement that stops matching past a rate: a match we do not evaluate
        if "queue" in e:
            return Target("QUEUE")
        return None  # counter, log, ct set, ...: no effect on the verdict

    def vmap(self, t: Table, chain: str, matches: list[Match], effects: list[Target], vm: dict[str, Any], text: str) -> list[Rule]:
        data = vm.get("data")
        if isinstance(data, str) and data.startswith("@"):
            data = {"set": self.sets.get((t.family, t.name, data[1:]))}
        elems = data.get("set") if isinstance(data, dict) else None
        if not isinstance(elems, list):
            return [Rule(t.name, chain, (*matches, Match("opaque", None, False, text)), Target("RETURN"), text, None, (), tuple(effects))]
        key = vm.get("key")
        numgen = isinstance(key, dict) and "numgen" in key
        rules = []
        for n, elem in enumerate(elems):
            k, verdict = (elem[0], elem[1]) if isinstance(elem, list) and len(elem) == 2 else (None, None)
            target = self.statement(verdict) if isinstance(verdict, dict) else None
            if target is None:
                continue
            if numgen:
                extra = [] if n == len(elems) - 1 else [Match("choice", None, False, text)]
            else:
                extra = self.match(t, {"op": "==", "left": key, "right": k})
            rules.append(Rule(t.name, chain, (*matches, *extra), target, f"{text} [{describe(k)}]", None, (), tuple(effects)))
        return rules


def _networks(values: list[Any]) -> tuple[Any, ...] | None:
    out: list[Any] = []
    try:
        for v in values:
            if isinstance(v, str):
                out.append(ipaddress.ip_network(v, strict=False))
            elif isinstance(v, dict) and "prefix" in v:
                out.append(ipaddress.ip_network(f"{v['prefix']['addr']}/{v['prefix']['len']}", strict=False))
            elif isinstance(v, dict) and "range" in v:
                lo, hi = (ipaddress.ip_address(x) for x in v["range"])
                out.extend(ipaddress.summarize_address_range(lo, hi))  # type: ignore[arg-type]
            else:
                return None
    except (ValueError, TypeError, KeyError):
        return None
    return tuple(out)


def _ranges(values: list[Any]) -> tuple[tuple[int, int], ...] | None:
    out = []
    for v in values:
        if isinstance(v, int):
            out.append((v, v))
        elif isinstance(v, dict) and "range" in v and all(isinstance(x, int) for x in v["range"]):
            out.append((v["range"][0], v["range"][1]))
        else:
            return None
    return tuple(out)


def describe(e: Any) -> str:
    """A short nft-like text for an expression or statement (for rule texts in reports)."""
    if isinstance(e, (str, int, float)) or e is None:
        return str(e) if e is not None else ""
    if isinstance(e, list):
        return "{ " + ", ".join(describe(x) for x in e) + " }"
    if not isinstance(e, dict) or not e:
        return str(e)
    key, val = next(iter(e.items()))
    if key == "match":
        op = val.get("op", "==")
        return f"{describe(val.get('left'))} {'' if op in ('==', 'in') else op + ' '}{describe(val.get('right'))}"
    if key == "payload":
        return f"{val.get('protocol')} {val.get('field')}"
    if key in ("meta", "ct"):
        return f"{key} {val.get('key')}"
    if key == "prefix":
        return f"{val.get('addr')}/{val.get('len')}"
    if key == "range":
        return f"{describe(val[0])}-{describe(val[1])}"
    if key == "set":
        return "{ " + ", ".join(describe(x) for x in val) + " }" if isinstance(val, list) else describe(val)
    if key == "concat":
        return " . ".join(describe(x) for x in val)
    if key == "&":
        return f"{describe(val[0])} & {describe(val[1])}"
    if key in ("jump", "goto"):
        return f"{key} {val.get('target')}"
    if key in _VERDICTS or key in ("notrack", "masquerade") and not val:
        return key
    if key == "fib":
        return f"fib {' . '.join(val.get('flags', []))} {val.get('result')}"
    if key == "vmap":
        return f"{describe(val.get('key'))} vmap {describe(val.get('data'))}"
    if key == "numgen":
        return f"numgen {val.get('mode')} mod {val.get('mod')}"
    if key in ("dnat", "snat"):
        return f"{key} to {val.get('addr')}" + (f":{val['port']}" if val.get("port") is not None else "")
    if key == "reject":
        return "reject" + (f" with {val.get('type')} {val.get('expr', '')}".rstrip() if val else "")
    if key == "mangle":
        return f"{describe(val.get('key'))} set {describe(val.get('value'))}"
    if key == "xt":
        return f"xt {val.get('type')} {val.get('name')}"
    return key
