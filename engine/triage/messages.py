"""The words of the triage conversation itself (prompts, headings), in every supported language:
the ``triage`` area of the text catalogue (``kb/messages/triage.yaml``), looked up by language and id.

Questions, commands and answers are not here: they come from ``kb/observations.yaml``.
"""

from __future__ import annotations

from ..knowledge.model import LANGS
from ..messages import table

MESSAGES: dict[str, dict[str, str]] = {
    lang: {code: text for code, text in table("triage", lang).items() if not code.startswith("vantage_")} for lang in LANGS
}
"""``MESSAGES[lang][id]``: the triage word ``id`` of ``kb/messages/triage.yaml`` in ``lang``."""

VANTAGES: dict[str, dict[str, str]] = {
    lang: {code[len("vantage_"):]: text for code, text in table("triage", lang).items() if code.startswith("vantage_")} for lang in LANGS
}
"""Where a command runs, for people (``vantage_<id>`` in ``kb/messages/triage.yaml``; vantage point ids
stay as they are in the fact file)."""

UNKNOWN_WORDS = ("u", "unknown", "?", "don't know", "dont know", "不知道", "未知")
BACK_WORDS = ("b", "back", "返回")
QUIT_WORDS = ("q", "quit", "exit", "退出", "结束")
PASTE_WORDS = ("p", "paste", "粘贴")
"""Words typed at any prompt; they are never taken as a value (a Pod named 'b' is typed as './b')."""
