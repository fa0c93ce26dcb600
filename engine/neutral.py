"""The language-neutral diagnosis the reasoning makes, and :func:`localize`, which every view calls.

A :class:`NeutralDiagnosis` has the fields of :class:`~podnet.diagnosis.Diagnosis`, but each text
(titles, rule messages, explanations, steps, reasons, warnings, the path's explanation) is given in
every language, ``{"en": ..., "zh": ...}``, rendered from the knowledge's templates and the text
catalogue when the case is diagnosed, and the packet path is kept as data (drawn when localized). :func:`localize` picks one language and gives the
published one-language :class:`~podnet.diagnosis.Diagnosis` (the JSON contract of ``podnet schema
--diagnosis`` is unchanged); the localized diagnosis remembers its neutral source, so it can be
shown in the other language without diagnosing again (:func:`podnet.render` with ``lang=``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, Field

from .diagnosis import (
    Diagnosis,
    DiagnosisWarning,
    Evidence,
    NextCheck,
    PathSummary,
    PossibleCause,
    RankedCause,
    Step,
    SymptomResult,
)
from .knowledge.model import Lang

__all__ = [
    "Localized",
    "NeutralDiagnosis",
    "NeutralEvidence",
    "NeutralNextCheck",
    "NeutralPathSummary",
    "NeutralPossibleCause",
    "NeutralRankedCause",
    "NeutralStep",
    "NeutralSymptomResult",
    "NeutralWarning",
    "localize",
]

Localized = dict[Lang, str]
"""A text in every language, ``{"en": ..., "zh": ...}``."""


class NeutralEvidence(Evidence):
    TEXTS: ClassVar[tuple[str, ...]] = ("message",)
    message: Localized = Field(description="What the rule saw, in every language.")  # type: ignore[assignment]


class NeutralSymptomResult(SymptomResult):
    TEXTS: ClassVar[tuple[str, ...]] = ("title",)
    title: Localized  # type: ignore[assignment]
    evidence: list[NeutralEvidence]  # type: ignore[assignment]


class NeutralStep(Step):
    TEXTS: ClassVar[tuple[str, ...]] = ("text", "warning")
    text: Localized  # type: ignore[assignment]
    warning: Localized | None = None  # type: ignore[assignment]


class NeutralRankedCause(RankedCause):
    TEXTS: ClassVar[tuple[str, ...]] = ("title", "explanation")
    title: Localized  # type: ignore[assignment]
    explanation: Localized  # type: ignore[assignment]
    evidence: list[NeutralEvidence]  # type: ignore[assignment]
    remediation: list[NeutralStep]  # type: ignore[assignment]
    verify: list[NeutralStep]  # type: ignore[assignment]


class NeutralPossibleCause(PossibleCause):
    TEXTS: ClassVar[tuple[str, ...]] = ("title",)
    title: Localized  # type: ignore[assignment]


class NeutralNextCheck(NextCheck):
    TEXTS: ClassVar[tuple[str, ...]] = ("title", "reason")
    title: Localized  # type: ignore[assignment]
    reason: Localized  # type: ignore[assignment]


class NeutralPathSummary(PathSummary):
    """The path summary with the path itself as data (:func:`podnet.path.render.path_data`); the
    drawing is made from it in the language asked for."""

    TEXTS: ClassVar[tuple[str, ...]] = ("explanation",)
    explanation: Localized | None = None  # type: ignore[assignment]
    drawing: None = None  # type: ignore[assignment]
    route: dict[str, Any] | None = Field(None, description="The request and reply paths and what the captures saw, as data.")


class NeutralWarning(DiagnosisWarning):
    TEXTS: ClassVar[tuple[str, ...]] = ("message",)
    message: Localized  # type: ignore[assignment]


class NeutralDiagnosis(Diagnosis):
    """A diagnosis whose texts are in every language; :meth:`localize` gives one of them."""

    TEXTS: ClassVar[tuple[str, ...]] = ()
    lang: None = None  # type: ignore[assignment]
    symptoms: list[NeutralSymptomResult]  # type: ignore[assignment]
    findings: list[NeutralSymptomResult] = Field(default_factory=list)  # type: ignore[assignment]
    causes: list[NeutralRankedCause]  # type: ignore[assignment]
    ruled_out: list[NeutralRankedCause] = Field(default_factory=list)  # type: ignore[assignment]
    possible: list[NeutralPossibleCause] = Field(default_factory=list)  # type: ignore[assignment]
    next_checks: list[NeutralNextCheck]  # type: ignore[assignment]
    warnings: list[NeutralWarning]  # type: ignore[assignment]
    path: NeutralPathSummary | None = None  # type: ignore[assignment]

    def localize(self, lang: Lang) -> Diagnosis:
        return localize(self, lang)


def _local(value: Any, lang: Lang) -> Any:
    """``value`` with every neutral model in it made into its one-language model in ``lang`` (the
    neutral model's base class; built without validating again: the neutral one was validated)."""
    if isinstance(value, list):
        return [_local(v, lang) for v in value]
    if not isinstance(value, _NEUTRAL):
        return value  # plain data, or a part without texts (FailingHop, FillIn): shared
    cls = type(value)
    target: type[BaseModel] = cls.__mro__[1]
    texts: tuple[str, ...] = getattr(cls, "TEXTS", ())
    out: dict[str, Any] = {}
    for name in target.model_fields:
        if name in texts:
            item = getattr(value, name)
            out[name] = item[lang] if item is not None else None
        elif name == "drawing" and isinstance(value, NeutralPathSummary):
            from .path.render import draw_path

            out[name] = draw_path(value.route, lang) if value.route is not None else None
        elif name == "lang" and isinstance(value, NeutralDiagnosis):
            out[name] = lang
        else:
            out[name] = _local(getattr(value, name), lang)
    return target.model_construct(**out)


def localize(diagnosis: Diagnosis, lang: Lang) -> Diagnosis:
    """The diagnosis in ``lang``: a neutral diagnosis localized, or a localized one made again in
    ``lang`` from the neutral diagnosis it came from (itself when it is in ``lang`` already)."""
    if not isinstance(diagnosis, NeutralDiagnosis):
        source = neutral_of(diagnosis)
        if diagnosis.lang == lang or source is None:
            if diagnosis.lang != lang:
                raise ValueError(f"this diagnosis is in {diagnosis.lang!r} and does not carry its other languages")
            return diagnosis
        diagnosis = source
    out: Diagnosis = _local(diagnosis, lang)
    out._neutral = diagnosis
    return out


def neutral_of(diagnosis: Diagnosis) -> NeutralDiagnosis | None:
    """The neutral diagnosis a localized one was made from (None for one built otherwise)."""
    source = getattr(diagnosis, "_neutral", None)
    return source if isinstance(source, NeutralDiagnosis) else None


_NEUTRAL = (
    NeutralEvidence,
    NeutralSymptomResult,
    NeutralStep,
    NeutralRankedCause,
    NeutralPossibleCause,
    NeutralNextCheck,
    NeutralPathSummary,
    NeutralWarning,
    NeutralDiagnosis,
)
"""The neutral models; each one's first base class is its one-language model."""
