"""Labels of the text reports: the report labels of :mod:`podnet.render.labels`, plus those of the
compact report and the names of the vantage points, in every language.

:func:`labels` is how the text views read their words; labels missing from the catalogue are
taken from :data:`EXTRA` (kept here until they move into the catalogue's ``report`` area).
"""

from __future__ import annotations

from ..knowledge.model import Lang
from .labels import LABELS

__all__ = ["EXTRA", "labels", "role_label"]

EXTRA: dict[str, dict[str, str]] = {
    "en": {
        "headline": "{symptom}: most likely {id} (confidence {confidence})",
        "headline_no_cause": "{symptom}: no cause named",
        "no_symptom": "No symptom established",
        "run_now": "Run now:",
        "run_now_on": "Run now, on {where}:",
        "where_named": "{name} ({role})",
        "check_next": "Check next: {title}",
        "check_next_on": "Check next, on {where}: {title}",
                "top_causes": "Top causes:",
        "why_short": "Why:",
        "aside": "({text})",
        "sep": ", ",
        "more_causes": "+{n} more",
        "n_ruled_out": "{n} ruled out",
        "possible_short": "Possible causes (no evidence yet):",
        "lost_at": "Packet path: the {what} disappears at hop {index} ({interface} on {node})",
        "what_request": "request",
        "what_reply": "reply",
        "n_warnings": "{n} warning(s) about the input: {first}",
        "hint": "Full report with all evidence, fixes, the packet path and next checks: --verbose (or -o wide)",
        "vantage_source_pod": "source Pod",
        "vantage_source_node": "source node",
        "vantage_destination_pod": "destination Pod",
        "vantage_destination_node": "destination node",
        "vantage_other_pod": "another Pod",
        "vantage_other_node": "another node",
        "vantage_control_plane": "any machine with kubectl",
    },
    "zh": {
        "headline": "{symptom}：最可能的原因 {id}（可信度 {confidence}）",
        "headline_no_cause": "{symptom}：未能确定原因",
        "no_symptom": "未确定现象",
        "run_now": "现在执行：",
        "run_now_on": "现在执行（{where}）：",
        "where_named": "{name}，{role}",
        "check_next": "下一步检查：{title}",
        "check_next_on": "下一步检查（{where}）：{title}",
                "top_causes": "最可能的原因：",
        "why_short": "依据：",
        "aside": "（{text}）",
        "sep": "，",
        "more_causes": "另有 {n} 个",
        "n_ruled_out": "{n} 个已排除",
        "possible_short": "可能原因（尚无证据）：",
        "lost_at": "数据包路径：{what}在第 {index} 跳消失（{node} 上的 {interface}）",
        "what_request": "请求",
        "what_reply": "回包",
        "n_warnings": "输入有 {n} 条警告：{first}",
        "hint": "完整报告（全部依据、处理与验证步骤、数据包路径、下一步检查）：加 --verbose（或 -o wide）",
        "vantage_source_pod": "源 Pod",
        "vantage_source_node": "源节点",
        "vantage_destination_pod": "目的 Pod",
        "vantage_destination_node": "目的节点",
        "vantage_other_pod": "其他 Pod",
        "vantage_other_node": "其他节点",
        "vantage_control_plane": "任一可执行 kubectl 的机器",
    },
}
"""Labels not (yet) in :data:`~podnet.render.labels.LABELS`."""


def labels(lang: Lang) -> dict[str, str]:
    """Every label of the text reports in ``lang``: the catalogue's, else :data:`EXTRA`'s."""
    return {**EXTRA[lang], **LABELS[lang]}


def role_label(role: str, lang: Lang) -> str:
    """A vantage point (``source_node``...) for people: "source node", "源节点"; an unknown one as is."""
    return labels(lang).get(f"vantage_{role}", role)
