"""The Jinja sandbox templates render in, with limits on work, size and features.

Jinja's own sandbox stops templates from reaching Python internals, but not from working forever
or filling memory (``range(100000)`` loops nested three deep, ``9 ** 999999999``, ``"x" * 10**9``,
a macro that calls itself). Templates come from rule folders that are not podnet's own, so on top
of ``ImmutableSandboxedEnvironment`` this environment:

* refuses ``include``, ``import``, ``from`` and ``extends`` when a template is compiled (a
  template is one self-contained text; there is nothing to load);
* charges every loop iteration and every call to a per-render budget of :data:`MAX_STEPS`, and
  stops a render that runs past :data:`MAX_SECONDS` (checked at each charge), so recursion and
  nested loops end with an error; Python's own recursion limit is also turned into an error;
* caps ``range`` at :data:`MAX_RANGE` items, integer results at :data:`MAX_INT_BITS` bits
  (``**`` and ``*``), and every text or list a template builds (``*``, ``+``, ``~``) and its
  output at :data:`MAX_TEXT` characters;
* offers only plain filters and string/dict methods (``format``, ``format_map``, ``center``,
  ``ljust``, ``replace``, ``%``-formatting and the like can make text of any size, and are refused).

Every refusal is a :class:`LimitExceeded` (a Jinja ``SecurityError``); the caller turns it into a
located ``E-TEMPLATE-LIMIT`` error.
"""

from __future__ import annotations

import gc
import threading
import time
from typing import Any, Callable, Iterable, Iterator

from jinja2 import nodes
from jinja2.defaults import DEFAULT_FILTERS
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_STEPS = 100_000
"""Loop iterations plus calls in one render."""
MAX_SECONDS = 2.0
"""CPU time of the rendering thread in one render, garbage collection left out (a backstop: the
step budget and the size caps are what bound a render; this catches work none of them counts)."""
MAX_RANGE = 10_000
MAX_INT_BITS = 4096
MAX_TEXT = 100_000
"""Characters of any text (or items of any list) a template builds, and of one output."""

SAFE_FILTERS = (
    "abs", "capitalize", "count", "d", "default", "first", "float", "int", "last", "length", "list", "lower",
    "map", "max", "min", "reject", "rejectattr", "reverse", "round", "select", "selectattr", "sort", "string",
    "sum", "title", "trim", "unique", "upper",
)
SAFE_METHODS = frozenset({
    "get", "keys", "values", "items", "startswith", "endswith", "lower", "upper", "strip", "lstrip", "rstrip",
    "split", "rsplit", "splitlines", "count", "index", "find", "rfind", "isdigit", "isalpha", "isalnum",
    "isspace", "title", "capitalize", "casefold",
})
"""Methods of strings, lists and mappings a template may call (none makes text larger than its input)."""

FORBIDDEN_NODES = {nodes.Include: "include", nodes.Import: "import", nodes.FromImport: "from ... import", nodes.Extends: "extends"}
_BUILTINS = (str, bytes, list, tuple, dict, set, frozenset, int, float, bool, range)
_LOOP, _CONCAT = "_podnet_loop", "_podnet_concat"


class LimitExceeded(SecurityError):
    """A template went past one of the limits above."""


class Forbidden(Exception):
    """A template uses a construct the sandbox does not allow (checked when it compiles)."""

    def __init__(self, message: str, lineno: int | None) -> None:
        super().__init__(message)
        self.lineno = lineno


class _GcClock:
    """CPU time this process's threads spent in garbage collection, per thread.

    A full collection of a large heap (a long test run, a batch of thousands of tickets) can take
    more than a second, charged to whichever thread triggered it: that is not the template's work.
    """

    def __init__(self) -> None:
        self._local = threading.local()
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._local.started = time.thread_time()
        elif getattr(self._local, "started", None) is not None:
            self._local.spent = self.spent() + time.thread_time() - self._local.started
            self._local.started = None

    def spent(self) -> float:
        return getattr(self._local, "spent", 0.0)


_gc_clock = _GcClock()


def _work_time() -> float:
    """CPU time of this thread, garbage collection left out."""
    return time.thread_time() - _gc_clock.spent()


class _Budget:
    def __init__(self) -> None:
        self.steps = MAX_STEPS
        # CPU time of this thread, not wall time: a render waiting for a core on a loaded machine is
        # not a template doing too much work (wall time failed a 1-line 'because' at load 9 on 2
        # cores); without garbage collection, which failed one under CI's full test run
        self.deadline = _work_time() + MAX_SECONDS

    def charge(self) -> None:
        self.steps -= 1
        if self.steps < 0:
            raise LimitExceeded(f"more than {MAX_STEPS} loop iterations and calls")
        if _work_time() > self.deadline:
            raise LimitExceeded(f"rendering took longer than {MAX_SECONDS:g} s")


_current = threading.local()


def _charge() -> None:
    budget = getattr(_current, "budget", None)
    if budget is not None:
        budget.charge()


class budget:
    """Context manager: one render's budget, for the calling thread."""

    def __enter__(self) -> None:
        self.outer = getattr(_current, "budget", None)
        _current.budget = _Budget()

    def __exit__(self, *exc: Any) -> None:
        _current.budget = self.outer


def _size(value: Any) -> int:
    """Characters (text) or total characters of the items (lists), for the size caps."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, tuple)):
        return len(value) + sum(len(v) for v in value if isinstance(v, str))
    return 0


def _check_size(value: Any, what: str) -> Any:
    if _size(value) > MAX_TEXT:
        raise LimitExceeded(f"{what} would be longer than {MAX_TEXT} characters")
    return value


def _capped_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise LimitExceeded(f"range of more than {MAX_RANGE} items")
    return rng


def _loop(iterable: Iterable[Any]) -> Iterator[Any]:
    """What a ``for`` loop iterates over: the same items, each one charged."""
    for item in iterable:
        _charge()
        yield item


def _concat(*parts: Any) -> str:
    """The ``~`` operator, size-capped."""
    total = 0
    texts = []
    for part in parts:
        text = str(part)
        total += len(text)
        if total > MAX_TEXT:
            raise LimitExceeded(f"text joined with ~ would be longer than {MAX_TEXT} characters")
        texts.append(text)
    return "".join(texts)


def _bits(value: Any) -> int:
    return abs(value).bit_length() if isinstance(value, int) and not isinstance(value, bool) else 0


class ConstrainedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox with the limits of this module."""

    intercepted_binops = frozenset({"**", "*", "+", "%"})

    def __init__(self, *, finalize: Callable[[Any], str], **kwargs: Any) -> None:
        def limited_finalize(value: Any) -> str:
            _check_size(value, "an output value")
            return _check_size(finalize(value), "an output value")

        super().__init__(finalize=limited_finalize, **kwargs)
        self.filters = {name: DEFAULT_FILTERS[name] for name in SAFE_FILTERS}
        self.globals = {"range": _capped_range, "dict": dict, _LOOP: _loop, _CONCAT: _concat}

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _charge()
        if operator == "**" and isinstance(right, int) and isinstance(left, (int, float)):
            if right > 0 and (_bits(left) - 1) * right > MAX_INT_BITS:
                raise LimitExceeded(f"a power larger than {MAX_INT_BITS} bits")
        elif operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int):
                    if n > 0 and _size(seq) * n > MAX_TEXT:
                        raise LimitExceeded(f"repetition longer than {MAX_TEXT} characters")
            if _bits(left) + _bits(right) > MAX_INT_BITS:
                raise LimitExceeded(f"a product larger than {MAX_INT_BITS} bits")
        elif operator == "+":
            if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)) and _size(left) + _size(right) > MAX_TEXT:
                raise LimitExceeded(f"a sum longer than {MAX_TEXT} characters")
        elif operator == "%" and isinstance(left, str):
            raise LimitExceeded("%-formatting of text is not allowed")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's signature
        _charge()
        return super().call(__context, __obj, *args, **kwargs)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if callable(value) and isinstance(obj, _BUILTINS):
            return attr in SAFE_METHODS
        return True

    def wrap_str_format(self, value: Any) -> None:
        """``str.format`` / ``format_map`` are not wrapped but refused (not in :data:`SAFE_METHODS`)."""
        return None


def checked_ast(env: ConstrainedEnvironment, source: str) -> nodes.Template:
    """Parse a template, refuse forbidden constructs, and route loops and ``~`` through the limits.

    Raises Jinja's ``TemplateSyntaxError`` for bad syntax and :class:`Forbidden` for the rest."""
    tree = env.parse(source)
    for node in tree.find_all(nodes.Node):
        for kind, word in FORBIDDEN_NODES.items():
            if isinstance(node, kind):
                raise Forbidden(f"'{word}' is not allowed in knowledge templates (a template is self-contained)", node.lineno)
        if isinstance(node, nodes.Name) and node.name.startswith("_podnet"):
            raise Forbidden(f"the name {node.name!r} is reserved", node.lineno)
    for loop in list(tree.find_all(nodes.For)):
        loop.iter = nodes.Call(nodes.Name(_LOOP, "load", lineno=loop.lineno), [loop.iter], [], None, None, lineno=loop.lineno)
    _replace_concat(tree)
    return tree


def _replace_concat(node: nodes.Node) -> None:
    """Every ``a ~ b`` becomes a call of the size-capped :func:`_concat`."""
    for name, value in node.iter_fields():
        if isinstance(value, nodes.Node):
            new = _concat_call(value) if isinstance(value, nodes.Concat) else value
            if new is not value:
                setattr(node, name, new)
            _replace_concat(new)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, nodes.Node):
                    new = _concat_call(item) if isinstance(item, nodes.Concat) else item
                    value[i] = new
                    _replace_concat(new)


def _concat_call(node: nodes.Concat) -> nodes.Call:
    return nodes.Call(nodes.Name(_CONCAT, "load", lineno=node.lineno), list(node.nodes), [], None, None, lineno=node.lineno)
