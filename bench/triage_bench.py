"""Triage benchmark: from the ticket's sentence to the true cause, how many questions?

For every example with a known cause (``examples/expected.yaml``) and every rule test case with
``expect: {cause|top_cause: ID}``, a simulated customer is triaged **from the symptom sentence
only**: the session starts with the case id and its summary, no endpoints, no cluster context, no
observations (:meth:`podnet.triage.session.TriageSession.start`). The customer answers every prompt
truthfully from the case's **full** fact file, and "don't know" for whatever the file lacks:

* *what fails*: the class the reporter gave (``case.symptom``, typed from the ticket) when the
  file has one, else the guide's class the recorded observations show, read as the customer would (a
  failed lookup: DNS; small passes and large fails: large packets; the node reaches the target and
  the Pod does not: CNI; ping answers and the port does not: port unreachable; nothing answers:
  network unreachable), else "something else" (:func:`customer_symptom`);
* *a value of the case* (where it starts, what it reaches, the ClusterIP, the backends, the CNI,
  kube-proxy's mode, the cluster DNS...): the value in the full file, as typed, or "don't know";
* *an observation question* (``KIND@VANTAGE``): the answer id whose fragment matches the recorded
  observation of that probe (:func:`podnet.triage.answers.observed_probes`), or "don't know";
  when only the Service's other end was probed the customer says so (``probe``).

The causes' signatures are never consulted for the answers, so the benchmark does not grade
itself. Two orders use the same session, customer and stopping rule:

* **adaptive**: ``podnet triage`` (highest expected information gain per effort, values of the
  case asked when a question or rule needs them);
* **fixed**: the guide's order (kinds by ``order`` in ``kb/observations.yaml``: ping, telnet, DNS,
  large packets, CNI checks, capture), values of the case asked the same way.

"Questions" counts every prompt put to the customer: what fails, values of the case, "don't know"
answers included. A case not reached (the session stopped without being confident of the true
cause) counts as infinitely many questions in the medians over all cases.

    python bench/triage_bench.py                # print the table, write docs/triage-bench.md and README's table
    python bench/triage_bench.py --write -      # print only
"""

from __future__ import annotations

import argparse
import math
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]

from podnet.facts.load import facts_from_data, load_facts
from podnet.facts.model import FactFile
from podnet.triage import context as ctx
from podnet.triage.answers import observed_probes, probe_name
from podnet.triage.questions import knowledge
from podnet.triage.session import DEFAULT_THRESHOLD, TriageSession

MAX_QUESTIONS = 80
README_START, README_END = "<!-- triage:start -->", "<!-- triage:end -->"
NOTES_HEADING = "## Why some examples are not reached"
"""docs/triage-bench.md keeps what follows this heading (written by hand) when the bench rewrites the table."""


@dataclass
class Case:
    name: str
    origin: str
    cause: str | None  # None: a held-out ticket whose cause podnet's knowledge does not have
    facts: FactFile
    knows: FactFile | None = None  # what the customer can answer from (default: ``facts``)
    companions: tuple[str, ...] = ()  # other example files of the same incident merged into ``knows``

    @property
    def knowledge(self) -> FactFile:
        return self.knows if self.knows is not None else self.facts


@dataclass
class Outcome:
    questions: int
    context: int
    reached: bool
    wrong: str | None  # cause named confidently although it is not the true one
    rules_first: bool  # the rule engine ranks the true cause first at the end
    unknowns: int
    ms_per_question: float
    stop_rank: int | None = None  # the true cause's place in the posterior when the session stopped
    file_first: bool = False  # the rule engine ranks the true cause first on the full fact file
    file_confidence: float = 0.0  # and gives it this confidence

    @property
    def count(self) -> float:
        return self.questions if self.reached else math.inf


def load_cases() -> list[Case]:
    """Examples with an expected cause, and rule test cases that expect a cause."""
    from podnet.knowledge.rule_tests import case_defaults, overlay, rule_test_files

    cases = []
    expected = yaml.safe_load((ROOT / "examples" / "expected.yaml").read_text()) or {}
    incident: dict[str, list[str]] = {}
    for name, entry in expected.items():
        if isinstance(entry, dict) and entry.get("source"):
            incident.setdefault(entry["source"], []).append(name)
    for name, entry in sorted(expected.items()):
        if isinstance(entry, str):
            cases.append(Case(name, "example", entry, load_facts(ROOT / "examples" / name)))
            continue
        companions = tuple(sorted(n for n in incident.get(entry.get("source") or "", []) if n != name))
        # a ticket from a public incident counts when its cause must rank first on its own file, or
        # when another example of the same incident records what its reporter found (the customer knows it)
        if entry.get("confirmed_cause") and (entry.get("expect") == "top" or companions):
            facts = load_facts(ROOT / "examples" / name)
            cases.append(Case(name, "example", entry["confirmed_cause"], facts, incident_knowledge(facts, companions), companions))
    defaults = case_defaults()
    for origin, item in rule_test_files(()):
        doc = yaml.safe_load(item.read_text()) or {}
        for i, case in enumerate(doc.get("cases") or []):
            expect = case.get("expect") or {}
            cause = expect.get("top_cause") or expect.get("cause")
            if not cause or not case.get("fires"):
                continue
            facts = facts_from_data(overlay(defaults, case.get("facts") or {}), f"{origin}: cases[{i}]")
            cases.append(Case(f"{doc.get('rule')}: {case.get('name', i)}", "rule test", cause, facts))
    return cases


def load_heldout(names: str) -> list[Case]:
    """Held-out tickets (``examples/heldout/expected.yaml``): ``names`` is a comma-separated list
    of their files, or ``all``. A ticket whose confirmed cause podnet does not know (``null``) is
    never reached; a confident answer on it counts as wrong."""
    folder = ROOT / "examples" / "heldout"
    expected = yaml.safe_load((folder / "expected.yaml").read_text()) or {}
    wanted = set(expected) if names == "all" else {n.strip() for n in names.split(",") if n.strip()}
    unknown = wanted - set(expected)
    if unknown:
        raise SystemExit(f"triage_bench: not in examples/heldout/expected.yaml: {', '.join(sorted(unknown))}")
    return [Case(n, "held-out", expected[n].get("confirmed_cause"), load_facts(folder / n)) for n in sorted(wanted)]


def incident_knowledge(facts: FactFile, companions: tuple[str, ...]) -> FactFile | None:
    """What the customer of a ticket knows: its own file merged with the other example files of
    the same incident (same ``source`` in examples/expected.yaml), which record what the reporter
    found later in the thread. A ticket's file holds its first paragraph; the person who wrote it
    can still run ``iptables -V`` when asked. None when the incident has no other file."""
    if not companions:
        return None
    from podnet.facts.merge import merge

    parts = [facts]
    for n in companions:
        other = load_facts(ROOT / "examples" / n).model_copy(deep=True)
        other.case.id = facts.case.id
        parts.append(other)
    return merge(parts, ["own", *companions])


def full_file_rules(case: Case) -> tuple[bool, float]:
    """What the rule engine makes of the case's **full** fact file: whether it ranks the true
    cause first, and that cause's confidence (0 when not ranked). Triage asks for what the file
    holds, so below the threshold the file itself lacks the evidence a confident answer needs."""
    from podnet.reasoning.diagnose import diagnose_neutral

    ranked = diagnose_neutral(case.knowledge).causes
    conf = next((c.confidence for c in ranked if c.id == case.cause), 0.0)
    return bool(ranked and ranked[0].id == case.cause), conf


# ---- the customer -------------------------------------------------------------------------------


def customer_symptom(full: FactFile) -> str:
    """The guide's symptom class the customer names: as the reporter classed it (``case.symptom``,
    typed from the ticket) when the file says, else what a customer who saw the recorded
    observations would name, else "other". Read from what was said or observed, never from the cause."""
    if full.case.symptom:
        return full.case.symptom
    obs = full.observations
    outcome = lambda o: getattr(o, "outcome", None)  # noqa: E731
    of = lambda kind: [o for o in obs if o.kind == kind]  # noqa: E731
    if (
        any(outcome(o) in ("failed", "intermittent") for o in of("dns_lookup"))
        or any(getattr(o, "resolver_timeout_like", None) for o in of("latency"))
        or any(getattr(o, "protocol", None) == "dns" and outcome(o) in ("failed", "intermittent") for o in of("reachability"))
        or any(getattr(o, "loop", None) or getattr(o, "upstream_failing", None) for o in of("coredns_log"))
    ):
        return "dns_failure"
    pings = of("ping")
    if (
        any(getattr(o, "large_only_fails", False) for o in of("payload_size"))
        or any(getattr(o, "full_size_fails", None) for o in of("mtu_probe"))
        or (any(o.large and outcome(o) == "failed" for o in pings) and any(not o.large and outcome(o) == "ok" for o in pings))
    ):
        return "large_packet_loss"
    probes = pings + of("tcp_connect") + of("reachability")
    node_ok = any(o.at == "source_node" and outcome(o) == "ok" for o in probes)
    pod_fails = any(o.at == "source_pod" and outcome(o) == "failed" for o in probes)
    if full.endpoints.source.kind == "pod" and node_ok and pod_fails:
        return "cni_failure"
    ping_ok = any(outcome(o) == "ok" and not o.large for o in pings)
    if ping_ok and any(outcome(o) == "failed" for o in of("tcp_connect")):
        return "port_unreachable"
    if any(outcome(o) == "failed" for o in probes):
        return "network_unreachable"
    return "other"


def slot_reply(full_head: dict[str, Any], slot_id: str) -> str:
    """The value the full fact file gives a context slot, as the customer would type it, or "unknown"."""
    spec = ctx.slot(slot_id)
    value = ctx.value_of(spec, full_head)
    if value in (None, [], ""):
        return "unknown"
    if spec.value == "address":
        dst = full_head["endpoints"]["destination"]
        return f"{dst['ip']}:{dst['port']}" if dst.get("port") else str(dst["ip"])
    if spec.value == "backends":
        return ", ".join(f"{b['ip']}:{b['port']}" if b.get("port") else b["ip"] for b in value)
    if spec.value == "object":
        end = full_head["endpoints"]["destination" if slot_id == "destination_name" else "source"]
        return f"{end['namespace']}/{end['name']}" if end.get("namespace") else str(end["name"])
    return str(value)


_TRUTH: dict[int, tuple[FactFile, dict[tuple[str, str], tuple[str, int]]]] = {}
"""The recorded probes of each full fact file, by id() (the file is kept with them: an id can be
reused once its object is freed)."""


def truthful_answer(full: FactFile, kind: str, at: str) -> tuple[str, str | None] | None:
    """(answer id, probe) the full fact file gives to ``kind@at``, or None (not recorded there).
    When the file holds the same probe of the Service's backend Pod rather than of the ClusterIP,
    the customer says so (probe "backend"), and the answer becomes an observation of the backend
    Pod: what was really probed."""
    cached = _TRUTH.get(id(full))
    if cached is None or cached[0] is not full:
        cached = _TRUTH[id(full)] = (full, observed_probes(full, knowledge().observation_kinds))
    got = cached[1].get((kind, at))
    if got is None:
        return None
    return got[0], probe_name(knowledge().observation_kinds[kind], at, got[1])


START = "sentence"
"""``sentence``: from the case summary only (the benchmark); ``endpoints``: from the full file's
endpoints and cluster context, no observations (the old start, for comparison: ``--start endpoints``)."""


def simulate(case: Case, strategy: str, threshold: float) -> Outcome:
    full = case.knowledge
    full_head = ctx.head_of(full)
    if START == "endpoints":
        start = full.model_copy(deep=True)
        start.observations = []
        start.unobservable = []
        session = TriageSession(start, threshold=threshold, strategy=strategy, ask_symptom=True)  # type: ignore[arg-type]
    else:
        session = TriageSession.start(case_id="bench", summary=case.facts.case.summary, threshold=threshold, strategy=strategy)  # type: ignore[arg-type]
    unknowns = context = asked = 0
    t0 = time.perf_counter()
    while asked < MAX_QUESTIONS:
        p = session.current_question()
        if p is None:
            break
        asked += 1
        if p.type == "symptom":
            session.answer(customer_symptom(full))
        elif p.type == "context":
            context += 1
            reply = slot_reply(full_head, p.key.partition(":")[2])
            unknowns += reply == "unknown"
            session.answer(reply)
        elif p.type == "conflict":
            session.answer("unknown")
        else:
            kind, _, at = p.key.partition("@")
            answer = truthful_answer(full, kind, at)
            if answer is None or answer[0] not in {o.id for o in p.options}:
                unknowns += 1
                session.answer("unknown")
            else:
                session.record(kind, at, answer[0], probe=answer[1])
    elapsed = time.perf_counter() - t0
    ranking = session.ranking() if session.kinds_known else None
    reached = wrong = None
    if ranking is not None and ranking.confident:
        top = ranking.beliefs[0].id
        reached, wrong = top == case.cause, (None if top == case.cause else top)
    d = session.diagnosis() if session.kinds_known else None
    first, conf = full_file_rules(case)
    ids = [b.id for b in ranking.beliefs] if ranking is not None else []
    rank = ids.index(case.cause) + 1 if case.cause in ids else None
    return Outcome(asked, context, bool(reached), wrong, bool(d and d.top and d.top.id == case.cause), unknowns, 1000 * elapsed / max(asked, 1), rank, first, conf)


def fmt_file(o: Outcome) -> str:
    return f"{o.file_confidence:.2f}{'' if o.file_first else ' (not first)'}"


def fmt_rank(o: Outcome) -> str:
    return "-" if o.stop_rank is None else str(o.stop_rank)


def fmt(o: Outcome) -> str:
    if o.reached:
        return str(o.questions)
    if o.wrong:
        return f"✗ wrong ({o.wrong}) after {o.questions}"
    return f"not reached ({o.questions} asked)"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def ratio(a: float, f: float) -> str:
    return f"{a / f:.2f}" if f not in (0, math.inf) and not math.isnan(f) and a != math.inf and not math.isnan(a) else "n/a"


_CASES: list[Case] = []
"""The cases of the current run (forked workers read them by index, nothing is pickled)."""


def _both(args: tuple[int, float]) -> tuple[Outcome, Outcome]:
    i, threshold = args
    return simulate(_CASES[i], "adaptive", threshold), simulate(_CASES[i], "fixed", threshold)


def run(threshold: float, jobs: int = 1) -> tuple[str, str, dict[str, Any]]:
    cases = load_cases()
    _CASES[:] = cases
    rows = []
    ad: list[Outcome] = []
    fx: list[Outcome] = []
    if jobs > 1:  # cases are independent: one process each, in the cases' order
        from multiprocessing import get_context

        with get_context("fork").Pool(jobs) as pool:
            results = pool.map(_both, [(i, threshold) for i in range(len(cases))], chunksize=1)
    else:
        results = [_both((i, threshold)) for i in range(len(cases))]
    for c, (a, f) in zip(cases, results):
        ad.append(a)
        fx.append(f)
        known = fmt_file(a) + (f" (with {', '.join(c.companions)})" if c.companions else "")
        rows.append(f"| {c.name} | {c.origin} | `{c.cause}` | {fmt(a)} | {fmt(f)} | {a.context} | {a.unknowns} | {fmt_rank(a)} | {'yes' if a.rules_first else 'no'} | {known} |")
    ex = [i for i, c in enumerate(cases) if c.origin in ("example", "held-out")]
    backed = [i for i in ex if ad[i].file_first and ad[i].file_confidence >= threshold]
    F: dict[str, Any] = {
        "cases": len(cases),
        "examples": len(ex),
        "reached_adaptive": sum(o.reached for o in ad),
        "reached_fixed": sum(o.reached for o in fx),
        "median_adaptive": median([o.count for o in ad]),
        "median_fixed": median([o.count for o in fx]),
        "examples_reached": sum(ad[i].reached for i in ex),
        "examples_reached_fixed": sum(fx[i].reached for i in ex),
        "examples_unreached": [cases[i].name for i in ex if not ad[i].reached],
        "examples_backed": len(backed),
        "examples_backed_reached": sum(ad[i].reached for i in backed),
        "examples_unbacked": [f"{cases[i].name} ({fmt_file(ad[i])})" for i in ex if i not in backed],
        "examples_median_adaptive": median([ad[i].count for i in ex]),
        "examples_median_fixed": median([fx[i].count for i in ex]),
        "examples_median_context": median([ad[i].context for i in ex]),
        "unreached_first": sum(1 for i in ex if not ad[i].reached and ad[i].stop_rank == 1),
        "unreached_top3": sum(1 for i in ex if not ad[i].reached and ad[i].stop_rank is not None and ad[i].stop_rank <= 3),
        "examples_incident": [cases[i].name for i in ex if cases[i].companions],
        "wrong_adaptive": sum(o.wrong is not None for o in ad),
        "wrong_fixed": sum(o.wrong is not None for o in fx),
        "wrong_cases": [f"{c.name}: {o.wrong}" for c, o in zip(cases, ad) if o.wrong],
        "ms_per_question": median([o.ms_per_question for o in ad]),
    }
    both = [(a.count, f.count) for a, f in zip(ad, fx) if a.reached and f.reached]
    F["both"] = len(both)
    F["both_median_adaptive"] = median([a for a, _ in both])
    F["both_median_fixed"] = median([f for _, f in both])
    summary = [
        f"- examples ({F['examples']}), from {'the symptom sentence only' if START == 'sentence' else 'the endpoints and cluster context'}: reached confidently {F['examples_reached']} of {F['examples']} (fixed order {F['examples_reached_fixed']}); "
        f"median questions {F['examples_median_adaptive']} against {F['examples_median_fixed']} in the guide's fixed order, ratio {ratio(F['examples_median_adaptive'], F['examples_median_fixed'])} "
        f"(target ≤ 0.50); of them values of the case (median) {F['examples_median_context']}",
        f"- examples never reached: {', '.join(F['examples_unreached']) or 'none'}; of them the true cause leads the posterior at the stop "
        f"in {F['unreached_first']}, is in its first three in {F['unreached_top3']}",
        f"- cases whose incident has other example files (the customer knows them: this file merged with them): "
        f"{', '.join(F['examples_incident']) or 'none'}",
        f"- examples whose full fact file the rule engine ranks first at ≥ {threshold} (what triage can reach if it asks for the right facts): "
        f"{F['examples_backed']}, reached {F['examples_backed_reached']}; the others' files lack the evidence for a confident answer: "
        f"{', '.join(F['examples_unbacked']) or 'none'}",
        f"- all {F['cases']} cases (examples and rule test cases): reached adaptive {F['reached_adaptive']}, fixed order {F['reached_fixed']}; "
        f"median over all (not reached = ∞) {F['median_adaptive']} against {F['median_fixed']}, ratio {ratio(F['median_adaptive'], F['median_fixed'])}; "
        f"cases both reach ({F['both']}): median {F['both_median_adaptive']} against {F['both_median_fixed']}, ratio {ratio(F['both_median_adaptive'], F['both_median_fixed'])}",
        f"- wrong confident answers: adaptive {F['wrong_adaptive']}, fixed order {F['wrong_fixed']} (target 0){': ' + '; '.join(F['wrong_cases']) if F['wrong_cases'] else ''}",
        f"- median time per question (posterior, gains, needs, rule engine): {F['ms_per_question']:.1f} ms",
    ]
    doc = [
        "# Triage benchmark",
        "",
        "Generated by `python bench/triage_bench.py` (see docs/triage.md). Every case starts from its **symptom sentence",
        "only** (the case summary): no endpoints, no cluster context, no observations. The simulated customer answers",
        "every prompt from the case's full fact file, \"don't know\" for whatever the file lacks: what fails (the guide's",
        "class its observations show), the values of the case (where it starts, what it reaches, the ClusterIP, the",
        "backends, the CNI...), and the observation questions. *adaptive* is `podnet triage`; *fixed* is the guide's order",
        "(ping, telnet, DNS, large packets, CNI checks, capture) with the same values-when-needed and stopping rule.",
        f"Figures are the number of prompts until the true cause is ranked first with posterior ≥ {threshold} and the rule",
        "engine ranks it first too, at 0.5 or more (RULE_FLOOR); *values* counts the prompts for values of the case, *unknown* the \"don't know\"",
        "answers (adaptive run); *rules first*: `podnet diagnose` of the gathered facts ranks the true cause first;",
        "*rank at stop*: the true cause's place in the posterior when the session stopped (adaptive run);",
        "*full file*: what `podnet diagnose` of the case's full fact file gives the true cause (its confidence, and",
        "whether it ranks first): below the threshold the file itself lacks the evidence for a confident answer.",
        "A ticket whose incident has other example files (same `source` in examples/expected.yaml) starts from the",
        "ticket's own sentence, and its customer answers from the ticket's file merged with them (\"with ...\"): what",
        "the reporter found later in the same thread, as a customer asked to run the check would.",
        "",
        "| case | from | true cause | adaptive | fixed order | values | unknown | rank at stop | rules first | full file |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        *summary,
        "",
    ]
    return "\n".join(doc), "\n".join(summary), F


def update_readme(doc: str) -> None:
    """README's triage block: the table's head, the examples' rows and the summary lines (the same
    block ``bench/update_readme.py`` writes from docs/triage-bench.md)."""
    path = ROOT / "README.md"
    text = path.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        return
    lines = doc.splitlines()
    head = [line for line in lines if line.startswith("| case |") or line.startswith("|---")][:2]
    rows = [line for line in lines if line.startswith("| ") and "| example |" in line]
    summary = [line for line in lines if line.startswith("- ")]
    block = "\n".join(head + rows + [""] + summary)
    text = re.sub(re.escape(README_START) + r"\n.*?" + re.escape(README_END), lambda _m: f"{README_START}\n{block}\n{README_END}", text, flags=re.S)
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    p.add_argument("--write", default=str(ROOT / "docs" / "triage-bench.md"), help="also write the table here, and README's triage summary ('-': neither)")
    p.add_argument("--only", help="run only cases whose name contains this text (no files written)")
    p.add_argument("--jobs", type=int, default=1, help="cases simulated in this many processes at once (the figures do not change; ms per question does under load)")
    p.add_argument("--heldout", metavar="NAMES", help="run held-out tickets instead (examples/heldout: comma-separated files, or 'all'; no files written)")
    p.add_argument("--sentence", choices=["read", "ignore"], default="read", help="ignore: triage does not read what the ticket's sentence names (kb/mentions.yaml), for comparison (no files written)")
    p.add_argument("--start", choices=["sentence", "endpoints"], default="sentence", help="endpoints: start from the full file's endpoints and cluster context, for comparison (no files written)")
    args = p.parse_args(argv)
    global START
    START = args.start
    if args.sentence == "ignore":
        from podnet.knowledge import mentions

        mentions.named = lambda text: []  # type: ignore[assignment]
    global load_cases
    if args.heldout:
        load_cases = lambda: load_heldout(args.heldout)  # noqa: E731
    if args.only:
        every = load_cases
        load_cases = lambda: [c for c in every() if args.only in c.name]  # noqa: E731
    text, _summary, _figures = run(args.threshold, args.jobs)
    sys.stdout.write(text)
    if args.write != "-" and not args.only and not args.heldout and args.start == "sentence" and args.sentence == "read":
        out = Path(args.write)
        old = out.read_text(encoding="utf-8") if out.exists() else ""
        if NOTES_HEADING in old:  # the hand-written analysis below the generated table is kept
            text = text.rstrip("\n") + "\n\n" + old[old.index(NOTES_HEADING) :]
        out.write_text(text, encoding="utf-8")
        update_readme(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
