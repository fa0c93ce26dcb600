"""Errors as the API returns them: ``{"code", "message", "location"}`` with a 4xx status.

The codes are podnet's own (``E-FACTS-*``, ``E-INGEST-*``, ``E-USAGE``...), plus those of the
server: ``E-AUTH`` (401), ``E-HOST`` (400), ``E-REQUEST-SIZE`` (413), ``E-TRIAGE-SESSION`` and
``E-CASE`` (404: unknown or expired), ``E-TRIAGE-DONE`` (409: nothing left to answer),
``E-TRIAGE-ANSWER`` (400: an answer the prompt cannot take, worded in the session's language).
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError, KnowledgeError, PodnetError

_BY_CODE: dict[str, int] = {
    "E-AUTH": 401,
    "E-HOST": 400,
    "E-TRIAGE-SESSION": 404,
    "E-CASE": 404,
    "E-TRIAGE-DONE": 409,
    "E-TRIAGE-ANSWER": 400,
    "E-FACTS-TOO-MANY": 413,
}


def status_for(exc: PodnetError) -> int:
    """The HTTP status of an error: 413 for anything over a limit, 400 for a request that cannot be
    read (JSON syntax, bad parameter), 422 for one that reads but is not a valid case, 500 for
    bad knowledge or an internal error (never the user's fault)."""
    code = exc.code
    if code in _BY_CODE:
        return _BY_CODE[code]
    if code.endswith("-SIZE"):
        return 413
    if isinstance(exc, KnowledgeError):
        return 500
    if not isinstance(exc, InputError):
        return 500
    if code.endswith("-JSON") or code == "E-INGEST-CONTEXT" or code.startswith("E-USAGE"):
        return 400
    return 422


def error_body(code: str, message: str, location: str | None) -> dict[str, Any]:
    """The JSON body of an error (control characters escaped, like the CLI's one-line errors)."""
    from ..render.safe import one_line, visible

    return {"code": code, "message": one_line(message), "location": visible(location) if location else None}


def body_of(exc: PodnetError) -> dict[str, Any]:
    return error_body(exc.code, exc.message, exc.location)


class WebError(InputError):
    """An error of the server itself (an unknown session, a missing token); ``status`` is its HTTP status."""

    def __init__(self, message: str, *, code: str, location: str | None = None) -> None:
        super().__init__(message, location=location, code=code)
