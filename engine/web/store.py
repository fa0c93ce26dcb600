"""Triage sessions and diagnosed cases kept in memory: random ids, expiring, bounded in number."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from .errors import WebError

T = TypeVar("T")

ID_BYTES = 24
"""Random bytes of an id (``secrets.token_urlsafe``: 32 characters, not guessable)."""


class ExpiringStore(Generic[T]):
    """Items under unguessable ids; an item unused for ``ttl`` seconds is gone, and past
    ``max_items`` the least recently used one is dropped. Safe to use from several threads."""

    def __init__(self, ttl: float, max_items: int, *, code: str, what: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_items = max_items
        self.code = code
        self.what = what
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, T]] = OrderedDict()
        self._lock = threading.Lock()

    def _purge(self, now: float) -> None:
        while self._items:
            key, (used, _) = next(iter(self._items.items()))
            if now - used < self.ttl:
                break
            del self._items[key]

    def add(self, item: T) -> str:
        """Keep ``item``; returns its new id."""
        key = secrets.token_urlsafe(ID_BYTES)
        with self._lock:
            now = self._clock()
            self._purge(now)
            while len(self._items) >= self.max_items:
                self._items.popitem(last=False)
            self._items[key] = (now, item)
        return key

    def get(self, key: str) -> T:
        """The item (its expiry starts again); an unknown or expired id is a 404 error."""
        with self._lock:
            now = self._clock()
            self._purge(now)
            found = self._items.get(key)
            if found is None:
                raise WebError(f"no such {self.what}, or it expired (kept {int(self.ttl)} s after its last use)", code=self.code, location=self.what)
            self._items[key] = (now, found[1])
            self._items.move_to_end(key)
            return found[1]

    def remove(self, key: str) -> bool:
        with self._lock:
            return self._items.pop(key, None) is not None

    def __len__(self) -> int:
        with self._lock:
            self._purge(self._clock())
            return len(self._items)
