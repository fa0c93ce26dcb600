"""Merge fact files taken at several vantage points (client Pod, its node, the peer) into one case."""

from __future__ import annotations

from typing import Sequence

from ..errors import FactFileError
from .load import load_facts
from .model import FactFile


def merge(parts: Sequence[FactFile], origins: Sequence[str] | None = None) -> FactFile:
    """One case from several: the first part's case, cluster and endpoints, fields the first leaves
    empty filled from later parts, all observations in order, ``unobservable`` (``kind`` or ``kind@vantage``) minus what was observed."""
    if not parts:
        raise FactFileError("no fact file given", location="FILE", code="E-FACTS-EMPTY")
    first = parts[0].model_copy(deep=True)
    names = list(origins or [f"<part {i}>" for i in range(len(parts))])
    for part, origin in zip(parts[1:], names[1:]):
        if part.case.id != first.case.id:
            raise FactFileError(
                f"case id {part.case.id!r} differs from {first.case.id!r} of {names[0]}; only one case can be merged",
                location=f"{origin}: $.case.id",
                code="E-FACTS-MERGE",
            )
        for section in ("cluster", "endpoints"):
            _fill(getattr(first, section), getattr(part, section))
        first.observations.extend(part.observations)
        first.unobservable = sorted(set(first.unobservable) | set(part.unobservable))
    seen = {o.kind for o in first.observations} | {f"{o.kind}@{o.at}" for o in first.observations}  # type: ignore[attr-defined]
    first.unobservable = [k for k in first.unobservable if k not in seen]
    return first


def _fill(target: object, other: object) -> None:
    from pydantic import BaseModel

    for name in type(target).model_fields:  # type: ignore[attr-defined]
        mine, theirs = getattr(target, name), getattr(other, name)
        if isinstance(mine, BaseModel) and isinstance(theirs, BaseModel):
            _fill(mine, theirs)
        elif mine in (None, [], "unknown") and theirs not in (None, [], "unknown"):
            setattr(target, name, theirs)


def load_many(sources: Sequence[str]) -> FactFile:
    """Load every fact file and merge them into one case (raw command output is read by
    :mod:`podnet.inputs`, which merges its parts itself)."""
    return merge([load_facts(src) for src in sources], list(sources))
