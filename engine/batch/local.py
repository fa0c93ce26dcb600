"""Run a batch on this machine: in this process, or in ``jobs`` worker processes.

The knowledge is loaded, checked and compiled *before* the workers are forked, so each worker
starts with it in memory (copy-on-write) instead of compiling it again, and a bad rule fails the
batch once, before any case. Chunks of cases go to the workers through a
:class:`~concurrent.futures.ProcessPoolExecutor` with the ``fork`` start method, at most a few
chunks per worker in flight: the input is read only as fast as the workers diagnose it and
results are written as they come, in input order, so memory stays flat however long the batch
(``multiprocessing.Pool.imap`` would read the whole input ahead of the workers, and hangs when a
worker dies).

A worker that dies (killed, out of memory) does not stop the batch: the chunks it may have been
running are run again one at a time in a fresh pool, and only a chunk that kills its worker again
gets error records (``E-INTERNAL-WORKER``).
"""

from __future__ import annotations

import itertools
import os
import signal
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Iterable, Iterator

from .sources import CaseInput
from .work import BatchOptions, diagnose_chunk

CHUNK_SIZE = 32
"""Cases sent to a worker at once (a few tens of milliseconds of work: the hand-over is cheap)."""

IN_FLIGHT_PER_JOB = 4
"""Chunks queued per worker: enough to keep it busy, few enough to keep memory flat."""


def chunked(items: Iterable[CaseInput], size: int) -> Iterator[list[CaseInput]]:
    """``items`` in lists of ``size`` (the last may be shorter), read lazily."""
    it = iter(items)
    while True:
        chunk = list(itertools.islice(it, size))
        if not chunk:
            return
        yield chunk


def prepare(options: BatchOptions, compile_all: bool = False) -> Any:
    """Load and check the knowledge in this process (a bad rule raises here, once); with
    ``compile_all``, before workers are forked, compile every rule too (rules otherwise compile
    on first use, which each forked worker would repeat on its own)."""
    from ..reasoning.diagnose import get_reasoner

    reasoner = get_reasoner(options.rule_dirs)
    if compile_all:
        reasoner.compiled.specs  # noqa: B018 - compiles every rule
    return reasoner


def _worker_init() -> None:
    # Ctrl-C reaches the whole process group: the parent stops the batch, the workers just go
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _died(chunk: list[CaseInput]) -> list[dict[str, Any]]:
    return [
        {
            "n": item.n,
            "source": item.source,
            "id": None,
            "status": "error",
            "exit": 70,
            "error": {"code": "E-INTERNAL-WORKER", "location": item.source, "message": "the worker process diagnosing this case's chunk died (killed or out of memory)"},
        }
        for item in chunk
    ]


class _Pool:
    """A fork-started process pool that can be replaced when one of its workers dies."""

    def __init__(self, jobs: int) -> None:
        import multiprocessing

        self.jobs = jobs
        self.context = multiprocessing.get_context("fork")
        self.executor = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.jobs, mp_context=self.context, initializer=_worker_init)

    def renew(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._new()

    def submit(self, chunk: list[CaseInput], options: BatchOptions) -> Future[list[dict[str, Any]]]:
        return self.executor.submit(diagnose_chunk, chunk, options)

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def _one_at_a_time(pool: _Pool, chunks: Iterable[list[CaseInput]], options: BatchOptions) -> Iterator[dict[str, Any]]:
    """After a worker died: each chunk alone in the pool, so that only the one that kills its
    worker again is blamed."""
    for chunk in chunks:
        try:
            yield from pool.submit(chunk, options).result()
        except BrokenProcessPool:
            pool.renew()
            yield from _died(chunk)


def run_local(items: Iterable[CaseInput], options: BatchOptions, *, jobs: int = 1, chunk_size: int = CHUNK_SIZE) -> Iterator[dict[str, Any]]:
    """The record of every case, in input order: in this process (``jobs`` 1) or in ``jobs``
    forked worker processes."""
    prepare(options, compile_all=jobs > 1 and hasattr(os, "fork"))
    chunks = chunked(items, max(1, chunk_size))
    if jobs <= 1 or not hasattr(os, "fork"):
        for chunk in chunks:
            yield from diagnose_chunk(chunk, options)
        return
    pool = _Pool(jobs)
    window: deque[tuple[list[CaseInput], Future[list[dict[str, Any]]]]] = deque()
    try:
        for chunk in chunks:
            window.append((chunk, pool.submit(chunk, options)))
            while len(window) >= jobs * IN_FLIGHT_PER_JOB:
                yield from _drain_one(pool, window, options)
        while window:
            yield from _drain_one(pool, window, options)
    finally:
        pool.close()


def _drain_one(pool: _Pool, window: deque[tuple[list[CaseInput], Future[list[dict[str, Any]]]]], options: BatchOptions) -> Iterator[dict[str, Any]]:
    chunk, future = window.popleft()
    try:
        records = future.result()
    except BrokenProcessPool:
        pending = [chunk] + [c for c, _ in window]
        window.clear()
        pool.renew()
        yield from _one_at_a_time(pool, pending, options)
        return
    yield from records
