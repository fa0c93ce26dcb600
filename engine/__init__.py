"""podnet: explainable diagnosis of Kubernetes Pod network failures.

    from podnet import load_facts, diagnose, render
    d = diagnose(load_facts("case.json"), lang="en")
    print(d.causes[0].id, d.causes[0].confidence)
    print(render(d, "text"))          # compact; or "wide" (full), "markdown", "json", "yaml"

The engine is compiled once per process and reused by every call. Errors derive from
``podnet.PodnetError`` and carry ``code``, ``exit_code`` and ``location`` (see ``podnet.errors``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .diagnosis import Diagnosis
    from .errors import (
        ArgumentTypeError,
        FactFileError,
        InputError,
        KnowledgeError,
        PodnetError,
        RuleError,
        TemplateError,
        UsageError,
    )
    from .facts.model import FactFile
    from .knowledge.model import Lang
    from .triage import Question, next_questions

    __version__: str

# The subpackage podnet.render is imported here, before the function ``render`` below is defined:
# importing a subpackage binds its name in this namespace, and this way the function wins for good
# (podnet.render is the function; ``from podnet.render import ...`` still reads the subpackage).
from . import render as _render_package  # noqa: E402  (cheap: its renderers load on first use)

del _render_package
RENDER_FORMATS = ("text", "wide", "markdown", "json", "yaml")


def _wrong_type(what: str, value: object, expected: str) -> Exception:
    from .errors import ArgumentTypeError

    return ArgumentTypeError(f"expected {expected}, not {type(value).__name__}", location=what)


def load_facts(source: str | Any) -> FactFile:
    """Load and validate a fact file from a path (``str`` or ``os.PathLike``), ``-`` (stdin) or a dict.

    Raises :class:`FactFileError` (located: file and JSON path) for bad content and
    :class:`ArgumentTypeError` (a ``TypeError``) for an argument of another type."""
    import os

    from .facts.load import load_facts as _load

    if not isinstance(source, (str, os.PathLike, dict)):
        raise _wrong_type("load_facts(source)", source, "a path, '-' or a dict in fact-file form")
    return _load(source)


def diagnose(
    facts: FactFile | dict[str, Any] | str,
    *,
    lang: Lang = "en",
    rule_dirs: tuple[str, ...] | list[str] = (),
    strict: bool = False,
) -> Diagnosis:
    """Diagnose a case: ranked causes with evidence, remediation and next checks.

    ``facts`` is a :class:`FactFile`, a dict in fact-file form, or a path. ``rule_dirs`` adds
    site rule folders to the bundled rules. ``strict`` makes contradictory observations an error.
    """
    import os

    from .errors import UsageError as _UsageError
    from .facts.model import FactFile as _FactFile
    from .neutral import localize
    from .reasoning.diagnose import diagnose_neutral

    if lang not in ("en", "zh"):
        raise _UsageError(f"unknown language {lang!r} (en or zh)", location="lang")
    if isinstance(rule_dirs, (str, bytes)) or not all(isinstance(d, (str, os.PathLike)) for d in rule_dirs):
        raise _wrong_type("diagnose(rule_dirs)", rule_dirs, "a list of folder paths")
    if not isinstance(facts, (_FactFile, str, os.PathLike, dict)):
        raise _wrong_type("diagnose(facts)", facts, "a FactFile, a dict in fact-file form or a path")
    if not isinstance(facts, _FactFile):
        facts = load_facts(facts)
    return localize(diagnose_neutral(facts, rule_dirs=tuple(str(d) for d in rule_dirs), strict=strict), lang)


def render(diagnosis: Diagnosis, fmt: str = "text", *, lang: Lang | None = None, width: int | None = None, color: bool = False) -> str:
    """The report of a diagnosis as ``"text"`` (compact), ``"wide"`` (the full text report),
    ``"markdown"``, ``"json"`` or ``"yaml"``; the text reports laid out at ``width`` terminal cells
    (default 100) and, with ``color``, coloured with ANSI escapes.

    The report is in the diagnosis's language (``diagnose(..., lang=)``), or in ``lang`` when
    given: a diagnosis from :func:`diagnose` carries its texts in every language, so one run
    renders in either (:func:`podnet.neutral.localize`)."""
    from .diagnosis import Diagnosis as _Diagnosis
    from .errors import UsageError as _UsageError

    if not isinstance(diagnosis, _Diagnosis):
        raise _wrong_type("render(diagnosis)", diagnosis, "a Diagnosis (from podnet.diagnose)")
    if fmt not in RENDER_FORMATS:
        import difflib

        close = difflib.get_close_matches(str(fmt), RENDER_FORMATS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise _UsageError(f"unknown format {fmt!r}{hint} (choose from {', '.join(RENDER_FORMATS)})", location="render(fmt)")
    if lang is not None and lang not in ("en", "zh"):
        raise _UsageError(f"unknown language {lang!r} (en or zh)", location="render(lang)")
    from .neutral import NeutralDiagnosis, localize, neutral_of

    if isinstance(diagnosis, NeutralDiagnosis) or (lang is not None and lang != diagnosis.lang):
        if not isinstance(diagnosis, NeutralDiagnosis) and neutral_of(diagnosis) is None:
            raise _UsageError(
                f"this diagnosis is in {diagnosis.lang!r} only (it was not made by podnet.diagnose); "
                f"call diagnose(..., lang={lang!r}) for a report in {lang!r}",
                location="render(lang)",
            )
        diagnosis = localize(diagnosis, lang or "en")
    from .render.report import render_report

    return render_report(diagnosis, fmt, width=width, color=color)


_LAZY = {
    "Diagnosis": ".diagnosis",
    "FactFile": ".facts.model",
    "Question": ".triage",
    "next_questions": ".triage",
    "ArgumentTypeError": ".errors",
    "FactFileError": ".errors",
    "InputError": ".errors",
    "KnowledgeError": ".errors",
    "PodnetError": ".errors",
    "RuleError": ".errors",
    "TemplateError": ".errors",
    "UsageError": ".errors",
}
"""Names imported on first use, so that ``import podnet`` stays fast and ``help(podnet)`` short."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    if name == "__version__":
        from ._version import package_version

        return package_version()
    raise AttributeError(f"module 'podnet' has no attribute {name!r}")


__all__ = [
    "ArgumentTypeError",
    "Diagnosis",
    "FactFile",
    "FactFileError",
    "InputError",
    "KnowledgeError",
    "PodnetError",
    "Question",
    "RuleError",
    "TemplateError",
    "UsageError",
    "diagnose",
    "load_facts",
    "next_questions",
    "render",
]
