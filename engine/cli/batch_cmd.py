"""``podnet batch INPUT...``: many independent cases in one run, one JSON line per case."""

from __future__ import annotations

import argparse
import os
import sys
from typing import IO

from .common import add_lang, add_rules
from ..outfile import is_special_file
from .output import add_out, check_output_path


def _count(minimum: int, what: str) -> object:
    def check(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            n = minimum - 1
        if n < minimum:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number of at least {minimum}, not {value!r}")
        return n

    check.__name__ = "number"
    return check


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "batch",
        help="diagnose many independent cases: one JSON line per case",
        description="Diagnose many independent cases in one run. Each INPUT is a folder (every *.json and "
        "*.jsonl below it), a glob, a fact file, a JSON Lines file (.jsonl/.ndjson: one fact file per line) "
        "or - (JSON Lines on stdin). Prints one JSON record per case, in input order: its n, source, case id, "
        "status (cause, no_cause, error), exit, top causes with confidence, or its located error. "
        "A bad case never stops the batch. A summary goes to stderr.",
        epilog="Examples: podnet batch cases/ --jobs 2 > results.jsonl | podnet batch 'tickets/**/*.json' --top 1 | "
        "cat cases.jsonl | podnet batch - | podnet batch cases.jsonl --engine ray --address auto | "
        "podnet batch cases.jsonl --shard-from-env 8 (a Kubernetes Indexed Job). Exit: 0 every case diagnosed, "
        "2 a case (or the command line) is bad input, 3 bad knowledge, 70 a case hit an internal error. See docs/batch.md.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="folder, glob, fact file, JSON Lines file, or - for JSON Lines on stdin")
    p.add_argument("-j", "--jobs", type=_count(0, "--jobs"), default=None, metavar="N", help="worker processes (0: one per CPU; default 1, or every CPU with --engine ray)")
    p.add_argument("--engine", choices=("local", "ray"), default="local", help="where the cases run: this machine (default) or Ray (pip install 'podnet[ray]')")
    p.add_argument("--address", metavar="ADDR", help="with --engine ray: the Ray cluster to join (auto, HOST:6379, ray://HOST:10001); default a local instance")
    shard = p.add_mutually_exclusive_group()
    shard.add_argument("--shard", metavar="INDEX/COUNT", help="diagnose only the cases whose number n has n %% COUNT == INDEX")
    shard.add_argument("--shard-from-env", type=_count(1, "--shard-from-env"), metavar="COUNT", help="the same, INDEX read from $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job of COUNT completions)")
    p.add_argument("--top", type=_count(0, "--top"), default=3, metavar="N", help="causes kept per case (default 3)")
    p.add_argument("--titles", action="store_true", help="add each cause's title to the records")
    p.add_argument("--strict", action="store_true", help="contradictory observations make a case an error instead of a warning")
    p.add_argument("--chunk-size", type=_count(1, "--chunk-size"), default=None, metavar="N", help="cases handed to a worker at once (default 32)")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    add_out(p, "the records")
    add_lang(p)
    add_rules(p)
    p.set_defaults(run=run)


class _Out:
    """Stdout, or ``--out FILE`` written to a temporary file renamed over FILE once complete."""

    def __init__(self, path: str | None) -> None:
        self.path = None if path in (None, "-") else path
        self.tmp: str | None = None
        self.stream: IO[str] = sys.stdout
        if self.path:
            import tempfile

            check_output_path(self.path)
            target = os.path.realpath(self.path)
            if is_special_file(target):  # /dev/null, a FIFO: written in place, never renamed over
                self.stream = open(target, "w", encoding="utf-8")  # noqa: SIM115 - closed in finish/abandon
                return
            fd, self.tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=f".{os.path.basename(target)}.", suffix=".tmp")
            self.stream = os.fdopen(fd, "w", encoding="utf-8")

    def finish(self) -> None:
        if self.tmp is None:
            self.stream.flush()
            if self.stream is not sys.stdout:
                self.stream.close()
            return
        from ..outfile import _new_file_mode

        assert self.path is not None  # a temporary file is made only for --out FILE
        target = os.path.realpath(self.path)
        self.stream.flush()
        os.fsync(self.stream.fileno())
        self.stream.close()
        os.chmod(self.tmp, _new_file_mode(target))
        os.replace(self.tmp, target)
        self.tmp = None

    def abandon(self) -> None:
        if self.tmp is None and self.stream is not sys.stdout:
            self.stream.close()
        if self.tmp is not None:
            self.stream.close()
            if os.path.exists(self.tmp):
                os.unlink(self.tmp)
            self.tmp = None


def run(args: argparse.Namespace) -> int:
    import time

    from ..batch import BatchOptions, Shard, iter_cases, record_line, run_batch
    from ..batch.progress import Progress
    from ..batch.summary import Summary
    from .output import one_stdin

    one_stdin(args.inputs, "INPUT")
    if args.address and args.engine != "ray":
        from ..errors import UsageError

        raise UsageError("--address is for --engine ray", location="--address")
    shard = Shard.parse(args.shard) if args.shard else Shard.from_env(args.shard_from_env) if args.shard_from_env else None
    jobs = args.jobs
    if jobs is None:
        jobs = (os.cpu_count() or 1) if args.engine == "ray" else 1
    elif jobs == 0:
        jobs = os.cpu_count() or 1
    options = BatchOptions(lang=args.lang, rule_dirs=tuple(args.rules), strict=args.strict, top=args.top, titles=args.titles)
    # Ray workers may run on other machines: the driver reads the fact files and sends their text
    items = iter_cases(args.inputs, shard=shard, read_files=args.engine == "ray")
    out = _Out(args.out)
    summary = Summary()
    start = time.perf_counter()
    try:
        with Progress(lang=args.lang) as progress:
            for record in run_batch(items, options, jobs=jobs, engine=args.engine, address=args.address, chunk_size=args.chunk_size):
                out.stream.write(record_line(record))
                summary.add(record)
                progress.advance(record["status"] == "error")
        out.finish()
    finally:
        out.abandon()
    if not args.quiet:
        engine = f"ray, {args.address}" if args.address else f"{args.engine}, {jobs} job{'s' if jobs != 1 else ''}"
        for line in summary.lines(time.perf_counter() - start, engine, args.lang):
            print(line, file=sys.stderr)
    return summary.exit_code
