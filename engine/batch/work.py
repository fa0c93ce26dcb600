"""Diagnose one case of a batch into its record; the same code runs serially, in worker
processes and in Ray tasks, so every engine gives the same records.

A record is one JSON object (one line of the output)::

    {"n": 0, "source": "cases/a.json", "id": "ticket-42", "status": "cause", "exit": 0,
     "causes": [{"id": "mtu_host_nic", "confidence": 0.93}, ...], "warnings": ["W-FACTS-REPEATED"]}
    {"n": 1, "source": "cases.jsonl:7", "id": null, "status": "error", "exit": 2,
     "error": {"code": "E-FACTS-JSON", "location": "cases.jsonl:7:15", "message": "invalid JSON: ..."}}

``status`` is ``cause`` (exit 0: at least one cause named, as ``podnet diagnose``), ``no_cause``
(exit 1) or ``error`` (exit 2 bad input, 3 bad knowledge, 70 internal). ``causes`` are those
``podnet diagnose`` lists (confidence at least 0.05), best first, at most ``top``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..errors import PodnetError
from .sources import CaseInput, error_fields

STATUS_EXIT = {"cause": 0, "no_cause": 1}


@dataclass(frozen=True)
class BatchOptions:
    """How every case of a batch is diagnosed (picklable: it travels to the workers)."""

    lang: str = "en"
    rule_dirs: tuple[str, ...] = ()
    strict: bool = False
    top: int = 3
    """Causes kept per record."""
    titles: bool = False
    """Add each cause's title (in ``lang``) to the record."""


_JSON_POSITION = re.compile(r":1:(\d+)$")


def _located(exc: PodnetError, item: CaseInput) -> dict[str, Any]:
    """The error's fields; for a line of JSON Lines, ``FILE:LINE:1:COL`` becomes ``FILE:LINE:COL``."""
    fields = error_fields(exc)
    if item.line is not None and fields["location"].startswith(item.source + ":"):
        fields["location"] = _JSON_POSITION.sub(r":\1", fields["location"])
    return fields


def _error_record(item: CaseInput, error: dict[str, Any], case_id: str | None = None) -> dict[str, Any]:
    return {"n": item.n, "source": item.source, "id": case_id, "status": "error", "exit": error.pop("exit"), "error": error}


def diagnose_case(item: CaseInput, options: BatchOptions, reasoner: Any = None) -> dict[str, Any]:
    """The record of one case; never raises for a bad case (its record holds the error)."""
    if item.error is not None:
        return _error_record(item, dict(item.error))
    from ..facts.load import facts_from_data, parse_json, read_text
    from ..reasoning.diagnose import analyse, rank

    case_id = None
    try:
        text = item.text if item.text is not None else read_text(item.path)  # type: ignore[arg-type]
        facts = facts_from_data(parse_json(text, item.source), item.source)
        case_id = facts.case.id
        a = analyse(facts, rule_dirs=options.rule_dirs, strict=options.strict, reasoner=reasoner)
        top = rank(a.knowledge, a.result.firings).top(options.top)
    except PodnetError as exc:
        return _error_record(item, _located(exc, item), case_id)
    except Exception as exc:  # noqa: BLE001 - one case's internal error is its own record, the batch goes on
        from ..render.safe import one_line

        error = {"code": "E-INTERNAL", "location": item.source, "message": one_line(f"{type(exc).__name__}: {exc}"), "exit": 70}
        return _error_record(item, error, case_id)
    causes = []
    for cid, confidence in top:
        entry: dict[str, Any] = {"id": cid, "confidence": confidence}
        if options.titles:
            entry["title"] = a.knowledge.causes[cid].title.get(options.lang)  # type: ignore[arg-type]
        causes.append(entry)
    status = "cause" if causes else "no_cause"
    record: dict[str, Any] = {"n": item.n, "source": item.source, "id": case_id, "status": status, "exit": STATUS_EXIT[status], "causes": causes}
    if a.warnings:
        record["warnings"] = sorted({w.code for w in a.warnings})
    return record


def diagnose_chunk(chunk: list[CaseInput], options: BatchOptions, reasoner: Any = None) -> list[dict[str, Any]]:
    """The records of a chunk of cases, in order."""
    return [diagnose_case(item, options, reasoner) for item in chunk]


_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029"}


def record_line(record: dict[str, Any]) -> str:
    """A record as one JSON line: characters terminals act on, and Unicode line separators
    (which some JSON Lines readers split on), written as escapes."""
    from ..render.safe import json_text

    text = json_text(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    for ch, esc in _LINE_BREAKS.items():
        text = text.replace(ch, esc)
    return text + "\n"


__all__ = ["BatchOptions", "diagnose_case", "diagnose_chunk", "record_line"]
