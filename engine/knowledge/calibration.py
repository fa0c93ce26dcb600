"""Calibration of rule weights: only decisive evidence takes a cause to :data:`CONFIDENT`.

A rule marked ``decisive: true`` reads the observation that confirms its cause (positive weight)
or rules it out (negative weight): the resolv.conf naming another server, the log line
``plugin/loop: Loop ... detected``, conntrack's ``insert_failed`` growing. Every other rule is
circumstantial: a symptom many causes share (a CNI Pod restarting, lookups timing out). The
weights are kept so that **all** the circumstantial rules of a cause firing together stay below
:data:`CONFIDENT` (certainty factors combine as ``1 - prod(1 - w)``). The path rules
(``rules/common/path-suspect-*``), which name any cause the captures point at, count once with
their largest weight for every cause ``kb/paths/localize.yaml`` lists as a suspect.

:func:`circumstantial_ceiling` computes that bound per cause; :func:`calibration_problems` lists
the causes over it and the causes without any decisive rule (tests, ``bench/calibration.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from .load import Knowledge, Rule

CONFIDENT = 0.8
"""A cause at this confidence or more is a claim: it needs decisive evidence."""


def cf_plus(weights: Iterable[float]) -> float:
    """Certainty factor of supporting weights together: ``1 - prod(1 - w)``."""
    rest = 1.0
    for w in weights:
        rest *= 1.0 - w
    return 1.0 - rest


def _suspects() -> set[str]:
    """Cause ids ``kb/paths/localize.yaml`` can name as path suspects."""
    from ..path.profiles import localize_knowledge  # the path package is only needed here

    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("suspects", "service_suspects") and isinstance(value, list):
                    found.update(v for v in value if isinstance(v, str))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(localize_knowledge().model_dump())
    return found


@dataclass(frozen=True)
class CauseCalibration:
    """One cause's rules split by kind of evidence, and the bound of its circumstantial rules."""

    cause: str
    decisive_for: tuple[Rule, ...]
    decisive_against: tuple[Rule, ...]
    circumstantial: tuple[Rule, ...]
    path_weight: float
    """The largest path-suspect weight, when the cause can be a path suspect (else 0)."""

    @property
    def ceiling(self) -> float:
        """Confidence all circumstantial rules that can fire together (and the path rule) reach:
        of rules declared ``exclusive_with`` each other, the strongest counts once."""
        weights = [max(r.spec.then.weight or 0.0 for r in group) for group in exclusive_groups(self.circumstantial)]
        return cf_plus(weights + ([self.path_weight] if self.path_weight else []))


def exclusive_groups(rules: tuple[Rule, ...]) -> list[list[Rule]]:
    """The rules, grouped where ``exclusive_with`` links them (in either direction, transitively)."""
    ids = {r.id for r in rules}
    parent = {r.id: r.id for r in rules}

    def root(i: str) -> str:
        while parent[i] != i:
            i = parent[i]
        return i

    for r in rules:
        for other in r.spec.exclusive_with:
            if other in ids:
                parent[root(other)] = root(r.id)
    groups: dict[str, list[Rule]] = {}
    for r in rules:
        groups.setdefault(root(r.id), []).append(r)
    return list(groups.values())


def calibration(kb: Knowledge) -> dict[str, CauseCalibration]:
    """Every cause's decisive and circumstantial rules, in catalogue order."""
    variable = [r for r in kb.rules if r.spec.then.cause and r.variable_cause]
    path_weight = max((r.spec.then.weight or 0.0 for r in variable if not r.spec.decisive), default=0.0)
    suspects = _suspects() if variable else set()
    out = {}
    for cid in kb.causes:
        rules = [r for r in kb.rules if r.spec.then.cause == cid and not r.variable_cause]
        positive = [r for r in rules if (r.spec.then.weight or 0) > 0]
        out[cid] = CauseCalibration(
            cause=cid,
            decisive_for=tuple(r for r in positive if r.spec.decisive),
            decisive_against=tuple(r for r in rules if (r.spec.then.weight or 0) < 0 and r.spec.decisive),
            circumstantial=tuple(r for r in positive if not r.spec.decisive),
            path_weight=path_weight if cid in suspects else 0.0,
        )
    return out


def calibration_problems(kb: Knowledge) -> list[str]:
    """Causes whose circumstantial rules together reach :data:`CONFIDENT`, and causes no decisive
    rule can confirm; one line each, naming the rules."""
    problems = []
    for cid, cal in calibration(kb).items():
        if cal.ceiling >= CONFIDENT:
            names = ", ".join(f"{r.id} {r.spec.then.weight:+.2f}" for r in cal.circumstantial)
            path = f" + path suspect {cal.path_weight:+.2f}" if cal.path_weight else ""
            problems.append(f"{cid}: circumstantial rules reach {cal.ceiling:.3f} >= {CONFIDENT} ({names}{path})")
        for group in exclusive_groups(cal.circumstantial):
            declared = {(r.id, o) for r in group for o in r.spec.exclusive_with}
            loose = [(a.id, b.id) for a in group for b in group if a.id < b.id and (a.id, b.id) not in declared and (b.id, a.id) not in declared]
            if loose:
                problems.append(f"{cid}: exclusive_with links {', '.join(sorted(r.id for r in group))}, but not every pair is declared "
                                f"({', '.join(f'{a}/{b}' for a, b in loose)}): only rules that pairwise exclude each other count once")
        if not cal.decisive_for:
            problems.append(f"{cid}: no decisive rule confirms it (mark the rule that reads its confirming observation decisive: true)")
    return problems
