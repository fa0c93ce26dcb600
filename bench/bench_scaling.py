"""How the warm per-diagnosis cost grows with the number of rules and of observations (issue 16).

    python bench/bench_scaling.py [--rules 125,1000,5000] [--observations 10,100,1000] [--json]

Rules: the bundled rules are cloned (each clone a rule of its own, with its own id, the same
condition and conclusion) into a temporary ``--rules`` folder until the knowledge holds N rules;
each size runs in a child process with a cache folder of its own, and reports the compile time
and the median warm diagnosis of the curated examples (each example's median, then the median
over the examples). Observations: an example's observations repeated, each copy distinct (its
``id`` and ``note``), to N observations, diagnosed warm in this process. Every figure is also
given in work units (:mod:`workunit`, timed turn about with it). Nothing here asserts.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))

from workunit import work_unit  # noqa: E402

OBSERVATION_CASE = ROOT / "examples" / "clusterip-dual-address.json"


def curated_examples() -> list[Path]:
    """The examples with an expected cause (the tickets are shorter and vaguer) that this podnet
    reads (one written for a newer fact model is left out)."""
    from podnet import load_facts
    from podnet.errors import PodnetError

    out = []
    for p in sorted((ROOT / "examples").glob("*.json")):
        if p.name.startswith("ticket-"):
            continue
        try:
            load_facts(p)
        except PodnetError:
            continue
        out.append(p)
    return out


def clone_rules(folder: Path, total: int) -> int:
    """Write clones of the bundled rules into ``folder`` until bundled + clones = ``total``;
    returns the number of clones."""
    import yaml

    import podnet.rules

    root = Path(podnet.rules.__file__).parent  # the bundled rules podnet loads
    bundled = sorted(p for p in root.rglob("*.yaml") if not p.name.endswith(".test.yaml") and p.parent != root)
    needed = max(0, total - len(bundled))
    for n in range(needed):
        source = bundled[n % len(bundled)]
        doc = yaml.safe_load(source.read_text())
        doc["id"] = f"{doc['id']}-clone{n // len(bundled)}"
        target = folder / source.parent.name / f"{doc['id']}.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))
    return needed


def _median_case(diagnose_one, cases, rounds: int) -> tuple[float, float]:
    """(median over cases of each case's median seconds, median work unit seconds), turn about."""
    per_case: dict[int, list[float]] = {i: [] for i in range(len(cases))}
    units = []
    for _ in range(rounds):
        for i, facts in enumerate(cases):
            t = time.perf_counter()
            diagnose_one(facts)
            per_case[i].append(time.perf_counter() - t)
            t = time.perf_counter()
            work_unit()
            units.append(time.perf_counter() - t)
    return statistics.median(statistics.median(v) for v in per_case.values()), statistics.median(units)


def child_rules(folder: str, rounds: int) -> dict[str, float]:
    """In a child process: compile the bundled rules plus ``folder``'s, time warm diagnoses."""
    from podnet import load_facts
    from podnet.reasoning.diagnose import diagnose_facts, get_reasoner

    dirs = (folder,) if folder else ()
    t = time.perf_counter()
    reasoner = get_reasoner(dirs)
    compile_s = time.perf_counter() - t
    cases = [load_facts(p) for p in curated_examples()]
    for facts in cases:  # every rule set's engine built once, before timing
        diagnose_facts(facts, rule_dirs=dirs)
    median, unit = _median_case(lambda f: diagnose_facts(f, rule_dirs=dirs), cases, rounds)
    return {"rules": len(reasoner.knowledge.rules), "compile_ms": compile_s * 1000, "warm_ms": median * 1000, "unit_ms": unit * 1000}


def rules_scaling(sizes: list[int], rounds: int) -> list[dict[str, float]]:
    out = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="podnet-bench-rules-") as tmp:
            folder = Path(tmp) / "rules"
            folder.mkdir()
            clones = clone_rules(folder, size)
            env = dict(os.environ, PODNET_CACHE_DIR=str(Path(tmp) / "cache"))
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            args = [sys.executable, __file__, "--child-rules", str(folder) if clones else "", "--rounds", str(rounds)]
            r = subprocess.run(args, capture_output=True, text=True, env=env, check=True)
            out.append(json.loads(r.stdout))
    return out


def with_observations(case: dict, count: int) -> dict:
    """The case with ``count`` observations: its own repeated, each copy distinct by id and note."""
    out = copy.deepcopy(case)
    base = case["observations"]
    observations = []
    for n in range(count):
        o = dict(base[n % len(base)])
        o["id"] = f"copy{n // len(base)}-obs{n % len(base)}"
        o["note"] = f"{o.get('note', '')} (copy {n // len(base)})".strip()
        observations.append(o)
    out["observations"] = observations
    return out


def observations_scaling(sizes: list[int], rounds: int) -> list[dict[str, float]]:
    from podnet.facts.load import facts_from_data
    from podnet.reasoning.diagnose import diagnose_facts, get_reasoner

    os.environ["PODNET_MAX_OBSERVATIONS"] = str(max(sizes) * 2)
    get_reasoner()
    case = json.loads(OBSERVATION_CASE.read_text())
    out = []
    for size in sizes:
        facts = facts_from_data(with_observations(case, size))
        median, unit = _median_case(diagnose_facts, [facts], max(3, rounds // max(1, size // 100)))
        out.append({"observations": size, "warm_ms": median * 1000, "unit_ms": unit * 1000})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rules", default="125,1000,5000")
    ap.add_argument("--observations", default="10,100,1000")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--child-rules", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_rules is not None:
        print(json.dumps(child_rules(args.child_rules, args.rounds)))
        return
    rules = rules_scaling([int(n) for n in args.rules.split(",") if n], args.rounds) if args.rules else []
    observations = observations_scaling([int(n) for n in args.observations.split(",") if n], args.rounds) if args.observations else []
    if args.json:
        print(json.dumps({"rules": rules, "observations": observations}, indent=2))
        return
    print("| knowledge | compile once | warm diagnosis | work units |\n|---|---|---|---|")
    for r in rules:
        print(f"| {r['rules']:,.0f} rules | {r['compile_ms']:,.0f} ms | {r['warm_ms']:.2f} ms | {r['warm_ms'] / r['unit_ms']:.1f} |")
    for o in observations:
        print(f"| {o['observations']:,} observations | - | {o['warm_ms']:.2f} ms | {o['warm_ms'] / o['unit_ms']:.1f} |")


if __name__ == "__main__":
    main()
