"""Markdown report (tickets, chat, wikis)."""

from __future__ import annotations

from ..diagnosis import Diagnosis, Evidence, Step
from .labels import LABELS


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _evidence(ev: Evidence) -> str:
    sign = "✅" if ev.direction == "for" else "❌"
    weight = f" {ev.weight:+.2f}" if ev.weight is not None else ""
    where = f" — `{', '.join(ev.observations)}`" if ev.observations else ""
    return f"- {sign} {_md(ev.message)} (`{ev.rule}`{weight}){where}"


def _steps(steps: list[Step]) -> list[str]:
    out = []
    for i, s in enumerate(steps, 1):
        where = f" *({s.run_on or s.run_at})*" if (s.run_on or s.run_at) else ""
        out.append(f"{i}. {_md(s.text)}{where}")
        if s.command:
            out += ["", "   ```sh", f"   {s.command}", "   ```"]
    return out


def render_markdown(d: Diagnosis) -> str:
    L = LABELS[d.lang]
    out = [f"# {L['diagnosis']}: `{d.case_id}`", ""]
    if d.summary:
        out += [d.summary, ""]
    out += [f"## {L['symptoms']}", ""]
    for s in d.symptoms + d.findings:
        out.append(f"- **{s.title}**" + ("" if s.primary else f" ({L['findings']})"))
        out += ["  " + _evidence(ev) for ev in s.evidence]
    if not d.symptoms and not d.findings:
        out.append(f"- {L['none']}")
    out += ["", f"## {L['causes']}", ""]
    if not d.causes:
        out.append(L["no_cause"])
    for c in d.causes:
        out += [f"### {c.rank}. {c.title} (`{c.id}`) — {L['confidence']} {c.confidence:.2f}", "", c.explanation, "", f"**{L['why']}**", ""]
        out += [_evidence(ev) for ev in c.evidence]
        out += ["", f"**{L['remediation']}**", ""] + _steps(c.remediation)
        out += ["", f"**{L['verify']}**", ""] + _steps(c.verify)
        out += ["", f"*{L['guide']}: {c.guide}*", ""]
    if d.possible:
        out += [f"**{L['possible']}:**", ""] + [f"- {_md(p.title)} (`{p.id}`)" for p in d.possible] + [""]
    if d.ruled_out:
        out += [f"**{L['ruled_out']}:** " + ", ".join(f"{c.title} (`{c.id}`)" for c in d.ruled_out), ""]
    out += [f"## {L['next_checks']}", ""]
    if not d.next_checks:
        out.append(L["no_checks"])
    for i, chk in enumerate(d.next_checks, 1):
        where = ", ".join([chk.at] + [f"{k}={v}" for k, v in chk.detail.items()])
        out += [f"{i}. **{chk.title}** ({where}) — {chk.reason}", "", "   ```sh", f"   {chk.command}", "   ```"]
    if d.path and (d.path.explanation or d.path.drawing):
        out += ["", f"## {L['path']}", ""]
        if d.path.explanation:
            out += [_md(d.path.explanation), ""]
        if d.path.drawing:
            out += ["```", d.path.drawing, "```"]
    if d.warnings:
        out += ["", f"## {L['warnings']}", ""]
        out += [f"- `{w.code}` {w.location or ''}: {w.message}" for w in d.warnings]
    return "\n".join(out) + "\n"
