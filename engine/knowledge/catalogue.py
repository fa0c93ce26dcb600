"""The cause catalogue as a Markdown table (README, docs): class, cause, rules for and against, guide section."""

from __future__ import annotations

from .load import Knowledge
from .model import Lang


def catalogue_markdown(kb: Knowledge, lang: Lang = "en") -> str:
    from ..messages import guide_citation, table

    words = table("cli", lang)
    head = tuple(words[f"catalogue_{k}"] for k in ("symptom_class", "cause", "title", "rules_for_against", "guide_section"))
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for cid, cause in kb.causes.items():
        weights = [r.spec.then.weight or 0 for r in kb.rules if r.spec.then.cause == cid]
        pos = sum(1 for w in weights if w > 0)
        neg = sum(1 for w in weights if w < 0)
        title = cause.title.get(lang).replace("|", "\\|")
        lines.append(f"| {kb.symptoms[cause.symptom].title.get(lang)} | `{cid}` | {title} | {pos} / {neg} | {guide_citation(cause.guide, cause.sources, lang)} |")
    phases = {p: sum(1 for r in kb.rules if r.phase == p) for p in ("finding", "symptom", "cause")}
    total = words["catalogue_rules"]
    lines.append("")
    lines.append(f"{len(kb.rules)} {total} (finding {phases['finding']}, symptom {phases['symptom']}, cause {phases['cause']}), {len(kb.causes)} causes, {len(kb.observation_kinds)} observation kinds.")
    return "\n".join(lines)
