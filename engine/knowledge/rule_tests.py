"""The format of a rule's test file (``<rule-id>.test.yaml``), checked like the rules themselves.

A misspelt key (``expect: {top_casue: x}``), a case without ``fires``, or an ``expect`` naming a
cause, symptom or finding the knowledge does not have is an ``E-RULE-TEST`` error naming the file
and the place in it (``cases[2].expect.top_casue``), with a did-you-mean. The facts of a case are
laid over ``rules/defaults.test.yaml`` and validated as a fact file when the case runs (and by
``podnet rules check``).
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import RuleError
from .load import _bundled_rules_root, _walk_yaml, read_yaml

if TYPE_CHECKING:
    from .base import Knowledge


class Expect(BaseModel):
    """What the diagnosis must then show, beside the rule firing."""

    model_config = ConfigDict(extra="forbid")

    cause: str | None = Field(None, description="A cause listed in the diagnosis.")
    top_cause: str | None = Field(None, description="The cause ranked first.")
    symptom: str | None = Field(None, description="An established symptom class.")
    finding: str | None = Field(None, description="A finding concluded on the way.")
    no_cause: bool | None = Field(None, description="true: the diagnosis lists no cause at all.")


class RuleTestCase(BaseModel):
    """One case: facts laid over the defaults, whether the rule fires, what the diagnosis shows."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    fires: bool
    facts: dict[str, Any] = Field(default_factory=dict)
    expect: Expect | None = None


class RuleTestFile(BaseModel):
    """A rule's test file: the rule it tests and its cases (at least one)."""

    model_config = ConfigDict(extra="forbid")

    rule: str = Field(min_length=1)
    cases: list[RuleTestCase] = Field(min_length=1)


_MODELS: dict[str, type[BaseModel]] = {"": RuleTestFile, "cases": RuleTestCase, "expect": Expect}


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _did_you_mean(loc: tuple[Any, ...]) -> str:
    """A close field name for an unknown key, from the model the key sits in."""
    names = [p for p in loc[:-1] if isinstance(p, str)]
    model = _MODELS.get(names[-1] if names else "")
    if model is None or not isinstance(loc[-1], str):
        return ""
    close = difflib.get_close_matches(loc[-1], list(model.model_fields), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def parse_rule_test_file(doc: Any, origin: str) -> RuleTestFile:
    """Check a parsed test file against the format; the first problem is a located E-RULE-TEST."""
    try:
        return RuleTestFile.model_validate(doc)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # a misspelt key is both unknown and a missing required one: name the misspelling
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc = tuple(first["loc"])
        if first["type"] == "extra_forbidden":
            msg = f"unknown key {loc[-1]!r}{_did_you_mean(loc)}"
        elif first["type"] == "model_type" and not loc:
            msg = "a test file holds one mapping with 'rule' and 'cases'"
        else:
            msg = first["msg"]
        where = f"{origin}: {_where(loc)}" if loc else origin
        raise RuleError(msg, location=where, code="E-RULE-TEST") from None


def expect_problems(spec: RuleTestFile, kb: "Knowledge", origin: str) -> list[RuleError]:
    """``expect`` entries that name a cause, symptom or finding the knowledge does not have."""
    out: list[RuleError] = []
    tables: dict[str, Collection[str]] = {"cause": kb.causes, "top_cause": kb.causes, "symptom": kb.symptoms, "finding": kb.findings}
    for i, case in enumerate(spec.cases):
        if case.expect is None:
            continue
        for key, table in tables.items():
            value = getattr(case.expect, key)
            if value is not None and value not in table:
                close = difflib.get_close_matches(value, list(table), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                out.append(RuleError(f"unknown {key.replace('top_', '')} {value!r}{hint}", location=f"{origin}: cases[{i}].expect.{key}", code="E-RULE-TEST"))
    return out


def rule_test_files(rule_dirs: tuple[str, ...]) -> list[tuple[str, Any]]:
    """(origin, file) of every rule test file: the bundled rules' and those of ``rule_dirs``."""
    roots: list[tuple[str, Any]] = [("rules", _bundled_rules_root())] + [(d, Path(d)) for d in rule_dirs]
    return [(f"{label}/{rel}", item) for label, root in roots for rel, item in _walk_yaml(root) if rel.endswith(".test.yaml") and "/" in rel]


def case_defaults() -> dict[str, Any]:
    """``rules/defaults.test.yaml``: the fact file every test case's facts are laid over."""
    return read_yaml(_bundled_rules_root() / "defaults.test.yaml", "rules/defaults.test.yaml")  # type: ignore[no-any-return]


def overlay(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """``top`` laid over ``base``: nested mappings merged key by key, anything else replaced."""
    out = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = overlay(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out
