"""``podnet schema``: the JSON Schema of fact files (or of the diagnosis with --diagnosis)."""

from __future__ import annotations

import argparse

from .output import add_output, dump, write_output


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("schema", help="print the JSON Schema of fact files or diagnoses")
    p.add_argument("--diagnosis", action="store_true", help="the schema of the JSON diagnosis instead")
    add_output(p, ("json", "yaml"), default="json", what="the schema")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.diagnosis:
        from ..diagnosis import Diagnosis as model
    else:
        from ..facts.model import FactFile as model  # type: ignore[assignment]
    write_output(dump(model.model_json_schema(mode="validation"), args.format), args.out)
    return 0
