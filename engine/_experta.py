"""The one place podnet imports experta.

experta 1.9.4 pins ``frozendict==1.2``, which reads ``collections.Mapping``; that alias was
removed in Python 3.10. Restoring the alias before the first experta import is enough (experta's
own test-suite passes that way on 3.11-3.13); pip cannot override the pin, so the fix lives here.

Speed fixes, same semantics (the same activations, in the same order):

* experta's root node hands every declared fact to every first-level node of the network, each of
  which copies the token and then tests the fact's type. podnet gives each observation pattern a
  fact class of its own (:mod:`podnet.reasoning.compile`), so there are a few hundred such nodes;
  :func:`_bus_add` hands a fact only to the nodes that test for its type (the others would reject
  it), found once per type.
* After every declaration and every rule fired, experta asks *every* rule's conflict-set node for
  new activations, and ``reset()`` clears the memory of *every* node of the network: both cost in
  proportion to the number of rules, per fact and per case (5,000 rules: 7 million calls per case).
  Here each node records, when it is activated, that it holds pending activations or memory, so
  :func:`_changes` asks only the nodes with pending activations (in the network's order, as
  experta does) and :func:`_reset` clears only the nodes written since the last reset.
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
from experta.matchers.rete import ReteMatcher  # noqa: E402
from experta.matchers.rete.nodes import BusNode, ConflictSetNode, NotNode, OrdinaryMatchNode  # noqa: E402
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


class _Network:
    """What one matcher's network has pending: conflict-set nodes with new activations, and nodes
    whose memory was written since the last reset."""

    __slots__ = ("order", "pending", "written")

    def __init__(self, matcher: Any) -> None:
        self.order: dict[int, int] = {}
        self.pending: list[Any] = []
        self.written: list[Any] = []
        seen: set[int] = set()
        stack = [matcher.root_node]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            node._podnet_network = self
            stack.extend(child.node for child in node.children)
        for i, csn in enumerate(matcher._get_conflict_set_nodes()):  # experta's own order
            self.order[id(csn)] = i


def _network(matcher: Any) -> _Network:
    network = matcher.__dict__.get("_podnet_network")
    if network is None:
        network = matcher.__dict__["_podnet_network"] = _Network(matcher)
    return network


def _written(node: Any) -> None:
    if not node.__dict__.get("_podnet_written"):
        network = node.__dict__.get("_podnet_network")
        if network is not None:
            node._podnet_written = True
            network.written.append(node)


_csn_activate = ConflictSetNode._activate


def _csn_activate_tracked(self: Any, token: Any) -> None:
    _csn_activate(self, token)
    _written(self)
    if (self.added or self.removed) and not self.__dict__.get("_podnet_pending"):
        network = self.__dict__.get("_podnet_network")
        if network is not None:
            self._podnet_pending = True
            network.pending.append(self)


def _tracked(method: Any) -> Any:
    def activate(self: Any, token: Any) -> Any:
        _written(self)
        return method(self, token)

    activate.__name__ = method.__name__
    return activate


def _changes(self: Any, adding: Any = None, deleting: Any = None) -> tuple[list[Any], list[Any]]:
    network = _network(self)
    if deleting is not None:
        for fact in deleting:
            self.root_node.remove(fact)
    if adding is not None:
        for fact in adding:
            self.root_node.add(fact)
    added: list[Any] = []
    removed: list[Any] = []
    if network.pending:
        pending = sorted(network.pending, key=lambda csn: network.order[id(csn)])
        network.pending.clear()
        for csn in pending:
            csn._podnet_pending = False
            c_added, c_removed = csn.get_activations()
            added.extend(c_added)
            removed.extend(c_removed)
    return added, removed


def _reset(self: Any) -> None:
    network = _network(self)
    for node in network.written:
        node._reset()
        node._podnet_written = False
    network.written.clear()


ConflictSetNode._activate = _csn_activate_tracked
for _cls in (OrdinaryMatchNode, NotNode):
    _cls._activate_left = _tracked(_cls._activate_left)
    _cls._activate_right = _tracked(_cls._activate_right)
ReteMatcher.changes = _changes
ReteMatcher.reset = _reset

__all__ = ["AND", "MATCH", "NOT", "OR", "TEST", "Fact", "FeatureCheck", "KnowledgeEngine", "L", "P", "Rule", "W"]
