"""``podnet capture-plan FILE``: where to run tcpdump along the packet path, in which order.

When the fact file already holds capture observations, the path is drawn with the hop where the
packet disappears marked, and the suspected causes.
"""

from __future__ import annotations

import argparse

from .common import add_lang, write_output
from .output import add_output, dump

FORMATS = ("text", "markdown", "json", "yaml")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "capture-plan",
        help="print the ordered tcpdump capture plan along the packet path",
        description="Print the tcpdump captures along the packet path of a case: both ends first, then bisect "
        "towards the middle. With capture observations in the file, also show where the packet disappears.",
    )
    p.add_argument("file", metavar="FILE", help="fact file (JSON), or - for stdin")
    add_output(p, FORMATS, default="text", what="the plan")
    add_lang(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..facts.load import load_facts
    from ..path import build_path, capture_plan, localize, render_path, render_plan
    from ..path.profiles import text

    facts = load_facts(args.file)
    plan = capture_plan(facts, args.lang)
    has_captures = any(o.kind == "capture" for o in facts.observations)
    if args.format in ("json", "yaml"):
        data = plan.model_dump(mode="json")
        if has_captures:
            data["verdict"] = localize(facts, strict=False).model_dump(mode="json")
        write_output(dump(data, args.format), args.out)
        return 0
    out = render_plan(plan, args.format)
    if has_captures:
        # the captures are placed on the path only where the case names it (strict); the drawing shows the fill-ins
        drawing = render_path(build_path(facts, fill_in=True), localize(facts, strict=False), args.lang)
        title = text("captures_so_far", args.lang)
        if args.format == "markdown":
            from ..render.safe import md_fence

            out += f"\n## {title}\n\n" + "\n".join(md_fence(drawing.rstrip("\n").split("\n"))) + "\n"
        else:
            out += f"\n{title}:\n{drawing}"
    write_output(out, args.out)
    return 0
