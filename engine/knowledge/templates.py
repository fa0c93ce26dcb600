"""Render message and command templates in a Jinja2 sandbox where every value is shell-quoted.

Templates come from YAML (causes, rules, observation kinds); values come from the case. Every
``{{ expression }}`` output passes through :func:`shlex.quote`, so a pod named ``a; rm -rf /``
prints as ``'a; rm -rf /'`` and a command copied into a terminal stays one argument per value.
Missing values render as a quoted placeholder such as ``'<source-pod>'``. Templates compile
lazily, once each, so start-up does not pay for templates a diagnosis never shows.
"""

from __future__ import annotations

import functools
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
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(
        undefined=StrictUndefined, finalize=_quote, autoescape=False, keep_trailing_newline=False
    )


@functools.lru_cache(maxsize=2048)
def _compile(source: str) -> Any:
    return _env().from_string(source)


def check_template(source: str, location: str) -> None:
    """Compile a template (syntax check at load time)."""
    from jinja2 import TemplateSyntaxError

    try:
        _compile(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"template syntax: {exc.message}", location=f"{location} (template line {exc.lineno})") from None


def render(source: str, context: dict[str, Any], location: str) -> str:
    """Render one template; errors name where the template comes from."""
    from jinja2 import TemplateError as JinjaError

    try:
        return _compile(source).render(context).strip()
    except JinjaError as exc:
        raise TemplateError(f"cannot render: {exc}", location=location) from None


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
