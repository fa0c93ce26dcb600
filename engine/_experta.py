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
* A join (two-input node: AND or NOT of patterns sharing a ``$variable``) compares a new token
  with every token of the other side's memory: N pings and N TCP probes joined on ``$target``
  cost N² comparisons per rule (1,200 such observations: 13 s). :class:`_JoinIndex` keeps each
  side's memory also grouped by the values of the variables both sides bind, and hands
  experta's own activation code only the tokens of the matching group (in memory order), so
  experta's matcher still decides every pair it sees and the activations are the same, in the
  same order (:data:`JOIN_INDEX` turns it off, for the tests that compare both).
* To take a removed activation off the agenda, experta's depth strategy compares it with the
  agenda's entries at its sort key's place; most such comparisons are with another activation
  (one already fired is no longer there), and ``Activation.__eq__`` compared the bound context
  and the sets of facts (every fact's fields) before the cheap sort key. :func:`_activation_eq`
  asks the same four questions, the cheap ones first: the same answer, about a tenth of a warm
  diagnosis of the ClusterIP example less.
"""

from __future__ import annotations

import collections
import collections.abc
from typing import Any

for _name in ("Mapping", "MutableMapping", "Sequence", "Callable", "Iterable", "Hashable"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

from experta import AND, MATCH, NOT, OR, TEST, Fact, KnowledgeEngine, L, P, Rule, W  # noqa: E402
from experta.matchers.rete.check import FeatureCheck, SameContextCheck, TypeCheck  # noqa: E402
from experta.matchers.rete import ReteMatcher  # noqa: E402
from experta.matchers.rete.nodes import BusNode, ConflictSetNode, NotNode, OrdinaryMatchNode  # noqa: E402
from experta.matchers.rete.token import Token  # noqa: E402
from experta.activation import Activation  # noqa: E402


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


JOIN_INDEX = True
"""Whether joins look up the matching group of the other side's memory (see the module's docstring)."""


class _JoinIndex:
    """One join node's memories grouped by the values of the variables both sides bind.

    Built when both sides have held a token (their context keys are then known), from the memories
    as they are, and kept in step with them after each activation. A side whose tokens do not all
    bind the same variables, or a join without a shared variable, is not indexed (``off``)."""

    __slots__ = ("keys", "shared", "groups", "off")

    def __init__(self) -> None:
        self.keys: list[frozenset[Any] | None] = [None, None]  # left, right
        self.shared: tuple[str, ...] | None = None
        self.groups: list[dict[tuple[Any, ...], Any]] = [{}, {}]
        self.off = False

    def see(self, node: Any, side: int, context: dict[Any, Any]) -> None:
        """Note a token's context keys on one side; index the node once both sides are known."""
        keys = frozenset(context)
        known = self.keys[side]
        if known is None:
            self.keys[side] = keys
        elif known != keys:
            self.off = True
            return
        other = self.keys[1 - side]
        if self.shared is None and other is not None:
            left, right = self.keys
            self.shared = tuple(sorted(k for k in left & right if isinstance(k, str)))  # type: ignore[operator]
            if not self.shared:
                self.off = True
                return
            for s, memory in ((0, node.left_memory), (1, node.right_memory)):
                for info in memory:
                    self.add(s, info)

    def key(self, context: Any) -> tuple[Any, ...]:
        get = context.__getitem__ if isinstance(context, dict) else dict(context).__getitem__
        return tuple(get(k) for k in self.shared)  # type: ignore[union-attr]

    def add(self, side: int, info: Any) -> None:
        group = self.groups[side].setdefault(self.key(info.context), {})
        group[info] = group.get(info, 0) + 1  # an ordered multiset: memory lists may repeat a token

    def remove(self, side: int, info: Any) -> None:
        key = self.key(info.context)
        group = self.groups[side].get(key)
        if group and info in group:
            group[info] -= 1
            if not group[info]:
                del group[info]
            if not group:
                del self.groups[side][key]


def _join_index(node: Any, side: int, token: Any) -> _JoinIndex | None:
    """The node's index after noting this token, or None when the node is not indexed."""
    if not JOIN_INDEX or not isinstance(getattr(node, "matcher", None), SameContextCheck):
        return None
    index = node.__dict__.get("_podnet_join")
    if index is None:
        index = node._podnet_join = _JoinIndex()
    if not index.off:
        index.see(node, side, token.context)
    return None if index.off or index.shared is None else index


def _ordinary(side: int, original: Any) -> Any:
    """An OrdinaryMatchNode activation that offers experta only the other side's matching group
    (memories are lists of token infos; a repeated info is repeated in its group, in order)."""
    theirs = "right_memory" if side == 0 else "left_memory"

    def activate(self: Any, token: Any) -> Any:
        index = _join_index(self, side, token)
        if index is None:
            return original(self, token)
        group = index.groups[1 - side].get(index.key(token.context), {})
        full = getattr(self, theirs)
        setattr(self, theirs, [info for info, n in group.items() for _ in range(n)])
        try:
            original(self, token)
        finally:
            setattr(self, theirs, full)
        if token.is_valid():
            index.add(side, token.to_info())
        else:
            index.remove(side, token.to_info())
        return None

    activate.__name__ = original.__name__
    return activate


def _not_left(original: Any) -> Any:
    """NotNode, a token on the left: counts its matches among the right tokens of its group only."""

    def activate(self: Any, token: Any) -> Any:
        index = _join_index(self, 0, token)
        if index is None:
            return original(self, token)
        group = index.groups[1].get(index.key(token.context), {})
        full = self.right_memory
        self.right_memory = [info for info, n in group.items() for _ in range(n)]
        try:
            original(self, token)
        finally:
            self.right_memory = full
        if token.is_valid():
            index.groups[0].setdefault(index.key(token.context), {})[token.to_info()] = 1
        else:
            index.remove(0, token.to_info())
        return None

    activate.__name__ = original.__name__
    return activate


def _not_right(original: Any) -> Any:
    """NotNode, a token on the right: updates the counts of the left tokens of its group only
    (the left memory is a dict of token info -> count; the group's counts are written back)."""

    def activate(self: Any, token: Any) -> Any:
        index = _join_index(self, 1, token)
        if index is None:
            return original(self, token)
        group = index.groups[0].get(index.key(token.context), {})
        full = self.left_memory
        part = {info: full[info] for info in group if info in full}
        self.left_memory = part
        try:
            original(self, token)
        finally:
            self.left_memory = full
            full.update(part)
        if token.is_valid():
            index.add(1, token.to_info())
        else:
            index.remove(1, token.to_info())
        return None

    activate.__name__ = original.__name__
    return activate


def _reset_join(original: Any) -> Any:
    def reset(self: Any) -> None:
        original(self)
        self.__dict__.pop("_podnet_join", None)

    return reset


def _activation_eq(self: Any, other: Any) -> bool:
    """experta's ``Activation.__eq__`` (context, facts, rule and sort key all equal; False for
    what lacks them), the cheap comparisons first."""
    try:
        return bool(self.key == other.key and self.rule == other.rule and self.facts == other.facts and self.context == other.context)
    except AttributeError:
        return False


Activation.__eq__ = _activation_eq  # type: ignore[assignment,method-assign]
ConflictSetNode._activate = _csn_activate_tracked
OrdinaryMatchNode._activate_left = _tracked(_ordinary(0, OrdinaryMatchNode._activate_left))
OrdinaryMatchNode._activate_right = _tracked(_ordinary(1, OrdinaryMatchNode._activate_right))
NotNode._activate_left = _tracked(_not_left(NotNode._activate_left))
NotNode._activate_right = _tracked(_not_right(NotNode._activate_right))
for _cls in (OrdinaryMatchNode, NotNode):
    _cls._reset = _reset_join(_cls._reset)
ReteMatcher.changes = _changes
ReteMatcher.reset = _reset

__all__ = ["AND", "MATCH", "NOT", "OR", "TEST", "Fact", "FeatureCheck", "KnowledgeEngine", "L", "P", "Rule", "W"]
