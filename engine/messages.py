"""Catalogued user-facing messages of ``podnet ingest`` and ``podnet collect``, in every language.

The texts live in ``kb/messages/<catalogue>.yaml``: a mapping of stable message ids to ``en`` and
``zh`` templates with ``str.format`` named fields. Code passes the id and the fields; a
:class:`Message` renders itself in the language asked for (a field that is itself a
:class:`Message` is rendered in the same language).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from .errors import KnowledgeError
from .knowledge.model import LANGS, Lang

CATALOGUES = ("ingest", "collect")


def _origin(catalogue: str) -> str:
    return f"kb/messages/{catalogue}.yaml"


@functools.cache
def catalogue(name: str) -> dict[str, dict[str, str]]:
    """Every message of one catalogue: ``{id: {lang: template}}``, checked for both languages."""
    import yaml

    origin = _origin(name)
    try:
        text = (resources.files("podnet.kb") / "messages" / f"{name}.yaml").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KnowledgeError("file is missing", location=origin, code="E-KB-MISSING") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise KnowledgeError(f"invalid YAML: {getattr(exc, 'problem', exc)}", location=f"{origin}:{mark.line + 1}" if mark else origin, code="E-KB-YAML") from None
    if not isinstance(data, dict):
        raise KnowledgeError("expected a mapping of message ids", location=origin, code="E-KB-SCHEMA")
    for key, value in data.items():
        if not isinstance(value, dict) or set(value) != set(LANGS) or not all(isinstance(v, str) and v for v in value.values()):
            raise KnowledgeError(f"needs exactly the texts {', '.join(LANGS)}", location=f"{origin}: {key}", code="E-KB-SCHEMA")
    return data


def render(name: str, code: str, lang: Lang, fields: dict[str, Any]) -> str:
    """The text of message ``code`` of catalogue ``name`` in ``lang`` with ``fields`` filled in."""
    try:
        template = catalogue(name)[code][lang]
    except KeyError:
        raise KnowledgeError(f"unknown message id {code!r} (language {lang!r})", location=_origin(name), code="E-KB-REFERENCE") from None
    values = {k: v.text(lang) if isinstance(v, Message) else v for k, v in fields.items()}
    try:
        return template.format(**values)
    except (KeyError, IndexError) as exc:
        raise KnowledgeError(f"message {code!r} uses a field not given: {exc}", location=_origin(name), code="E-TEMPLATE") from None


@dataclass(frozen=True)
class Message:
    """One catalogued message: its catalogue, id and fields; rendered on demand."""

    catalogue: str
    code: str
    fields: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: Lang = "en") -> str:
        return render(self.catalogue, self.code, lang, self.fields)

    def __str__(self) -> str:
        return self.text("en")

    def __hash__(self) -> int:
        return hash((self.catalogue, self.code, tuple(sorted((k, repr(v)) for k, v in self.fields.items()))))
