"""Guided triage: ask the most informative next question, from the knowledge base.

    from podnet import next_questions
    for q in next_questions(facts, n=3, lang="en"):
        print(q.text, q.command, q.expected_gain)

See :mod:`podnet.triage.posterior` for the model and :mod:`podnet.triage.session` for the
stopping rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import UsageError

if TYPE_CHECKING:
    from ..facts.model import FactFile
    from ..knowledge.model import Lang
    from .model import AnswerOption, CauseBelief, Question

__all__ = ["AnswerOption", "CauseBelief", "Question", "next_questions"]


def __getattr__(name: str) -> Any:
    # the models (pydantic) load on first use: `podnet --help` reads triage's defaults only
    if name in ("AnswerOption", "CauseBelief", "Question"):
        from . import model

        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def next_questions(
    facts: FactFile | dict[str, Any] | str, n: int = 3, lang: Lang = "en", *, rule_dirs: tuple[str, ...] | list[str] = ()
) -> list[Question]:
    """The ``n`` questions with the highest expected information gain for a case.

    ``facts`` is a :class:`~podnet.facts.model.FactFile`, a dict in fact-file form, or a path.
    An empty list means no open question would change the ranking.
    """
    from ..facts.model import FactFile as _FactFile
    from .questions import next_questions_for

    if lang not in ("en", "zh"):
        raise UsageError(f"unknown language {lang!r} (en or zh)", location="lang")
    if n < 1:
        raise UsageError(f"n must be at least 1, not {n}", location="n")
    if not isinstance(facts, _FactFile):
        from ..facts.load import load_facts

        facts = load_facts(facts)
    return next_questions_for(facts, n=n, lang=lang, rule_dirs=tuple(rule_dirs))
