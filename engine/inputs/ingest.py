"""``ingest(path)``: raw command output (a folder or one transcript) -> a validated fact file.

    result = ingest("ticket-4711/", context={"case": {"id": "T-4711"}})
    result.facts      # FactFile
    result.warnings   # [IngestWarning(location="ticket-4711/ping.txt:7", message=...)]

A folder may hold a ``context.json`` (case, cluster, endpoints); the ``context`` argument is
merged over it, and both win over what is inferred from the output, field by field.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import FactFileError, InputError
from ..facts.load import check_observation_count, facts_from_data, parse_json_int, validate_observation
from ..facts.model import FactFile
from ..facts.verdicts import enrich_firewalls
from ..files import check_regular, read_regular, too_large
from ..limits import max_fact_bytes, max_raw_bytes
from .assemble import Assembly
from .commands import sniff_family
from .model import Host, IngestWarning, Record
from .transcript import read_input

MAX_RAW_BYTES = 16 * 1024 * 1024
"""The default limit on raw input (all files together), refused before it is parsed; the
``PODNET_MAX_RAW_BYTES`` environment variable changes it (:mod:`podnet.limits`)."""


@dataclass
class IngestResult:
    """The fact file built from raw output, and what could not be used (file:line + message)."""

    facts: FactFile
    warnings: list[IngestWarning] = field(default_factory=list)


def _size(path: Path) -> int:
    """Bytes of the regular files a folder holds (what will be read), or of one file."""
    if not path.is_dir():
        return path.stat().st_size
    total = 0
    for p in path.rglob("*"):
        try:
            st = p.stat()
        except OSError:
            continue  # reported when the files are read
        if stat.S_ISREG(st.st_mode):
            total += st.st_size
    return total


def _context_file(path: Path) -> dict[str, Any]:
    file = path / "context.json" if path.is_dir() else None
    if file is None or not os.path.lexists(file):
        return {}
    data_bytes = read_regular(str(file), max_fact_bytes(), prefix="E-INGEST-CONTEXT")
    try:
        data = json.loads(data_bytes.decode("utf-8-sig"), parse_int=parse_json_int)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
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
    from .raw import PARSERS, QUIET_WHEN_OK
    from .raw.sudo import sudo_lookups

    records: list[Record] = []
    for run in read_input(path, warnings):
        found, run = sudo_lookups(run)  # sudo's own "unable to resolve host" lines, before its command's output
        records.extend(found.records)
        if run.family is None and run.command and (sniffed := sniff_family([t for _, t in run.output])) is not None:
            # an alias or a wrapper podnet does not know (`pods | grep coredns`) whose output is recognisable
            word = run.argv[0] if run.argv else run.command.split()[0]
            warnings.append(IngestWarning.of(run.where(), "output_sniffed", word=word, family=sniffed))
            run.family = sniffed
            if sniffed.startswith("kubectl_") and sniffed != "kubectl_logs":
                run.host = Host("control", run.host.name if run.host else None, None, "kubectl")
        if run.family is None:
            if run.command:
                word = run.argv[0] if run.argv else run.command.split()[0]
                warnings.append(IngestWarning.of(run.where(), "no_parser", word=word))
            elif run.nonblank:
                warnings.append(IngestWarning.of(run.where(), "output_not_recognised"))
            continue
        if not run.nonblank and not (run.family in QUIET_WHEN_OK and run.ended_by_prompt):
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
    if str(path) != "-":
        check_regular(str(path), prefix="E-INGEST", folder_ok=True)
        size = _size(path)
        if size > max_raw_bytes():
            raise too_large(str(path), max_raw_bytes(), "E-INGEST", "PODNET_MAX_RAW_BYTES", size)
    ctx = _merge(_context_file(path), context or {})
    warnings: list[IngestWarning] = []
    records = parse_runs(path, warnings)
    if not records:
        first = f" (first problem: {warnings[0]})" if warnings else ""
        raise InputError(f"no command output podnet understands was found{first}", location=str(path), code="E-INGEST-EMPTY")
    stem = "stdin" if str(path) == "-" else path.stem if path.is_file() else path.name
    case_id = re.sub(r"[^\w.-]+", "-", stem).strip("-") or "raw-input"
    data = Assembly(records, ctx, warnings, f"raw-{case_id}").build()
    return IngestResult(assembled_facts(data, warnings, str(path)), warnings)


def assembled_facts(data: dict[str, Any], warnings: list[IngestWarning], origin: str) -> FactFile:
    """The fact file of :meth:`Assembly.build`'s data: each observation validated on its own (an
    invalid one is a located warning, the rest kept), each firewall's verdicts traced. Shared by
    ``podnet ingest`` and ``podnet collect`` (whose records go through the same assembly)."""
    observations = data.pop("observations")
    check_observation_count(len(observations), origin)
    facts = facts_from_data({**data, "observations": []}, origin=f"{origin} (context + inferred endpoints)")
    kept: list[Any] = []
    for where, item in observations:
        try:
            kept.append(validate_observation(item, len(kept), where))
        except FactFileError as exc:
            warnings.append(IngestWarning.of(where, "observation_invalid", kind=item["kind"], error=exc.one_line()))
    facts.observations = kept  # type: ignore[assignment]
    enrich_firewalls(facts)  # the fact file shows each flow's verdict and deciding rule
    return facts
