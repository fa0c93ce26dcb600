"""``sudo python3 -m tests.lab up|down|list|scenario NAME [--diagnose]|report`` (from the repository root)."""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import time

from . import report
from . import scenarios as sc
from . import topology as t


def _collect_command(s: sc.Scenario) -> list[str]:
    return ["podnet", "collect", *s.default_args(), "--diagnose"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m tests.lab", description="podnet's network-namespace lab (root only).")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("up", help="build the healthy lab and leave it running")
    sub.add_parser("down", help="remove the lab (namespaces, processes, /etc/netns/podnet-lab-*)")
    sub.add_parser("list", help="list the scenarios")
    sp = sub.add_parser("scenario", help="build the lab with one fault injected and leave it running")
    sp.add_argument("name", choices=[s.name for s in sc.SCENARIOS])
    sp.add_argument("--diagnose", action="store_true", help="also run the podnet collect command and print its report")
    rp = sub.add_parser("report", help="run every scenario and write docs/lab-scenarios.md")
    rp.add_argument("names", nargs="*", help="only these scenarios (the file is then not written)")
    args = p.parse_args(argv)
    try:
        if args.cmd == "list":
            for s in sc.SCENARIOS:
                print(f"{s.name:28} {s.expected or 'no cause':26} {s.summary}")
        elif args.cmd == "down":
            t.teardown()
            print("lab removed")
        elif args.cmd == "up":
            t.build()
            print("lab is up (healthy). Try:\n  " + shlex.join(_collect_command(sc.BY_NAME["healthy"])))
            print("remove it with: python3 -m tests.lab down")
        elif args.cmd == "scenario":
            s = sc.BY_NAME[args.name]
            sc.set_up(s)
            cmd = _collect_command(s)
            print(f"lab is up with fault {s.name!r}: {s.summary}; expected cause: {s.expected or 'none'}")
            print("  " + shlex.join(cmd))
            if args.diagnose:
                sys.stdout.flush()
                subprocess.run([sys.executable, "-m", "podnet", *cmd[1:]], check=False, timeout=120)
            print("remove it with: python3 -m tests.lab down")
        elif args.cmd == "report":
            start = time.monotonic()
            results = report.run_all(args.names or None)
            if not args.names:
                report.write(results, seconds=time.monotonic() - start)
            print(report.table(results))
            if not args.names:
                print(f"\nwritten to {report.DOC}")
            return 0 if all(r.default.passed for r in results) else 1
    except t.LabError as exc:
        print(f"lab: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
