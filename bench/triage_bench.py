"""Triage benchmark: how many questions until the true cause is ranked first and confident.

For every example with a known cause (``examples/expected.yaml``) and every rule test case with
``expect: {cause|top_cause: ID}``, a simulated customer answers truthfully **from the full fact
file**: each question (``KIND@VANTAGE``) is answered with the answer id whose ``observation``
fragment matches the recorded observation of that kind, vantage and probe
(:func:`podnet.triage.answers.answer_for`), or "unknown" when the file has no such observation.
The causes' signatures are never consulted for the answers, so the benchmark does not grade
itself. Triage starts from the case's endpoints only (no observations).

Two question orders use the same session, answers and stopping rule:

* **adaptive**: the question with the highest expected information gain (``podnet triage``);
* **fixed**: the guide's order (kinds by ``order`` in ``kb/observations.yaml``: ping, telnet, DNS,
  large packets, CNI checks, capture), first every kind at its first vantage, then the other
  vantages.

Each run stops when triage is confident (right or wrong) or has nothing left to ask. "Questions"
counts every question put to the customer, "unknown" answers included. A case not reached counts
as infinitely many questions in the medians (which are then medians over all cases).

    python bench/triage_bench.py                # print the table, write docs/triage-bench.md
    python bench/triage_bench.py --write -      # print only
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

from podnet.facts.load import facts_from_data, load_facts
from podnet.facts.model import FactFile
from podnet.triage.answers import observed_probes, probe_name
from podnet.triage.questions import askable, knowledge
from podnet.triage.session import DEFAULT_THRESHOLD, TriageSession

MAX_QUESTIONS = 60


@dataclass
class Case:
    name: str
    origin: str
    cause: str
    facts: FactFile


@dataclass
class Outcome:
    questions: int
    reached: bool
    wrong: str | None  # cause named confidently although it is not the true one
    rules_first: bool  # the rule engine ranks the true cause first at the end
    unknowns: int
    ms_per_question: float

    @property
    def count(self) -> float:
        return self.questions if self.reached else math.inf


def load_cases() -> list[Case]:
    """Examples with an expected cause, and rule test cases that expect a cause."""
    from podnet.ruletest import _defaults, _overlay, _test_files

    cases = []
    expected = yaml.safe_load((ROOT / "examples" / "expected.yaml").read_text()) or {}
    for name, entry in sorted(expected.items()):
        # a ticket from a public incident (a mapping) counts only when its cause must rank first
        cause = entry if isinstance(entry, str) else entry["confirmed_cause"] if entry.get("expect") == "top" else None
        if cause:
            cases.append(Case(name, "example", cause, load_facts(ROOT / "examples" / name)))
    defaults = _defaults()
    for origin, item in _test_files(()):
        doc = yaml.safe_load(item.read_text()) or {}
        for i, case in enumerate(doc.get("cases") or []):
            expect = case.get("expect") or {}
            cause = expect.get("top_cause") or expect.get("cause")
            if not cause or not case.get("fires"):
                continue
            facts = facts_from_data(_overlay(defaults, case.get("facts") or {}), f"{origin}: cases[{i}]")
            cases.append(Case(f"{doc.get('rule')}: {case.get('name', i)}", "rule test", cause, facts))
    return cases


_TRUTH: dict[int, dict[tuple[str, str], tuple[str, int]]] = {}


def truthful_answer(full: FactFile, kind: str, at: str) -> tuple[str, str] | None:
    """(answer id, probe) the full fact file gives to ``kind@at``, or None (not recorded there),
    from the recorded observations and the answers' fragments
    (:func:`podnet.triage.answers.observed_probes`). When the file holds the same probe of the
    Service's backend Pod rather than of the ClusterIP, the customer says so (probe "backend"),
    and the answer becomes an observation of the backend Pod: what was really probed."""
    if id(full) not in _TRUTH:
        _TRUTH[id(full)] = observed_probes(full, knowledge().observation_kinds)
    got = _TRUTH[id(full)].get((kind, at))
    if got is None:
        return None
    return got[0], probe_name(knowledge().observation_kinds[kind], at, got[1])


def fixed_order() -> list[tuple[str, str]]:
    """The guide's order over the askable questions: kinds by ``order``, first vantages first."""
    kb = knowledge()
    kinds = sorted((m for m in kb.observation_kinds.values() if m.answers), key=lambda m: (m.order, m.kind))
    first = [(m.kind, next(iter(m.how))) for m in kinds]
    rest = [(m.kind, at) for m in kinds for at in list(m.how)[1:]]
    return first + rest


def simulate(case: Case, pick: Callable[[TriageSession], tuple[str, str] | None], threshold: float) -> Outcome:
    start = case.facts.model_copy(deep=True)
    start.observations = []
    start.unobservable = []
    session = TriageSession(start, threshold=threshold)
    unknowns = 0
    t0 = time.perf_counter()
    wrong = None
    reached = False
    while len(session.steps) < MAX_QUESTIONS:
        status = session.status()
        if status.confident:
            if status.top and status.top.id == case.cause:
                reached = True
            else:
                wrong = status.top.id if status.top else None
            break
        q = pick(session)
        if q is None:
            break
        answer = truthful_answer(case.facts, *q)
        if answer is None:
            session.unknown(*q)
            unknowns += 1
        else:
            session.answer(q[0], q[1], answer[0], probe=answer[1])
    elapsed = time.perf_counter() - t0
    d = session.status().diagnosis
    n = len(session.steps)
    return Outcome(n, reached, wrong, bool(d.top and d.top.id == case.cause), unknowns, 1000 * elapsed / max(n, 1))


def adaptive(session: TriageSession) -> tuple[str, str] | None:
    q = session.question
    return (q.kind, q.at) if q else None


def make_fixed() -> Callable[[TriageSession], tuple[str, str] | None]:
    order = fixed_order()
    kb = knowledge()

    def pick(session: TriageSession) -> tuple[str, str] | None:
        asked = {(s.kind, s.at) for s in session.steps}
        blocked = set(session.facts.unobservable)
        for q in order:
            if q not in asked and q[0] not in blocked and f"{q[0]}@{q[1]}" not in blocked and askable(kb, session.facts, q):
                return q
        return None

    return pick


def fmt(o: Outcome) -> str:
    if o.reached:
        return str(o.questions)
    if o.wrong:
        return f"✗ wrong ({o.wrong}) after {o.questions}"
    return f"not reached ({o.questions} asked)"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def run(threshold: float) -> tuple[str, dict[str, float]]:
    cases = load_cases()
    fixed = make_fixed()
    rows = []
    ad_counts, fx_counts, ms = [], [], []
    wrong_ad = wrong_fx = 0
    for c in cases:
        a = simulate(c, adaptive, threshold)
        f = simulate(c, fixed, threshold)
        ad_counts.append(a.count)
        fx_counts.append(f.count)
        ms.append(a.ms_per_question)
        wrong_ad += a.wrong is not None
        wrong_fx += f.wrong is not None
        rows.append(
            f"| {c.name} | {c.origin} | `{c.cause}` | {fmt(a)} | {fmt(f)} | {a.unknowns} | {'yes' if a.rules_first else 'no'} |"
        )
    med_a, med_f = median(ad_counts), median(fx_counts)
    both = [(a, f) for a, f in zip(ad_counts, fx_counts) if a != math.inf and f != math.inf]
    mine = [(a, f) for a, f in zip(ad_counts, fx_counts) if a != math.inf]
    ex = [(a, f) for c, a, f in zip(cases, ad_counts, fx_counts) if c.origin == "example"]
    figures = {
        "cases": len(cases),
        "reached_adaptive": sum(1 for x in ad_counts if x != math.inf),
        "reached_fixed": sum(1 for x in fx_counts if x != math.inf),
        "median_adaptive": med_a,
        "median_fixed": med_f,
        "both": len(both),
        "both_median_adaptive": median([a for a, _ in both]),
        "both_median_fixed": median([f for _, f in both]),
        "mine_median_adaptive": median([a for a, _ in mine]),
        "mine_median_fixed": median([f for _, f in mine]),
        "examples": len(ex),
        "examples_reached": sum(1 for a, _ in ex if a != math.inf),
        "examples_median_adaptive": median([a for a, _ in ex]),
        "examples_median_fixed": median([f for _, f in ex]),
        "wrong_adaptive": wrong_ad,
        "wrong_fixed": wrong_fx,
        "ms_per_question": median(ms),
    }
    ratio = lambda a, f: f"{a / f:.2f}" if f not in (0, math.inf) and not math.isnan(f) and a != math.inf else "n/a"
    F = figures
    lines = [
        "# Triage benchmark",
        "",
        "Generated by `python bench/triage_bench.py` (see docs/triage.md). The simulated customer answers from the",
        "full fact file of each case; *adaptive* is `podnet triage` (highest expected information gain first),",
        "*fixed* is the guide's order (ping, telnet, DNS, large packets, CNI checks, capture). Figures are the number",
        f"of questions until the true cause is ranked first with posterior ≥ {threshold} and the rule engine ranking",
        "it first too; *unknown* counts questions the fact file could not answer (adaptive run); *rules first* says",
        "whether `podnet diagnose` on the facts gathered by the adaptive run ranks the true cause first.",
        "",
        "| case | from | true cause | adaptive | fixed order | unknown | rules first |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"- cases: {F['cases']} ({F['examples']} examples); reached confidently: adaptive {F['reached_adaptive']}, fixed order {F['reached_fixed']}",
        f"- median questions over all cases (not reached = ∞): adaptive {F['median_adaptive']}, fixed order {F['median_fixed']}, ratio {ratio(med_a, med_f)} (target ≤ 0.50)",
        f"- examples only ({F['examples_reached']} of {F['examples']} reached by the adaptive run): median adaptive {F['examples_median_adaptive']}, fixed order {F['examples_median_fixed']}, ratio {ratio(F['examples_median_adaptive'], F['examples_median_fixed'])}",
        f"- cases the adaptive run reaches ({len(mine)}): median adaptive {F['mine_median_adaptive']}, fixed order {F['mine_median_fixed']} (∞ where it never gets there), ratio {ratio(F['mine_median_adaptive'], F['mine_median_fixed'])}",
        f"- cases both reach ({F['both']}): median adaptive {F['both_median_adaptive']}, fixed order {F['both_median_fixed']}, ratio {ratio(F['both_median_adaptive'], F['both_median_fixed'])}",
        f"- wrong confident answers: adaptive {wrong_ad}, fixed order {wrong_fx} (target 0)",
        f"- median time per question (posterior, gains, rule engine): {F['ms_per_question']:.1f} ms",
        "",
    ]
    return "\n".join(lines), figures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    p.add_argument("--write", default=str(ROOT / "docs" / "triage-bench.md"), help="also write the table here ('-': don't)")
    args = p.parse_args(argv)
    text, _figures = run(args.threshold)
    sys.stdout.write(text)
    if args.write != "-":
        Path(args.write).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
