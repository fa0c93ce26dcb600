"""podnet: explainable diagnosis of Kubernetes Pod network failures.

The public facade::

    from podnet import load_facts, diagnose
    diagnosis = diagnose(load_facts("case.json"), lang="en")
    print(diagnosis.causes[0].id, diagnosis.causes[0].confidence)

The engine is compiled once per process and reused by every call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import FactFileError, InputError, KnowledgeError, PodnetError, RuleError, TemplateError, UsageError

if TYPE_CHECKING:
    from .diagnosis import Diagnosis
    from .facts.model import FactFile

__version__ = "0.1.0"


def load_facts(source: Any) -> FactFile:
    """Load and validate a fact file from a path, ``-`` (stdin) or a dict."""
    from .facts.load import load_facts as _load

    return _load(source)


def diagnose(facts: FactFile | dict[str, Any] | str, *, lang: str = "en", rule_dirs: tuple[str, ...] | list[str] = (), strict: bool = False) -> Diagnosis:
    """Diagnose a case: ranked causes with evidence, remediation and next checks.

    ``facts`` is a :class:`FactFile`, a dict in fact-file form, or a path. ``rule_dirs`` adds
    site rule folders to the bundled rules. ``strict`` makes contradictory observations an error.
    """
    from .facts.model import FactFile as _FactFile
    from .reasoning.diagnose import diagnose_facts

    if lang not in ("en", "zh"):
        raise UsageError(f"unknown language {lang!r} (en or zh)", location="lang")
    if not isinstance(facts, _FactFile):
        facts = load_facts(facts)
    return diagnose_facts(facts, lang=lang, rule_dirs=tuple(rule_dirs), strict=strict)  # type: ignore[arg-type]


def __getattr__(name: str) -> Any:
    if name == "Diagnosis":
        from .diagnosis import Diagnosis as _D

        return _D
    if name == "FactFile":
        from .facts.model import FactFile as _F

        return _F
    if name in ("Question", "next_questions"):
        from . import triage as _t

        return getattr(_t, name)
    raise AttributeError(f"module 'podnet' has no attribute {name!r}")


__all__ = [
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
]
