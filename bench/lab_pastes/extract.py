"""Extract (question, printed command, pasted output, outcome) records from the blind lab's triage
transcripts (bench/blind_lab/out-triage/*.md, written by bench/blind_lab/triage_lab.py: podnet's own
printed commands run in a namespace lab built by another session, their real output pasted back).

    python bench/lab_pastes/extract.py bench/blind_lab/out-triage > bench/lab_pastes/records.jsonl
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

SECTION = re.compile(r"^## \d+\. `([^`]+)` \((\w+)\)$")


def _block(lines: list[str], i: int) -> tuple[str, int]:
    """The fenced block starting at or after line ``i``: (text, index after it)."""
    while i < len(lines) and not lines[i].startswith("```"):
        i += 1
    j = i + 1
    out = []
    while j < len(lines) and not lines[j].startswith("```"):
        out.append(lines[j])
        j += 1
    return "\n".join(out), j + 1


def records(path: Path) -> list[dict[str, object]]:
    fault, _, mode = path.stem.partition(".")
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[dict[str, object]] = []
    cur: dict[str, object] | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        m = SECTION.match(line)
        if m:
            cur = {"fault": fault, "mode": mode, "key": m.group(1), "type": m.group(2)}
            i += 1
            continue
        if cur is None:
            i += 1
            continue
        if line == "Printed command:":
            cur["command"], i = _block(lines, i + 1)
            continue
        if line == "Pasted:":
            cur["paste"], i = _block(lines, i + 1)
            continue
        if line.startswith("**Paste refused:**"):
            cur["outcome"] = "refused"
            cur["message"] = line.split("**", 2)[2].strip()
            if cur.get("type") == "observation" and "paste" in cur:
                out.append(cur)
        elif line.startswith("- The paste answers this question"):
            cur["outcome"] = "answers"
            if cur.get("type") == "observation" and "paste" in cur:
                out.append(cur)
        elif line.startswith("- The paste does not answer this question"):
            cur["outcome"] = "not_answers"
            if cur.get("type") == "observation" and "paste" in cur:
                out.append(cur)
        i += 1
    return out


def main(folder: str) -> None:
    seen = set()
    for path in sorted(Path(folder).glob("*.md")):
        if path.name == "report.md":
            continue
        for r in records(path):
            ident = (r["key"], r["paste"])
            if ident in seen:
                continue
            seen.add(ident)
            print(json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
