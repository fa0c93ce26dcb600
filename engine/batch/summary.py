"""The end of a batch on stderr: how many cases, how fast, cases per top cause, errors; the exit code.

Exit codes of ``podnet batch`` (README, "exit code" table):

* 0 — every case was diagnosed (with or without a cause: see each record's ``status``);
* 2 — at least one case is bad input (its record holds the located error; every other case was
  diagnosed), or the command line is wrong (nothing ran);
* 3 — the knowledge is bad (a ``--rules`` folder): nothing ran;
* 70 — at least one case hit an internal error (its record says so; the others were diagnosed).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

SHOWN_ERRORS = 3
"""Error records named (by location) in the summary; every one is in the output."""


@dataclass
class Summary:
    """Counts over a batch's records, fed one record at a time."""

    cases: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    top_causes: Counter[str] = field(default_factory=Counter)
    error_codes: Counter[str] = field(default_factory=Counter)
    error_exits: Counter[int] = field(default_factory=Counter)
    first_errors: list[str] = field(default_factory=list)

    def add(self, record: dict[str, Any]) -> None:
        self.cases += 1
        status = record["status"]
        self.statuses[status] += 1
        if status == "cause":
            self.top_causes[record["causes"][0]["id"]] += 1
        elif status == "error":
            error = record["error"]
            self.error_codes[error["code"]] += 1
            self.error_exits[record["exit"]] += 1
            if len(self.first_errors) < SHOWN_ERRORS:
                self.first_errors.append(f"{error['code']} {error['location']}: {error['message']}")

    @property
    def exit_code(self) -> int:
        if self.error_exits.get(70):
            return 70
        if self.error_exits:
            return max(self.error_exits)
        return 0

    def lines(self, seconds: float, engine: str) -> list[str]:
        """The summary, one line each (values are already one-line and escaped in the records)."""
        from ..render.safe import visible

        rate = f", {self.cases / seconds:,.0f} cases/s" if seconds > 0 and self.cases else ""
        errors = self.statuses.get("error", 0)
        out = [
            f"podnet batch: {self.cases:,} cases in {seconds:.1f} s ({engine}{rate}): "
            f"{self.statuses.get('cause', 0):,} with a cause, {self.statuses.get('no_cause', 0):,} without, {errors:,} errors"
        ]
        if self.top_causes or self.statuses.get("no_cause"):
            width = max([len(c) for c in self.top_causes] + [len("(no cause)")])
            out.append(f"  {'top cause':<{width}}  cases")
            for cause, count in sorted(self.top_causes.items(), key=lambda kv: (-kv[1], kv[0])):
                out.append(f"  {cause:<{width}}  {count:>5,}")
            if self.statuses.get("no_cause"):
                out.append(f"  {'(no cause)':<{width}}  {self.statuses['no_cause']:>5,}")
        if errors:
            codes = ", ".join(f"{code} {count:,}" for code, count in sorted(self.error_codes.items(), key=lambda kv: (-kv[1], kv[0])))
            out.append(f"  errors: {codes}")
            out += [f"    {visible(e)}" for e in self.first_errors]
            if errors > len(self.first_errors):
                out.append(f"    ... every error is in its case's record (\"status\": \"error\")")
        return out
