"""The packet path as a plain chain of hops, with the part of networkx's ``DiGraph`` interface podnet
uses on it, and :meth:`PacketPath.to_networkx` for graph queries.

A packet path is a chain (request 0 -> ... -> n-1 -> reply n-1 -> ... -> 0): drawing it, localizing
a capture on it or planning captures along it only walks that chain. Importing networkx costs about
as much as the rest of a cold diagnosis of a case with captures (about 100 ms, a third of it the
search of every installed package for graph backends), so the diagnosis walks the chain in plain
Python and networkx is imported only when a caller asks for a real graph (:meth:`to_networkx`).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, Hashable, Iterator, Mapping

if TYPE_CHECKING:
    import networkx as nx


class _NodeView(Mapping[Any, dict[str, Any]]):
    """``graph.nodes``: iterate the node keys, ``graph.nodes[key]`` gives the node's attributes."""

    def __init__(self, nodes: dict[Hashable, dict[str, Any]]) -> None:
        self._nodes = nodes

    def __getitem__(self, key: Hashable) -> dict[str, Any]:
        return self._nodes[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)


class PacketPath:
    """A small directed graph: graph attributes (``graph.graph``), nodes with attributes, edges
    with attributes, in insertion order; the methods below behave as networkx's ``DiGraph``'s."""

    def __init__(self, **attrs: Any) -> None:
        self.graph: dict[str, Any] = dict(attrs)
        self._nodes: dict[Hashable, dict[str, Any]] = {}
        self._succ: dict[Hashable, dict[Hashable, dict[str, Any]]] = {}

    def add_node(self, key: Hashable, **attrs: Any) -> None:
        self._nodes.setdefault(key, {}).update(attrs)
        self._succ.setdefault(key, {})

    def add_edge(self, a: Hashable, b: Hashable, **attrs: Any) -> None:
        for key in (a, b):
            if key not in self._nodes:
                self.add_node(key)
        self._succ[a].setdefault(b, {}).update(attrs)

    @property
    def nodes(self) -> _NodeView:
        return _NodeView(self._nodes)

    @property
    def edges(self) -> list[tuple[Hashable, Hashable]]:
        return [(a, b) for a, succ in self._succ.items() for b in succ]

    def get_edge_data(self, a: Hashable, b: Hashable) -> dict[str, Any] | None:
        return self._succ.get(a, {}).get(b)

    def successors(self, key: Hashable) -> Iterator[Hashable]:
        return iter(self._succ[key])

    def is_directed(self) -> bool:
        return True

    def shortest_path(self, source: Hashable, target: Hashable) -> list[Hashable]:
        """The keys from ``source`` to ``target`` along the fewest edges (breadth first, as
        ``networkx.shortest_path`` without weights); ValueError when there is no such path."""
        before: dict[Hashable, Hashable | None] = {source: None}
        todo = deque([source])
        while todo:
            key = todo.popleft()
            if key == target:
                out = [key]
                while before[out[-1]] is not None:
                    out.append(before[out[-1]])  # type: ignore[arg-type]
                return out[::-1]
            for nxt in self._succ[key]:
                if nxt not in before:
                    before[nxt] = key
                    todo.append(nxt)
        raise ValueError(f"no path from {source!r} to {target!r}")

    def to_networkx(self) -> "nx.DiGraph":
        """The same graph as a ``networkx.DiGraph`` (for graph queries; imports networkx)."""
        import networkx as nx

        g = nx.DiGraph(**self.graph)
        for key, attrs in self._nodes.items():
            g.add_node(key, **attrs)
        for a, succ in self._succ.items():
            for b, attrs in succ.items():
                g.add_edge(a, b, **attrs)
        return g
