"""``podnet tools [TOOL]``: the guide's tools (tcpdump, nsenter), filled in for a case."""

from __future__ import annotations

import argparse

from .common import add_lang


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("tools", help="how to install and use tcpdump and nsenter, filled in for a case")
    p.add_argument("tool", nargs="?", help="tcpdump or nsenter (default: all)")
    p.add_argument("--facts", metavar="FILE", help="fill the recipes in from this fact file (- reads stdin)")
    p.add_argument("--iface", default=None, type=_if_name, help="capture interface for the tcpdump recipes (default: any)")
    p.add_argument("--pid", default=None, type=_pid, help="the Pod's process id for the nsenter recipes")
    add_lang(p)
    p.set_defaults(run=run)


def _if_name(value: str) -> str:
    """An interface name by the fact file's rules (it is printed into commands)."""
    from ..facts.values import if_name

    try:
        return if_name(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _pid(value: str) -> str:
    if not (value.isascii() and value.isdigit()):
        raise argparse.ArgumentTypeError("a process id is a number")
    return value


def run(args: argparse.Namespace) -> int:
    import difflib

    from ..errors import UsageError
    from ..knowledge.load import load_tools
    from ..knowledge.templates import Placeholder, case_context, render_command
    from ..render.safe import visible

    tools = load_tools()
    if args.tool and args.tool not in tools:
        close = difflib.get_close_matches(args.tool, list(tools), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(tools)})"
        raise UsageError(f"unknown tool {args.tool!r}{hint}", location="TOOL")
    ctx: dict[str, object] = {}
    if args.facts:
        from ..facts.load import load_facts

        ctx = case_context(load_facts(args.facts))
    else:
        from ..facts.model import FactFile

        ctx = case_context(
            FactFile.model_validate({"case": {"id": "-"}, "endpoints": {"source": {"kind": "pod"}, "destination": {"kind": "pod"}}})
        )
    ctx["iface"] = args.iface or "any"
    ctx["pid"] = args.pid or Placeholder("<pod-pid>")
    lang = args.lang
    for tid, tool in tools.items():
        if args.tool and tid != args.tool:
            continue
        print(f"{tool.title.get(lang)}")
        print(f"  {tool.purpose.get(lang)}")
        print()
        for distro, cmd in tool.install.items():
            print(f"  [{distro}] $ {cmd}")
        print()
        for recipe in tool.recipes:
            print(f"  {recipe.title.get(lang)}")
            print(f"    $ {visible(render_command(recipe.command, ctx, f'kb/tools.yaml: {tid}'))}")
        print()
    return 0
