"""Read a fact file (path, stdin text or dict) into a validated :class:`FactFile`.

Every failure is a :class:`~podnet.errors.FactFileError` whose location names the file and the
JSON path (``$.observations[3].result``) or the line and column of a JSON syntax error.
Observations are validated one by one against the model of their ``kind`` so that only the
kinds a case uses are ever built (this keeps start-up short).
"""

from __future__ import annotations

import difflib
import json
import os
import re
from typing import Any

from pydantic import ValidationError

from ..errors import FactFileError
from ..limits import MAX_INT_DIGITS, max_fact_bytes, max_observations
from .model import FactFile, FactFileHead
from .observations import OBSERVATION_MODELS, Observation


def json_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """Render a pydantic/JSON location as a JSON path: ``$.observations[3].result``."""
    out = "$"
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}"
    return out


MORE_SHOWN = 3
"""How many further problems the one-line message of a schema error spells out (``details`` has all)."""


def _problems(err: ValidationError, prefix: tuple[Any, ...], origin: str, model: Any = None) -> list[FactFileError]:
    """Every problem of a validation error, each as a located error of its own (an unknown field
    or value of ``model`` with a did-you-mean, :mod:`podnet.facts.suggest`)."""
    from .suggest import message

    out = []
    for e in err.errors(include_url=False):
        inner = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        loc = prefix + inner
        msg = message(e, model, inner) or e["msg"]
        if e["type"] == "extra_forbidden" and msg == e["msg"]:
            msg = "unknown field"
        elif e["type"] == "missing":
            msg = "required field is missing"
        out.append(FactFileError(msg, location=f"{origin}: {json_path(loc)}", code="E-FACTS-SCHEMA"))
    return out


def combined_error(problems: list[FactFileError], origin: str) -> FactFileError:
    """One error for several problems: the first in full, the next few named, every one in ``details``."""
    first, rest = problems[0], problems[1:]
    if not rest:
        return first
    prefix = f"{origin}: "

    def short(p: FactFileError) -> str:
        loc = p.location or ""
        return f"{loc[len(prefix):] if loc.startswith(prefix) else loc}: {' '.join(p.message.split())}"

    shown = "; ".join(short(p) for p in rest[:MORE_SHOWN])
    tail = f"; ... {len(rest) - MORE_SHOWN} not shown, --debug lists all" if len(rest) > MORE_SHOWN else ""
    return FactFileError(
        f"{first.message} (and {len(rest)} more: {shown}{tail})",
        location=first.location,
        code=first.code,
        details=[f"{p.location}: {p.message}" for p in problems],
    )


def read_text(source: str | os.PathLike[str], *, max_bytes: int | None = None) -> str:
    """Read a regular file (or ``-`` for stdin) as UTF-8, refused past the byte limit
    (``PODNET_MAX_FACT_BYTES``); FIFOs, devices and folders are refused without being opened."""
    from ..files import read_source

    name = str(source)
    data = read_source(name, max_fact_bytes() if max_bytes is None else max_bytes)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FactFileError(
            f"not UTF-8 text (byte {exc.start})", location="<stdin>" if name == "-" else name, code="E-FACTS-JSON"
        ) from None


def check_observation_count(count: int, location: str) -> None:
    """Refuse a case with more observations than ``PODNET_MAX_OBSERVATIONS`` (before any is
    validated or reasoned over: the cost of both grows with the count)."""
    limit = max_observations()
    if count > limit:
        raise FactFileError(
            f"{count} observations, more than the limit of {limit} per case (PODNET_MAX_OBSERVATIONS)",
            location=location,
            code="E-FACTS-TOO-MANY",
        )


def parse_json_int(digits: str) -> int:
    """``json.loads``'s ``parse_int``: integers past :data:`~podnet.limits.MAX_INT_DIGITS` digits are refused."""
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise _NumberTooLong(digits)
    return int(digits)


class _NumberTooLong(ValueError):
    pass


def _position(text: str, index: int) -> str:
    """``line:column`` (1-based) of a character index, as JSON syntax errors are located."""
    line = text.count("\n", 0, index) + 1
    return f"{line}:{index - text.rfind(chr(10), 0, index)}"


def parse_json(text: str, origin: str) -> Any:
    """Parse JSON text; syntax errors name the line and column."""
    if not text.strip():
        raise FactFileError("the fact file is empty", location=origin, code="E-FACTS-EMPTY")
    try:
        return json.loads(text, parse_int=parse_json_int)
    except json.JSONDecodeError as exc:
        raise FactFileError(f"invalid JSON: {exc.msg}", location=f"{origin}:{exc.lineno}:{exc.colno}", code="E-FACTS-JSON") from None
    except RecursionError:
        raise FactFileError("invalid JSON: nested too deeply", location=origin, code="E-FACTS-JSON") from None
    except _NumberTooLong as exc:
        # where a value (after `:`, `[` or `,`) is such a number; the hook itself is not told
        found = re.search(rf"[:\[,]\s*(-?\d{{{MAX_INT_DIGITS + 1},}})", text)
        where = f"{origin}:{_position(text, found.start(1))}" if found else origin
        raise FactFileError(f"invalid JSON: a number with {len(str(exc).lstrip('-'))} digits (at most {MAX_INT_DIGITS})", location=where, code="E-FACTS-JSON") from None


def _observation_problems(item: Any, index: int, origin: str) -> tuple[Observation | None, list[FactFileError]]:
    where = ("observations", index)
    if not isinstance(item, dict):
        return None, [FactFileError("an observation must be a JSON object", location=f"{origin}: {json_path(where)}", code="E-FACTS-SCHEMA")]
    kind = item.get("kind")
    model = OBSERVATION_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        hint = ""
        if isinstance(kind, str):
            close = difflib.get_close_matches(kind, OBSERVATION_MODELS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
        known = ", ".join(sorted(OBSERVATION_MODELS))
        what = "missing" if kind is None else f"unknown observation kind {kind!r}"
        return None, [
            FactFileError(
                f"{what}{hint} (known: {known})" if not hint else f"{what}{hint}",
                location=f"{origin}: {json_path(where + ('kind',))}",
                code="E-FACTS-KIND",
            )
        ]
    try:
        return model.model_validate(item), []
    except ValidationError as exc:
        return None, _problems(exc, where, origin, model)


def validate_observation(item: Any, index: int, origin: str) -> Observation:
    """Validate one observation against the model of its ``kind``."""
    observation, problems = _observation_problems(item, index, origin)
    if problems:
        raise combined_error(problems, origin)
    return observation  # type: ignore[return-value]


def facts_from_data(data: Any, origin: str = "<facts>") -> FactFile:
    """Validate already-parsed JSON data into a :class:`FactFile`; one error lists every problem."""
    if not isinstance(data, dict):
        raise FactFileError("a fact file must be a JSON object", location=f"{origin}: $", code="E-FACTS-SCHEMA")
    body = dict(data)
    raw_obs = body.pop("observations", [])
    problems: list[FactFileError] = []
    if not isinstance(raw_obs, list):
        problems.append(FactFileError("must be a list", location=f"{origin}: $.observations", code="E-FACTS-SCHEMA"))
        raw_obs = []
    check_observation_count(len(raw_obs), f"{origin}: $.observations")
    head = None
    try:
        head = FactFileHead.model_validate(body)
    except ValidationError as exc:
        problems.extend(_problems(exc, (), origin, FactFileHead))
    observations = []
    for i, item in enumerate(raw_obs):
        observation, found = _observation_problems(item, i, origin)
        problems.extend(found)
        if observation is not None:
            observations.append(observation)
    if problems or head is None:
        raise combined_error(problems, origin)
    fields = {name: getattr(head, name) for name in FactFileHead.model_fields}
    return FactFile.model_construct(**fields, observations=observations)


def load_facts(source: str | os.PathLike[str] | dict[str, Any], *, max_bytes: int | None = None) -> FactFile:
    """Load a fact file from a path, ``-`` (stdin) or a dict, and validate it."""
    if isinstance(source, dict):
        return facts_from_data(source)
    origin = "<stdin>" if str(source) == "-" else str(source)
    return facts_from_data(parse_json(read_text(source, max_bytes=max_bytes), origin), origin)
