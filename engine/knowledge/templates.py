"""Render message and command templates in a Jinja2 sandbox where every value is shell-quoted.

Templates come from YAML (causes, rules, observation kinds); values come from the case. Every
``{{ expression }}`` output passes through :func:`shlex.quote`, so a pod named ``a; rm -rf /``
prints as ``'a; rm -rf /'`` and a command copied into a terminal stays one argument per value.
Missing values render as a quoted placeholder such as ``'<source-pod>'``. Templates compile
lazily, once each, so start-up does not pay for templates a diagnosis never shows.
"""

from __future__ import annotations

import functools
import re
import shlex
from typing import Any

from ..errors import TemplateError
from ..facts.model import FactFile


class Placeholder(str):
    """A value the case does not give; renders as ``<name>``."""


def _quote(value: Any) -> str:
    if value is None:
        return "''"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return " ".join(shlex.quote(str(v)) for v in value)
    return shlex.quote(str(value))


@functools.lru_cache(maxsize=1)
def _env() -> Any:
    """The sandbox with limits on work, size and features (:mod:`.template_sandbox`)."""
    from jinja2 import StrictUndefined

    from .template_sandbox import ConstrainedEnvironment

    return ConstrainedEnvironment(undefined=StrictUndefined, finalize=_quote, autoescape=False, keep_trailing_newline=False)


@functools.lru_cache(maxsize=2048)
def _compile(source: str) -> Any:
    from .template_sandbox import checked_ast

    env = _env()
    return env.from_string(checked_ast(env, source))


def _compiled(source: str, location: str) -> Any:
    """The compiled template, or a located E-TEMPLATE error (syntax, forbidden construct, too deep)."""
    from jinja2 import TemplateSyntaxError

    from .template_sandbox import Forbidden

    try:
        return _compile(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"template syntax: {exc.message}", location=f"{location} (template line {exc.lineno})") from None
    except Forbidden as exc:
        raise TemplateError(str(exc), location=f"{location} (template line {exc.lineno})", code="E-TEMPLATE-FORBIDDEN") from None
    except (RecursionError, MemoryError, ValueError, OverflowError) as exc:
        what = "nested too deeply" if isinstance(exc, RecursionError) else f"{type(exc).__name__}: {exc}"
        raise TemplateError(f"template cannot compile: {what}", location=location, code="E-TEMPLATE-LIMIT") from None


def check_template(source: str, location: str) -> None:
    """Compile a template at load time: syntax, and no include / import / extends.

    Plain text with ``{{ dotted.name }}`` substitutions (see :func:`_plan`) needs no compiling."""
    if _plan(source) is None:
        _compiled(source, location)


_EXPR = re.compile(r"\{\{\s*(.*?)\s*\}\}")
_PATH = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*")
_NO_FAST_PATH = object()


@functools.lru_cache(maxsize=4096)
def _plan(source: str) -> tuple[Any, ...] | None:
    """Split a template made only of text and ``{{ dotted.name }}`` into parts; None otherwise."""
    if "{%" in source or "{#" in source:
        return None
    parts: list[Any] = []
    pos = 0
    for m in _EXPR.finditer(source):
        if not _PATH.fullmatch(m.group(1)):
            return None
        parts.append(source[pos : m.start()])
        parts.append(tuple(m.group(1).split(".")))
        pos = m.end()
    rest = source[pos:]
    if "{{" in rest or "}}" in rest:
        return None
    parts.append(rest)
    return tuple(parts)


def _lookup(context: dict[str, Any], path: tuple[str, ...]) -> Any:
    """Jinja's attribute rule for one dotted name: getattr first, then item."""
    if path[0] not in context:
        return _NO_FAST_PATH
    value = context[path[0]]
    for name in path[1:]:
        try:
            value = getattr(value, name)
            continue
        except AttributeError:
            pass
        try:
            value = value[name]
        except (KeyError, TypeError, IndexError):
            return _NO_FAST_PATH
    return value


def _render_fast(plan: tuple[Any, ...], context: dict[str, Any]) -> str | None:
    out = []
    for part in plan:
        if isinstance(part, str):
            out.append(part)
            continue
        value = _lookup(context, part)
        if value is _NO_FAST_PATH or callable(value):
            return None
        out.append(_quote(value))
    return "".join(out)


def render(source: str, context: dict[str, Any], location: str) -> str:
    """Render one template; errors name where the template comes from.

    Templates made only of text and ``{{ dotted.name }}`` substitutions (most of the knowledge
    base) are rendered by a small fast path with exactly Jinja's semantics for that subset (the
    same attribute lookup and the same quoting), so that a diagnosis does not pay for importing
    Jinja and compiling every template on start-up; anything else, including every error, goes
    through the Jinja sandbox. ``tests/core/test_templates.py`` checks both give the same text.
    """
    plan = _plan(source)
    if plan is not None:
        fast = _render_fast(plan, context)
        if fast is not None:
            return fast.strip()
    return render_jinja(source, context, location)


def render_jinja(source: str, context: dict[str, Any], location: str) -> str:
    """Render through the Jinja sandbox (always correct, slower to start), within its limits:
    a template that goes past one is a located ``E-TEMPLATE-LIMIT`` error (exit 3)."""
    from jinja2 import TemplateError as JinjaError

    from .template_sandbox import LimitExceeded, budget

    template = _compiled(source, location)
    try:
        with budget():
            return template.render(context).strip()
    except LimitExceeded as exc:
        raise TemplateError(f"template limit: {exc}", location=location, code="E-TEMPLATE-LIMIT") from None
    except RecursionError:
        raise TemplateError("template limit: recursion too deep", location=location, code="E-TEMPLATE-LIMIT") from None
    except JinjaError as exc:
        raise TemplateError(f"cannot render: {exc}", location=location) from None
    except (ArithmeticError, ValueError, TypeError, LookupError, AttributeError, MemoryError) as exc:
        # what a template's own expression raises (1/0, int('x'), 9.0 ** 9999...): bad knowledge
        raise TemplateError(f"cannot render: {type(exc).__name__}: {exc}", location=location) from None


class _Ns(dict):  # type: ignore[type-arg]
    """Attribute access over a dict; unknown or missing keys give a placeholder."""

    def __init__(self, data: dict[str, Any], prefix: str) -> None:
        super().__init__(data)
        self._prefix = prefix

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        value = self.get(name)
        if value is None:
            return Placeholder(f"<{self._prefix}-{name.replace('_', '-')}>")
        return value


def case_context(facts: FactFile) -> dict[str, Any]:
    """Template variables of a case: src, dst, backend, cluster, case, dst_node, src_node."""
    src = facts.endpoints.source.model_dump()
    dst = facts.endpoints.destination.model_dump()
    backends = dst.pop("backends")
    backend = backends[0] if backends else {}
    cluster = facts.cluster.model_dump()
    nodes = {n["name"]: n for n in cluster.pop("nodes")}
    src_node_name = src.get("node") or (src.get("name") if src.get("kind") == "node" else None)
    src_node = dict(nodes.get(src_node_name or "", {}))
    src_node.setdefault("name", src_node_name)
    src_node.setdefault("internal_ip", src.get("node_ip"))
    dst_node_name = dst.get("node") or backend.get("node")
    dst_node = dict(nodes.get(dst_node_name or "", {}))
    dst_node.setdefault("name", dst_node_name)
    dst_node.setdefault("internal_ip", dst.get("node_ip") or backend.get("node_ip"))
    target_ip = dst.get("ip") or backend.get("ip")
    target_port = dst.get("port") or backend.get("port")
    return {
        "target": target_ip if target_ip else Placeholder("<destination-ip>"),
        "target_port": target_port if target_port else Placeholder("<port>"),
        "case": _Ns(facts.case.model_dump(), "case"),
        "src": _Ns(src, "source"),
        "dst": _Ns({**dst, "target_ip": target_ip}, "destination"),
        "backend": _Ns(backend, "backend"),
        "cluster": _Ns(cluster, "cluster"),
        "src_node": _Ns(src_node, "source-node"),
        "dst_node": _Ns(dst_node, "destination-node"),
    }


def obs_namespace(data: dict[str, Any], kind: str) -> _Ns:
    """Wrap an observation's fields for use in a template."""
    return _Ns(data, kind)


def probe_context(ctx: dict[str, Any], target_role: str | None) -> dict[str, Any]:
    """The case context with ``target``/``target_port`` pointed at the address a check is about."""
    if target_role in (None, "destination", "other"):
        return ctx
    choices = {
        "backend": (ctx["backend"].ip, ctx["backend"].port),
        "destination_node": (ctx["dst_node"].internal_ip, None),
        "source_node": (ctx["src_node"].internal_ip, None),
        "dns_service": (ctx["cluster"].dns_service_ip, 53),
    }
    if target_role not in choices:
        return ctx
    ip, port = choices[target_role]
    return {**ctx, "target": ip, "target_port": port if port is not None else ctx["target_port"]}
