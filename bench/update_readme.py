"""Refresh the generated parts of the README: the cause catalogue, the triage table (from
docs/triage-bench.md, made by bench/triage_bench.py) and, with --bench, the speed table.

    python bench/update_readme.py [--bench]
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
        out = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_diagnose.py"), "--markdown"], capture_output=True, text=True, check=True).stdout
        readme = re.sub(r"(<!-- bench:start -->\n).*?(<!-- bench:end -->)", lambda m: m.group(1) + out.strip() + "\n" + m.group(2), readme, flags=re.S)
    (ROOT / "README.md").write_text(readme)


if __name__ == "__main__":
    main()
