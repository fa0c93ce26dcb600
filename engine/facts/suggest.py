"""Did-you-mean for schema errors: an unknown field or an unknown word of a fixed set of values.

A fact file typed by hand from a ticket says ``"result": "timed out"`` or ``"succes_ratio"``. The
one-line error then names the closest known word (and, for a value, the words allowed), e.g.
``unknown value; did you mean 'timeout'? (values: connected, refused, timeout, ...)`` or
``unknown field; did you mean 'success_ratio'?``. What the user typed
is repeated only when it is a short plain word (it may hold control characters or an attack, and
errors are printed on one line).
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any, Union

from pydantic import BaseModel

_PLAIN = re.compile(r"[A-Za-z0-9_.-]{1,40}")
MAX_LISTED = 12
"""How many allowed values an error lists before it abbreviates."""


def _plain(value: Any) -> str | None:
    return value if isinstance(value, str) and _PLAIN.fullmatch(value) else None


def _close(word: Any, options: typing.Iterable[str]) -> str | None:
    if not isinstance(word, str):
        return None
    found = difflib.get_close_matches(word.strip().lower().replace(" ", "_"), list(options), n=1, cutoff=0.6)
    return found[0] if found else None


def _models(annotation: Any) -> list[type[BaseModel]]:
    """Pydantic models inside an annotation (``X | None``, ``list[X]``, ``Annotated[X, ...]``)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _models(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType, list, tuple, set):
        return [m for a in typing.get_args(annotation) for m in _models(a)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model that holds the last element of ``loc`` (field names and list indexes)."""
    current = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part)
        if info is None:
            return None
        hints = typing.get_type_hints(current, include_extras=True)
        inner = _models(hints.get(part, info.annotation))
        if len(inner) != 1:
            return None
        current = inner[0]
    return current


def _literal_values(ctx: dict[str, Any] | None) -> list[str]:
    expected = (ctx or {}).get("expected", "")
    return re.findall(r"'([^']*)'", expected)


def message(error: typing.Mapping[str, Any], model: type[BaseModel] | None, loc: tuple[Any, ...]) -> str | None:
    """A better one-line message for an unknown field or value, or None to keep pydantic's."""
    kind = error.get("type")
    if kind == "extra_forbidden" and model is not None and loc and isinstance(loc[-1], str):
        holder = model_at(model, loc)
        if holder is None:
            return None
        guess = _close(loc[-1], [n for n in holder.model_fields if n != "kind"])
        return f"unknown field; did you mean {guess!r}?" if guess else None
    if kind == "literal_error":
        values = _literal_values(error.get("ctx"))
        if not values:
            return None
        got = error.get("input")
        guess = _close(got, values)
        shown = _plain(got)
        what = f"unknown value {shown!r}" if shown else "unknown value"
        hint = f"; did you mean {guess!r}?" if guess else ""
        listed = ", ".join(values[:MAX_LISTED]) + (", ..." if len(values) > MAX_LISTED else "")
        return f"{what}{hint} (values: {listed})"
    return None

