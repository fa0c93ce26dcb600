"""Benchmark podnet diagnose: cold start next to a bare Python start, and warm per-diagnosis time.

    python bench/bench_diagnose.py [--runs 15] [--warm 300] [--markdown]

Figures are medians (and min) of wall time on this machine; cold ratios compare with
`python -c pass` (timed turn about with each command), warm figures with the bench's work unit
(bench/workunit.py, timed turn about too). Bytecode is written and the knowledge cache filled by
two runs before timing (a user's second run). Nothing here asserts: it reports.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))

from workunit import interleaved  # noqa: E402
CASE = ROOT / "examples" / "clusterip-dual-address.json"
PLAIN = ROOT / "examples" / "dns-coredns-crashloop.json"
"""A case without captures: no packet path to read, so networkx is never imported."""


def _time_cmd(cmd: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall time and CPU time (user + system of the child) of each run."""
    wall, cpu = [], []
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users have .pyc files: measure with them
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
        wall.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return wall, cpu


def cold(runs: int) -> dict[str, float]:
    # the console script installed beside this interpreter (not a PATH lookup: a pyenv shim on
    # PATH is a shell script that adds ~100 ms of its own)
    script = Path(sys.executable).parent / "podnet"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "podnet"]
    res: dict[str, float] = {}
    commands = {
        "bare": [sys.executable, "-c", "pass"],
        "": cmd + ["diagnose", str(CASE)],
        "plain_": cmd + ["diagnose", str(PLAIN)],
        "help_": cmd + ["--help"],
    }
    for command in commands.values():
        _time_cmd(command, 2)  # warm the page cache, .pyc files and knowledge cache
    # interleaved, so that a slower or faster spell of the machine touches all three alike
    wall: dict[str, list[float]] = {k: [] for k in commands}
    cpu: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(runs):
        for key, command in commands.items():
            w, c = _time_cmd(command, 1)
            wall[key] += w
            cpu[key] += c
    res["bare_python_ms"] = statistics.median(wall["bare"]) * 1000
    res["bare_python_cpu_ms"] = statistics.median(cpu["bare"]) * 1000
    for label in ("", "plain_", "help_"):
        res[f"cold_{label}diagnose_ms"] = statistics.median(wall[label]) * 1000
        res[f"cold_{label}diagnose_min_ms"] = min(wall[label]) * 1000
        res[f"cold_{label}diagnose_cpu_ms"] = statistics.median(cpu[label]) * 1000
        res[f"{label}ratio"] = statistics.median(wall[label]) / statistics.median(wall["bare"])
        res[f"{label}cpu_ratio"] = statistics.median(cpu[label]) / statistics.median(cpu["bare"])
    return res


_STAGES = r"""
import gc, sys, time
gc.set_threshold(100_000, *gc.get_threshold()[1:])  # as the podnet command does (checked below)
marks = []
def mark(name):
    marks.append((name, time.process_time()))
mark("start")
import podnet, podnet.cli.main
assert gc.get_threshold()[0] == podnet.cli.main.GC_YOUNG_THRESHOLD, "bench: update the stages' GC threshold"
mark("podnet and its command line")
import pydantic
from pydantic import BaseModel
mark("pydantic")
import podnet.facts.model
mark("the fact models (classes of every observation kind)")
from podnet.facts.merge import load_many
facts = load_many([sys.argv[1]])
mark("the case read and validated (schemas of the kinds it uses)")
import podnet.reasoning.diagnose
mark("the reasoning modules (experta included)")
from podnet.knowledge.load import load_knowledge
load_knowledge(())
mark("the knowledge, from its cache")
result = podnet.diagnose(facts)
mark("the diagnosis: rules compiled, engine built and run, texts (Jinja2...)")
from podnet.cli.output import render_report
render_report(result, "text")
mark("the text report")
print(repr([(n, t - marks[0][1]) for n, t in marks[1:]] + [("end", time.process_time())]))
gc.freeze()  # as the podnet command does before the interpreter shuts down
"""


def stages(case: Path, runs: int) -> list[tuple[str, float]]:
    """Where a cold diagnosis spends its CPU time: each stage's median over ``runs`` fresh
    interpreters, in ms (the interpreter's own start is the bare Python figure)."""
    import ast

    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    per: dict[str, list[float]] = {}
    order: list[str] = []
    exit_name = "the interpreter's exit (objects frozen first, as the command does)"
    for _ in range(runs):
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run([sys.executable, "-c", _STAGES, str(case)], capture_output=True, text=True, env=env, check=True).stdout
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        child = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
        before = 0.0
        *marks, (_, end) = ast.literal_eval(out.strip().splitlines()[-1])
        for name, t in [*marks, (exit_name, marks[-1][1] + max(0.0, child - end))]:
            if name not in per:
                per[name] = []
                order.append(name)
            per[name].append((t - before) * 1000)
            before = t
    return [(name, statistics.median(per[name])) for name in order]


def warm(n: int) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    t = time.perf_counter()
    from podnet import diagnose, load_facts
    from podnet.errors import PodnetError
    from podnet.reasoning.diagnose import analyse, get_reasoner

    import_ms = (time.perf_counter() - t) * 1000
    facts = load_facts(CASE)
    t = time.perf_counter()
    reasoner = get_reasoner()
    build_ms = (time.perf_counter() - t) * 1000
    full, unit = interleaved(lambda: diagnose(facts), n)
    engine, engine_unit = interleaved(lambda: analyse(facts), n)
    plain = load_facts(PLAIN)
    plain_full, plain_unit = interleaved(lambda: diagnose(plain), n)
    curated = []
    for p in sorted((ROOT / "examples").glob("*.json")):
        if p.name.startswith("ticket-"):
            continue
        try:
            curated.append(load_facts(p))
        except PodnetError as exc:  # an example written for a newer fact model than this podnet's
            print(f"bench_diagnose: left out {p.name}: {exc}", file=sys.stderr)
    per_example = [interleaved(lambda f=f: diagnose(f), max(5, n // 20)) for f in curated]
    median_example = statistics.median(a for a, _ in per_example)
    median_unit = statistics.median(b for _, b in per_example)
    return {
        "warm_plain_diagnosis_ms": plain_full * 1000,
        "warm_plain_units": plain_full / plain_unit,
        "plain_observations": len(plain.observations),
        "import_ms": import_ms,
        "load_and_compile_ms": build_ms,
        "rules": len(reasoner.knowledge.rules),
        "observations": len(facts.observations),
        "warm_diagnosis_ms": full * 1000,
        "warm_units": full / unit,
        "warm_engine_only_ms": engine * 1000,
        "warm_engine_units": engine / engine_unit,
        "examples": len(curated),
        "warm_examples_median_ms": median_example * 1000,
        "warm_examples_units": median_example / median_unit,
        "work_unit_ms": median_unit * 1000,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--warm", type=int, default=300)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    res: dict[str, Any] = {**cold(args.runs), **warm(args.warm)}
    res["stages"] = {c.name: stages(c, max(5, args.runs // 2)) for c in (CASE, PLAIN)}
    if args.json:
        print(json.dumps(res, indent=2))
        return
    rows = [
        ("bare `python -c pass`", f"{res['bare_python_ms']:.0f} ms wall, {res['bare_python_cpu_ms']:.0f} ms CPU"),
        (
            f"cold `podnet diagnose` {CASE.name} (captures: draws the packet path)",
            f"{res['cold_diagnose_ms']:.0f} ms wall (min {res['cold_diagnose_min_ms']:.0f}), {res['cold_diagnose_cpu_ms']:.0f} ms CPU",
        ),
        ("  ratio to bare Python", f"{res['ratio']:.1f}x wall, {res['cpu_ratio']:.1f}x CPU"),
        (
            f"cold `podnet diagnose` {PLAIN.name} (no captures)",
            f"{res['cold_plain_diagnose_ms']:.0f} ms wall (min {res['cold_plain_diagnose_min_ms']:.0f}), {res['cold_plain_diagnose_cpu_ms']:.0f} ms CPU",
        ),
        ("  ratio to bare Python", f"{res['plain_ratio']:.1f}x wall, {res['plain_cpu_ratio']:.1f}x CPU"),
        ("cold `podnet --help`", f"{res['cold_help_diagnose_ms']:.0f} ms wall, {res['cold_help_diagnose_cpu_ms']:.0f} ms CPU"),
        ("  ratio to bare Python", f"{res['help_ratio']:.1f}x wall, {res['help_cpu_ratio']:.1f}x CPU"),
        ("knowledge load (cached) + rule index, once per process (each rule compiles on first use)", f"{res['load_and_compile_ms']:.0f} ms for {res['rules']} rules"),
        ("work unit (bench/workunit.py)", f"{res['work_unit_ms']:.2f} ms"),
        (
            f"warm diagnosis, full report model, median of the {res['examples']} curated examples",
            f"{res['warm_examples_median_ms']:.2f} ms = {res['warm_examples_units']:.1f} work units",
        ),
        (
            f"warm diagnosis, {CASE.name}",
            f"{res['warm_diagnosis_ms']:.2f} ms = {res['warm_units']:.1f} units ({res['observations']} observations, packet path drawn)",
        ),
        ("  engine only (enrich + path + declare + run)", f"{res['warm_engine_only_ms']:.2f} ms = {res['warm_engine_units']:.1f} units"),
        (
            f"warm diagnosis, {PLAIN.name}",
            f"{res['warm_plain_diagnosis_ms']:.2f} ms = {res['warm_plain_units']:.1f} units ({res['plain_observations']} observations)",
        ),
    ]
    bare = res["bare_python_cpu_ms"]
    names = list(res["stages"])
    stage_rows = [("interpreter start (bare `python -c pass`)", *[f"{bare:.0f} ms ({1:.1f}x)" for _ in names])]
    for i, (stage, _) in enumerate(res["stages"][names[0]]):
        stage_rows.append((stage, *[f"{res['stages'][n][i][1]:.0f} ms ({res['stages'][n][i][1] / bare:.1f}x)" for n in names]))
    totals = [bare + sum(ms for _, ms in res["stages"][n]) for n in names]
    stage_rows.append(("total", *[f"{t:.0f} ms ({t / bare:.1f}x)" for t in totals]))
    if args.markdown:
        print("| measure | value |\n|---|---|")
        for k, v in rows:
            print(f"| {k} | {v} |")
        print(f"\nWhere a cold diagnosis spends its CPU time (median of fresh interpreters, ms, and as a multiple of a bare Python start):\n")
        print("| stage | " + " | ".join(f"`{n}`" for n in names) + " |\n|---|" + "---|" * len(names))
        for row in stage_rows:
            print("| " + " | ".join(row) + " |")
    else:
        for k, v in rows:
            print(f"{k:<52} {v}")
        print()
        for row in stage_rows:
            print(f"{row[0]:<70} " + "  ".join(f"{c:>16}" for c in row[1:]))


if __name__ == "__main__":
    main()
