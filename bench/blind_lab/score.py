#!/usr/bin/env python3
"""Score a blind-lab run (results.json of ``lab.py run``) against mapping.yaml.

mapping.yaml, written after the run from ``podnet rules list`` / ``podnet explain CAUSE``,
lists per fault the podnet cause ids that say what faults.yaml's ``match`` asks for.

Per fault and variant: ``first`` (the first cause matches), ``top3`` (a matching cause among the
first three), ``confident_wrong`` (a cause that does not match at confidence >= 0.8), ``none``
(no cause named).  The control ``none`` counts as right when no cause is named at >= 0.5.

Usage: python3 bench/blind_lab/score.py RESULTS_JSON [--markdown]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent


def score(results: list[dict[str, Any]], mapping: dict[str, list[str]]) -> list[dict[str, Any]]:
    rows = []
    for res in results:
        fault, causes = res["fault"], res["causes"]
        ok = set(mapping.get(fault) or [])
        ids = [c[0] for c in causes]
        if fault == "none":
            first = top3 = not any(c[1] >= 0.5 for c in causes)
            wrong = any(c[1] >= 0.8 for c in causes)
        else:
            first = bool(ids) and ids[0] in ok
            top3 = any(i in ok for i in ids[:3])
            wrong = any(c[1] >= 0.8 and c[0] not in ok for c in causes)
        rows.append({"fault": fault, "variant": res["variant"], "first": first, "top3": top3,
                     "confident_wrong": wrong, "no_cause": not causes,
                     "causes": causes[:3], "symptoms": res.get("symptoms", []),
                     "seconds": res.get("seconds")})
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    out = []
    for variant in sorted({r["variant"] for r in rows}, reverse=True):
        sel = [r for r in rows if r["variant"] == variant]
        out.append(f"\n#### variant `{variant}`\n")
        out.append("| fault | top causes (confidence) | first | top 3 | wrong >= 0.8 | no cause |")
        out.append("|---|---|---|---|---|---|")
        for r in sel:
            causes = ", ".join(f"`{c[0]}` {c[1]:.2f}" for c in r["causes"]) or "(none)"
            yn = {True: "yes", False: "-"}
            out.append(f"| {r['fault']} | {causes} | {yn[r['first']]} | {yn[r['top3']]} | "
                       f"{yn[r['confident_wrong']]} | {yn[r['no_cause']]} |")
        faults = [r for r in sel if r["fault"] != "none"]
        ctrl = [r for r in sel if r["fault"] == "none"]
        n = len(faults)
        out.append("")
        out.append(f"Totals ({variant}, {n} faults): first cause right "
                   f"{sum(r['first'] for r in faults)}/{n}, in top 3 {sum(r['top3'] for r in faults)}/{n}, "
                   f"confident wrong {sum(r['confident_wrong'] for r in faults)}/{n}, "
                   f"no cause {sum(r['no_cause'] for r in faults)}/{n}"
                   + (f"; healthy control: {'no cause >= 0.5' if ctrl[0]['first'] else 'FALSE ALARM'}"
                      if ctrl else ""))
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--mapping", default=str(HERE / "mapping.yaml"))
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    results = json.loads(Path(args.results).read_text())
    mapping = {k: (v or {}).get("podnet_causes", []) for k, v in
               (yaml.safe_load(Path(args.mapping).read_text()) or {}).items()}
    rows = score(results, mapping)
    if args.markdown:
        print(markdown(rows))
    else:
        print(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
