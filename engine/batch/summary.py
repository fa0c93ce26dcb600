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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..knowledge.model import Lang

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

    def lines(self, seconds: float, engine: str, lang: Lang = "en") -> list[str]:
        """The summary in ``lang`` (``batch_*`` of kb/messages/cli.yaml), one line each (values are
        already one-line and escaped in the records)."""
        from ..messages import render
        from ..render.safe import visible
        from ..render.terminal import cell_len

        def say(code: str, **fields: object) -> str:
            return render("cli", code, lang, fields)

        rate = say("batch_rate", rate=self.cases / seconds) if seconds > 0 and self.cases else ""
        errors = self.statuses.get("error", 0)
        out = [
            say("batch_summary", cases=self.cases, seconds=seconds, engine=engine, rate=rate,
                with_cause=self.statuses.get("cause", 0), without=self.statuses.get("no_cause", 0), errors=errors)
        ]
        if self.top_causes or self.statuses.get("no_cause"):
            no_cause = say("batch_no_cause")
            width = max([cell_len(c) for c in self.top_causes] + [cell_len(no_cause)])

            def pad(text: str) -> str:
                return text + " " * (width - cell_len(text))

            out.append(f"  {pad(say('batch_top_cause'))}  {say('batch_cases')}")
            for cause, count in sorted(self.top_causes.items(), key=lambda kv: (-kv[1], kv[0])):
                out.append(f"  {pad(cause)}  {count:>5,}")
            if self.statuses.get("no_cause"):
                out.append(f"  {pad(no_cause)}  {self.statuses['no_cause']:>5,}")
        if errors:
            codes = ", ".join(f"{code} {count:,}" for code, count in sorted(self.error_codes.items(), key=lambda kv: (-kv[1], kv[0])))
            out.append(f"  {say('batch_errors')}: {codes}")
            out += [f"    {visible(e)}" for e in self.first_errors]
            if errors > len(self.first_errors):
                out.append(f"    {say('batch_more_errors')}")
        return out
