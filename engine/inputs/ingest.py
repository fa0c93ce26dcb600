"""``ingest(path)``: raw command output (a folder or one transcript) -> a validated fact file.

    result = ingest("ticket-4711/", context={"case": {"id": "T-4711"}})
    result.facts      # FactFile
    result.warnings   # [IngestWarning(location="ticket-4711/ping.txt:7", message=...)]

A folder may hold a ``context.json`` (case, cluster, endpoints); the ``context`` argument is
merged over it, and both win over what is inferred from the output, field by field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import FactFileError, InputError
from ..facts.load import facts_from_data, validate_observation
from ..facts.model import FactFile
from .assemble import Assembly
from .model import IngestWarning, Record
from .transcript import read_input

MAX_RAW_BYTES = 16 * 1024 * 1024
"""Raw input larger than this (all files together) is refused before it is parsed."""


@dataclass
class IngestResult:
    """The fact file built from raw output, and what could not be used (file:line + message)."""

    facts: FactFile
    warnings: list[IngestWarning] = field(default_factory=list)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _context_file(path: Path) -> dict[str, Any]:
    file = path / "context.json" if path.is_dir() else None
    if file is None or not file.is_file():
        return {}
    try:
        data = json.loads(file.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f"{file}:{exc.lineno}" if isinstance(exc, json.JSONDecodeError) else str(file)
        raise InputError(f"context file is not valid JSON: {exc}", location=where, code="E-INGEST-CONTEXT") from None
    if not isinstance(data, dict):
        raise InputError("context file must be a JSON object", location=str(file), code="E-INGEST-CONTEXT")
    return data


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def parse_runs(path: Path, warnings: list[IngestWarning]) -> list[Record]:
    """Split the input into command runs and parse each; problems become warnings."""
    from .raw import PARSERS

    records: list[Record] = []
    for run in read_input(path, warnings):
        if run.family is None:
            if run.command:
                word = run.argv[0] if run.argv else run.command.split()[0]
                warnings.append(IngestWarning.of(run.where(), "no_parser", word=word))
            elif run.nonblank:
                warnings.append(IngestWarning.of(run.where(), "output_not_recognised"))
            continue
        if not run.nonblank:
            warnings.append(IngestWarning.of(run.where(), "no_output", command=run.command or run.family))
            continue
        try:
            result = PARSERS[run.family](run)
        except Exception as exc:  # noqa: BLE001 - one odd output must never stop the rest
            warnings.append(IngestWarning.of(run.where(), "parse_failed", family=run.family, error=f"{type(exc).__name__}: {exc}"))
            continue
        records.extend(result.records)
        warnings.extend(result.warnings)
    return records


def ingest(path: str | Path, context: dict[str, Any] | None = None) -> IngestResult:
    """Build a fact file from a folder of command outputs or one pasted transcript."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file or folder", location=str(path), code="E-INGEST-MISSING")
    size = _size(path)
    if size > MAX_RAW_BYTES:
        raise InputError(f"raw input is {size} bytes, more than the {MAX_RAW_BYTES}-byte limit", location=str(path), code="E-INGEST-SIZE")
    ctx = _merge(_context_file(path), context or {})
    warnings: list[IngestWarning] = []
    records = parse_runs(path, warnings)
    if not records:
        first = f" (first problem: {warnings[0]})" if warnings else ""
        raise InputError(f"no command output podnet understands was found{first}", location=str(path), code="E-INGEST-EMPTY")
    case_id = re.sub(r"[^\w.-]+", "-", path.stem if path.is_file() else path.name).strip("-") or "raw-input"
    data = Assembly(records, ctx, warnings, f"raw-{case_id}").build()
    observations = data.pop("observations")
    facts = facts_from_data({**data, "observations": []}, origin=f"{path} (context + inferred endpoints)")
    kept: list[Any] = []
    for where, item in observations:
        try:
            kept.append(validate_observation(item, len(kept), where))
        except FactFileError as exc:
            warnings.append(IngestWarning.of(where, "observation_invalid", kind=item["kind"], error=exc.one_line()))
    facts.observations = kept  # type: ignore[assignment]
    return IngestResult(facts, warnings)
