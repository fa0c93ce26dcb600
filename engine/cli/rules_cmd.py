"""``podnet rules list|test|check|catalogue|graph``: show, test, check and draw the knowledge."""

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
    kp = rs.add_parser(
        "check",
        help="check the knowledge without running cases: cross references, rule test files, examples",
        description="Every check of the knowledge, every problem listed (one located line each): what the loader "
        "refuses (schemas, templates, cross references between kb/ files, causes without a supporting rule), the "
        "bundled rules' message templates, the format and references of every <rule-id>.test.yaml and its cases' "
        "facts, and examples/expected.yaml against the example files and the catalogue. Exit 3 when there is a problem.",
    )
    add_rules(kp)
    kp.add_argument("--examples", metavar="DIR", help="examples folder with expected.yaml (default: the source checkout's examples/, if any)")
    kp.set_defaults(run=run_check)
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


def run_check(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from ..errors import UsageError
    from ..knowledge.checks import check_knowledge, default_examples

    examples = Path(args.examples) if args.examples else default_examples()
    if examples is not None and not (examples / "expected.yaml").is_file():
        raise UsageError("no expected.yaml in the examples folder", location=str(examples), code="E-USAGE")
    report = check_knowledge(tuple(args.rules), examples)
    for line in report.problems:
        print(line, file=sys.stderr)
    counts = ", ".join(f"{n} {what}" for what, n in report.counts.items())
    if examples is None:
        counts += ", examples not checked (no examples/ folder; pass --examples DIR)"
    print(f"{'FAIL' if report.problems else 'ok'}: {counts}; {len(report.problems)} problem(s)")
    return 3 if report.problems else 0


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
