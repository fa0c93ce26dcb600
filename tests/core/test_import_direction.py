"""The package's imports go one way: each part imports only the parts below it.

The issue's pipeline, inputs -> facts -> knowledge -> reasoning -> diagnosis -> render with the
command line on top, is the way data flows. In imports it reads: the fact model and the diagnosis
model are near the bottom (everything reads them, they read nothing of podnet's but the base); the
knowledge reads the fact model (its conditions name fact kinds); what turns input into facts
(``inputs`` for pasted output, ``collect`` for live probes) reads the facts and the knowledge, and
live collection reads what the pasted-output side knows (one acquisition pipeline: the cluster context
inferred from hosts, the parsers); the packet path reads both; the reasoning reads all of these and makes the diagnosis; the renderers
read the diagnosis; triage, batch, the facade (``import podnet``), the web app and the command line
sit on top, in that order. :data:`ALLOWED` is that table; it is itself checked to have no cycle.

Every ``import`` counts, also those inside functions (lazy, for start-up time) and under
``TYPE_CHECKING`` (a dependency all the same). Besides the direction between parts, no two modules
import each other at run time, directly or through others (:func:`test_no_module_imports_itself_back`).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from tests.conftest import ROOT

ENGINE = ROOT / "engine"

PLACES: dict[str, str] = {
    # base: no podnet imports but among themselves
    "podnet.errors": "base",
    "podnet.limits": "base",
    "podnet.files": "base",
    "podnet.outfile": "base",
    "podnet.cidr": "base",
    "podnet._version": "base",
    "podnet.render.safe": "base",  # terminal-safe text: errors print through it
    "podnet.netfilter": "netfilter",  # iptables/nft/ipvs parsers and the packet tracer: a library of its own
    "podnet.diagnosis": "diagnosis",  # the diagnosis model
    "podnet.neutral": "reasoning",  # the language-neutral diagnosis the reasoning makes; localize() draws its path
    "podnet.facts": "facts",  # the fact model, its loading and validation
    "podnet.knowledge": "knowledge",
    "podnet.messages": "knowledge",  # message texts of kb/messages
    "podnet.path.profiles": "knowledge",  # reads kb/paths (the packet path's knowledge)
    "podnet.inputs": "inputs",  # pasted command output -> facts
    "podnet.collect": "collect",  # live probes -> facts
    "podnet.path": "path",  # the packet path of a case, capture plans, localisation
    "podnet.reasoning": "reasoning",
    "podnet._experta": "reasoning",  # the rule engine's speed-ups
    "podnet.ruletest": "reasoning",  # runs the rules' test cases through the reasoning
    "podnet.render": "render",
    "podnet.triage": "triage",
    "podnet.batch": "batch",
    "podnet": "facade",  # podnet/__init__.py only
    "podnet.web": "web",
    "podnet.cli": "cli",
    "podnet.__main__": "cli",
}
"""Module (or package prefix) -> part; the longest match wins, ``podnet`` itself is the facade only."""

ALLOWED: dict[str, set[str]] = {
    "base": set(),
    "netfilter": {"base"},
    "diagnosis": {"base"},
    "facts": {"base", "netfilter"},
    "knowledge": {"base", "facts"},
    "inputs": {"base", "netfilter", "facts", "knowledge"},
    "collect": {"base", "netfilter", "facts", "knowledge", "inputs"},
    "path": {"base", "facts", "knowledge"},
    "reasoning": {"base", "netfilter", "diagnosis", "facts", "knowledge", "path"},
    "render": {"base", "diagnosis", "knowledge"},
    "triage": {"base", "diagnosis", "facts", "knowledge", "inputs", "path", "reasoning", "render"},
    "batch": {"base", "diagnosis", "facts", "knowledge", "reasoning", "render"},
    "facade": {"base", "diagnosis", "facts", "knowledge", "reasoning", "render", "triage"},
    "web": {"base", "diagnosis", "facts", "knowledge", "inputs", "path", "reasoning", "render", "triage", "facade"},
    "cli": {
        "base", "netfilter", "diagnosis", "facts", "knowledge", "inputs", "collect", "path", "reasoning", "render",
        "triage", "batch", "facade", "web",
    },
}
"""Part -> the parts it may import (besides itself)."""


def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for path in sorted(ENGINE.rglob("*.py")):
        parts = path.relative_to(ENGINE).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        out[".".join(("podnet", *(parts[:-1] if is_package else parts)))] = (path, is_package)
    return out


MODULES = _modules()


def place(module: str) -> str:
    if module == "podnet":
        return PLACES["podnet"]
    best = max((k for k in PLACES if k != "podnet" and (module == k or module.startswith(k + "."))), key=len, default=None)
    assert best is not None, f"{module} has no place in PLACES: add it"
    return PLACES[best]


@cache
def imports(module: str) -> tuple[tuple[str, int, bool], ...]:
    """(imported podnet module, line, under TYPE_CHECKING) for every import in ``module``.

    ``from X import name`` imports the module ``X.name`` when there is one, else ``X``."""
    path, is_package = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    typing_only = {
        id(sub)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for stmt in node.body
        for sub in ast.walk(stmt)
    }
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            names = [f"{origin}.{a.name}" if f"{origin}.{a.name}" in MODULES else origin for a in node.names]
        else:
            continue
        out += [(n, node.lineno, id(node) in typing_only) for n in names if n == "podnet" or n.startswith("podnet.")]
    return tuple(out)


def _where(module: str, line: int) -> str:
    return f"{MODULES[module][0].relative_to(ROOT)}:{line}"


def test_the_table_has_every_part_and_no_cycle():
    assert set(ALLOWED) == set(PLACES.values())
    assert all(deps <= set(ALLOWED) for deps in ALLOWED.values())
    done: set[str] = set()

    def visit(part: str, stack: tuple[str, ...]) -> None:
        assert part not in stack, f"the table has a cycle: {' -> '.join((*stack, part))}"
        if part not in done:
            for dep in ALLOWED[part]:
                visit(dep, (*stack, part))
            done.add(part)

    for part in ALLOWED:
        visit(part, ())


def test_every_module_has_a_place():
    for module in MODULES:
        place(module)


def test_every_import_goes_down():
    wrong = []
    for module in MODULES:
        mine = place(module)
        for target, line, _typing in imports(module):
            theirs = place(target)
            if theirs != mine and theirs not in ALLOWED[mine]:
                wrong.append(f"{_where(module, line)}: {mine} must not import {theirs} ({module} -> {target})")
    assert wrong == [], "\n".join(wrong)


def test_no_module_imports_itself_back():
    """No cycle of run-time imports between modules (``TYPE_CHECKING`` imports aside)."""
    graph = {m: sorted({t for t, _l, typing in imports(m) if not typing and t in MODULES and t != m}) for m in MODULES}
    cycles: list[str] = []
    state: dict[str, int] = {}  # 1 on the stack, 2 done

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        stack.append(m)
        for t in graph[m]:
            if state.get(t) == 1:
                cycles.append(" -> ".join(stack[stack.index(t):] + [t]))
            elif t not in state:
                visit(t, stack)
        stack.pop()
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [])
    assert cycles == [], "\n".join(cycles)


def test_the_parser_resolves_relative_imports():
    """A guard on the guard: ``from ..errors import X`` in a subpackage's module is podnet.errors."""
    users = [m for m, (path, pkg) in MODULES.items() if not pkg and m.count(".") == 2 and "from ..errors import" in path.read_text()]
    assert len(users) > 10
    assert all("podnet.errors" in {t for t, _l, _t in imports(m)} for m in users)


def test_every_module_imports_on_its_own():
    """A library user may import any module first: none may depend on another having been imported
    before it (``podnet.inputs.commands`` alone once failed on a cycle through ``inputs.raw``)."""
    import subprocess
    import sys

    script = (
        "import importlib, sys\n"
        "bad = []\n"
        "for m in sys.argv[1:]:\n"
        "    for k in [k for k in sys.modules if k == 'podnet' or k.startswith('podnet.')]:\n"
        "        del sys.modules[k]\n"
        "    try:\n"
        "        importlib.import_module(m)\n"
        "    except Exception as e:\n"
        "        bad.append(f'{m}: {e!r}')\n"
        "print('\\n'.join(bad))\n"
    )
    names = [m for m in MODULES if not m.endswith("__main__")]
    out = subprocess.run([sys.executable, "-c", script, *names], capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.strip() == "", out.stdout
