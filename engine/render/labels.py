"""Headings and labels of the human-readable reports, in every supported language: the ``report``
area of the text catalogue (``kb/messages/report.yaml``), by language and id."""

from __future__ import annotations

from ..knowledge.model import LANGS
from ..messages import table

__all__ = ["LABELS"]

LABELS: dict[str, dict[str, str]] = {lang: dict(table("report", lang)) for lang in LANGS}
"""``LABELS[lang][id]``: the label ``id`` of ``kb/messages/report.yaml`` in ``lang``."""
