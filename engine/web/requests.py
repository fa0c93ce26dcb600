"""Reading what a request carries: a fact file, raw output (text, JSON or multipart), form fields."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..errors import FactFileError, InputError, UsageError
from ..limits import max_fact_bytes, max_raw_bytes
from .service import MAX_FILES, RawInput

if TYPE_CHECKING:
    from starlette.datastructures import FormData, UploadFile
    from starlette.requests import Request

MAX_FIELDS = 60


async def read_form(request: Request) -> FormData:
    """A urlencoded or multipart form, within the raw-output limit per field and file count."""
    part = max(max_raw_bytes(), max_fact_bytes())
    return await request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS, max_part_size=part)


async def upload_bytes(upload: UploadFile, limit: int, code: str, variable: str) -> bytes:
    """An uploaded file's bytes, refused one byte past ``limit``."""
    data = await upload.read(limit + 1)
    if len(data) > limit:
        from ..files import too_large

        raise too_large(upload.filename or "upload", limit, code, variable)
    return data


def parse_context(text: str | None, where: str) -> dict[str, Any]:
    """The ``context`` field: a JSON object with only case, cluster and endpoints (as ``--context``)."""
    if not text or not text.strip():
        return {}
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"context is not valid JSON: {exc}", location=where, code="E-INGEST-CONTEXT") from None
    return check_context(data, where)


def check_context(data: Any, where: str) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict) or not set(data) <= {"case", "cluster", "endpoints"}:
        raise UsageError("context must be a JSON object with only case, cluster and endpoints", location=where)
    return data


def files_of(form: FormData, name: str) -> list[UploadFile]:
    from starlette.datastructures import UploadFile

    return [f for f in form.getlist(name) if isinstance(f, UploadFile) and (f.filename or f.size)]


async def read_raw(request: Request) -> RawInput:
    """Raw command output from a request: ``text/plain`` (the transcript is the body), JSON
    (``{"text", "files": {name: text}, "context"}``) or multipart (``text``, ``files``, ``context``)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form = await read_form(request)
        files = [(f.filename or "file", await upload_bytes(f, max_raw_bytes(), "E-INGEST", "PODNET_MAX_RAW_BYTES")) for f in files_of(form, "files")]
        text = form.get("text")
        context = form.get("context")
        return RawInput(text if isinstance(text, str) else None, files, parse_context(context if isinstance(context, str) else None, "form field context"))
    body = await request.body()
    if ctype == "application/json":
        try:
            data = json.loads(body.decode("utf-8-sig"))
        except (ValueError, RecursionError) as exc:
            raise InputError(f"invalid JSON: {exc}", location="request body", code="E-INGEST-JSON") from None
        if not isinstance(data, dict) or not set(data) <= {"text", "files", "context"}:
            raise UsageError("the JSON body is an object with text, files ({name: content}) and context", location="request body")
        text, named = data.get("text"), data.get("files") or {}
        if text is not None and not isinstance(text, str) or not isinstance(named, dict) or not all(isinstance(v, str) for v in named.values()):
            raise UsageError("text is a string and files an object of file name -> content", location="request body")
        return RawInput(text, [(k, v.encode("utf-8")) for k, v in named.items()], check_context(data.get("context"), "request body: $.context"))
    from ..inputs.text import decode

    return RawInput(decode(body), [], {})


async def read_json_body(request: Request, limit: int) -> Any:
    """A JSON body (an API call's parameters), with located syntax errors."""
    from ..facts.load import parse_json

    body = await request.body()
    if len(body) > limit:
        raise InputError(f"the request body is more than the {limit}-byte limit", location="request body", code="E-FACTS-SIZE")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FactFileError(f"not UTF-8 text (byte {exc.start})", location="request body", code="E-FACTS-JSON") from None
    return parse_json(text, "request body")
