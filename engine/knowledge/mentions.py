"""What a ticket's sentence names (``kb/mentions.yaml``): the prior triage starts from.

A mention multiplies the prior of the causes it names; it records nothing in the case (the saved
fact file holds only what was answered or pasted) and the rule engine, which never reads the
sentence, must still rank a cause first before triage is confident of it. Hand-written: matching a
small vocabulary of regular expressions needs no library."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_RATIO = 4.0
"""The product of one cause's mention ratios is capped here: a long ticket naming many things
cannot outweigh one observation."""

MENTIONS_FILE = "mentions.yaml"


class Mention(BaseModel):
    """Words a ticket may use, and how much more likely they are under the causes they name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    terms: tuple[str, ...] = Field(min_length=1)
    causes: dict[str, float] = Field(min_length=1)
    ask: tuple[str, ...] = ()

    @field_validator("terms")
    @classmethod
    def _compiles(cls, terms: tuple[str, ...]) -> tuple[str, ...]:
        for t in terms:
            try:
                re.compile(t, re.I)
            except re.error as e:
                raise ValueError(f"term {t!r} is no regular expression: {e}") from None
        return terms

    @field_validator("causes")
    @classmethod
    def _ratios(cls, causes: dict[str, float]) -> dict[str, float]:
        for cid, r in causes.items():
            if not 1.0 < r <= MAX_RATIO:
                raise ValueError(f"{cid}: ratio {r} must be above 1 and at most {MAX_RATIO}")
        return causes

    def found_in(self, text: str) -> bool:
        return any(re.search(t, text, re.I) for t in self.terms)


class Mentions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mentions: tuple[Mention, ...]


def _read() -> tuple[Mention, ...]:
    """kb/mentions.yaml read and validated (yaml.YAMLError or ValueError when it is not valid)."""
    data = yaml.safe_load(resources.files("podnet.kb").joinpath(MENTIONS_FILE).read_text(encoding="utf-8"))
    return Mentions.model_validate(data).mentions


@lru_cache(maxsize=1)
def mentions() -> tuple[Mention, ...]:
    """The bundled vocabulary (validated once per process)."""
    from ..errors import KnowledgeError

    where = f"kb/{MENTIONS_FILE}"
    try:
        return _read()
    except (yaml.YAMLError, ValueError) as e:
        first = str(e).splitlines()
        raise KnowledgeError(f"{where}: {' '.join(first[:3])}") from None


def mention_problems(causes: Iterable[str], kinds: Iterable[str]) -> list[str]:
    """``rules check``: the vocabulary read fresh (not the cached copy); every cause and check it
    names must exist. One line per problem, located in kb/mentions.yaml."""
    where = f"kb/{MENTIONS_FILE}"
    try:
        found = _read()
    except (yaml.YAMLError, ValueError) as e:
        return [f"{where}: {' '.join(str(e).splitlines()[:3])}"]
    causes, kinds = set(causes), set(kinds)
    out = []
    for i, m in enumerate(found):
        out += [f"{where}: mentions[{i}] ({m.id}).causes: unknown cause {c!r}" for c in m.causes if c not in causes]
        out += [f"{where}: mentions[{i}] ({m.id}).ask: unknown observation kind {k!r}" for k in m.ask if k not in kinds]
    return out


def named(text: str) -> list[Mention]:
    """The mentions a sentence makes, in the vocabulary's order."""
    return [m for m in mentions() if text and m.found_in(text)]


def asked_first(text: str) -> list[str]:
    """Observation kinds worth checking first for this sentence, in the vocabulary's order, once each."""
    return list(dict.fromkeys(k for m in named(text) for k in m.ask))


def words_for(text: str, kind: str) -> str | None:
    """The sentence's own words (the first match) of a mention that asks ``kind`` first."""
    for m in named(text):
        if kind in m.ask:
            for t in m.terms:
                hit = re.search(t, text, re.I)
                if hit:
                    return hit.group(0)
    return None


def mention_ratios(text: str) -> dict[str, float]:
    """cause id -> the likelihood ratio of the sentence under it (1 when it names nothing of it)."""
    out: dict[str, float] = {}
    for m in named(text):
        for cid, r in m.causes.items():
            out[cid] = min(MAX_RATIO, out.get(cid, 1.0) * r)
    return out
