"""The knowledge graph (networkx): observation kinds -> rules -> findings -> symptoms -> causes.

Used by ``podnet rules graph`` and by the knowledge checks in the tests (every finding and
symptom a rule depends on is concluded by some rule; every cause has supporting rules).
networkx is imported here only, never on the diagnosis path.
"""

from __future__ import annotations

from typing import Any

from .conditions import patterns
from .load import Knowledge


def knowledge_graph(kb: Knowledge) -> Any:
    """A directed graph with typed nodes ``obs:KIND``, ``rule:ID``, ``finding:ID``, ``symptom:ID``, ``cause:ID``."""
    import networkx as nx

    g = nx.DiGraph()
    for cid, cause in kb.causes.items():
        g.add_node(f"cause:{cid}", type="cause", label=cause.title.en)
        g.add_edge(f"symptom:{cause.symptom}", f"cause:{cid}", relation="class_of")
    for sid in kb.symptoms:
        g.add_node(f"symptom:{sid}", type="symptom")
    for fid in kb.findings:
        g.add_node(f"finding:{fid}", type="finding")
    for rule in kb.rules:
        rnode = f"rule:{rule.id}"
        g.add_node(rnode, type="rule", phase=rule.phase, path=rule.path)
        for p, negated in patterns(rule.condition):
            if p.kind in ("symptom", "finding"):
                value = next((c.value for c in p.constraints if c.field in ("class", "name") and c.op == "eq"), None)
                src = f"{p.kind}:{value}"
            else:
                src = f"obs:{p.kind}"
                g.add_node(src, type="observation" if p.kind in kb.observation_kinds else "context")
            g.add_edge(src, rnode, relation="absent" if negated else "matches")
        then = rule.spec.then
        target = f"{rule.phase}:{rule.conclusion}"
        g.add_edge(rnode, target, relation="concludes", weight=then.weight)
    return g


def dangling(kb: Knowledge) -> list[str]:
    """Problems in the graph: findings/symptoms used but never concluded, causes without support."""
    g = knowledge_graph(kb)
    problems = []
    for node, data in g.nodes(data=True):
        if data.get("type") in ("finding",) and g.out_degree(node) and not g.in_degree(node):
            problems.append(f"{node} is used by rules but no rule concludes it")
        if data.get("type") == "cause":
            support = [u for u, _v, d in g.in_edges(node, data=True) if d.get("relation") == "concludes" and (d.get("weight") or 0) > 0]
            if not support:
                problems.append(f"{node} has no rule supporting it")
    return sorted(problems)


def to_dot(g: Any) -> str:
    """Graphviz DOT text of the knowledge graph."""
    shapes = {"observation": "box", "context": "box", "rule": "ellipse", "finding": "diamond", "symptom": "hexagon", "cause": "doubleoctagon"}
    lines = ["digraph podnet {", "  rankdir=LR;"]
    for node, data in sorted(g.nodes(data=True)):
        lines.append(f'  "{node}" [shape={shapes.get(data.get("type", ""), "plaintext")}];')
    for u, v, data in sorted(g.edges(data=True)):
        label = data.get("relation", "")
        if data.get("weight") is not None:
            label = f"{data['weight']:+.2f}"
        style = ",style=dashed" if data.get("relation") == "absent" or (data.get("weight") or 0) < 0 else ""
        lines.append(f'  "{u}" -> "{v}" [label="{label}"{style}];')
    lines.append("}")
    return "\n".join(lines)
