"""The one place podnet imports experta.

experta 1.9.4 pins ``frozendict==1.2``, which reads ``collections.Mapping``; that alias was
removed in Python 3.10. Restoring the alias before the first experta import is enough (experta's
own test-suite passes that way on 3.11-3.13); pip cannot override the pin, so the fix lives here.

One speed fix, same semantics: experta's root node hands every declared fact to every first-level
node of the network, each of which copies the token and then tests the fact's type. podnet gives
each observation pattern a fact class of its own (:mod:`podnet.reasoning.compile`), so there are a
few hundred such nodes; :func:`_bus_add` hands a fact only to the nodes that test for its type
(the others would reject it), found once per type.
"""

from __future__ import annotations

import collections
import collections.abc
from typing import Any

for _name in ("Mapping", "MutableMapping", "Sequence", "Callable", "Iterable", "Hashable"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

from experta import AND, MATCH, NOT, OR, TEST, Fact, KnowledgeEngine, L, P, Rule, W  # noqa: E402
from experta.matchers.rete.check import FeatureCheck, TypeCheck  # noqa: E402
from experta.matchers.rete.nodes import BusNode  # noqa: E402
from experta.matchers.rete.token import Token  # noqa: E402


def _children_for(bus: Any, fact_type: type) -> list[Any]:
    """The root's children that can take a fact of this type: those whose test is that type
    (a node testing another type rejects it) and any whose first test is not a type test."""
    table = bus.__dict__.get("_podnet_by_type")
    if table is None or bus.__dict__.get("_podnet_children") != len(bus.children):
        table = bus.__dict__["_podnet_by_type"] = {}
        bus.__dict__["_podnet_children"] = len(bus.children)
    found = table.get(fact_type)
    if found is None:
        found = table[fact_type] = [
            c for c in bus.children
            if not isinstance(getattr(c.node, "matcher", None), TypeCheck) or c.node.matcher.fact_type == fact_type
        ]
    return found


def _bus_add(self: Any, fact: Any) -> None:
    token = Token.valid(fact)
    for child in _children_for(self, type(fact)):
        child.callback(token)


def _bus_remove(self: Any, fact: Any) -> None:
    token = Token.invalid(fact)
    for child in _children_for(self, type(fact)):
        child.callback(token)


BusNode.add = _bus_add
BusNode.remove = _bus_remove

__all__ = ["AND", "MATCH", "NOT", "OR", "TEST", "Fact", "FeatureCheck", "KnowledgeEngine", "L", "P", "Rule", "W"]
