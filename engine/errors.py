"""The podnet error hierarchy.

Every error carries a stable ``code`` (for tools), an ``exit_code`` (for the CLI) and a
``location`` (file, line, JSON path, rule id, field) so that its one-line message says where
the problem is.

    PodnetError                      exit 70  internal or unexpected failure
    ├── InputError                   exit 2   bad input from the user
    │   ├── FactFileError            E-FACTS-*  (JSON syntax, schema, size, empty, conflicts)
    │   └── UsageError               E-USAGE
    │       └── ArgumentTypeError    E-USAGE-TYPE (also a TypeError: a library call got the wrong type)
    └── KnowledgeError               exit 3   bad knowledge: a rule, cause or observation kind
        ├── RuleError                E-RULE-*
        └── TemplateError            E-TEMPLATE
"""

from __future__ import annotations


class PodnetError(Exception):
    """Base class of every error podnet raises on purpose."""

    code = "E-INTERNAL"
    exit_code = 70

    def __init__(self, message: str, *, location: str | None = None, code: str | None = None, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.details: list[str] = list(details or [])
        """Every problem found, one per line (the one-line message may summarise them)."""
        if code is not None:
            self.code = code

    def one_line(self) -> str:
        """The message as one line: ``CODE location: message``. Input reaches both parts (a JSON
        key ``"a\\nb"``, a file name holding ESC, a lone surrogate): line breaks in the message
        become spaces, and every control character, bidi override and lone surrogate left in
        either part is shown as an escape (``\\n``, ``\\x1b``, ``\\ud800``), so the error stays one
        line, cannot drive the terminal, and can always be written out."""
        from .render.safe import one_line, visible

        where = f" {visible(self.location)}:" if self.location else ":"
        return f"{self.code}{where} {one_line(self.message)}"

    def __str__(self) -> str:
        return self.one_line()


class InputError(PodnetError):
    """The input given to podnet (facts, arguments) is not usable."""

    code = "E-INPUT"
    exit_code = 2


class FactFileError(InputError):
    """A fact file is malformed, too large, empty, invalid or self-contradictory."""

    code = "E-FACTS"


class UsageError(InputError):
    """The command line or a library call is used wrongly."""

    code = "E-USAGE"


class ArgumentTypeError(UsageError, TypeError):
    """A library function got an argument of the wrong type (catchable as ``TypeError`` too)."""

    code = "E-USAGE-TYPE"


class KnowledgeError(PodnetError):
    """The knowledge base (causes, observation kinds, symptoms) is inconsistent."""

    code = "E-KB"
    exit_code = 3


class RuleError(KnowledgeError):
    """A rule file is malformed or refers to unknown facts, fields, causes or symptoms."""

    code = "E-RULE"


class TemplateError(KnowledgeError):
    """A message or command template cannot be compiled or rendered."""

    code = "E-TEMPLATE"


__all__ = [
    "ArgumentTypeError",
    "FactFileError",
    "InputError",
    "KnowledgeError",
    "PodnetError",
    "RuleError",
    "TemplateError",
    "UsageError",
]
