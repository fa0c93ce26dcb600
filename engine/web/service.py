"""What the server does with a request, in plain Python (no HTTP here): read a fact file from
bytes, ingest raw command output, diagnose, render. Every limit of the CLI applies, by the same
environment variables (``PODNET_MAX_FACT_BYTES``, ``PODNET_MAX_RAW_BYTES``, ``PODNET_MAX_OBSERVATIONS``).

Raw output is written to a private temporary folder and read by :func:`podnet.inputs.ingest.ingest`,
exactly as ``podnet ingest FOLDER`` reads it; the folder's name is taken out of every location
(``paste.txt:7``, ``01-curl.txt:3``).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..errors import FactFileError, InputError, PodnetError
from ..files import too_large
from ..limits import max_fact_bytes, max_raw_bytes

if TYPE_CHECKING:
    from ..diagnosis import Diagnosis
    from ..facts.model import FactFile
    from ..inputs.model import IngestWarning
    from ..knowledge.model import Lang

MAX_FILES = 200
"""Files one request may upload."""

PASTE_NAME = "paste.txt"
"""The file name pasted text is read under (locations name it: ``paste.txt:12``)."""

UPLOAD_FOLDER = "upload"
"""The folder uploaded raw files are read from (the case id becomes ``raw-upload``)."""


@dataclass
class RawInput:
    """Raw command output sent to the server: pasted text and/or files, and the case context."""

    text: str | None = None
    files: list[tuple[str, bytes]] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.text and self.text.strip()) and not self.files

    def size(self) -> int:
        return len((self.text or "").encode("utf-8")) + sum(len(data) for _, data in self.files)


@dataclass
class Ingested:
    """Facts built from raw output, and what could not be used."""

    facts: FactFile
    warnings: list[IngestWarning]


def parse_fact_bytes(data: bytes, origin: str) -> FactFile:
    """A fact file sent as bytes: the CLI's size limit, UTF-8, JSON with located syntax errors, the schema."""
    from ..facts.load import facts_from_data, parse_json

    limit = max_fact_bytes()
    if len(data) > limit:
        raise too_large(origin, limit, "E-FACTS", "PODNET_MAX_FACT_BYTES", len(data))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FactFileError(f"not UTF-8 text (byte {exc.start})", location=origin, code="E-FACTS-JSON") from None
    return facts_from_data(parse_json(text, origin), origin)


def facts_from_dict(data: Any, origin: str) -> FactFile:
    from ..facts.load import facts_from_data

    return facts_from_data(data, origin)


def safe_name(name: str, taken: set[str]) -> str:
    """An uploaded file's name as a plain file name in the temporary folder: its last path part,
    only ``A-Z a-z 0-9 . _ -``, not hidden (ingest skips dot files), unique, at most 100 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip(".-_")[:100] or "file.txt"
    stem, dot, ext = base.rpartition(".")
    out, n = base, 2
    while out.lower() in taken or out.lower() == PASTE_NAME:
        out = f"{stem}-{n}.{ext}" if dot and stem else f"{base}-{n}"
        n += 1
    taken.add(out.lower())
    return out


def _strip(text: str | None, prefixes: list[str]) -> str | None:
    if text is None:
        return None
    for p in prefixes:
        text = text.replace(p, "")
    return text


def ingest_raw(raw: RawInput) -> Ingested:
    """Facts from pasted text and uploaded files, read as ``podnet ingest`` reads a transcript
    (text only) or a folder (files, the text as one more file); ``E-INGEST-*`` errors as the CLI's."""
    from ..inputs.ingest import ingest

    if raw.empty:
        raise InputError("no command output was sent (paste a transcript or upload files)", location="request", code="E-INGEST-EMPTY")
    if len(raw.files) > MAX_FILES:
        raise InputError(f"{len(raw.files)} files, more than {MAX_FILES} in one request", location="request: files", code="E-INGEST-SIZE")
    limit = max_raw_bytes()
    size = raw.size()
    if size > limit:
        raise too_large("request", limit, "E-INGEST", "PODNET_MAX_RAW_BYTES", size)
    with tempfile.TemporaryDirectory(prefix="podnet-web-") as tmp:
        root = Path(tmp)
        if raw.files:
            target = root / UPLOAD_FOLDER
            target.mkdir()
            taken: set[str] = set()
            for name, data in raw.files:
                (target / safe_name(name, taken)).write_bytes(data)
            if raw.text and raw.text.strip():
                (target / PASTE_NAME).write_text(raw.text, encoding="utf-8")
        else:
            target = root / PASTE_NAME
            target.write_text(raw.text or "", encoding="utf-8")
        prefixes = [f"{root / UPLOAD_FOLDER}/", f"{root}/", str(root)]
        try:
            result = ingest(target, raw.context or None)
        except PodnetError as exc:
            exc.message = _strip(exc.message, prefixes) or ""
            exc.location = _strip(exc.location, prefixes) or "request"
            raise
    for w in result.warnings:
        w.location = _strip(w.location, prefixes) or ""
        w.message = _strip(w.message, prefixes) or ""
    _scrub(result.facts, prefixes)
    return Ingested(result.facts, list(result.warnings))


def _scrub(model: Any, prefixes: list[str]) -> None:
    """Take the temporary folder out of every text the facts hold (``source_line``, ``note``...)."""
    from pydantic import BaseModel

    for name in type(model).model_fields:
        value = getattr(model, name, None)
        if isinstance(value, str) and any(p in value for p in prefixes):
            object.__setattr__(model, name, _strip(value, prefixes))
        elif isinstance(value, BaseModel):
            _scrub(value, prefixes)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    _scrub(item, prefixes)
                elif isinstance(item, str) and any(p in item for p in prefixes):
                    value[i] = _strip(item, prefixes)


def warning_dicts(warnings: list[IngestWarning], lang: str) -> list[dict[str, Any]]:
    return [{"location": w.location, "code": w.code or None, "message": w.text(lang)} for w in warnings]


def diagnose(facts: FactFile, *, lang: str, strict: bool = False, rule_dirs: tuple[str, ...] = (), ingest_warnings: list[IngestWarning] | None = None) -> Diagnosis:
    """``podnet diagnose``: with the ingestion's warnings as ``W-INGEST``, as ``diagnose --raw`` shows them."""
    from .. import diagnose as _diagnose
    from ..diagnosis import DiagnosisWarning

    result = _diagnose(facts, lang=cast("Lang", lang), strict=strict, rule_dirs=rule_dirs)
    for w in ingest_warnings or []:
        result.warnings.append(DiagnosisWarning(code="W-INGEST", message=w.text(lang), location=w.location))
    return result


def report(diagnosis: Diagnosis, fmt: str) -> str:
    """The report the CLI prints for ``-o FMT`` (``json`` is ``podnet diagnose -o json``'s output)."""
    from ..render.report import render_report

    return render_report(diagnosis, fmt)


def merge_cases(parts: list[FactFile], origins: list[str]) -> FactFile:
    from ..facts.merge import merge

    return merge(parts, origins)


def fact_file_json(facts: FactFile) -> str:
    import json

    return json.dumps(facts.to_json_dict(), indent=2, ensure_ascii=False) + "\n"
