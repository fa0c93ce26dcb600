"""Rule conditions: a readable YAML language (all / any / not over fact patterns) and its checks.

A pattern names a fact kind and constrains its fields::

    - fact: ping              # an observation kind, or symptom / finding / source / destination / cluster
      as: big                 # optional name for the matched fact (used in messages)
      at: source_pod          # equality
      size: {gte: 1400}       # operators: eq ne in not_in gt gte lt lte contains
      target: $dst            # a variable: binds on first use, joins on the next ones

Conditions are checked against the fact schema when rules load: unknown fact kinds, fields,
operators and enum values fail with a did-you-mean suggestion.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal, Union

from pydantic import BaseModel

from ..errors import RuleError

OPERATORS = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "contains")
NUMERIC_OPS = ("gt", "gte", "lt", "lte")


def contains(items: Any, value: Any) -> bool:
    """What the operator ``contains`` means, for the rules and for triage's answers alike: a list
    field holds the value. A text is looked for inside each item, ignoring case (a log line
    contains the words); any other value must equal an item. Not a list: false."""
    if not isinstance(items, (list, tuple, frozenset, set)):
        return False
    if isinstance(value, str):
        wanted = value.lower()
        return any(wanted in str(item).lower() for item in items)
    return value in items

RESERVED = ("fact", "as")

MAX_DEPTH = 16
"""Deepest nesting of all / any / not in one rule (the bundled rules use 3)."""
MAX_PATTERNS = 256
"""Most fact patterns in one rule."""
MAX_BRANCHES = 256
"""Most alternatives a condition may expand to: the engine rewrites every rule into disjunctive
normal form, where ``all`` of n two-way ``any`` becomes 2**n branches (the bundled rules need 3)."""
SCALARS = (str, int, float, bool, type(None))
"""What a constraint compares with: plain values, never lists or mappings (unhashable)."""


@dataclass(frozen=True)
class FieldType:
    """What values a fact field takes, enough to check rule constraints."""

    kind: Literal["enum", "bool", "number", "str", "list", "any"]
    values: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Constraint:
    field: str
    op: str
    value: Any
    var: str | None = None  # set when the value is a $variable


@dataclass(frozen=True)
class Pattern:
    kind: str
    alias: str
    constraints: tuple[Constraint, ...]


@dataclass(frozen=True)
class All:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Union[Pattern, All, AnyOf, Not]


@dataclass
class _Ctx:
    origin: str
    rule_id: str
    schema: dict[str, dict[str, FieldType]]
    aliases: set[str] = field(default_factory=set)
    counter: int = 0
    patterns: int = 0

    def fail(self, path: str, message: str) -> RuleError:
        return RuleError(message, location=f"{self.origin}: rule {self.rule_id}: {path}", code="E-RULE-CONDITION")


def field_type(annotation: Any) -> FieldType:
    """Reduce a type annotation to a :class:`FieldType`."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            return field_type(inner[0])
        return FieldType("any")
    if origin is Literal:
        return FieldType("enum", tuple(args))
    if origin in (list, tuple, set):
        return FieldType("list")
    if annotation is bool:
        return FieldType("bool")
    if annotation in (int, float):
        return FieldType("number")
    if annotation is str:
        return FieldType("str")
    return FieldType("any")


def model_fields(model: type[BaseModel], skip: tuple[str, ...] = ()) -> dict[str, FieldType]:
    """Field types of a pydantic model, computed fields included."""
    hints = typing.get_type_hints(model)
    out = {name: field_type(hints.get(name, info.annotation)) for name, info in model.model_fields.items() if name not in skip}
    for name, info in model.model_computed_fields.items():
        # With deferred building (and postponed annotations) return_type is not resolved yet:
        # read the property's own return annotation instead.
        fget = getattr(info.wrapped_property, "fget", None)
        returns = typing.get_type_hints(fget).get("return", info.return_type) if fget else info.return_type
        out[name] = field_type(returns)
    return out


def _suggest(word: str, options: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _constraint(ctx: _Ctx, path: str, kind: str, name: str, spec: Any) -> list[Constraint]:
    fields = ctx.schema[kind]
    if name not in fields:
        raise ctx.fail(f"{path}.{name}", f"fact {kind!r} has no field {name!r}{_suggest(name, fields)}")
    ftype = fields[name]
    ops = spec.items() if isinstance(spec, dict) else [("eq", spec)]
    out = []
    for op, value in ops:
        where = f"{path}.{name}.{op}" if isinstance(spec, dict) else f"{path}.{name}"
        if op not in OPERATORS:
            raise ctx.fail(where, f"unknown operator {op!r}{_suggest(op, OPERATORS)}")
        var = value[1:] if isinstance(value, str) and value.startswith("$") else None
        if var is not None:
            if op not in ("eq", "ne") or not var.isidentifier():
                raise ctx.fail(where, "a $variable may only be used with eq or ne, and must be an identifier")
            out.append(Constraint(name, op, None, var))
            continue
        _check_value(ctx, where, kind, name, ftype, op, value)
        if op in ("in", "not_in"):
            value = tuple(value)
        out.append(Constraint(name, op, value))
    return out


def _check_value(ctx: _Ctx, where: str, kind: str, name: str, ftype: FieldType, op: str, value: Any) -> None:
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise ctx.fail(where, f"{op} takes a non-empty list")
        values = value
    elif op == "contains":
        if ftype.kind != "list":
            raise ctx.fail(where, f"contains needs a list field; {kind}.{name} is {ftype.kind}")
        if not isinstance(value, SCALARS):
            raise ctx.fail(where, f"contains takes a plain value (text, number, true/false or null), not a {type(value).__name__}")
        return
    else:
        values = [value]
    for v in values:
        if not isinstance(v, SCALARS):
            raise ctx.fail(where, f"compares with a plain value (text, number, true/false or null), not a {type(v).__name__}")
        if op in NUMERIC_OPS and (ftype.kind != "number" or isinstance(v, bool) or not isinstance(v, (int, float))):
            raise ctx.fail(where, f"{op} compares numbers; {kind}.{name} is {ftype.kind} and the value is {v!r}")
        if ftype.kind == "enum" and v not in ftype.values:
            raise ctx.fail(where, f"{v!r} is not a value of {kind}.{name}{_suggest(str(v), ftype.values)} (values: {', '.join(map(str, ftype.values))})")
        if ftype.kind == "bool" and not isinstance(v, bool):
            raise ctx.fail(where, f"{kind}.{name} is true or false, not {v!r}")
        if ftype.kind == "number" and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise ctx.fail(where, f"{kind}.{name} is a number, not {v!r}")


def _parse(ctx: _Ctx, node: Any, path: str, negated: bool, depth: int = 0) -> Node:
    if not isinstance(node, dict):
        raise ctx.fail(path, "a condition is a mapping: all, any, not, or a pattern with 'fact'")
    if depth > MAX_DEPTH:
        raise ctx.fail(path, f"conditions nest more than {MAX_DEPTH} levels deep (all / any / not)")
    keys = set(node)
    for combinator in ("all", "any"):
        if combinator in keys:
            if keys != {combinator}:
                raise ctx.fail(path, f"{combinator!r} must stand alone in its mapping (found also {sorted(keys - {combinator})})")
            items = node[combinator]
            if not isinstance(items, list) or not items:
                raise ctx.fail(f"{path}.{combinator}", "takes a non-empty list of conditions")
            parsed = tuple(_parse(ctx, item, f"{path}.{combinator}[{i}]", negated, depth + 1) for i, item in enumerate(items))
            return All(parsed) if combinator == "all" else AnyOf(parsed)
    if "not" in keys:
        if keys != {"not"}:
            raise ctx.fail(path, "'not' must stand alone in its mapping")
        return Not(_parse(ctx, node["not"], f"{path}.not", True, depth + 1))
    if "fact" not in keys:
        raise ctx.fail(path, f"a pattern needs 'fact' (found keys {sorted(keys)}); or use all / any / not")
    kind = node["fact"]
    ctx.patterns += 1
    if ctx.patterns > MAX_PATTERNS:
        raise ctx.fail(path, f"a rule has at most {MAX_PATTERNS} fact patterns")
    if not isinstance(kind, str) or kind not in ctx.schema:
        raise ctx.fail(f"{path}.fact", f"unknown fact kind {kind!r}{_suggest(kind, ctx.schema)}")
    alias = node.get("as")
    if alias is None:
        ctx.counter += 1
        alias = f"{kind}_{ctx.counter}"
    elif not (isinstance(alias, str) and alias.isidentifier()):
        raise ctx.fail(f"{path}.as", "must be an identifier")
    elif alias in ctx.aliases:
        raise ctx.fail(f"{path}.as", f"alias {alias!r} is used twice")
    ctx.aliases.add(alias)
    constraints: list[Constraint] = []
    for name, spec in node.items():
        if name in RESERVED:
            continue
        constraints.extend(_constraint(ctx, path, kind, name, spec))
    return Pattern(kind, alias, tuple(constraints))


def parse_condition(when: Any, schema: dict[str, dict[str, FieldType]], *, origin: str, rule_id: str) -> Node:
    """Parse and check a rule's ``when`` block."""
    ctx = _Ctx(origin=origin, rule_id=rule_id, schema=schema)
    node = _parse(ctx, when, "when", False)
    branches = dnf_size(node)
    if branches > MAX_BRANCHES:
        raise ctx.fail(
            "when",
            f"expands to more than {MAX_BRANCHES} alternatives in disjunctive normal form (an 'all' of n two-way"
            " 'any' makes 2**n); split the rule or factor the 'any' clauses out",
        )
    _check_variables(ctx, node)
    _check_has_positive(ctx, node)
    return node


def dnf_size(node: Node, *, cap: int = MAX_BRANCHES) -> int:
    """How many alternatives the condition has in disjunctive normal form (saturating just above ``cap``).

    ``not`` is counted as if pushed inwards (De Morgan), which bounds any rewriting the engine does."""

    def sizes(n: Node) -> tuple[int, int]:  # (as written, negated)
        if isinstance(n, Pattern):
            return 1, 1
        if isinstance(n, Not):
            pos, neg = sizes(n.item)
            return neg, pos
        parts = [sizes(item) for item in n.items]
        total = sum(p for p, _ in parts) if isinstance(n, AnyOf) else _product(p for p, _ in parts)
        negated = _product(q for _, q in parts) if isinstance(n, AnyOf) else sum(q for _, q in parts)
        return min(total, cap + 1), min(negated, cap + 1)

    def _product(values: typing.Iterable[int]) -> int:
        out = 1
        for v in values:
            out = min(out * v, cap + 1)
        return out

    return sizes(node)[0]


def patterns(node: Node, *, negated: bool = False) -> typing.Iterator[tuple[Pattern, bool]]:
    """Every pattern of a condition, with whether it sits under a ``not``."""
    if isinstance(node, Pattern):
        yield node, negated
    elif isinstance(node, Not):
        yield from patterns(node.item, negated=not negated)
    else:
        for item in node.items:
            yield from patterns(item, negated=negated)


def _check_variables(ctx: _Ctx, node: Node) -> None:
    bound = {c.var for p, neg in patterns(node) if not neg for c in p.constraints if c.var and c.op == "eq"}
    for p, _neg in patterns(node):
        for c in p.constraints:
            if c.var and c.var not in bound:
                raise ctx.fail("when", f"variable ${c.var} is never bound by an 'eq' outside a 'not'")


def _check_has_positive(ctx: _Ctx, node: Node) -> None:
    if not any(not neg for _p, neg in patterns(node)):
        raise ctx.fail("when", "a rule needs at least one positive pattern (not only 'not')")
