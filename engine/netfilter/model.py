"""Netfilter rulesets as data: tables, chains (with hook, priority and policy), rules with their
parsed matches and target, and where each came from (the line of the dump).

The same model holds what ``iptables-save`` / ``ip6tables-save`` print (:mod:`.iptables_save`)
and what ``nft -j list ruleset`` prints (:mod:`.nft`); :mod:`.trace` walks it for one flow.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Literal

Family = Literal["ip", "ip6", "inet"]
Verdict = Literal["accept", "drop", "reject", "undecided"]

HOOKS = ("prerouting", "input", "forward", "output", "postrouting")

# Priorities of the iptables tables at each hook (as the kernel registers them; lower runs first).
TABLE_PRIORITY: dict[str, dict[str, int]] = {
    "raw": {"prerouting": -300, "output": -300},
    "mangle": {h: -150 for h in HOOKS},
    "nat": {"prerouting": -100, "output": -100, "input": 100, "postrouting": 100},
    "filter": {"input": 0, "forward": 0, "output": 0},
    "security": {"input": 50, "forward": 50, "output": 50},
}

PROTOCOL_NUMBERS = {"1": "icmp", "6": "tcp", "17": "udp", "58": "ipv6-icmp", "132": "sctp", "0": "all"}


def protocol_name(word: str) -> str:
    """``tcp``, ``udp``, ``icmp``, ``ipv6-icmp`` (also ``icmpv6``), ``sctp``, ``all`` or the word lower-cased."""
    word = word.lower()
    word = PROTOCOL_NUMBERS.get(word, word)
    return "ipv6-icmp" if word in ("icmpv6", "icmp6") else word


@dataclass(frozen=True)
class Match:
    """One condition of a rule, parsed; ``kind`` tells how :mod:`.trace` evaluates ``value``.

    Kinds: ``src``/``dst`` (networks), ``src_range``/``dst_range`` (first, last address),
    ``proto``, ``sport``/``dport`` ((low, high) ranges), ``iif``/``oif`` (names, ``+``/``*``
    wildcard at the end), ``ctstate``, ``mark`` ((value, mask)), ``src_type``/``dst_type``
    (addrtype names), ``icmp_type``, ``tcp_flags`` ((mask, set)), ``fragment``, ``family``
    (``ip``/``ip6``), ``comment``
    (always true), ``choice`` (statistic: true on some packets, false on others) and ``opaque``
    (a match the model does not evaluate: it is undecided).
    """

    kind: str
    value: Any = None
    negated: bool = False
    text: str = ""


@dataclass(frozen=True)
class Target:
    """What a rule does when it matches: a verdict, a jump/goto to a chain, or an extension."""

    name: str
    goto: bool = False
    options: tuple[tuple[str, str], ...] = ()

    def option(self, name: str) -> str | None:
        return next((v for k, v in self.options if k == name), None)


@dataclass
class Rule:
    table: str
    chain: str
    matches: tuple[Match, ...]
    target: Target | None
    text: str
    line: int | None = None
    args: tuple[str, ...] = ()
    """The rule's words after the chain name (iptables-save form), for option look-ups."""
    effects: tuple[Target, ...] = ()
    """Statements before the verdict that change the packet (nft ``meta mark set``, ``notrack``)."""

    def opt(self, *names: str) -> tuple[str | None, bool]:
        """Value of the first option in ``names`` and whether it was negated with ``!``."""
        for i, word in enumerate(self.args):
            if word in names and i + 1 < len(self.args):
                return self.args[i + 1], i > 0 and self.args[i - 1] == "!"
        return None, False

    def matches_of(self, kind: str) -> list[Match]:
        return [m for m in self.matches if m.kind == kind]


@dataclass
class Chain:
    name: str
    policy: str | None = None
    """``ACCEPT``/``DROP`` for a base chain, None for a user-defined chain."""
    hook: str | None = None
    priority: int = 0
    type: str = "filter"
    """``filter``, ``nat`` or ``route`` (nft chain types; iptables' nat table is ``nat``)."""
    line: int | None = None
    rules: list[Rule] = field(default_factory=list)


@dataclass
class Table:
    name: str
    family: Family = "ip"
    chains: dict[str, Chain] = field(default_factory=dict)
    cut: set[str] = field(default_factory=set)
    """Chains whose rules may go on past the end of a cut-off dump (no COMMIT): reaching their
    end proves nothing."""

    def chain(self, name: str) -> list[Rule]:
        """The rules of chain ``name`` (empty when it does not exist)."""
        c = self.chains.get(name)
        return c.rules if c is not None else []

    @property
    def rules(self) -> list[Rule]:
        return [r for c in self.chains.values() for r in c.rules]

    def base_chains(self, hook: str) -> list[Chain]:
        return [c for c in self.chains.values() if c.hook == hook]


@dataclass(frozen=True)
class Problem:
    """Something in the dump the model did not take in; ``line`` is 1-based in the text (or None)."""

    code: str
    line: int | None
    detail: str = ""


@dataclass
class Ruleset:
    """Every table of one dump, and what could not be read in it."""

    source: Literal["iptables-save", "nft"]
    family: Family = "ip"
    tables: list[Table] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    complete: bool = True
    """False when a table was not closed by ``COMMIT`` (a cut-off dump) or lines were skipped."""

    def table(self, name: str, family: str | None = None) -> Table | None:
        for t in self.tables:
            if t.name == name and (family is None or t.family in (family, "inet")):
                return t
        return None

    def for_family(self, family: str) -> list[Table]:
        """Tables that see packets of ``family`` (``ip`` or ``ip6``)."""
        return [t for t in self.tables if t.family in (family, "inet")]

    @property
    def rules(self) -> list[Rule]:
        return [r for t in self.tables for r in t.rules]

    def not_evaluated(self) -> list[tuple[Rule, Match]]:
        """Rules with a match the tracer cannot evaluate (an unknown module or option), and that match."""
        return [(r, m) for r in self.rules for m in r.matches if m.kind == "opaque"]


def family_of(address: str) -> Family:
    return "ip6" if ipaddress.ip_address(address).version == 6 else "ip"
