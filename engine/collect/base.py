"""What every probe shares: its context, the "could not observe" signal, bounded subprocesses."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Any

from ..messages import Message
from .netns import Vantage
from .targets import Plan

Obs = dict[str, Any]
"""An observation in fact-file form (validated when the fact file is assembled)."""


class Unobservable(Exception):
    """A probe could not observe (tool missing, no permission, module not loaded): not a failure.

    ``code`` and ``fields`` name the reason in ``kb/messages/collect.yaml``; ``reason`` is its English text.
    """

    def __init__(self, kinds: tuple[str, ...] | str, code: str, **fields: Any) -> None:
        self.note = Message("collect", code, fields)
        self.reason = self.note.text("en")
        super().__init__(self.reason)
        self.kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)


@dataclass
class Context:
    """One vantage point: where, as what, and what the run is about."""

    vantage: Vantage
    role: str
    plan: Plan
    host: str
    discovered_backends: list[Any] = field(default_factory=list)

    def obs(self, kind: str, **fields: Any) -> Obs:
        out: Obs = {"kind": kind, "at": self.role, "host": self.host}
        out.update({k: v for k, v in fields.items() if v is not None})
        return out

    @property
    def is_node(self) -> bool:
        return self.role.endswith("_node")

    @property
    def is_source(self) -> bool:
        return self.role.startswith("source")


def tool(name: str, kinds: tuple[str, ...] | str) -> str:
    """Path of a system tool, or :class:`Unobservable` naming the kinds it would have observed."""
    path = shutil.which(name)
    if path is None:
        raise Unobservable(kinds, "tool_not_installed", tool=name)
    return path


def run_tool(cmd: list[str], kinds: tuple[str, ...] | str, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a tool with a time bound; a timeout or a permission problem is :class:`Unobservable`."""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise Unobservable(kinds, "tool_timeout", tool=cmd[0], seconds=f"{timeout:g}") from None
    except PermissionError:
        raise Unobservable(kinds, "tool_no_permission", tool=cmd[0]) from None
