"""Find observations that contradict each other (the same probe reported with different results).

Decision (documented in the README): contradictions do not stop a diagnosis. Both sides are left
out of the reasoning, and the diagnosis carries a warning naming their JSON paths, because an
intermittent fault can make an honest report look contradictory and the remaining observations
may still decide the case. ``--strict`` turns such warnings into a bad-input error (exit 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import FactFile
from .observations import DnsLookup, MtuProbe, Observation, Ping, TcpConnect


@dataclass(frozen=True)
class Conflict:
    """Two or more observations of the same probe that disagree."""

    paths: tuple[str, ...]
    probe: str
    results: tuple[str, ...]


def _key(o: Observation) -> tuple[Any, ...] | None:
    if isinstance(o, Ping):
        return ("ping", o.at, o.host, o.target, o.size, o.dont_fragment)
    if isinstance(o, TcpConnect):
        return ("tcp_connect", o.at, o.host, o.target, o.port)
    if isinstance(o, DnsLookup):
        # a final dot is a different probe: the fully qualified name skips the search list (ndots);
        # so is a query over TCP (dig +tcp), which a UDP 53 filter lets through
        return ("dns_lookup", o.at, o.host, o.name.lower(), o.server, o.over_tcp)
    if isinstance(o, MtuProbe):
        return ("mtu_probe", o.at, o.host, o.target)
    return None


def _result(o: Observation) -> str:
    if isinstance(o, MtuProbe) and (o.largest_ok_size is not None or o.first_failed_size is not None):
        return f"{o.largest_ok_size}/{o.first_failed_size}"
    return str(getattr(o, "result", ""))


def _agree(observations: list[Observation]) -> bool:
    """Whether the results can all be true at once: ``intermittent`` (works sometimes) agrees
    with any result, and ``failed`` (mode not stated) with any failure mode, e.g. a ticket's
    "fails" and the engineer's later "times out"; precise results must be the same."""
    precise: set[str] = set()
    families: set[str] = set()
    for o in observations:
        word = _result(o)
        if word == "intermittent":
            continue
        family = getattr(o, "outcome", None)
        if family:
            families.add(family)
        if word != "failed":
            precise.add(word)
    return len(precise) <= 1 and not {"ok", "failed"} <= families


def find_conflicts(facts: FactFile) -> list[Conflict]:
    """Groups of same-probe observations whose results differ (and cannot all be true)."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, o in enumerate(facts.observations):
        key = _key(o)
        if key is not None:
            groups.setdefault(key, []).append(i)
    out = []
    for key, idx in groups.items():
        results = {_result(facts.observations[i]) for i in idx}
        if not _agree([facts.observations[i] for i in idx]):
            out.append(
                Conflict(
                    paths=tuple(f"$.observations[{i}]" for i in idx),
                    probe=" ".join(str(k) for k in key if k is not None),
                    results=tuple(sorted(results)),
                )
            )
    return out
