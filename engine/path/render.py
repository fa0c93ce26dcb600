"""Text and Markdown views of the path, the capture plan and the verdict (thin views of the models)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from ..knowledge.model import Lang
from ..render.safe import md_fence, md_text, visible
from .model import Address, CapturePlan, Hop, PathStep, PathVerdict
from .profiles import profiles, text

if TYPE_CHECKING:
    from .build import Resolved
    from .chain import PacketPath

Format = Literal["text", "markdown", "json"]


def node_label(name: str | None, ip: str | None) -> str:
    if name and ip:
        return f"{name} ({ip})"
    return name or ip or "?"


def role_name(role: str, lang: Lang) -> str:
    return text(f"role_{role}", lang)


def fmt_addr(addr: Address, lang: Lang) -> str:
    """``10.233.65.46:5000``, or a description when the case does not give the address."""
    if addr.ip:
        base = addr.ip
    else:
        base = text(f"addr_{addr.kind}", lang, owner=addr.owner or "?")
    return f"{base}:{addr.port}" if addr.port is not None else base


def fmt_step(step: PathStep, lang: Lang) -> str:
    values = {
        "by": step.by,
        "BY": step.by.upper(),
        "before": fmt_addr(step.before, lang) if step.before else "?",
        "after": fmt_addr(step.after, lang) if step.after else "?",
        "outer_src": fmt_addr(step.outer_src, lang) if step.outer_src else "?",
        "outer_dst": fmt_addr(step.outer_dst, lang) if step.outer_dst else "?",
    }
    return text(f"step_{step.kind}", lang, **values)


def fmt_hop(hop: Hop, lang: Lang) -> str:
    """One line: where the hop is and what the packet looks like there."""
    where = node_label(hop.node, hop.node_ip) if hop.namespace != "external" else text("external_host", lang)
    if hop.namespace == "pod":
        where += " / " + text("in_pod", lang, pod=hop.pod or hop.pod_ip or "?")
    line = f"{where}  {hop.interface} [{role_name(hop.role, lang)}]  {fmt_addr(hop.src, lang)} -> {fmt_addr(hop.dst, lang)}"
    if hop.encapsulation:
        outer = f"{fmt_addr(hop.outer_src, lang) if hop.outer_src else '?'} -> {fmt_addr(hop.outer_dst, lang) if hop.outer_dst else '?'}"
        line += "  " + text("outer", lang, encap=hop.encapsulation.upper(), outer=outer)
    return line


def fmt_flow(res: Resolved, lang: Lang) -> str:
    """The failing connection in one line."""
    if res.source_pod is not None:
        src = text("flow_pod", lang, pod=res.source_pod.name or res.source_pod.ip, ip=res.source_pod.ip,
                   node=res.source_node.label)
    else:
        src = text("flow_node", lang, node=node_label(res.source_node.name, res.source_node.ip))
    port = f":{res.dest_port}" if res.dest_port else ""
    if res.dest_kind in ("service", "nodeport"):
        assert res.target_pod is not None
        backend = res.target_pod
        key = "flow_to_service" if res.dest_kind == "service" else "flow_to_nodeport"
        dst = text(key, lang, target=f"{res.dest_ip}{port}", backend=f"{backend.ip}{':' + str(backend.port) if backend.port else ''}",
                   node=node_label(backend.node.name, backend.node.ip))
    elif res.dest_kind == "pod":
        assert res.target_pod is not None
        dst = text("flow_to_pod", lang, target=f"{res.dest_ip}{port}", node=node_label(res.target_pod.node.name, res.target_pod.node.ip))
    elif res.dest_kind == "node":
        dst = text("flow_to_node", lang, target=f"{res.dest_ip}{port}")
    else:
        dst = text("flow_to_external", lang, target=f"{res.dest_ip}{port}")
    return f"{src} -> {dst}"


def _path_lines(path: list[Hop], lang: Lang, marks: dict[int, str] | None = None, indent: str = "  ") -> list[str]:
    lines: list[str] = []
    for hop in path:
        for step in hop.steps:
            lines.append(f"{indent}      | {fmt_step(step, lang)}")
        mark = (marks or {}).get(hop.index, "")
        lines.append(f"{indent}{mark:<2}[{hop.index}] {fmt_hop(hop, lang)}")
    return lines


def render_plan(plan: CapturePlan, fmt: Format = "text") -> str:
    """The capture plan as text, Markdown or JSON."""
    if fmt == "json":
        return plan.model_dump_json(indent=2)
    lang = plan.lang
    prof = profiles()[plan.profile]
    md = fmt == "markdown"
    prose = md_text if md else visible
    header = text("plan_title", lang, case=plan.case_id)
    setup = text("plan_setup", lang, cni=prof.title.get(lang), proxy=plan.kube_proxy_mode)
    flow = text("plan_flow", lang, flow=plan.flow)
    out: list[str] = [f"# {md_text(header)}" if md else header, "", prose(setup), prose(flow), ""]
    out.append(f"## {text('path_request', lang)}" if md else text("path_request", lang) + ":")
    body = _path_lines(plan.path, lang)
    out.extend(md_fence(body) if md else body)
    out.append("")
    for step in plan.steps:
        title = text("step_heading", lang, n=step.number, title=step.title)
        out.append(f"## {md_text(title)}" if md else title)
        out.append(prose(step.purpose))
        out.append("")
        for i, cap in enumerate(step.captures):
            label = f"{step.number}{chr(ord('a') + i)}"
            hop_ids = ", ".join(str(h) for h in cap.hops)
            if cap.same_as_step is not None:
                hop_ids += "; " + text("same_as_step", lang, n=cap.same_as_step)
            if md:
                out.append(f"**{label}.** {md_text(cap.where)} ({md_text(text('hop_ref', lang, hops=hop_ids))})")
                out.append("")
                out.extend(md_fence([*cap.setup, cap.command], "sh"))
                out.append(f"{text('look_for_label', lang)} {md_text(cap.look_for)}")
            else:
                out.append(f"  {label}. {cap.where} ({text('hop_ref', lang, hops=hop_ids)})")
                out.extend(f"      {line}" for line in cap.setup)
                out.append(f"      $ {cap.command}")
                out.append(f"      {text('look_for_label', lang)} {cap.look_for}")
            out.append("")
    if plan.notes:
        out.append(f"## {text('notes', lang)}" if md else text("notes", lang) + ":")
        out.extend(f"- {prose(n)}" for n in plan.notes)
    # escaping is idempotent: every line once more, for any value a line above did not pass through
    lines = out if md else [visible(line) for line in out]
    return "\n".join(lines).rstrip() + "\n"


def render_path(graph: PacketPath, verdict: PathVerdict | None = None, lang: Lang = "en") -> str:
    """The request and reply paths as text, with what the captures saw and the failing hop marked."""
    return draw_path(path_data(graph, verdict), lang)


def path_data(graph: PacketPath, verdict: PathVerdict | None = None) -> dict[str, Any]:
    """The path of a case and what the captures saw, as plain language-neutral data (what a
    diagnosis keeps; :func:`draw_path` draws it in a language)."""
    from .build import REPLY, REQUEST, hops

    checks = {c.index: c for c in (verdict.hops if verdict else [])}
    failing = verdict.failing_hop.index if verdict and verdict.failing_hop else None

    def marks(direction: str) -> dict[int, str]:
        out: dict[int, str] = {}
        for i, c in checks.items():
            seen = c.request_seen if direction == REQUEST else c.reply_seen
            if seen is not None:
                out[i] = "+" if seen else "-"
        if failing is not None and verdict is not None and verdict.direction == direction:
            out[failing] = "X"
        return out

    fh = verdict.failing_hop if verdict is not None else None
    return {
        "profile": graph.graph["profile"],
        "kube_proxy_mode": graph.graph["kube_proxy_mode"],
        "request": [h.model_dump() for h in hops(graph, REQUEST)],
        "reply": [h.model_dump() for h in hops(graph, REPLY)],
        "marks": {"request": marks(REQUEST), "reply": marks(REPLY)},
        "captured": bool(checks),
        "failing": fh.model_dump() if fh is not None else None,
        "direction": verdict.direction if verdict is not None else None,
        "suspects": list(verdict.suspects) if verdict is not None else [],
        "explanation": verdict.explanation.model_dump() if verdict is not None and verdict.explanation is not None else None,
    }


def draw_path(data: dict[str, Any], lang: Lang = "en") -> str:
    """The path data of :func:`path_data` as text in ``lang``."""
    prof = profiles()[data["profile"]]
    lines = [text("plan_setup", lang, cni=prof.title.get(lang), proxy=data["kube_proxy_mode"])]
    for direction, label in (("request", "path_request"), ("reply", "path_reply")):
        lines.append(text(label, lang) + ":")
        lines.extend(_path_lines([Hop.model_validate(h) for h in data[direction]], lang, data["marks"][direction]))
    if data["captured"]:
        lines.append(text("legend", lang))
    fh = data["failing"]
    if fh is not None:
        lines.append(text("verdict_failing", lang, what=text(f"what_{data['direction']}", lang), index=fh["index"],
                          node=fh["node"] or "?", interface=fh["interface"]))
    if data["suspects"]:
        lines.append(text("verdict_suspects", lang, suspects=", ".join(data["suspects"])))
    if data["explanation"] is not None:
        lines.append(data["explanation"][lang])
    return "\n".join(visible(line) for line in "\n".join(lines).split("\n")) + "\n"
