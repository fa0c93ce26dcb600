"""The text catalogue: every user-facing sentence of podnet's code, in every language, read from
``kb/messages/<area>.yaml`` (report, reasoning, path, triage, web, cli, ingest, collect).

Each file maps stable message ids to ``en`` and ``zh`` templates with ``str.format`` named fields
(format specs allowed). Code passes the id and the fields; :func:`render` gives one language,
:func:`localized` every language at once (a language-neutral value), and a :class:`Message`
renders itself on demand. A field that is itself a :class:`Message`, or a per-language mapping
(``{"en": ..., "zh": ...}``), is given in the language being rendered.

This is the only reader of the catalogue; the files are checked when read (both languages present
and non-empty, the same fields in each) with located ``E-KB-*`` errors.
"""

from __future__ import annotations

import functools
import string
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Mapping, Sequence

from .errors import KnowledgeError
from .knowledge.model import LANGS, Lang

__all__ = ["CATALOGUES", "Localized", "Message", "catalogue", "fill", "joined", "localized", "render", "table", "template_fields"]

CATALOGUES = ("report", "reasoning", "path", "triage", "web", "cli", "ingest", "collect")
"""The areas of the catalogue: one file ``kb/messages/<area>.yaml`` each."""

Localized = dict[Lang, str]
"""A text in every language, e.g. ``{"en": "...", "zh": "..."}``."""


def _origin(catalogue: str) -> str:
    return f"kb/messages/{catalogue}.yaml"


def template_fields(template: str) -> set[str]:
    """The names of the fields a template uses (``{a.b}`` and ``{a[0]}`` count as ``a``)."""
    import re

    return {re.split(r"[.\[!:]", f)[0] for _, f, _, _ in string.Formatter().parse(template) if f is not None}


def _root() -> Any:
    """The folder of the catalogue's files (``kb/messages``)."""
    return resources.files("podnet.kb") / "messages"


def _parse(name: str) -> dict[str, dict[str, str]]:
    import yaml

    origin = _origin(name)
    try:
        text = (_root() / f"{name}.yaml").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KnowledgeError("file is missing", location=origin, code="E-KB-MISSING") from None
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise KnowledgeError(f"invalid YAML: {getattr(exc, 'problem', exc)}", location=f"{origin}:{mark.line + 1}" if mark else origin, code="E-KB-YAML") from None
    if not isinstance(data, dict):
        raise KnowledgeError("expected a mapping of message ids", location=origin, code="E-KB-SCHEMA")
    for key, value in data.items():
        if not isinstance(value, dict) or set(value) != set(LANGS) or not all(isinstance(v, str) and v for v in value.values()):
            raise KnowledgeError(f"needs exactly the texts {', '.join(LANGS)}", location=f"{origin}: {key}", code="E-KB-SCHEMA")
        try:
            used = {lang: template_fields(value[lang]) for lang in LANGS}
        except ValueError as exc:
            raise KnowledgeError(f"bad template: {exc}", location=f"{origin}: {key}", code="E-TEMPLATE") from None
        if len({frozenset(u) for u in used.values()}) > 1:
            shown = "; ".join(f"{lang}: {', '.join(sorted(u)) or 'none'}" for lang, u in used.items())
            raise KnowledgeError(f"the languages use different fields ({shown})", location=f"{origin}: {key}", code="E-KB-SCHEMA")
    return data


@functools.lru_cache(maxsize=1)
def _catalogues() -> dict[str, dict[str, dict[str, str]]]:
    """Every area, parsed and checked once (cached on disk as JSON like the rest of the knowledge:
    a run parses no YAML)."""
    from .knowledge.cache import cached_plain, plain_data

    root = _root()

    def build() -> dict[str, dict[str, dict[str, str]]]:
        return {name: _parse(name) for name in CATALOGUES}

    def back(data: Any) -> dict[str, dict[str, dict[str, str]]]:
        if not isinstance(data, dict) or set(data) != set(CATALOGUES):
            raise ValueError("not the message catalogues")
        return plain_data(data)  # type: ignore[no-any-return]

    return cached_plain("messages", [root], build, plain_data, back)  # type: ignore[no-any-return]


def catalogue(name: str) -> dict[str, dict[str, str]]:
    """Every message of one area: ``{id: {lang: template}}``, checked for both languages."""
    try:
        return _catalogues()[name]
    except KeyError:
        raise KnowledgeError(f"unknown message catalogue {name!r}", location=_origin(name), code="E-KB-REFERENCE") from None


@functools.lru_cache(maxsize=None)
def table(name: str, lang: Lang) -> dict[str, str]:
    """The templates of one area in one language: ``{id: template}`` (for views that look words up by id)."""
    return {code: texts[lang] for code, texts in catalogue(name).items()}


def _value(value: Any, lang: Lang) -> Any:
    if isinstance(value, Message):
        return value.text(lang)
    if isinstance(value, Mapping) and set(value) == set(LANGS):
        return value[lang]
    return value


def render(name: str, code: str, lang: Lang, fields: Mapping[str, Any]) -> str:
    """The text of message ``code`` of area ``name`` in ``lang`` with ``fields`` filled in."""
    try:
        template = catalogue(name)[code][lang]
    except KeyError:
        raise KnowledgeError(f"unknown message id {code!r} (language {lang!r})", location=_origin(name), code="E-KB-REFERENCE") from None
    values = {k: _value(v, lang) for k, v in fields.items()}
    try:
        return template.format(**values)
    except (KeyError, IndexError) as exc:
        raise KnowledgeError(f"message {code!r} uses a field not given: {exc}", location=f"{_origin(name)}: {code}", code="E-TEMPLATE") from None


def localized(name: str, code: str, **fields: Any) -> Localized:
    """Message ``code`` of area ``name`` in every language: a language-neutral text."""
    return {lang: render(name, code, lang, fields) for lang in LANGS}


def fill(templates: Any, where: str, **fields: Any) -> Localized:
    """A per-language ``str.format`` template of the knowledge (a ``Text`` or ``{lang: template}``)
    filled in every language; a field given per language (or as a :class:`Message`) is filled in
    its language."""
    out: Localized = {}
    for lang in LANGS:
        template = templates[lang] if isinstance(templates, Mapping) else templates.get(lang)
        try:
            out[lang] = template.format(**{k: _value(v, lang) for k, v in fields.items()})
        except (KeyError, IndexError) as exc:
            raise KnowledgeError(f"the text uses a field not given: {exc}", location=f"{where}.{lang}", code="E-TEMPLATE") from None
    return out


def joined(parts: Any, separator: str = " ") -> Localized:
    """Texts given in every language joined, language by language."""
    items = list(parts)
    return {lang: separator.join(p[lang] for p in items) for lang in LANGS}


@dataclass(frozen=True)
class Message:
    """One catalogued message: its area, id and fields; rendered on demand."""

    catalogue: str
    code: str
    fields: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: Lang = "en") -> str:
        return render(self.catalogue, self.code, lang, self.fields)

    def __str__(self) -> str:
        return self.text("en")

    def __hash__(self) -> int:
        return hash((self.catalogue, self.code, tuple(sorted((k, repr(v)) for k, v in self.fields.items()))))


def guide_citation(guide: str, sources: Sequence[str], lang: Lang) -> str:
    """A cause's guide section, with the public reports it was learned from beyond the guide
    (``report`` messages ``guide_only`` / ``guide_sources``) in ``lang``."""
    if not sources:
        return render("report", "guide_only", lang, {"guide": guide})
    return render("report", "guide_sources", lang, {"guide": guide, "sources": ", ".join(sources)})
