"""Read knowledge YAML with bounds: regular files only, a size cap, no aliases, a nesting cap.

Site rule folders are written by people other than podnet's authors, and a rule folder must not
be able to hang or exhaust podnet:

* only regular files are read (``os.stat`` first, then opened with ``O_NONBLOCK`` and checked
  again on the descriptor): a FIFO named ``x.yaml`` or a link to ``/dev/zero`` is a located error
  instead of a read that never ends;
* at most :data:`MAX_FILE_BYTES` per file (the largest bundled file is about 40 KB);
* YAML aliases (``*name``) and merge keys are refused: a 1 KB "billion laughs" document expands
  to 10**9 nodes for whatever walks it afterwards;
* mappings and lists nest at most :data:`MAX_NESTING` levels and a document holds at most
  :data:`MAX_NODES` values, checked without recursion.

Every refusal is a :class:`~podnet.errors.KnowledgeError` (exit 3) naming the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import KnowledgeError

MAX_FILE_BYTES = 1024 * 1024
MAX_NESTING = 64
MAX_NODES = 100_000

def read_text(path: Any, origin: str) -> str:
    """The UTF-8 text of one knowledge file, bounded; ``path`` is a Path or a resources traversable."""
    if not isinstance(path, Path):  # a file inside an installed package (e.g. a zip): podnet's own
        data = path.read_bytes()
    else:
        data = _read_regular(path, origin)
    if len(data) > MAX_FILE_BYTES:
        raise KnowledgeError(f"file is larger than {MAX_FILE_BYTES} bytes", location=origin, code="E-KB-SIZE")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KnowledgeError(f"cannot read: not UTF-8 ({exc.reason} at byte {exc.start})", location=origin, code="E-KB-READ") from None


def _read_regular(path: Path, origin: str) -> bytes:
    """A knowledge file through the one bounded reader of :mod:`podnet.files` (regular files only,
    never opened when they are not), its input errors restated as knowledge errors (exit 3)."""
    from ..errors import InputError
    from ..files import read_regular

    try:
        return read_regular(str(path), MAX_FILE_BYTES, prefix="E-KB", variable="the knowledge file limit")
    except InputError as exc:
        raise KnowledgeError(exc.message, location=origin, code=exc.code) from None


_LOADER: Any = None


def loader() -> Any:
    """The safe YAML loader (libyaml's when present) that refuses aliases and merge keys."""
    global _LOADER
    if _LOADER is None:
        import yaml
        from yaml.constructor import ConstructorError

        base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

        class NoAliasLoader(base):  # type: ignore[misc, valid-type]
            """A node built twice was reached through an alias (or a merge key): refused."""

            def construct_object(self, node: Any, deep: bool = False) -> Any:
                if node in self.constructed_objects or node in self.recursive_objects:
                    raise ConstructorError(None, None, "YAML aliases (*name) and merge keys are not allowed in knowledge files", node.start_mark)
                return super().construct_object(node, deep)

        _LOADER = NoAliasLoader
    return _LOADER


def check_shape(doc: Any, origin: str) -> None:
    """At most :data:`MAX_NESTING` levels and :data:`MAX_NODES` values (an iterative walk)."""
    stack: list[tuple[Any, int]] = [(doc, 0)]
    seen = 0
    while stack:
        value, depth = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            raise KnowledgeError(f"more than {MAX_NODES} values in one file", location=origin, code="E-KB-LIMIT")
        if isinstance(value, (dict, list)):
            if depth >= MAX_NESTING:
                raise KnowledgeError(f"mappings and lists nest more than {MAX_NESTING} levels deep", location=origin, code="E-KB-LIMIT")
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)
