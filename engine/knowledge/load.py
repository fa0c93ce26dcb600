"""Load the knowledge base (``kb/``) and the rules (``rules/`` plus extra folders), checked.

Everything is validated on load, before any diagnosis runs: a bad file fails with its path,
line (for YAML syntax), rule id and field, and so does a cross reference between files that does
not hold (:mod:`.crossref`: signatures to answers, path suspects to causes, causes to the rules
that support them). The result is cached per process (and on disk, :mod:`.cache`).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import KnowledgeError, RuleError
from .base import Knowledge, Rule  # noqa: F401 - Rule re-exported: the loader's result types
from .conditions import parse_condition, patterns
from .model import Cause, ComponentMessage, DerivedFinding, InterfaceRole, ObservationKind, RuleSpec, Symptom, Tool
from .schema import rule_fact_schema
from .template_lint import lint_cause, lint_observation_kind, lint_tool


PHASES = ("finding", "symptom", "cause")
"""Named stages, in firing order: observations -> findings -> symptom classes -> causes."""


def read_yaml(path: Path | Any, origin: str) -> Any:
    """Parse one YAML file, bounded (see :mod:`.safe_yaml`); syntax errors name the line."""
    from .safe_yaml import check_shape, loader, read_text

    text = read_text(path, origin)
    import yaml  # only when the knowledge is read from YAML (not from the cache)

    try:
        doc = yaml.load(text, Loader=loader())  # noqa: S506 - a safe loader that refuses aliases
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{origin}:{mark.line + 1}" if mark else origin
        problem = getattr(exc, "problem", None) or str(exc)
        raise KnowledgeError(f"invalid YAML: {problem}", location=where, code="E-KB-YAML") from None
    except RecursionError:
        raise KnowledgeError("invalid YAML: nested too deeply", location=origin, code="E-KB-LIMIT") from None
    check_shape(doc, origin)
    return doc


def _validate(model: type[BaseModel], data: Any, origin: str, what: str, err: type[KnowledgeError] = KnowledgeError) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = ".".join(str(p) for p in first["loc"])
        msg = "unknown field" if first["type"] == "extra_forbidden" else first["msg"]
        raise err(f"{msg}", location=f"{origin}: {what}{'.' + loc if loc else ''}", code=err.code + "-SCHEMA") from None


def _items(doc: Any, key: str, origin: str) -> list[Any]:
    if not isinstance(doc, dict) or not isinstance(doc.get(key), list):
        raise KnowledgeError(f"expected a mapping with a list under {key!r}", location=origin, code="E-KB-SCHEMA")
    return doc[key]


def _package_root(name: str) -> Any:
    """The folder of a data package: a plain path for installed folders (no importlib.resources
    import on the start-up path), a resources traversable otherwise (e.g. a zip)."""
    import importlib

    module = importlib.import_module(name)
    file = getattr(module, "__file__", None)
    if file:
        return Path(file).parent
    from importlib import resources

    return resources.files(name)


def _kb_root() -> Any:
    return _package_root("podnet.kb")


def _bundled_rules_root() -> Any:
    return _package_root("podnet.rules")


def _walk_yaml(root: Any) -> list[tuple[str, Any]]:
    """(relative path, traversable) of every *.yaml below root, sorted for a stable order.

    A folder reached twice (a symbolic link loop) is walked once; at most 16 levels deep."""
    out: list[tuple[str, Any]] = []
    seen: set[tuple[int, int]] = set()

    def walk(node: Any, rel: str, depth: int) -> None:
        if isinstance(node, Path):
            try:
                st = node.stat()
            except OSError as exc:
                raise KnowledgeError(f"cannot read folder: {exc.strerror or exc}", location=str(node), code="E-KB-READ") from None
            if (st.st_dev, st.st_ino) in seen or depth > 16:
                return
            seen.add((st.st_dev, st.st_ino))
        try:
            children = list(node.iterdir())
        except OSError as exc:
            raise KnowledgeError(f"cannot read folder: {exc.strerror or exc}", location=str(node), code="E-KB-READ") from None
        for child in children:
            name = child.name
            if child.is_dir():
                if not name.startswith((".", "_")):
                    walk(child, f"{rel}{name}/", depth + 1)
            elif name.endswith(".yaml"):
                out.append((f"{rel}{name}", child))

    walk(root, "", 0)
    return sorted(out, key=lambda item: item[0])


def load_kb() -> Knowledge:
    """Load symptoms, causes, observation kinds and interface roles (no rules)."""
    root = _kb_root()
    symptoms: dict[str, Symptom] = {}
    findings: dict[str, Symptom] = {}
    doc = read_yaml(root / "symptoms.yaml", "kb/symptoms.yaml")
    for key, target in (("symptoms", symptoms), ("findings", findings)):
        for i, item in enumerate(_items(doc, key, "kb/symptoms.yaml")):
            s = _validate(Symptom, item, "kb/symptoms.yaml", f"{key}[{i}]")
            if s.id in symptoms or s.id in findings:
                raise KnowledgeError(f"duplicate id {s.id!r}", location=f"kb/symptoms.yaml: {key}[{i}]", code="E-KB-DUPLICATE")
            target[s.id] = s
    causes: dict[str, Cause] = {}
    signatures: list[tuple[str, Any]] = []
    for i, s in enumerate(symptoms.values()):
        signatures += [(f"kb/symptoms.yaml: symptoms[{i}].signature[{j}]", e) for j, e in enumerate(s.signature)]
    for rel, item_path in _walk_yaml(root / "causes"):
        origin = f"kb/causes/{rel}"
        for i, item in enumerate(_items(read_yaml(item_path, origin), "causes", origin)):
            cause = _validate(Cause, item, origin, f"causes[{i}]")
            lint_cause(cause, f"{origin}: causes[{i}]")
            if cause.id in causes:
                raise KnowledgeError(f"duplicate cause id {cause.id!r}", location=f"{origin}: causes[{i}]", code="E-KB-DUPLICATE")
            if cause.symptom not in symptoms:
                raise KnowledgeError(f"unknown symptom {cause.symptom!r}", location=f"{origin}: causes[{i}].symptom", code="E-KB-REFERENCE")
            causes[cause.id] = cause
            signatures += [(f"{origin}: causes[{i}].signature[{j}]", e) for j, e in enumerate(cause.signature)]
    kinds: dict[str, ObservationKind] = {}
    origin = "kb/observations.yaml"
    observations_doc = read_yaml(root / "observations.yaml", origin)
    for i, item in enumerate(_items(observations_doc, "kinds", origin)):
        ok = _validate(ObservationKind, item, origin, f"kinds[{i}]")
        lint_observation_kind(ok, f"{origin}: kinds[{i}]")
        if ok.kind in kinds:
            raise KnowledgeError(f"duplicate observation kind {ok.kind!r}", location=f"{origin}: kinds[{i}].kind", code="E-KB-DUPLICATE")
        kinds[ok.kind] = ok
    derived = _derived_findings(observations_doc, kinds, origin)
    _raise_first(kb_problems(root, causes, kinds, signatures, derived))
    origin = "kb/interfaces.yaml"
    roles = [_validate(InterfaceRole, item, origin, f"roles[{i}]") for i, item in enumerate(_items(read_yaml(root / "interfaces.yaml", origin), "roles", origin))]
    origin = "kb/component_messages.yaml"
    messages = [_validate(ComponentMessage, item, origin, f"messages[{i}]")
                for i, item in enumerate(_items(read_yaml(root / "component_messages.yaml", origin), "messages", origin))]
    return Knowledge(symptoms=symptoms, findings=findings, causes=causes, observation_kinds=kinds, interface_roles=roles,
                     component_messages=messages, derived_findings=derived)


def _derived_findings(doc: Any, kinds: dict[str, ObservationKind], origin: str) -> dict[str, DerivedFinding]:
    """The ``derived`` findings of ``kb/observations.yaml`` (optional), each reading a field the rule
    engine has for its case fact (:func:`podnet.knowledge.schema.rule_fact_schema`)."""
    out: dict[str, DerivedFinding] = {}
    if not isinstance(doc, dict) or doc.get("derived") is None:
        return out
    schema = rule_fact_schema([], [])
    for i, item in enumerate(_items(doc, "derived", origin)):
        where = f"{origin}: derived[{i}]"
        found = _validate(DerivedFinding, item, origin, f"derived[{i}]")
        if found.id in out or found.id in kinds:
            raise KnowledgeError(f"duplicate id {found.id!r} (derived findings and observation kinds share one namespace)", location=f"{where}.id", code="E-KB-DUPLICATE")
        if found.field not in schema[found.fact]:
            raise KnowledgeError(f"{found.fact} has no field {found.field!r} rules can read", location=f"{where}.field", code="E-KB-REFERENCE")
        ids = [a.id for a in found.answers]
        if len(set(ids)) != len(ids):
            raise KnowledgeError("duplicate answer id", location=f"{where}.answers", code="E-KB-DUPLICATE")
        if sum(a.normal for a in found.answers) > 1:
            raise KnowledgeError("more than one answer is marked normal", location=f"{where}.answers", code="E-KB-SCHEMA")
        out[found.id] = found
    return out


def kb_problems(
    root: Any, causes: dict[str, Cause], kinds: dict[str, ObservationKind], signatures: list[tuple[str, Any]], derived: dict[str, DerivedFinding] | None = None
) -> list[KnowledgeError]:
    """Every cross-reference problem between the files of ``kb/`` (see :mod:`.crossref`)."""
    from ..facts.observations import OBSERVATION_MODELS
    from .crossref import answer_problems, localize_problems, model_problems, signature_problems

    origin = "kb/paths/localize.yaml"
    return [
        *model_problems(kinds, OBSERVATION_MODELS),
        *answer_problems((f"kb/observations.yaml: kinds[{i}]", k) for i, k in enumerate(kinds.values())),
        *signature_problems(signatures, kinds, derived or {}),
        *localize_problems(read_yaml(root / "paths" / "localize.yaml", origin), causes, origin),
    ]


def _raise_first(problems: list[KnowledgeError]) -> None:
    """Raise the first problem; its details list every one (``podnet rules check`` prints them all)."""
    if problems:
        first = problems[0]
        first.details = [p.one_line() for p in problems]
        if len(problems) > 1:
            first.message += f" (and {len(problems) - 1} more problem(s): podnet rules check lists them)"
        raise first


def load_rule_file(kb: Knowledge, path: Any, origin: str, symptom_dir: str, schema: dict[str, Any], *, check_templates: bool = True) -> Rule:
    """Load and check one rule file (``check_templates``: compile its Jinja templates now; the
    bundled rules' are checked by podnet's tests instead, which keeps an uncached start fast)."""
    doc = read_yaml(path, origin)
    if not isinstance(doc, dict):
        raise RuleError("a rule file holds one mapping", location=origin, code="E-RULE-SCHEMA")
    rule_id = doc.get("id", "?")
    spec: RuleSpec = _validate(RuleSpec, doc, origin, f"rule {rule_id}", RuleError)
    stem = path.name[: -len(".yaml")]
    if stem != spec.id:
        raise RuleError(f"file name must be the rule id ({spec.id}.yaml)", location=f"{origin}: rule {spec.id}: id", code="E-RULE-ID")
    then = spec.then
    given = [k for k in ("finding", "symptom", "cause") if getattr(then, k)]
    where = f"{origin}: rule {spec.id}: then"
    if len(given) != 1:
        raise RuleError("needs exactly one of finding, symptom or cause", location=where, code="E-RULE-THEN")
    phase = given[0]
    if phase == "cause" and then.cause and then.cause.startswith("$"):
        if then.weight is None:
            raise RuleError("a cause conclusion needs a weight in [-1, 1]", location=f"{where}.weight", code="E-RULE-THEN")
    elif phase == "cause":
        if then.cause not in kb.causes:
            raise RuleError(f"unknown cause {then.cause!r}{_hint(then.cause, kb.causes)}", location=f"{where}.cause", code="E-RULE-REFERENCE")
        if then.weight is None:
            raise RuleError("a cause conclusion needs a weight in [-1, 1]", location=f"{where}.weight", code="E-RULE-THEN")
    elif then.weight is not None:
        raise RuleError("only cause conclusions carry a weight", location=f"{where}.weight", code="E-RULE-THEN")
    if phase == "symptom" and then.symptom not in kb.symptoms:
        raise RuleError(f"unknown symptom {then.symptom!r}{_hint(then.symptom, kb.symptoms)}", location=f"{where}.symptom", code="E-RULE-REFERENCE")
    if phase == "finding" and then.finding not in kb.findings:
        raise RuleError(f"unknown finding {then.finding!r}{_hint(then.finding, kb.findings)}", location=f"{where}.finding", code="E-RULE-REFERENCE")
    condition = parse_condition(spec.when, schema, origin=origin, rule_id=spec.id)
    if check_templates:
        from .templates import check_template

        for lang in ("en", "zh"):
            check_template(getattr(spec.because, lang), f"{origin}: rule {spec.id}: because.{lang}")
    if phase == "cause" and then.cause and then.cause.startswith("$"):
        var = then.cause[1:]
        bound = {c.var for p, neg in patterns(condition) if not neg for c in p.constraints if c.op == "eq"}
        if var not in bound:
            raise RuleError(f"conclusion variable ${var} is not bound by the condition", location=f"{where}.cause", code="E-RULE-THEN")
    order = PHASES.index(phase)
    for pattern, _neg in patterns(condition):
        if pattern.kind in ("symptom", "finding") and PHASES.index(pattern.kind) >= order:
            raise RuleError(
                f"a {phase} rule cannot depend on a {pattern.kind} (phases run finding -> symptom -> cause)",
                location=f"{origin}: rule {spec.id}: when",
                code="E-RULE-PHASE",
            )
    return Rule(spec=spec, condition=condition, phase=phase, path=origin, symptom_dir=symptom_dir)


def _hint(word: str | None, options: Any) -> str:
    import difflib

    close = difflib.get_close_matches(str(word), list(options), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _rule_files(root: Any, label: str) -> list[tuple[str, Any, str]]:
    out = []
    for rel, item in _walk_yaml(root):
        if rel.endswith(".test.yaml"):
            continue
        parts = rel.split("/")
        out.append((f"{label}/{rel}", item, parts[0] if len(parts) > 1 else ""))
    return out


def load_rules(kb: Knowledge, extra_dirs: tuple[str, ...] = ()) -> list[Rule]:
    """Load the bundled rules and those of ``extra_dirs``; ids must be unique across all."""
    schema = rule_fact_schema(list(kb.symptoms), list(kb.findings), list(kb.causes))
    files = _rule_files(_bundled_rules_root(), "rules")
    bundled = len(files)
    for d in extra_dirs:
        p = Path(d)
        if not p.is_dir():
            raise RuleError("rule folder does not exist", location=str(d), code="E-RULE-DIR")
        files.extend(_rule_files(p, str(p)))
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    valid_dirs = set(kb.symptoms) | {"common"}
    for n, (origin, item, symptom_dir) in enumerate(files):
        rule = load_rule_file(kb, item, origin, symptom_dir, schema, check_templates=n >= bundled)
        if symptom_dir and symptom_dir not in valid_dirs:
            raise RuleError(
                f"rules live in a folder named after a symptom class or 'common', not {symptom_dir!r}{_hint(symptom_dir, valid_dirs)}",
                location=origin,
                code="E-RULE-DIR",
            )
        if rule.id in seen:
            raise RuleError(f"duplicate rule id (also in {seen[rule.id]})", location=f"{origin}: rule {rule.id}", code="E-RULE-DUPLICATE")
        seen[rule.id] = origin
        rules.append(rule)
    return rules


def load_knowledge(extra_dirs: tuple[str, ...] = ()) -> Knowledge:
    """The knowledge base with its rules (see :func:`_load_knowledge`), cached per rule-folder set."""
    return _load_knowledge(tuple(extra_dirs))


@functools.lru_cache(maxsize=8)
def _load_knowledge(extra_dirs: tuple[str, ...]) -> Knowledge:
    """The knowledge base with its rules, loaded and checked once per process per rule-folder set
    (and cached on disk across processes, see :mod:`podnet.knowledge.cache`)."""
    from . import schema  # noqa: F401 - part of the cache key
    from .cache import cached_knowledge

    dirs = tuple(os.path.abspath(d) for d in extra_dirs)
    for d in dirs:
        if not Path(d).is_dir():
            raise RuleError("rule folder does not exist", location=d, code="E-RULE-DIR")

    def build() -> Knowledge:
        kb = load_kb()
        kb.rules = load_rules(kb, dirs)
        kb.rule_dirs = extra_dirs
        from .crossref import rule_problems

        _raise_first(rule_problems(kb))
        return kb

    return cached_knowledge((_kb_root(), _bundled_rules_root(), *dirs), build)


@functools.lru_cache(maxsize=1)
def load_tools() -> dict[str, Tool]:
    """The guide's tools (``kb/tools.yaml``); loaded only by the commands that show them."""
    origin = "kb/tools.yaml"
    doc = read_yaml(_kb_root() / "tools.yaml", origin)
    tools = [_validate(Tool, item, origin, f"tools[{i}]") for i, item in enumerate(_items(doc, "tools", origin))]
    for i, t in enumerate(tools):
        lint_tool(t, f"{origin}: tools[{i}]")
    return {t.id: t for t in tools}
