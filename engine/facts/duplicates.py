"""Observations repeated exactly (a fact file pasted twice, merged parts that overlap).

They are merged before the engine runs: the first copy stands for all, and the diagnosis names the
repeats in a warning. Copies that differ only in fields no rule reads (``id``, ``note``...) are not
exact repeats; the engine itself declares those once per pattern (:mod:`podnet.reasoning.compile`).
"""

from __future__ import annotations

import json
from typing import Any, Sequence


def _key(observation: Any) -> str:
    return json.dumps(observation.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, default=str)


def exact_repeats(observations: Sequence[Any]) -> dict[int, int]:
    """``{index of a repeat: index of its first occurrence}`` for observations equal in every field."""
    first: dict[str, int] = {}
    repeats: dict[int, int] = {}
    for i, o in enumerate(observations):
        seen = first.setdefault(_key(o), i)
        if seen != i:
            repeats[i] = seen
    return repeats
