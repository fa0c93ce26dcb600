"""Benchmark podnet diagnose: cold start next to a bare Python start, and warm per-diagnosis time.

    python bench/bench_diagnose.py [--runs 15] [--warm 300] [--markdown]

Figures are medians (and min) of wall time on this machine; ratios compare with `python -c pass`.
Nothing here asserts: it reports.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "examples" / "clusterip-dual-address.json"


def _time_cmd(cmd: list[str], runs: int) -> list[float]:
    out = []
    env = dict(os.environ)
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
        out.append(time.perf_counter() - t)
    return out


def cold(runs: int) -> dict[str, float]:
    podnet = shutil.which("podnet") or ""
    cmd = [podnet] if podnet else [sys.executable, "-m", "podnet"]
    _time_cmd(cmd + ["diagnose", str(CASE)], 2)  # warm the page cache and .pyc files
    bare = _time_cmd([sys.executable, "-c", "pass"], runs)
    diag = _time_cmd(cmd + ["diagnose", str(CASE)], runs)
    return {
        "bare_python_ms": statistics.median(bare) * 1000,
        "cold_diagnose_ms": statistics.median(diag) * 1000,
        "cold_diagnose_min_ms": min(diag) * 1000,
        "ratio": statistics.median(diag) / statistics.median(bare),
    }


def warm(n: int) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    t = time.perf_counter()
    from podnet import diagnose, load_facts
    from podnet.reasoning.diagnose import analyse, get_reasoner

    import_ms = (time.perf_counter() - t) * 1000
    facts = load_facts(CASE)
    t = time.perf_counter()
    reasoner = get_reasoner()
    build_ms = (time.perf_counter() - t) * 1000
    diagnose(facts)
    samples, engine_samples = [], []
    for _ in range(n):
        t = time.perf_counter()
        diagnose(facts)
        samples.append(time.perf_counter() - t)
    for _ in range(n):
        t = time.perf_counter()
        analyse(facts)
        engine_samples.append(time.perf_counter() - t)
    return {
        "import_ms": import_ms,
        "load_and_compile_ms": build_ms,
        "rules": len(reasoner.knowledge.rules),
        "observations": len(facts.observations),
        "warm_diagnosis_ms": statistics.median(samples) * 1000,
        "warm_engine_only_ms": statistics.median(engine_samples) * 1000,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--warm", type=int, default=300)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    res = {**cold(args.runs), **warm(args.warm)}
    if args.json:
        print(json.dumps(res, indent=2))
        return
    rows = [
        ("bare `python -c pass`", f"{res['bare_python_ms']:.0f} ms"),
        ("cold `podnet diagnose` (ClusterIP example)", f"{res['cold_diagnose_ms']:.0f} ms (min {res['cold_diagnose_min_ms']:.0f})"),
        ("cold / bare", f"{res['ratio']:.1f}x"),
        ("knowledge load + rule compile (once per process)", f"{res['load_and_compile_ms']:.0f} ms for {res['rules']} rules"),
        ("warm diagnosis, full report model", f"{res['warm_diagnosis_ms']:.2f} ms ({res['observations']} observations)"),
        ("warm engine only (enrich + declare + run)", f"{res['warm_engine_only_ms']:.2f} ms"),
    ]
    if args.markdown:
        print("| measure | value |\n|---|---|")
        for k, v in rows:
            print(f"| {k} | {v} |")
    else:
        for k, v in rows:
            print(f"{k:<52} {v}")


if __name__ == "__main__":
    main()
