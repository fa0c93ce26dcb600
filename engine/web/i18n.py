"""The words of the page in English and Chinese (questions, causes and commands come from the
knowledge base, in the diagnosis's language; the triage words from :mod:`podnet.triage.messages`)."""

from __future__ import annotations

from ..messages import table

LANGS: tuple[str, ...] = ("en", "zh")

UI: dict[str, dict[str, str]] = {lang: dict(table("web", lang)) for lang in LANGS}
"""``UI[lang][id]``: the word ``id`` of ``kb/messages/web.yaml`` in ``lang`` (the pages' ``T``)."""


def pick_lang(query: str | None, cookie: str | None, accept: str | None) -> str:
    """The page's language: ``?lang=``, else the cookie, else the browser's first choice, else English."""
    for value in (query, cookie):
        if value in LANGS:
            return value
    first = (accept or "").split(",")[0].strip().lower()
    return "zh" if first.startswith("zh") else "en"
