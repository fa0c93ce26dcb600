"""``podnet ingest PATH``: raw command output (a folder or a pasted transcript) -> a fact file."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .common import add_lang, write_output
from .output import add_output, one_stdin

_SIDES = {
    "source": ("kind", "name", "namespace", "ip", "node", "node-ip"),
    "destination": ("kind", "name", "namespace", "ip", "port", "dns-name", "node", "node-ip"),
}


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "ingest",
        help="turn raw command output (ping, curl, ip, iptables-save, kubectl, tcpdump...) into a fact file",
        description=(
            "Read a folder with one file per command (the command on a first line such as "
            "'[root@node1 ~]# ping -c 3 10.0.0.1', or named by the file name) or one pasted terminal "
            "transcript, and write the fact file. What is not understood is reported as a warning "
            "naming file and line. Options and --context win over what is inferred from the output."
        ),
    )
    p.add_argument("path", metavar="PATH", help="a folder or a transcript file; - reads stdin")
    add_output(p, ("json",), default="json", what="the fact file")
    p.add_argument("--quiet", action="store_true", help="do not print warnings")
    add_lang(p)
    add_context_options(p)
    p.set_defaults(run=run)


def add_context_options(p: argparse.ArgumentParser, *, note: str = "") -> None:
    """--context, --case-id, --summary and --source-*/--destination-*: what the raw input does not say
    (shared by ``ingest`` and ``diagnose --raw``)."""
    p.add_argument("--context", metavar="FILE", help=f"JSON with case / cluster / endpoints to merge over what is inferred{note}")
    p.add_argument("--case-id", help=f"case id (default: raw-<name of PATH>){note}")
    p.add_argument("--summary", help=f"one-line case summary{note}")
    for side, fields in _SIDES.items():
        for f in fields:
            kwargs: dict[str, Any] = {"metavar": f.replace("-", "_").upper(), "dest": f"{side}_{f.replace('-', '_')}"}
            if f == "port":
                kwargs["type"] = int
            if f == "kind":
                kwargs["choices"] = ("pod", "node") if side == "source" else ("pod", "service", "node", "external")
            p.add_argument(f"--{side}-{f}", help=f"{side} {f.replace('-', ' ')}{note}", **kwargs)


def context_given(args: argparse.Namespace) -> list[str]:
    """The context options given on the command line (their option names)."""
    names = [n for n in ("context", "case_id", "summary") if getattr(args, n, None) is not None]
    names += [f"{side}_{f.replace('-', '_')}" for side, fields in _SIDES.items() for f in fields
              if getattr(args, f"{side}_{f.replace('-', '_')}", None) is not None]
    return ["--" + n.replace("_", "-") for n in names]


def context_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The --context file merged with the --case-id/--source-*/--destination-* options."""
    from ..errors import UsageError

    ctx: dict[str, Any] = {}
    if args.context:
        from ..errors import InputError
        from ..facts.load import parse_json, read_text

        # a regular file (or -) only, size-capped: a FIFO or device here would block or never end
        try:
            ctx = parse_json(read_text(args.context), args.context)
        except InputError as exc:
            raise UsageError(exc.message, location=exc.location) from None
        if not isinstance(ctx, dict) or not set(ctx) <= {"case", "cluster", "endpoints"}:
            raise UsageError("must be a JSON object with only case, cluster and endpoints", location=args.context)
    if args.case_id or args.summary:
        ctx.setdefault("case", {})
        if args.case_id:
            ctx["case"]["id"] = args.case_id
        if args.summary:
            ctx["case"]["summary"] = args.summary
    for side, fields in _SIDES.items():
        for f in fields:
            value = getattr(args, f"{side}_{f.replace('-', '_')}")
            if value is not None:
                ctx.setdefault("endpoints", {}).setdefault(side, {})[f.replace("-", "_")] = value
    return ctx


def run(args: argparse.Namespace) -> int:
    from ..inputs.ingest import ingest

    one_stdin([args.path, args.context], "PATH/--context")
    result = ingest(args.path, context_from_args(args))
    if not args.quiet:
        for w in result.warnings:
            print(f"podnet: warning: {w.location}: {w.text(args.lang)}", file=sys.stderr)
    write_output(json.dumps(result.facts.to_json_dict(), indent=2, ensure_ascii=False) + "\n", args.out)
    return 0
