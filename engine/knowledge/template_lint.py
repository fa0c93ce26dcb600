"""Check, when the knowledge is loaded, that a command template keeps every value one shell word.

Every ``{{ value }}`` of a command template is shell-quoted when it is rendered
(:mod:`podnet.knowledge.templates`). Quoting only works where the shell reads the value as a word
of its own, so a command template is refused (``E-TEMPLATE-UNSAFE``, exit 3) when a value:

* sits inside a single- or double-quoted string, backticks, ``$((...))`` arithmetic, ``${...}``
  or a ``#`` comment the template itself builds (``'host {{ ip }}'``, ``sh -c "ping {{ ip }}"``).
  Inside ``$(...)`` the shell starts afresh, so ``"$(crictl pods -q --name {{ pod }})"`` is fine;
* starts a word and has text glued after it (``{{ ip }}:{{ port }}``): the word begins with the
  value, so a value starting with ``-`` would be read as an option; build such a word in one
  expression instead (``{{ ip ~ ':' ~ port }}``);
* is glued only to dashes (``--{{ name }}``), which makes it an option name;
* is shell code: the script of ``sh -c``/``bash -c``/``su -c``, an argument of ``eval`` or
  ``watch`` (pass values to a script as its positional parameters: ``sh -c '... "$1"' sh {{ ip }}``).

A value glued after other text (``spec.nodeName={{ node }}``, ``ifcfg-{{ nic }}``) stays one word
that starts with that text; what the program makes of it is kept safe by validating the value
(:mod:`podnet.facts.values`). ``{% ... %}`` statements are skipped: their branches are checked as
one text, which is stricter, never looser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import TemplateError

VALUE = "\x00"
"""Stands for one ``{{ ... }}`` in the text the shell scanner reads."""

SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "su", "busybox"})
CODE_RUNNERS = frozenset({"eval", "watch"})
SEPARATORS = frozenset(";&|\n")
WORD_END = frozenset(" \t;&|()<>\n")


@dataclass
class _Word:
    text: str = ""
    values: list[int] = field(default_factory=list)  # indexes of the expressions in this word


def _pieces(source: str, location: str) -> tuple[str, list[str]]:
    """The template as shell text with :data:`VALUE` for each expression, and the expressions."""
    from jinja2 import Environment, TemplateSyntaxError

    text: list[str] = []
    exprs: list[str] = []
    current: list[str] | None = None
    skipping = False
    env = Environment()
    try:
        env.parse(source)
        for _line, kind, value in env.lex(source):
            if kind == "variable_begin":
                current = []
            elif kind == "variable_end":
                exprs.append("".join(current or []).strip())
                text.append(VALUE)
                current = None
            elif current is not None:
                current.append(value)
            elif kind in ("block_begin", "comment_begin"):
                skipping = True
            elif kind in ("block_end", "comment_end"):
                skipping = False
            elif kind == "data" and not skipping:
                text.append(value)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"template syntax: {exc.message}", location=f"{location} (template line {exc.lineno})") from None
    return "".join(text), exprs


class _Scanner:
    """A small POSIX-shell scanner: quotes, ``$(...)``, ``$((...))``, ``${...}``, comments, words."""

    def __init__(self, text: str, exprs: list[str], location: str) -> None:
        self.s = text
        self.exprs = exprs
        self.location = location
        self.n = 0  # index of the next value

    def fail(self, why: str, index: int) -> None:
        expr = self.exprs[index] if index < len(self.exprs) else "?"
        raise TemplateError(
            f"{{{{ {expr} }}}} {why}; make every value a shell word of its own (see README 'Writing a rule')",
            location=self.location,
            code="E-TEMPLATE-UNSAFE",
        )

    def value_here(self, why: str) -> None:
        self.fail(why, self.n)

    def scan(self) -> None:
        end = self.command(0, closer=None)
        if end < len(self.s):
            raise TemplateError("unbalanced ')' in command template", location=self.location, code="E-TEMPLATE-UNSAFE")

    # --- contexts -------------------------------------------------------------------------
    def command(self, i: int, closer: str | None) -> int:
        """Unquoted shell code up to ``closer`` (``)`` for ``$(...)``); returns the index after it."""
        s = self.s
        words: list[_Word] = []
        word: _Word | None = None
        depth = 0

        def finish() -> None:
            nonlocal word
            if word is not None:
                self.check_word(word, words)
                words.append(word)
                word = None

        while i < len(s):
            ch = s[i]
            if closer and ch == ")" and depth == 0:
                finish()
                return i + 1
            if ch in WORD_END:
                finish()
                if ch in SEPARATORS or ch in "()":
                    words = []
                depth += ch == "("
                depth -= ch == ")" and depth > 0
                i += 1
                continue
            if word is None:
                word = _Word()
                if ch == "#":
                    i = self.comment(i)
                    word = None
                    continue
            if ch == VALUE:
                word.values.append(self.n)
                word.text += VALUE
                self.n += 1
                i += 1
            elif ch == "\\":
                word.text += s[i : i + 2]
                i += 2
            elif ch == "'":
                i, part = self.single(i + 1)
                word.text += "'" + part + "'"
            elif s.startswith("$'", i):
                i, part = self.single(i + 2)
                word.text += "$'" + part + "'"
            elif ch == '"':
                i, part = self.double(i + 1)
                word.text += '"' + part + '"'
            elif ch == "`":
                i = self.backticks(i + 1)
                word.text += "`...`"
            elif ch == "$":
                i = self.dollar(i)
                word.text += "$..."
            else:
                word.text += ch
                i += 1
        finish()
        if closer:
            raise TemplateError("unclosed '$(' in command template", location=self.location, code="E-TEMPLATE-UNSAFE")
        return i

    def dollar(self, i: int) -> int:
        """``$(( ))``, ``$( )``, ``${ }`` or a plain ``$name``; returns the index after it."""
        s = self.s
        if s.startswith("$((", i):
            return self.arithmetic(i + 3)
        if s.startswith("$(", i):
            return self.command(i + 2, closer=")")
        if s.startswith("${", i):
            return self.braces(i + 2)
        return i + 1

    def single(self, i: int) -> tuple[int, str]:
        end = self.s.find("'", i)
        if end < 0:
            raise TemplateError("unclosed single quote in command template", location=self.location, code="E-TEMPLATE-UNSAFE")
        part = self.s[i:end]
        if VALUE in part:
            self.value_here("is inside a single-quoted string the template builds")
        return end + 1, part

    def double(self, i: int) -> tuple[int, str]:
        s = self.s
        start = i
        while i < len(s):
            ch = s[i]
            if ch == '"':
                return i + 1, s[start:i]
            if ch == "\\":
                i += 2
            elif ch == VALUE:
                self.value_here('is inside a double-quoted string the template builds')
            elif ch == "`":
                i = self.backticks(i + 1)
            elif ch == "$":
                i = self.dollar(i)
            else:
                i += 1
        raise TemplateError("unclosed double quote in command template", location=self.location, code="E-TEMPLATE-UNSAFE")

    def backticks(self, i: int) -> int:
        end = self.s.find("`", i)
        if end < 0:
            raise TemplateError("unclosed backtick in command template", location=self.location, code="E-TEMPLATE-UNSAFE")
        if VALUE in self.s[i:end]:
            self.value_here("is inside backticks (use $(...))")
        return end + 1

    def arithmetic(self, i: int) -> int:
        s = self.s
        depth = 0
        while i < len(s):
            if s.startswith("))", i) and depth == 0:
                return i + 2
            ch = s[i]
            if ch == VALUE:
                self.value_here("is inside $((...)) arithmetic")
            if s.startswith("$(", i) and not s.startswith("$((", i):
                i = self.command(i + 2, closer=")")
                continue
            depth += ch == "("
            depth -= ch == ")"
            i += 1
        raise TemplateError("unclosed '$((' in command template", location=self.location, code="E-TEMPLATE-UNSAFE")

    def braces(self, i: int) -> int:
        s = self.s
        while i < len(s):
            ch = s[i]
            if ch == "}":
                return i + 1
            if ch == VALUE:
                self.value_here("is inside ${...}")
            if ch == '"':
                i, _ = self.double(i + 1)
            elif ch == "'":
                i, _ = self.single(i + 1)
            else:
                i += 1
        raise TemplateError("unclosed '${' in command template", location=self.location, code="E-TEMPLATE-UNSAFE")

    def comment(self, i: int) -> int:
        end = self.s.find("\n", i)
        end = len(self.s) if end < 0 else end
        if VALUE in self.s[i:end]:
            self.value_here("is inside a # comment")
        return end

    # --- words ----------------------------------------------------------------------------
    def check_word(self, word: _Word, before: list[_Word]) -> None:
        if not word.values:
            return
        first = word.values[0]
        text = word.text
        if text.startswith(VALUE) and len(text) > 1:
            self.fail("starts a word and has text glued after it (the word would start with the value)", first)
        head = text[: text.index(VALUE)]
        if head and set(head) == {"-"}:
            self.fail("is glued to dashes and would become an option name", first)
        names = [w.text.rsplit("/", 1)[-1] for w in before]
        last = before[-1].text if before else ""
        shell_script = last.startswith("-") and not last.startswith("--") and "c" in last and any(n in SHELLS for n in names)
        if shell_script or any(n in CODE_RUNNERS for n in names):
            self.fail("would be run as shell code", first)


def lint_command(source: str, location: str) -> None:
    """Refuse a command template that does not keep each value a shell word of its own."""
    if "{{" not in source:
        return
    text, exprs = _pieces(source, location)
    _Scanner(text, exprs, location).scan()


def lint_cause(cause: Any, where: str) -> None:
    """Check the command templates of a cause's remediation and verification steps."""
    for part in ("remediation", "verify"):
        for j, step in enumerate(getattr(cause, part)):
            if step.command:
                lint_command(step.command, f"{where}.{part}[{j}].command")


def lint_observation_kind(kind: Any, where: str) -> None:
    """Check the command template of each vantage point an observation kind is made at."""
    for at, how in kind.how.items():
        lint_command(how.command, f"{where}.how.{at}.command")


def lint_tool(tool: Any, where: str) -> None:
    """Check the command templates of a tool's recipes."""
    for j, recipe in enumerate(tool.recipes):
        lint_command(recipe.command, f"{where}.recipes[{j}].command")
