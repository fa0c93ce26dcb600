"""Read ``iptables-save`` / ``ip6tables-save`` (and ``iptables -S``) text into a :class:`Ruleset`.

Each rule is one shell-quoted line (split with :mod:`shlex`); its options are read the way
iptables reads them: ``! -s``, ``-m MODULE --option value``, and the target's options after
``-j``/``-g``. A module or option the model does not evaluate is kept as an ``opaque`` match,
so the tracer answers "undecided" for that rule instead of guessing. Counters (``-c``), ``-I``
inserts, ``-P``/``-N`` lines and fragments without a ``*table`` line are taken in; other lines
are reported as problems with their line numbers.
"""

from __future__ import annotations

import gc
import ipaddress
import re
import shlex
import socket
from collections.abc import Iterable

from .model import HOOKS, TABLE_PRIORITY, Chain, Match, Problem, Rule, Ruleset, Table, Target, protocol_name

BUILTIN = {h.upper() for h in HOOKS}
_COUNTERS = re.compile(r"^\[\d+:\d+\]\s+")
_CHAIN_DECL = re.compile(r"^:(\S+)\s+(\S+)")
# Modules whose options the tracer evaluates; any other module's options become opaque matches.
_KNOWN_MODULES = {"tcp", "udp", "sctp", "icmp", "icmp6", "icmpv6", "multiport", "conntrack", "state", "mark",
                  "addrtype", "comment", "statistic", "iprange"}
_FLAG_OPTIONS = {"--syn", "-f", "--fragment", "--random", "--random-fully", "--persistent", "--notrack",
                 "--restore-mark", "--save-mark", "--log-uid", "--log-tcp-sequence", "--log-tcp-options",
                 "--log-ip-options", "--clamp-mss-to-pmtu", "--checksum-fill", "--rsource", "--rdest",
                 "--set", "--update", "--rcheck", "--remove", "--exist", "--return-nomatch", "--strict"}


def parse(text: str, *, family: str | None = None, table: str | None = None, first_line: int = 1) -> Ruleset:
    """The ruleset in ``text``; ``table`` is the table of lines before any ``*table`` line."""
    return parse_lines(enumerate(text.splitlines(), first_line), family=family, table=table)


def parse_lines(lines: Iterable[tuple[int, str]], *, family: str | None = None, table: str | None = None) -> Ruleset:
    """The ruleset in numbered lines (line numbers as in the file they came from).

    The cyclic garbage collector is paused while reading: a large dump makes hundreds of thousands
    of long-lived objects (none in a cycle), and its passes over them made reading grow faster
    than the dump (5000 Services: 2.8 s with it, 1.5 s without).
    """
    rs = _Reader(family, table)
    paused = gc.isenabled()
    gc.disable()
    try:
        for n, raw in lines:
            rs.line(n, raw.strip())
    finally:
        if paused:
            gc.enable()
    return rs.finish()


class _Reader:
    def __init__(self, family: str | None, table: str | None) -> None:
        self.ruleset = Ruleset("iptables-save", family="ip6" if family == "ip6" else "ip")
        self.family_known = family is not None
        self.default_table = table
        self.current: Table | None = None
        self.open: set[str] = set()

    # -- lines -------------------------------------------------------------------------------
    def line(self, n: int, text: str) -> None:
        if not text:
            return
        if text.startswith("#"):
            if "ip6tables-save" in text and not self.family_known:
                self.ruleset.family, self.family_known = "ip6", True
            if "legacy tables present" in text:
                self.problem("legacy_tables_present", n, text.lstrip("# "))
            return
        if text.startswith("*"):
            self.current = self._table(text[1:].strip())
            self.open.add(self.current.name)
            return
        if text == "COMMIT":
            if self.current is not None:
                self.open.discard(self.current.name)
            self.current = None
            return
        text = _COUNTERS.sub("", text)
        m = _CHAIN_DECL.match(text)
        if m:
            self._declare(m.group(1), m.group(2), n)
            return
        try:
            words = split(text)
        except ValueError as exc:
            self.problem("rule_not_split", n, str(exc))
            return
        if len(words) >= 3 and words[0] in ("-P", "--policy"):
            self._declare(words[1], words[2], n)
        elif len(words) == 2 and words[0] in ("-N", "--new-chain"):
            self._declare(words[1], "-", n)
        elif len(words) >= 2 and words[0] in ("-A", "--append", "-I", "--insert"):
            self._rule(words, text, n)
        else:
            self.problem("line_unknown", n, text[:80])

    def problem(self, code: str, n: int | None, detail: str = "") -> None:
        self.ruleset.problems.append(Problem(code, n, detail))

    def finish(self) -> Ruleset:
        for name in sorted(self.open):
            self.problem("table_not_committed", None, name)
            t = self.ruleset.table(name)
            if t is not None:  # the last chain printed and the chains with no rule printed yet
                last = t.rules[-1].chain if t.rules else None
                t.cut = {c.name for c in t.chains.values() if not c.rules or c.name == last}
        if self.open or any(p.code in ("line_unknown", "rule_not_split", "legacy_tables_present") for p in self.ruleset.problems):
            self.ruleset.complete = False
        return self.ruleset

    # -- tables and chains -------------------------------------------------------------------
    def _table(self, name: str) -> Table:
        t = self.ruleset.table(name)
        if t is None:
            t = Table(name, self.ruleset.family)  # type: ignore[arg-type]
            self.ruleset.tables.append(t)
        return t

    def _in_table(self) -> Table:
        if self.current is None:
            self.current = self._table(self.default_table or "filter")
        return self.current

    def _chain(self, name: str, n: int | None = None) -> Chain:
        t = self._in_table()
        c = t.chains.get(name)
        if c is None:
            c = Chain(name, line=n)
            hook = name.lower()
            if name in BUILTIN and hook in TABLE_PRIORITY.get(t.name, {h: 0 for h in HOOKS}):
                c.hook = hook
                c.priority = TABLE_PRIORITY.get(t.name, {}).get(hook, 0)
                c.type = "nat" if t.name == "nat" else ("route" if t.name == "mangle" and hook == "output" else "filter")
            t.chains[name] = c
        return c

    def _declare(self, name: str, policy: str, n: int) -> None:
        c = self._chain(name, n)
        c.line = n
        if policy != "-" and c.hook is not None:
            c.policy = policy.upper()

    # -- rules ---------------------------------------------------------------------------------
    def _rule(self, words: list[str], text: str, n: int) -> None:
        insert = words[0] in ("-I", "--insert")
        chain = self._chain(words[1])
        rest = words[2:]
        position = 1
        if insert and rest and rest[0].isdigit():
            position, rest = int(rest[0]), rest[1:]
        matches, target = self._options(rest, n)
        rule = Rule(self._in_table().name, chain.name, tuple(matches), target, text, n, tuple(rest))
        if insert:
            chain.rules.insert(max(0, position - 1), rule)
        else:
            chain.rules.append(rule)

    def _address(self, word: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
        try:
            net = ipaddress.ip_network(word, strict=False)
        except ValueError:
            return None
        if not self.family_known:
            self.ruleset.family, self.family_known = ("ip6" if net.version == 6 else "ip"), True
        return net

    def _options(self, words: list[str], n: int) -> tuple[list[Match], Target | None]:
        matches: list[Match] = []
        target: Target | None = None
        module: str | None = None
        negate = False
        i = 0
        while i < len(words):
            w = words[i]
            if w == "!":
                negate, i = True, i + 1
                continue
            if w in ("-j", "--jump", "-g", "--goto"):
                if i + 1 >= len(words):
                    self.problem("target_missing", n, w)
                    break
                target = Target(words[i + 1], goto=w in ("-g", "--goto"), options=_target_options(words[i + 2:]))
                break
            if w in ("-m", "--match"):
                module = words[i + 1] if i + 1 < len(words) else None
                i += 2
                continue
            values, i = _values(words, i + 1, w)
            matches.append(self._match(w, values, negate, module))
            negate = False
        return matches, target

    def _match(self, option: str, values: list[str], negated: bool, module: str | None) -> Match:
        if option in _ONE_VALUE and not values:
            return Match("opaque", None, negated, option)
        text = " ".join((["!"] if negated else []) + ([f"-m {module}"] if module and option.startswith("--") else []) + [option, *values])
        value = values[0] if values else ""
        if option in ("-s", "--source", "--src", "-d", "--destination", "--dst"):
            nets = [self._address(v) for v in value.split(",")]
            if None in nets:
                return Match("opaque", None, negated, text)
            return Match("src" if option in ("-s", "--source", "--src") else "dst", tuple(nets), negated, text)
        if option in ("-p", "--protocol"):
            return Match("proto", protocol_name(value), negated, text)
        if option in ("-i", "--in-interface", "-o", "--out-interface"):
            return Match("iif" if option in ("-i", "--in-interface") else "oif", (value,), negated, text)
        if option in ("-f", "--fragment"):
            return Match("fragment", True, negated, text)
        if module is not None and module not in _KNOWN_MODULES:
            return Match("opaque", module, negated, text)
        if option in ("--dport", "--destination-port", "--sport", "--source-port", "--dports", "--destination-ports",
                      "--sports", "--source-ports", "--ports"):
            ranges = _ports(value)
            if ranges is None:
                return Match("opaque", None, negated, text)
            kind = "ports" if option == "--ports" else ("dport" if "d" in option.lstrip("-")[:1] else "sport")
            return Match(kind, ranges, negated, text)
        if option in ("--ctstate", "--state"):
            return Match("ctstate", frozenset(s.upper() for s in value.split(",")), negated, text)
        if option == "--mark" and module == "mark":
            mark = _mark(value)
            return Match("mark", mark, negated, text) if mark else Match("opaque", None, negated, text)
        if option in ("--src-type", "--dst-type"):
            return Match(option[2:5] + "_type", frozenset(value.upper().split(",")), negated, text)
        if option == "--comment":
            return Match("comment", value.replace("\\'", "'"), negated, text)  # iptables-save prints ' as a backslash and '
        if option in ("--icmp-type", "--icmpv6-type"):
            return Match("icmp_type", value, negated, text)
        if option == "--syn":
            return Match("tcp_flags", (frozenset({"FIN", "SYN", "RST", "ACK"}), frozenset({"SYN"})), negated, text)
        if option == "--tcp-flags" and len(values) == 2:
            return Match("tcp_flags", (_flags(values[0]), _flags(values[1])), negated, text)
        if option in ("--src-range", "--dst-range"):
            lo, _, hi = value.partition("-")
            try:
                bounds = (ipaddress.ip_address(lo), ipaddress.ip_address(hi or lo))
            except ValueError:
                return Match("opaque", None, negated, text)
            return Match(option[2:5] + "_range", bounds, negated, text)
        if module == "statistic" and option == "--mode":
            return Match("choice", value, negated, text)  # one of several rules takes the packet
        if module == "statistic" and option in ("--probability", "--every", "--packet"):
            return Match("comment", value, negated, text)  # the share is not modelled: --mode decides
        return Match("opaque", module, negated, text)


_ONE_VALUE = {"-s", "--source", "--src", "-d", "--destination", "--dst", "-p", "--protocol", "-i", "--in-interface",
              "-o", "--out-interface", "--comment", "--dport", "--destination-port", "--sport", "--source-port",
              "--dports", "--destination-ports", "--sports", "--source-ports", "--ports", "--ctstate", "--state",
              "--mark", "--src-type", "--dst-type", "--icmp-type", "--icmpv6-type", "--src-range", "--dst-range",
              "--mode", "--probability", "--every", "--packet"}


_WORD = re.compile(r'"((?:[^"\\]|\\.)*)"(?=\s|$)|(\S+)')


def split(line: str) -> list[str]:
    """The words of a rule line as the shell would split it: iptables-save quotes only whole
    words in double quotes (comments), so a regular expression does; anything else goes to shlex."""
    if '"' not in line and "'" not in line and "\\" not in line:
        return line.split()
    words = []
    for m in _WORD.finditer(line):
        if m.group(1) is not None:
            words.append(re.sub(r'\\(["\\])', r"\1", m.group(1)))
        elif '"' in m.group(2) or "'" in m.group(2):
            return shlex.split(line)
        else:
            words.append(m.group(2))
    return words


def _values(words: list[str], i: int, option: str) -> tuple[list[str], int]:
    """The values of ``option`` starting at ``words[i]``: none for flags, two for ``--tcp-flags``,
    one for the options above, else every word up to the next option."""
    if option in _FLAG_OPTIONS:
        return [], i
    if option == "--tcp-flags":
        return words[i:i + 2], i + 2
    if option in _ONE_VALUE:
        return words[i:i + 1], i + 1
    out = []
    while i < len(words) and (not words[i].startswith("-") or _number(words[i])) and words[i] != "!":
        out.append(words[i])
        i += 1
    return out, i


def _number(word: str) -> bool:
    return bool(re.fullmatch(r"-\d+", word))


def _target_options(words: list[str]) -> tuple[tuple[str, str], ...]:
    out = []
    i = 0
    while i < len(words):
        w = words[i]
        if w.startswith("--") and w not in _FLAG_OPTIONS and i + 1 < len(words) and not words[i + 1].startswith("--"):
            out.append((w, words[i + 1]))
            i += 2
        else:
            out.append((w, ""))
            i += 1
    return tuple(out)


def _ports(value: str) -> tuple[tuple[int, int], ...] | None:
    out = []
    for part in value.split(","):
        lo, _, hi = part.partition(":")
        try:
            a = _port(lo) if lo else 0
            b = _port(hi) if hi else (a if ":" not in part else 65535)
        except (OSError, ValueError):
            return None
        out.append((a, b))
    return tuple(out)


def _port(word: str) -> int:
    return int(word) if word.isdigit() else socket.getservbyname(word)


def _mark(value: str) -> tuple[int, int] | None:
    v, _, m = value.partition("/")
    try:
        return int(v, 0), int(m, 0) if m else 0xFFFFFFFF
    except ValueError:
        return None


def _flags(value: str) -> frozenset[str]:
    flags = {f.upper() for f in value.split(",")}
    if "ALL" in flags:
        return frozenset({"FIN", "SYN", "RST", "PSH", "ACK", "URG"})
    return frozenset() if flags == {"NONE"} else frozenset(flags)
