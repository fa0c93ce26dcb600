"""Refresh the generated parts of the README: the cause catalogue, the triage table (from
docs/triage-bench.md, made by bench/triage_bench.py) and, with --bench, the speed tables.

    python bench/update_readme.py [--bench [--batch-cases 100000] [--ray-cases 20000]]

``--bench`` runs bench_diagnose.py (cold start and warm diagnosis), bench_scaling.py (rules and
observations) and bench_batch.py (``podnet batch`` throughput and memory, Ray local mode), about
10 minutes with the default sizes on the 2-core machine, and writes each table between its
markers (``bench``, ``scaling``, ``batch``).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _option(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def main() -> None:
    from podnet.knowledge.catalogue import catalogue_markdown
    from podnet.knowledge.load import load_knowledge

    readme = (ROOT / "README.md").read_text()
    table = catalogue_markdown(load_knowledge())
    readme = re.sub(r"(<!-- catalogue:start -->\n).*?(<!-- catalogue:end -->)", lambda m: m.group(1) + table + "\n" + m.group(2), readme, flags=re.S)
    triage = (ROOT / "docs" / "triage-bench.md").read_text().splitlines()
    head = [line for line in triage if line.startswith("| case |") or line.startswith("|---")][:2]
    rows = [line for line in triage if line.startswith("| ") and "| example |" in line]
    summary = [line for line in triage if line.startswith("- ") and ("median" in line or "wrong confident" in line)]
    block = "\n".join(head + rows + [""] + summary)
    readme = re.sub(r"(<!-- triage:start -->\n).*?(<!-- triage:end -->)", lambda m: m.group(1) + block + "\n" + m.group(2), readme, flags=re.S)
    if "--bench" in sys.argv:
        batch = _option("--batch-cases", "100000")
        ray = _option("--ray-cases", "20000")
        runs = {
            "bench": ["bench_diagnose.py", "--markdown"],
            "scaling": ["bench_scaling.py"],
            "batch": ["bench_batch.py", "--markdown", "--cases", batch, "--ray", "--ray-cases", ray],
        }
        for marker, command in runs.items():
            out = subprocess.run([sys.executable, str(ROOT / "bench" / command[0]), *command[1:]], capture_output=True, text=True, check=True).stdout
            readme = re.sub(
                rf"(<!-- {marker}:start -->\n).*?(<!-- {marker}:end -->)", lambda m: m.group(1) + out.strip() + "\n" + m.group(2), readme, flags=re.S
            )
    (ROOT / "README.md").write_text(readme)


if __name__ == "__main__":
    main()
