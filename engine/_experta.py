"""The one place podnet imports experta.

experta 1.9.4 pins ``frozendict==1.2``, which reads ``collections.Mapping``; that alias was
removed in Python 3.10. Restoring the alias before the first experta import is enough (experta's
own test-suite passes that way on 3.11-3.13); pip cannot override the pin, so the fix lives here.
"""

from __future__ import annotations

import collections
import collections.abc

for _name in ("Mapping", "MutableMapping", "Sequence", "Callable", "Iterable", "Hashable"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

from experta import AND, MATCH, NOT, OR, TEST, Fact, KnowledgeEngine, L, P, Rule, W  # noqa: E402

__all__ = ["AND", "MATCH", "NOT", "OR", "TEST", "Fact", "KnowledgeEngine", "L", "P", "Rule", "W"]
