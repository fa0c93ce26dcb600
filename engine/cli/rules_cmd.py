"""``podnet rules list|test|graph``: show, test and draw the knowledge."""

from __future__ import annotations

import argparse

from .common import add_lang, add_rules, write_output
from .output import add_output


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("rules", help="list, test or graph the rules")
    rs = p.add_subparsers(dest="rules_command", metavar="ACTION")
    rs.required = True
    lp = rs.add_parser("list", help="list rules with their phase and conclusion")
    add_lang(lp)
    add_rules(lp)
    lp.set_defaults(run=run_list)
    tp = rs.add_parser("test", help="run the rules' own test cases (<rule-id>.test.yaml)")
    add_rules(tp)
    tp.add_argument("-k", dest="select", metavar="TEXT", help="only rules whose id contains this text")
    tp.set_defaults(run=run_test)
    cp = rs.add_parser("catalogue", help="the cause catalogue as a Markdown table")
    add_lang(cp)
    add_rules(cp)
    cp.set_defaults(run=run_catalogue)
    gp = rs.add_parser("graph", help="the knowledge graph: observations -> findings -> symptoms -> causes")
    add_output(gp, ("dot", "json"), default="dot", what="the graph")
    add_rules(gp)
    gp.set_defaults(run=run_graph)


def run_list(args: argparse.Namespace) -> int:
    from ..knowledge.load import load_knowledge

    kb = load_knowledge(tuple(args.rules))
    for r in kb.rules:
        then = r.spec.then
        weight = f" {then.weight:+.2f}" if then.weight is not None else ""
        print(f"{r.id:<40} {r.phase:<8} -> {r.conclusion}{weight}  {r.spec.title.get(args.lang)}")
    return 0


def run_catalogue(args: argparse.Namespace) -> int:
    from ..knowledge.catalogue import catalogue_markdown
    from ..knowledge.load import load_knowledge

    print(catalogue_markdown(load_knowledge(tuple(args.rules)), args.lang))
    return 0


def run_test(args: argparse.Namespace) -> int:
    from ..ruletest import run_rule_tests

    results = run_rule_tests(tuple(args.rules), select=args.select)
    failed = [r for r in results if not r.ok]
    for r in results:
        mark = "ok  " if r.ok else "FAIL"
        print(f"{mark} {r.rule_id}: {r.name}" + ("" if r.ok else f" — {r.message}"))
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def run_graph(args: argparse.Namespace) -> int:
    import json

    from ..knowledge.graph import knowledge_graph, to_dot
    from ..knowledge.load import load_knowledge

    g = knowledge_graph(load_knowledge(tuple(args.rules)))
    if args.format == "json":
        import networkx as nx

        write_output(json.dumps(nx.node_link_data(g, edges="edges"), indent=1, ensure_ascii=False) + "\n", args.out)
    else:
        write_output(to_dot(g) + "\n", args.out)
    return 0
