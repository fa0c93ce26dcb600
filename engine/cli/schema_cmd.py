"""``podnet schema``: the JSON Schema of fact files (or of the diagnosis with --diagnosis); every
observation kind documented (``--kinds``), one kind's schema (``--kind KIND``) or an example
(``--example KIND``)."""

from __future__ import annotations

import argparse
import difflib

from ..errors import UsageError
from .output import add_output, dump, write_output


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("schema", help="print the JSON Schema of fact files or diagnoses, or document the observation kinds")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--diagnosis", action="store_true", help="the schema of the JSON diagnosis instead")
    what.add_argument("--kinds", action="store_true", help="every observation kind: description, fields, derived fields, where it is observed, an example")
    what.add_argument("--kind", metavar="KIND", help="the JSON Schema of one observation kind")
    what.add_argument("--example", metavar="KIND", help="an example observation of KIND, valid in a fact file's observations")
    add_output(p, ("json", "yaml"), default="json", what="the schema")
    p.set_defaults(run=run)


def _kind(name: str, option: str) -> str:
    from ..facts.observations import OBSERVATION_MODELS

    if name in OBSERVATION_MODELS:
        return name
    close = difflib.get_close_matches(name, OBSERVATION_MODELS, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(sorted(OBSERVATION_MODELS))})"
    raise UsageError(f"unknown observation kind{hint}", location=option)


def run(args: argparse.Namespace) -> int:
    if args.kinds:
        from ..knowledge.kind_docs import describe_kinds

        data = describe_kinds()
    elif args.kind:
        from ..facts.observations import OBSERVATION_MODELS

        data = OBSERVATION_MODELS[_kind(args.kind, "--kind")].model_json_schema(mode="validation")
    elif args.example:
        from ..knowledge.examples import observation_examples

        data = observation_examples()[_kind(args.example, "--example")]
    elif args.diagnosis:
        from ..diagnosis import Diagnosis

        data = Diagnosis.model_json_schema(mode="validation")
    else:
        from ..facts.model import FactFile

        data = FactFile.model_json_schema(mode="validation")
    write_output(dump(data, args.format), args.out)
    return 0
