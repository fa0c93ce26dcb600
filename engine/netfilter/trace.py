"""Trace one flow's first packet through a ruleset's hooks, as the kernel would.

Order: prerouting (raw, mangle, nat: DNAT), the routing decision (input when the destination is
one of the host's addresses, else forward), input or forward (mangle, filter), postrouting
(mangle, nat); a locally generated flow takes output (raw, mangle, nat, filter) then
postrouting. Within a chain: jumps, gotos, RETURN, and the base chain's policy at its end.

A match that cannot be evaluated (an opaque module, an unknown interface or source address)
is followed both ways. When the ways end differently the verdict is "undecided" and names the
rule whose match was not evaluated: an unknown match never becomes a "drop". ``-m statistic``
is followed both ways too (each way is one Service backend); the DNAT destinations of every way
are reported.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace
from typing import Literal

from ..cidr import ip_in
from .matches import Packet, evaluate_all, is_local
from .model import Chain, Rule, Ruleset, Table, Target, Verdict, family_of
from .routes import RouteEntry, lookup

MAX_WAYS = 512
MAX_DEPTH = 64
_NON_TERMINAL = {"LOG", "NFLOG", "ULOG", "TRACE", "AUDIT", "TCPMSS", "CHECKSUM", "CLASSIFY", "DSCP", "TOS", "TTL", "HL",
                 "SET", "IDLETIMER", "LED", "SECMARK", "CONNSECMARK", "RATEEST", "COUNTER", "CONNMARK", "CT", "NOTRACK",
                 "MARK", "TEE", "HMARK"}
_SRC_NAT = {"SNAT", "MASQUERADE", "NETMAP"}


Hook = Literal["forward", "input", "output"]
"""The netfilter path a packet takes through this host: routed through, delivered to it, or sent by it."""


@dataclass(frozen=True)
class Flow:
    """A connection's first packet as it reaches this host (or leaves it, for ``path="output"``)."""

    src: str | None
    dst: str
    proto: str = "tcp"
    dport: int | None = None
    sport: int | None = None
    in_iface: str | None = None
    out_iface: str | None = None
    ctstate: str = "NEW"
    mark: int = 0
    path: Hook = "forward"
    """forward: routed through the host; input: addressed to it; output: sent by it."""

    def describe(self) -> str:
        port = f":{self.dport}" if self.dport is not None else ""
        return f"{self.proto} {self.src or '?'} -> {self.dst}{port} ({self.path})"


@dataclass(frozen=True)
class RuleRef:
    """The rule (or chain policy) that decided: where it is and how it reads."""

    table: str
    chain: str
    text: str
    line: int | None = None
    policy: bool = False


@dataclass(frozen=True)
class _State:
    packet: Packet
    path: str
    dnat: tuple[str, ...] = ()
    assumed: tuple[RuleRef, ...] = ()
    chosen: tuple[RuleRef, ...] = ()
    accepted: tuple[RuleRef, ...] = ()


@dataclass(frozen=True)
class _Out:
    kind: str  # fallthrough | return | accept | drop | reject | undecided
    state: _State
    ref: RuleRef | None = None
    detail: str | None = None


@dataclass(frozen=True)
class Way:
    """One way through the ruleset: how it ended, and what it assumed or chose on the way."""

    verdict: Verdict
    rule: RuleRef | None
    detail: str | None
    dnat: tuple[str, ...]
    assumed: tuple[RuleRef, ...]
    chosen: tuple[RuleRef, ...]


@dataclass
class Trace:
    flow: Flow
    verdict: Verdict
    rule: RuleRef | None
    reason: str
    reject_with: str | None = None
    dnat: list[str] = field(default_factory=list)
    service: Literal["dnat", "no_rule"] | None = None
    """For a destination in the Service CIDR: DNATed to backends, or no rule for this Service."""
    ways: list[Way] = field(default_factory=list)


class _TooMany(Exception):
    pass


def _ref(rule: Rule) -> RuleRef:
    return RuleRef(rule.table, rule.chain, rule.text, rule.line)


def _policy_ref(table: Table, chain: Chain) -> RuleRef:
    return RuleRef(table.name, chain.name, f":{chain.name} {chain.policy or '?'}", chain.line, policy=True)


def _nat_to(value: str | None, port: int | None) -> tuple[str, int | None] | None:
    """``--to-destination`` ``10.0.0.1:80``, ``10.0.0.1-10.0.0.3``, ``[fd00::1]:80`` -> (first address, port)."""
    if not value:
        return None
    host, p = value, None
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        p = rest[1:] if rest.startswith(":") else None
    elif value.count(":") == 1:
        host, p = value.split(":")
    host = host.split("-")[0]
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None
    if p:
        p = p.split("-")[0]
        return (host, int(p)) if p.isdigit() else None
    return host, port


class _Tracer:
    def __init__(self, ruleset: Ruleset, family: str) -> None:
        self.tables = ruleset.for_family(family)
        self.ways = 0

    def fork(self) -> None:
        self.ways += 1
        if self.ways > MAX_WAYS:
            raise _TooMany()

    # -- one chain -----------------------------------------------------------------------------
    def run(self, table: Table, chain: Chain, st: _State, start: int = 0, depth: int = 0) -> list[_Out]:
        if depth > MAX_DEPTH:
            return [_Out("undecided", st, None, f"jumps nest deeper than {MAX_DEPTH} (a loop?)")]
        out: list[_Out] = []
        rules = chain.rules
        i = start
        while i < len(rules):
            rule = rules[i]
            truth = evaluate_all(rule.matches, st.packet)
            if truth is False:
                i += 1
                continue
            if truth is None or truth == "choice":
                self.fork()
                ref = _ref(rule)
                if truth is None:
                    st = replace(st, assumed=(*st.assumed, ref))
                else:
                    st = replace(st, chosen=(*st.chosen, ref))
                out += self.run(table, chain, st, i + 1, depth)
            going: list[_State] = []
            for o in self.apply(table, rule, st, depth):
                if o.kind == "continue":
                    going.append(o.state)
                elif o.kind == "return":
                    out.append(_Out("fallthrough", o.state))
                else:
                    out.append(o)
            if not going:
                return out
            for other in going[1:]:
                self.fork()
                out += self.run(table, chain, other, i + 1, depth)
            st = going[0]
            i += 1
        if chain.name in table.cut:
            out.append(_Out("undecided", st, None, f"the dump is cut off: {table.name} {chain.name} may go on"))
        else:
            out.append(_Out("fallthrough", st))
        return out

    def apply(self, table: Table, rule: Rule, st: _State, depth: int) -> list[_Out]:
        for effect in rule.effects:
            st = self.target(table, rule, effect, st, depth)[0].state
        if rule.target is None:
            return [_Out("continue", st)]
        return self.target(table, rule, rule.target, st, depth)

    def target(self, table: Table, rule: Rule, t: Target, st: _State, depth: int) -> list[_Out]:
        name, ref, p = t.name, _ref(rule), st.packet
        if name in ("ACCEPT", "DROP"):
            return [_Out(name.lower(), st, ref)]
        if name == "REJECT":
            default = "icmp6-port-unreachable" if ":" in p.dst else "icmp-port-unreachable"
            return [_Out("reject", st, ref, t.option("--reject-with") or default)]
        if name == "RETURN":
            return [_Out("return", st)]
        if name in table.chains:
            outs = self.run(table, table.chains[name], st, 0, depth + 1)
            done = "return" if t.goto else "continue"
            return [replace(o, kind=done) if o.kind == "fallthrough" else o for o in outs]
        if name == "DNAT":
            to = _nat_to(t.option("--to-destination"), p.dport)
            if to is None:
                return [_Out("undecided", st, ref, "DNAT destination not understood")]
            ip, port = to
            packet = replace(p, dst=ip, dport=port, ctstate=p.ctstate | {"DNAT"})
            where = f"{ip}:{port}" if port is not None else ip
            return [_Out("accept", replace(st, packet=packet, dnat=(*st.dnat, where)), ref)]
        if name == "REDIRECT":
            ports = t.option("--to-ports")
            port = int(ports.split("-")[0]) if ports and ports.split("-")[0].isdigit() else p.dport
            return [_Out("accept", replace(st, packet=replace(p, dport=port), path="input"), ref)]
        if name in _SRC_NAT:
            return [_Out("accept", st, ref)]
        if name == "MARK":
            return [_Out("continue", replace(st, packet=replace(p, mark=_mark(p.mark, t))))]
        if name in ("NOTRACK",) or (name == "CT" and t.option("--notrack") is not None):
            return [_Out("continue", replace(st, packet=replace(p, ctstate=frozenset({"UNTRACKED"}))))]
        if name == "CONNMARK" and t.option("--restore-mark") is not None:
            return [_Out("continue", replace(st, packet=replace(p, mark=None)))]
        if name in _NON_TERMINAL:
            return [_Out("continue", st)]
        return [_Out("undecided", st, ref, f"{name} is neither a chain in the dump nor a target the model knows")]

    # -- hooks ---------------------------------------------------------------------------------
    def hook(self, hook: str, states: list[_State]) -> tuple[list[_State], list[_Out]]:
        """Run every base chain at ``hook``; returns the ways that go on and the ways that ended."""
        chains = sorted(((c.priority, i, t, c) for i, t in enumerate(self.tables) for c in t.base_chains(hook)),
                        key=lambda x: (x[0], x[1]))
        ended: list[_Out] = []
        for _, _, table, chain in chains:
            going: list[_State] = []
            for st in states:
                if chain.type == "nat" and "NEW" not in st.packet.ctstate:
                    going.append(st)
                    continue
                for o in self.run(table, chain, st):
                    if o.kind == "fallthrough":
                        o = self.policy(table, chain, o.state)
                    if o.kind == "accept":
                        going.append(replace(o.state, accepted=(*o.state.accepted, o.ref)) if o.ref and chain.type == "filter" else o.state)
                    else:
                        ended.append(o)
            states = going
        return states, ended

    def policy(self, table: Table, chain: Chain, st: _State) -> _Out:
        ref = _policy_ref(table, chain)
        if chain.type == "nat" or chain.policy == "ACCEPT":
            return _Out("accept", st, ref if chain.type != "nat" else None)
        if chain.policy == "DROP":
            return _Out("drop", st, ref)
        return _Out("undecided", st, ref, f"the policy of {table.name} {chain.name} is not in the dump")


def _mark(mark: int | None, t: Target) -> int | None:
    def num(opt: str) -> tuple[int, int] | None:
        v = t.option(opt)
        if v is None:
            return None
        value, _, mask = v.partition("/")
        try:
            return int(value, 0), int(mask, 0) if mask else 0xFFFFFFFF
        except ValueError:
            return None

    if (x := num("--set-xmark")) is not None:
        return None if mark is None and x[1] != 0xFFFFFFFF else ((mark or 0) & ~x[1]) ^ x[0]
    if (x := num("--set-mark")) is not None:
        return None if mark is None and x[1] != 0xFFFFFFFF else ((mark or 0) & ~x[1]) | x[0]
    if mark is None:
        return None
    if (x := num("--or-mark")) is not None:
        return mark | x[0]
    if (x := num("--and-mark")) is not None:
        return mark & x[0]
    if (x := num("--xor-mark")) is not None:
        return mark ^ x[0]
    return None


def trace(ruleset: Ruleset, flow: Flow, *, local: set[str] | frozenset[str] | None = None, local_complete: bool | None = None,
          remote: set[str] | frozenset[str] = frozenset(), routes: list[RouteEntry] | None = None, service_cidr: str | None = None) -> Trace:
    """The verdict for ``flow``, the rule that decided it and the DNAT destinations on the way.

    ``local``: the host's own addresses (for ``addrtype LOCAL`` and the input/forward decision);
    ``local_complete``: whether that list is all of them (default: when it is given). The flow's
    destination (input) or source (output) counts as local in any case; ``remote``: addresses
    known not to be the host's. ``routes``: the host's routes, for the interfaces the flow crosses when
    the flow does not name them. ``service_cidr``: when the destination is inside it, say whether
    a rule DNATs it (``service="dnat"``) or none does (``"no_rule"``).
    """
    family = family_of(flow.dst)
    tracer = _Tracer(ruleset, family)
    known = set(local or ())
    if flow.path == "input":
        known.add(flow.dst)
    elif flow.path == "output" and flow.src:
        known.add(flow.src)
    complete = local is not None if local_complete is None else local_complete
    packet = Packet(flow.src, flow.dst, flow.proto, flow.sport, flow.dport, flow.in_iface, flow.out_iface,
                    frozenset({flow.ctstate.upper()}), flow.mark, frozenset(known), complete, frozenset(remote) - known)
    start = _State(_interfaces(packet, flow.path, routes, flow), flow.path)
    ended: list[_Out] = []
    try:
        if flow.path == "output":
            going, stop = tracer.hook("output", [start])
            ended += stop
        else:
            going, stop = tracer.hook("prerouting", [start])
            ended += stop
            by_path: dict[str, list[_State]] = {"input": [], "forward": []}
            for st in going:
                path = _route(st, flow)
                packet = _interfaces(st.packet, path, routes, flow) if st.dnat or path != flow.path else st.packet
                by_path[path].append(replace(st, path=path, packet=packet))
            going, stop = tracer.hook("input", by_path["input"])
            ended += stop
            done_input = going
            going, stop = tracer.hook("forward", by_path["forward"])
            ended += stop
            ended += [_Out("accept", st, st.accepted[-1] if st.accepted else None) for st in done_input]
        going, stop = tracer.hook("postrouting", going)
        ended += stop
        ended += [_Out("accept", st, st.accepted[-1] if st.accepted else None) for st in going]
    except _TooMany:
        return Trace(flow, "undecided", None, f"more than {MAX_WAYS} ways through the rules: not followed to the end")
    ways = [Way(o.kind, o.ref, o.detail, o.state.dnat, o.state.assumed, o.state.chosen) for o in ended]  # type: ignore[arg-type]
    return _summarise(flow, ways, service_cidr)


def _interfaces(p: Packet, path: str, routes: list[RouteEntry] | None, flow: Flow) -> Packet:
    """Fill in the interfaces the flow does not name: none in (output) or out (input), else the
    device of the route towards the source (in) or the destination (out) when routes are known;
    an unknown interface is still known not to be ``lo`` when the address is not this host's."""
    in_if = flow.in_iface if flow.in_iface is not None else ("" if path == "output" else None)
    out_if = flow.out_iface if flow.out_iface is not None else ("" if path == "input" else None)
    if routes is not None:
        if in_if is None and p.src is not None and (r := lookup(routes, p.src)) is not None:
            in_if = r.dev
        if out_if is None and (r := lookup(routes, p.dst)) is not None:
            out_if = r.dev
    return replace(p, in_iface=in_if, out_iface=out_if, in_not_lo=is_local(p, p.src) is False,
                   out_not_lo=is_local(p, p.dst) is False)


def _route(st: _State, flow: Flow) -> str:
    """input or forward after prerouting: the caller's path unless DNAT changed the destination,
    then by whether the new destination is one of the host's addresses."""
    if not st.dnat:
        return st.path
    local = is_local(st.packet, st.packet.dst)
    return "input" if local else "forward"


def _summarise(flow: Flow, ways: list[Way], service_cidr: str | None) -> Trace:
    dnat = sorted({d for w in ways for d in w.dnat})
    service: Literal["dnat", "no_rule"] | None = None
    if service_cidr is not None and ip_in(flow.dst, service_cidr):
        service = "dnat" if dnat else "no_rule"
    verdicts = {w.verdict for w in ways}
    first = ways[0]
    if len(verdicts) == 1 and first.verdict != "undecided":
        rejects = {w.detail for w in ways if w.verdict == "reject"}
        return Trace(flow, first.verdict, first.rule, _reason(first), rejects.pop() if len(rejects) == 1 else None,
                     dnat, service, ways)
    blocking = [w for w in ways if w.verdict != "accept"]
    w = next((w for w in blocking if w.assumed), blocking[0])
    rule: RuleRef | None
    if w.assumed:
        rule = w.rule if w.rule in w.assumed else w.assumed[-1]  # the rule that would block, else the last guess
        reason = f"depends on a match that is not evaluated: {rule.text}"
    elif w.verdict == "undecided":
        rule, reason = w.rule, w.detail or "undecided"
    else:
        rule = w.rule
        reason = f"depends on which way -m statistic sends it: {w.verdict} by {w.rule.text if w.rule else '?'}"
    return Trace(flow, "undecided", rule, reason, None, dnat, service, ways)


def _reason(w: Way) -> str:
    if w.rule is None:
        return "no rule decides: every chain lets it pass"
    if w.rule.policy:
        return f"policy {w.rule.text.split()[-1]} of {w.rule.table} {w.rule.chain}"
    return f"{w.verdict} by {w.rule.table} {w.rule.chain}: {w.rule.text}"


def dnat_from(ruleset: Ruleset, table: str, chain: str, flow: Flow) -> list[str]:
    """Where the rules from ``table`` ``chain`` on DNAT ``flow`` (every way; [] when none does).

    For a dump that lacks the base chains (a grep of kube-proxy's chains), start at KUBE-SERVICES.
    """
    t = ruleset.table(table)
    if t is None or chain not in t.chains:
        return []
    tracer = _Tracer(Ruleset(ruleset.source, ruleset.family, [t]), family_of(flow.dst))
    packet = Packet(flow.src, flow.dst, flow.proto, flow.sport, flow.dport, flow.in_iface, flow.out_iface,
                    frozenset({flow.ctstate.upper()}), flow.mark, frozenset())
    try:
        outs = tracer.run(t, t.chains[chain], _State(packet, flow.path))
    except _TooMany:
        return []
    return sorted({d for o in outs for d in o.state.dnat})
