"""A progress line on stderr while a batch runs, only when stderr is a terminal (rich).

Refreshed from the batch's own loop at most ten times a second: no thread is started, so worker
processes forked later never copy one.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from ..knowledge.model import Lang


class Progress:
    """Counts cases; draws a live line (cases, errors, rate, elapsed) on a terminal, nothing otherwise."""

    INTERVAL = 0.1

    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None, lang: Lang = "en") -> None:
        stream = stream or sys.stderr
        self.enabled = stream.isatty() if enabled is None else enabled
        self._bar: Any = None
        self._task: Any = None
        self._last = 0.0
        self.done = 0
        self.errors = 0
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn

            from ..messages import table

            self._bar = RichProgress(
                TextColumn("podnet batch"),
                BarColumn(),
                TextColumn(table("cli", lang)["batch_progress"]),  # rich fills in its fields
                TimeElapsedColumn(),
                console=Console(file=stream),
                auto_refresh=False,
                transient=True,
            )
            self._task = self._bar.add_task("cases", total=None, errors=0, rate="")
            self._start = time.perf_counter()

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *_: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def advance(self, error: bool = False) -> None:
        self.done += 1
        self.errors += int(error)
        if self._bar is None:
            return
        now = time.perf_counter()
        if now - self._last >= self.INTERVAL:
            self._last = now
            rate = f"{self.done / (now - self._start):,.0f}/s" if now > self._start else ""
            self._bar.update(self._task, completed=self.done, errors=self.errors, rate=rate)
            self._bar.refresh()
