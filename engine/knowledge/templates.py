"""Render message and command templates in a Jinja2 sandbox where every value is shell-quoted.

Templates come from YAML (causes, rules, observation kinds); values come from the case. Every
``{{ expression }}`` output passes through :func:`shlex.quote`, so a pod named ``a; rm -rf /``
prints as ``'a; rm -rf /'`` and a command copied into a terminal stays one argument per value.
Missing values render as a placeholder: in prose ``'<source-name>'``; in a command (a template
whose location ends in ``command``) as a shell variable that stops the command with a message
naming it when it is not set, ``"${SOURCE_NAME:?set SOURCE_NAME to the source Pod name}"``, so a
printed command never passes a literal ``<...>`` and says which value to fill in
(:func:`fill_ins` lists them). Templates compile lazily, once each, so start-up does not pay for
templates a diagnosis never shows.
"""

from __future__ import annotations

import contextvars
import functools
import re
import shlex
from typing import Any

from ..errors import TemplateError
from ..facts.model import FactFile
from .model import Lang


class Placeholder(str):
    """A value the case does not give; its text is ``<name>`` (lower case, dashes)."""


class Missing(Placeholder):
    """A field an observation or endpoint does not have, as a template reads it: printed as its
    placeholder, false in a test (``{% if sn.egress_ip %}``, ``sn.gateway or 'egress NAT'``) as
    the missing value is."""

    def __bool__(self) -> bool:
        return False


class ShellText(str):
    """Shell text podnet builds itself, every value in it already quoted (e.g. the command
    substitution that finds a Pod's PID): a template prints it as it is."""


_SHELL = contextvars.ContextVar("podnet_template_shell", default=False)
"""True while a command template renders: placeholders become shell variables."""

PLACEHOLDER_RE = re.compile(r"<([a-z][a-z0-9]*(?:-[a-z0-9]+)*)>")

_SAFE_TEXT = re.compile(r"[^A-Za-z0-9 ,.:()/=_-]")


ALIASES = {"destination-target-ip": "destination-ip", "port": "destination-port", "source-node": "source-node-name",
           "destination-node": "destination-node-name"}
"""Placeholders that stand for the same value share one variable."""


def fill_in_variable(name: str) -> str:
    """The shell variable a placeholder becomes: ``source-node-nic`` -> ``SOURCE_NODE_NIC``."""
    return ALIASES.get(name, name).upper().replace("-", "_")


def fill_in_words(name: str, lang: Lang = "en", hint: bool = True) -> str | None:
    """What a placeholder stands for (with where to find it unless ``hint`` is false) in ``lang``:
    ``fill_in_<name>`` of ``kb/messages/report.yaml``; None for a name the catalogue does not describe."""
    from ..messages import catalogue, render as render_message

    code = "fill_in_" + ALIASES.get(name, name).replace("-", "_")
    if code not in catalogue("report"):
        return None
    words = render_message("report", code, lang, {})
    return words if hint else re.split(r" \(|（", words)[0]


def fill_in_text(name: str, hint: bool = True) -> str:
    """What a placeholder stands for (with where to find it unless ``hint`` is false), in English
    words safe inside ``"${VAR:?...}"`` (no quotes, ``$`` or braces): the command is the same in
    every language; people read :func:`fill_in_words` in theirs."""
    words = fill_in_words(name, "en", hint) or "the " + ALIASES.get(name, name).replace("-", " ")
    return _SAFE_TEXT.sub("", words.replace("{", "").replace("}", ""))


def shell_fill_in(name: str) -> str:
    """``"${VAR:?set VAR to WHAT}"``: one word once set; unset, the shell stops and says what to set."""
    var = fill_in_variable(name)
    return f'"${{{var}:?set {var} to {fill_in_text(name, hint=False)}}}"'


_FILL_IN = re.compile(r'"\$\{([A-Z][A-Z0-9_]*):\?set \1 to ([^}"]*)\}"')


def fill_ins(command: str | None) -> list[tuple[str, str]]:
    """The values a printed command asks the user to fill in, as (variable, what it is and where
    to find it), in order of first use."""
    out: dict[str, str] = {}
    for m in _FILL_IN.finditer(command or ""):
        name = m.group(1).lower().replace("_", "-")
        out.setdefault(m.group(1), fill_in_text(name) if fill_in_words(name) is not None else m.group(2))
    return list(out.items())


def shell_word(text: str) -> str:
    """``text`` as one shell word, its ``<name>`` placeholders as shell variables (glued, one word)."""
    parts = PLACEHOLDER_RE.split(text)
    if len(parts) == 1:
        return shlex.quote(text)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(shell_fill_in(part))
        elif part:
            out.append(shlex.quote(part))
    return "".join(out)


def _quote(value: Any) -> str:
    if value is None:
        return "''"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, ShellText):
        return str(value)
    if isinstance(value, Label) and not _SHELL.get():
        return str(value)
    if isinstance(value, (list, tuple)):
        return " ".join(_quote(v) for v in value)
    if _SHELL.get():
        return shell_word(str(value))
    return shlex.quote(str(value))


class Label(str):
    """A word of one language standing for an id of the model (``source_node`` -> "the source
    node", "源节点"): printed as it is in prose, shell-quoted in a command."""


class _ShellMode:
    """Render commands (placeholders as shell variables) while active."""

    def __init__(self, on: bool) -> None:
        self.on = on

    def __enter__(self) -> None:
        self.token = _SHELL.set(self.on)

    def __exit__(self, *exc: object) -> None:
        _SHELL.reset(self.token)


def is_command(location: str) -> bool:
    """Whether a template location is a command (``...command``): placeholders become shell variables."""
    return location.rstrip().endswith("command")


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
    with _ShellMode(_SHELL.get() or is_command(location)):
        plan = _plan(source)
        if plan is not None:
            fast = _render_fast(plan, context)
            if fast is not None:
                return fast.strip()
        return render_jinja(source, context, location)


def render_command(source: str, context: dict[str, Any], location: str) -> str:
    """Render a command template: placeholders become shell variables (whatever the location)."""
    with _ShellMode(True):
        return render(source, context, location)


def render_jinja(source: str, context: dict[str, Any], location: str) -> str:
    """Render through the Jinja sandbox (always correct, slower to start), within its limits:
    a template that goes past one is a located ``E-TEMPLATE-LIMIT`` error (exit 3)."""
    from jinja2 import TemplateError as JinjaError

    from .template_sandbox import LimitExceeded, budget

    template = _compiled(source, location)
    try:
        with budget(), _ShellMode(_SHELL.get() or is_command(location)):
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
            return Missing(f"<{self._prefix}-{name.replace('_', '-')}>")
        return value


def relabel(ns: Any, labels: dict[str, str]) -> Any:
    """A copy of an observation's namespace (:func:`obs_namespace`) with some fields given as
    :class:`Label` words of one language."""
    out = _Ns({**ns, **{k: Label(v) for k, v in labels.items()}}, ns._prefix)
    return out


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
    if src.get("kind") == "node" and not src.get("ip"):  # a node's traffic leaves from the node's address
        src["ip"] = src.get("node_ip") or src_node.get("internal_ip")
    target_ip = dst.get("ip") or backend.get("ip")
    target_port = dst.get("port") or backend.get("port")
    dst_pod = backend.get("pod") if dst.get("kind") == "service" else (dst.get("name") if dst.get("kind") == "pod" else None)
    return {
        "src_exec": source_exec(src),
        "dst_pod_pid": pod_pid(dst_pod or Placeholder("<destination-pod>"), dst.get("namespace") or Placeholder("<destination-namespace>")),
        "target": target_ip if target_ip else Placeholder("<destination-ip>"),
        "target_port": target_port if target_port else Placeholder("<destination-port>"),
        "case": _Ns(facts.case.model_dump(), "case"),
        "src": _Ns(src, "source"),
        "dst": _Ns({**dst, "target_ip": target_ip}, "destination"),
        "backend": _Ns(backend, "backend"),
        "cluster": _Ns(cluster, "cluster"),
        "src_node": _Ns(src_node, "source-node"),
        "dst_node": _Ns(dst_node, "destination-node"),
        "evidence_side": "source",  # a cause's steps for the case: the side its evidence was seen on (Explainer.steps)
    }


def source_exec(src: dict[str, Any]) -> list[Any]:
    """The words that run a probe from the source (``{{ src_exec }} ping ...``): ``kubectl exec`` into
    the source Pod, or nothing when the source is a node (the command runs on the node itself; the
    step's ``run_at: source`` says so)."""
    if src.get("kind") == "node":
        return []
    ns = src.get("namespace") or Placeholder("<source-namespace>")
    name = src.get("name") or Placeholder("<source-name>")
    return ["kubectl", "exec", "-n", ns, name, "--"]


def pod_pid(pod: Any, namespace: Any) -> ShellText:
    """``"$(...)"``: the PID of a Pod's sandbox on its node, with either runtime: crictl
    (containerd, CRI-O) first, else Docker (dockershim labels); empty (and the command using it
    fails) when neither finds the Pod. Missing names become fill-ins."""
    with _ShellMode(True):
        ns, name = _quote(namespace or Placeholder("<destination-namespace>")), _quote(pod or Placeholder("<destination-pod>"))
    crictl = f"""crictl inspectp --output go-template --template '{{{{.info.pid}}}}' "$(crictl pods -q --namespace {ns} --name {name} | head -n 1)" 2>/dev/null"""
    docker = (
        f"""docker inspect --format '{{{{.State.Pid}}}}' "$(docker ps -q --filter label=io.kubernetes.docker.type=podsandbox """
        f'--filter label=io.kubernetes.pod.namespace={ns} --filter label=io.kubernetes.pod.name={name} | head -n 1)"'
    )
    return ShellText(f'"$({crictl} || {docker})"')


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
