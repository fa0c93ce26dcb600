"""Which of podnet's printed commands the simulated customer runs in the blind lab, and how.

The customer of ``triage_lab.py`` runs a command podnet prints only when it is read-only and
can run inside the lab; only the *place* is rewritten (``kubectl exec [-n NS] POD -- CMD`` and
``nsenter -t PID -n CMD`` become ``ip netns exec <Pod namespace> CMD``; a node command runs under
``ip netns exec <node namespace>``); the words of the command are kept. Everything runs under
``timeout``. Anything that could write (``iptables -A/-D/-I/-F``, ``sysctl -w``, ``ip link set``,
``conntrack -D/-F``, ``ethtool -K``, ``rm``, a redirection into a file, awk's ``system()``...) is
refused, and so is every program not on the allow-list below. Programs that have no equivalent
in a lab without an API server or a container runtime (``kubectl get/logs``, ``crictl``,
``journalctl``, cloud CLIs, ``getenforce``/``ausearch``) or that read the shared host kernel
rather than a lab node (``dmesg``), and ``tcpdump`` (not allowed by the brief), are
"unavailable": the customer cannot run them.

A command line is split at ``;``, ``&&`` and ``||`` into parts; each part is a pipeline whose
first stage runs at the place and whose later stages are text filters (grep, awk, wc, head...).
"""

from __future__ import annotations

import re
import shlex
import subprocess
from dataclasses import dataclass, field

TIMEOUT = 10
"""Seconds each command may run (``timeout TIMEOUT``); the whole pipeline is also bounded."""

# ------------------------------------------------------------------ allow-list
FILTERS = {"grep", "egrep", "fgrep", "awk", "wc", "head", "tail", "sort", "uniq", "cut", "tr", "column"}
"""Later pipeline stages: read stdin, write stdout."""

UNAVAILABLE = {
    "kubectl": "no API server in the lab",
    "k": "no API server in the lab",
    "oc": "no API server in the lab",
    "crictl": "no container runtime in the lab",
    "docker": "no container runtime in the lab",
    "journalctl": "no systemd journal of the lab's nodes",
    "systemctl": "no systemd units of the lab's nodes",
    "dmesg": "the lab's nodes share the host kernel's log, which is not theirs",
    "getenforce": "no SELinux in the lab",
    "ausearch": "no audit log in the lab",
    "aws": "no cloud", "gcloud": "no cloud", "az": "no cloud",
    "tcpdump": "packet captures are not allowed in this measurement",
    "ipvsadm": "not installed (kube-proxy runs in iptables mode)",
    "mpstat": "not installed",
    "ls": "the lab's nodes share the host's files (/etc/cni/net.d is not theirs)",
    "calicoctl": "no Calico", "cilium": "no Cilium",
    "traceroute": "not installed", "tracepath": "not installed", "mtr": "not installed",
}

PLACE_VARIABLES = {
    # what a user reads from `kubectl get pods/svc/nodes -o wide` in this lab (README's topology)
    "SOURCE_NAMESPACE": "default", "SOURCE_NAME": "client", "SOURCE_POD": "client",
    "DESTINATION_NAMESPACE": "default", "DESTINATION_NAME": "web", "DESTINATION_POD": "web",
    "BACKEND_POD": "web", "BACKEND_NAMESPACE": "default", "SOURCE_IP": "198.19.129.21",
    "BACKEND_IP": "198.19.130.10", "DESTINATION_IP": "198.19.224.50",
    "SOURCE_NODE_NAME": "node-a", "SOURCE_NODE": "node-a", "DESTINATION_NODE_NAME": "node-b",
    "DESTINATION_NODE": "node-b", "SOURCE_NODE_INTERNAL_IP": "198.19.250.1",
    "DESTINATION_NODE_INTERNAL_IP": "198.19.250.2", "DNS_POD": "dns",
}

_VAR = re.compile(r'"?\$\{([A-Za-z_][A-Za-z0-9_]*)(?::\?[^}]*)?\}"?')


class NotRunnable(Exception):
    """The part cannot run in the lab (``kind``: "unavailable" or "refused")."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass
class Stage:
    argv: list[str]
    stderr: str = "merge"  # merge (2>&1, as a terminal shows it) | null (2>/dev/null)
    stdout_null: bool = False


@dataclass
class Part:
    """One part of a command line (between ``;``/``&&``/``||``)."""

    text: str  # as the customer typed it (placeholders filled)
    line: str = ""  # the statement it belongs to, as typed (a loop, a chain, a `sh -c '...'` line)
    sep: str = ";"  # the operator after it: ";", "&&" or "||"
    place: str | None = None  # lab place (client, web, node-a...) where the first stage runs
    stages: list[Stage] = field(default_factory=list)
    status: str = "run"  # run | unavailable | refused
    reason: str = ""
    output: str = ""
    rc: int | None = None
    argv_run: list[list[str]] = field(default_factory=list)


def fill(command: str, values: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """The command with the ``${VAR:?...}`` placeholders replaced by the lab's values, and the
    names of those it has no value for (left in place)."""
    values = PLACE_VARIABLES if values is None else values
    missing: list[str] = []

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in values:
            return values[name]
        missing.append(name)
        return m.group(0)

    return _VAR.sub(sub, command), missing


def split_top(text: str, seps: tuple[str, ...]) -> list[tuple[str, str]]:
    """Split ``text`` at the separators that are outside quotes and ``$(...)`` (nested as the
    shell nests them: a ``$(...)`` inside double quotes opens a new context); (piece, separator
    that follows it)."""
    out: list[tuple[str, str]] = []
    buf: list[str] = []
    stack: list[str] = []  # "'", '"', "$("
    i = 0
    while i < len(text):
        c = text[i]
        top = stack[-1] if stack else None
        if top == "'":
            if c == "'":
                stack.pop()
            buf.append(c)
            i += 1
            continue
        if c == "\\" and i + 1 < len(text):
            buf.append(text[i : i + 2])
            i += 2
            continue
        if text.startswith("$(", i):
            stack.append("$(")
            buf.append("$(")
            i += 2
            continue
        if top == '"':
            if c == '"':
                stack.pop()
            buf.append(c)
            i += 1
            continue
        if c in "'\"":
            stack.append(c)
            buf.append(c)
            i += 1
            continue
        if c == ")" and top == "$(":
            stack.pop()
            buf.append(c)
            i += 1
            continue
        if not stack:
            hit = None
            for sep in sorted(seps, key=len, reverse=True):
                if sep == " " and c.isspace():
                    hit = c
                    break
                if text.startswith(sep, i):
                    hit = sep
                    break
            if hit == "|" and text.startswith("||", i):
                hit = None
            if hit == "&" and text.startswith("&&", i):
                hit = None
            if hit:
                out.append(("".join(buf).strip(), hit))
                buf = []
                i += len(hit)
                continue
        buf.append(c)
        i += 1
    out.append(("".join(buf).strip(), ""))
    return [(p, s) for p, s in out if p]


def raw_words(text: str) -> list[str]:
    """Words at the top level (quotes and substitutions kept as they are)."""
    return [w for w, _ in split_top(text, (" ",))]


# ------------------------------------------------------------------ per-program checks
def _check_ping(a: list[str]) -> None:
    if "-f" in a or any(x.startswith("-f") for x in a if x.startswith("-") and not x.startswith("--")):
        raise NotRunnable("refused", "ping flood")
    if "-c" not in a and not any(x.startswith("-c") and x[2:].isdigit() for x in a):
        raise NotRunnable("refused", "ping without -c would not end")


def _check_nc(a: list[str]) -> None:
    bad = {"-l", "-e", "-c", "-k", "-p", "-X", "-x"}
    if any(x in bad for x in a):
        raise NotRunnable("refused", f"nc option not allowed: {a}")
    if not any(x.startswith("-") and "z" in x for x in a):
        raise NotRunnable("refused", "nc without -z would send data")


def _check_curl(a: list[str]) -> None:
    it = iter(a)
    for x in it:
        if x in ("-o", "--output"):
            if next(it, "") != "/dev/null":
                raise NotRunnable("refused", "curl writing a file")
        elif x in ("-X", "--request", "-d", "--data", "-T", "--upload-file", "-F", "--form", "-O",
                   "--remote-name", "-K", "--config", "-c", "--cookie-jar", "--data-binary"):
            raise NotRunnable("refused", f"curl option not allowed: {x}")
        elif x.startswith("-o") and x != "-o" and not x.startswith("--"):
            raise NotRunnable("refused", "curl writing a file")


def _check_wget(a: list[str]) -> None:
    it = iter(a)
    ok_out = False
    for x in it:
        if x in ("-O", "--output-document"):
            if next(it, "") not in ("-", "/dev/null"):
                raise NotRunnable("refused", "wget writing a file")
            ok_out = True
        elif x.startswith("-O") and x[2:] in ("-", "/dev/null"):
            ok_out = True
        elif x == "--spider":
            ok_out = True
        elif x in ("--post-data", "--post-file", "-o", "-a", "--method", "-P"):
            raise NotRunnable("refused", f"wget option not allowed: {x}")
    if not ok_out:
        raise NotRunnable("refused", "wget would save a file (no -O -/--spider)")


def _check_ip(a: list[str]) -> None:
    words = [x for x in a if not x.startswith("-")]
    # options with an argument (-f inet / -family) keep their value out of the words
    for opt in ("-f", "-family", "-n", "-netns"):
        if opt in a:
            if opt in ("-n", "-netns"):
                raise NotRunnable("refused", "ip -n changes namespace")
            i = a.index(opt)
            if i + 1 < len(a) and a[i + 1] in words:
                words.remove(a[i + 1])
    if not words:
        raise NotRunnable("refused", "ip without an object")
    obj = words[0]
    verb = words[1] if len(words) > 1 else "show"
    objects = ("a", "addr", "address", "l", "link", "r", "ro", "route", "ru", "rule", "n", "neigh",
               "neighbor", "neighbour", "-s")
    if obj not in objects:
        raise NotRunnable("refused", f"ip {obj} not allowed")
    verbs = {"show", "s", "sh", "list", "ls", "lst", "get", "g"}
    if verb not in verbs and not (obj in ("link", "l", "a", "addr", "address") and verb == "dev") \
            and not (verb in ("dev",)):
        # `ip -o link show eth0`, `ip addr show dev eth0`, `ip route get X`
        raise NotRunnable("refused", f"ip {obj} {verb} not allowed")


def _check_iptables(a: list[str]) -> None:
    allowed = {"-S", "--list-rules", "-L", "--list", "-n", "--numeric", "-v", "--verbose", "-x",
               "--exact", "--line-numbers", "-t", "--table", "-w", "--wait", "-V", "--version"}
    for x in a:
        if x.startswith("-") and x not in allowed and not re.fullmatch(r"-[SLnvxtw]+", x):
            raise NotRunnable("refused", f"iptables option not allowed: {x}")


def _check_sysctl(a: list[str]) -> None:
    for x in a:
        if x in ("-w", "--write", "-p", "--load", "--system") or "=" in x:
            raise NotRunnable("refused", f"sysctl write: {x}")


def _check_ss(a: list[str]) -> None:
    if any(x in ("-K", "--kill") or (x.startswith("-") and not x.startswith("--") and "K" in x) for x in a):
        raise NotRunnable("refused", "ss -K kills sockets")


def _check_conntrack(a: list[str]) -> None:
    ok = {"-L", "--dump", "-S", "--stats", "-C", "--count", "-s", "-d", "-p", "--src-nat",
          "--dst-nat", "-n", "-g", "--orig-src", "--orig-dst", "--reply-src", "--reply-dst",
          "--sport", "--dport", "-o", "--output", "-f", "--family", "-z"}
    for x in a:
        if x in ("-D", "--delete", "-F", "--flush", "-U", "--update", "-I", "--create", "-E", "--event", "-R"):
            raise NotRunnable("refused", f"conntrack option not allowed: {x}")
        if x.startswith("-") and x not in ok:
            raise NotRunnable("refused", f"conntrack option not allowed: {x}")
    if "-z" in a:
        raise NotRunnable("refused", "conntrack -z zeroes counters")


def _check_cat(a: list[str]) -> None:
    for x in a:
        if x.startswith("-"):
            continue
        if not (x.startswith("/proc/sys/net/") or x.startswith("/proc/net/") or x == "/etc/resolv.conf"):
            raise NotRunnable("unavailable", f"cat {x}: not a file of the lab's places (shared host file)")


def _check_ethtool(a: list[str]) -> None:
    query = {"-i", "-S", "-k", "-g", "-l", "-a", "-c", "--show-features", "--statistics", "--driver"}
    opts = [x for x in a if x.startswith("-")]
    if any(o not in query for o in opts):
        raise NotRunnable("refused", f"ethtool option not allowed: {opts}")


def _check_nft(a: list[str]) -> None:
    words = [x for x in a if not x.startswith("-")]
    if not words or words[0] != "list":
        raise NotRunnable("refused", "nft other than list")


def _check_awk(a: list[str]) -> None:
    prog = " ".join(a)
    if re.search(r"system|getline|>|\||fflush|close", prog):
        raise NotRunnable("refused", "awk program that could run or write something")


def _check_plain(a: list[str]) -> None:
    return None


def _check_route(a: list[str]) -> None:
    if any(x in ("add", "del", "flush") for x in a):
        raise NotRunnable("refused", "route change")


def _check_arp(a: list[str]) -> None:
    if any(x in ("-s", "-d", "--set", "--delete", "-f") for x in a):
        raise NotRunnable("refused", "arp change")


def _check_tee(a: list[str]) -> None:
    raise NotRunnable("refused", "tee writes files")


CHECKS = {
    "ping": _check_ping, "nc": _check_nc, "netcat": _check_nc, "curl": _check_curl,
    "wget": _check_wget, "ip": _check_ip, "iptables": _check_iptables,
    "ip6tables": _check_iptables, "iptables-save": _check_plain, "ip6tables-save": _check_plain,
    "iptables-legacy-save": _check_plain, "iptables-nft-save": _check_plain, "sysctl": _check_sysctl,
    "ss": _check_ss, "conntrack": _check_conntrack, "cat": _check_cat, "ethtool": _check_ethtool,
    "nft": _check_nft, "dig": _check_plain, "nslookup": _check_plain, "host": _check_plain,
    "getent": _check_plain, "uptime": _check_plain, "nproc": _check_plain, "hostname": _check_plain,
    "netstat": _check_plain, "route": _check_route, "arp": _check_arp, "echo": _check_plain,
    "telnet": _check_plain, "true": _check_plain, "false": _check_plain,
    # filters
    "grep": _check_plain, "egrep": _check_plain, "fgrep": _check_plain, "awk": _check_awk,
    "wc": _check_plain, "head": _check_plain, "tail": _check_plain, "sort": _check_plain,
    "uniq": _check_plain, "cut": _check_plain, "tr": _check_plain, "column": _check_plain,
    "tee": _check_tee,
}
"""The allow-list: every program the customer may run, with its read-only check."""

NEEDS_TIMEOUT_ALWAYS = True


def _stage(words: list[str]) -> Stage:
    """Redirections out of the words; refuse writes to files."""
    st = Stage([])
    for w in words:
        if w in ("2>/dev/null", "2> /dev/null"):
            st.stderr = "null"
        elif w in (">/dev/null", "1>/dev/null"):
            st.stdout_null = True
        elif w == "2>&1":
            st.stderr = "merge"
        elif w.startswith(">") or w.startswith("1>") or w.startswith("2>") or w.startswith("&>") or w == "<" or w.startswith("<"):
            raise NotRunnable("refused", f"redirection {w!r}")
        else:
            st.argv.append(w)
    return st


def _program(argv: list[str]) -> tuple[str, list[str]]:
    prog = argv[0].split("/")[-1]
    return prog, argv[1:]


def _strip_wrappers(argv: list[str]) -> list[str]:
    """``sudo``, ``timeout N`` in front of the command are the customer's shell business."""
    while argv:
        if argv[0] == "sudo":
            argv = argv[1:]
        elif argv[0] == "timeout" and len(argv) > 2:
            argv = argv[2:]
        else:
            break
    return argv


def _place_prefix(words: list[str], default_place: str | None, pods: set[str]) -> tuple[str | None, list[str]]:
    """(place, the command's own words): ``kubectl exec`` / ``nsenter -t ... -n`` name a Pod."""
    if len(words) >= 2 and words[0] in ("kubectl", "k", "oc") and words[1] == "exec":
        i, pod = 2, None
        while i < len(words) and words[i] != "--":
            w = words[i]
            if w in ("-n", "--namespace", "-c", "--container"):
                i += 2
                continue
            if w.startswith("-"):
                i += 1
                continue
            if pod is None:
                pod = w.split("/")[-1]
            i += 1
        rest = words[i + 1 :] if i < len(words) else []
        if pod is None or pod not in pods:
            raise NotRunnable("unavailable", f"kubectl exec into {pod!r}: no such Pod in the lab")
        if not rest:
            raise NotRunnable("unavailable", "kubectl exec without a command")
        return pod, rest
    if words and words[0] == "nsenter":
        i, has_net = 1, False
        while i < len(words) and words[i].startswith("-"):
            w = words[i]
            if w == "--":
                i += 1
                break
            if w in ("-n", "--net"):
                has_net = True
            elif w.startswith("--net"):
                has_net = True
            elif w in ("-m", "--mount", "-u", "-p", "-i", "--uts", "--pid", "--ipc"):
                pass
            i += 1
        if not has_net:
            raise NotRunnable("unavailable", "nsenter without -n")
        if default_place is None or default_place not in pods:
            raise NotRunnable("unavailable", "nsenter into a Pod the question does not name")
        return default_place, words[i:]
    return default_place, words


def plan_part(text: str, default_place: str | None, pods: set[str]) -> Part:
    """How one part of a command line runs in the lab (or why it does not)."""
    part = Part(text=text)
    try:
        if _VAR.search(text):
            raise NotRunnable("unavailable", "a placeholder the lab has no value for")
        stages_text = [s for s, _ in split_top(text, ("|",))]
        first = True
        for st_text in stages_text:
            if first and st_text.startswith("nsenter "):
                raw = raw_words(st_text)
                j = 1
                while j < len(raw) and raw[j].startswith("-"):
                    j += 2 if raw[j] in ("-t", "--target") else 1
                st_text = "nsenter " + " ".join(w for w in raw[1:j] if "$(" not in w) + " -- " + " ".join(raw[j:])
            try:
                words = shlex.split(st_text)
            except ValueError as exc:
                raise NotRunnable("refused", f"cannot parse: {exc}") from None
            if any("$(" in w or "`" in w for w in words):
                raise NotRunnable("unavailable", "a command substitution (runs something outside the lab)")
            words = _strip_wrappers(words)
            if first:
                place, words = _place_prefix(words, default_place, pods)
                part.place = place
                words = _strip_wrappers(words)
                if words and words[0] in ("sh", "bash", "/bin/sh", "/bin/bash") and len(words) == 3 and words[1] == "-c":
                    raise _Nested(words[2], place)
            if not words:
                raise NotRunnable("refused", "empty command")
            st = _stage(words)
            prog, args = _program(st.argv)
            if prog in UNAVAILABLE:
                raise NotRunnable("unavailable", f"{prog}: {UNAVAILABLE[prog]}")
            check = CHECKS.get(prog)
            if check is None:
                raise NotRunnable("refused", f"{prog} is not on the read-only allow-list")
            if not first and prog not in FILTERS:
                raise NotRunnable("refused", f"{prog} after a pipe is not a text filter")
            if first and prog in FILTERS and prog not in ("grep",):
                raise NotRunnable("refused", f"{prog} reads files")
            check(args)
            part.stages.append(st)
            first = False
        if part.place is None:
            raise NotRunnable("unavailable", "no lab place for this command (control plane)")
        if part.place not in pods:  # a node: its namespace sees the host's /etc/resolv.conf
            for st in part.stages:
                prog, args = _program(st.argv)
                if "/etc/resolv.conf" in args or (
                        prog in ("dig", "nslookup", "host", "getent") and not any("198.19." in a for a in args)):
                    raise NotRunnable("unavailable", "the lab's nodes have no resolver of their own "
                                                     "(their namespace sees the host's /etc/resolv.conf)")
    except NotRunnable as exc:
        part.status, part.reason = exc.kind, exc.reason
    return part


class _Nested(Exception):
    def __init__(self, script: str, place: str | None) -> None:
        self.script, self.place = script, place


_FOR = re.compile(r"^for\s+(?P<var>[A-Za-z_]\w*)\s+in\s+(?P<items>[^;]*);\s*do\s+(?P<body>.*?);?\s*done\s*$", re.S)


def _plan_chain(text: str, line: str, default_place: str | None, pods: set[str]) -> list[Part]:
    """One statement: commands joined by ``&&`` / ``||`` (``sep`` holds the operator after each)."""
    parts: list[Part] = []
    for piece, sep in split_top(text, ("&&", "||")):
        try:
            part = plan_part(piece, default_place, pods)
            part.line, part.sep = line, sep
            parts.append(part)
        except _Nested as nested:
            inner = plan(nested.script, nested.place, pods)
            for p in inner:
                p.line = line
            if inner:
                inner[-1].sep = sep
            parts.extend(inner)
    return parts


def plan(command: str, default_place: str | None, pods: set[str]) -> list[Part]:
    """The parts of a printed command line (placeholders already filled), each planned. A command
    line is cut into statements at ``;``; a ``for VAR in ...; do ...; done`` loop is one statement,
    expanded here into its iterations (the loop variable substituted)."""
    m = _FOR.match(command.strip())
    if m:
        parts: list[Part] = []
        var = m.group("var")
        for item in shlex.split(m.group("items")):
            body = m.group("body")
            for pat in (f'"${{{var}}}"', f'"${var}"', f"${{{var}}}", f"${var}"):
                body = body.replace(pat, item)
            for stmt, _ in split_top(body, (";",)):
                chain = _plan_chain(stmt, command.strip(), default_place, pods)
                if chain:
                    chain[-1].sep = ";"
                parts.extend(chain)
        return parts
    parts = []
    for stmt, _sep in split_top(command, (";",)):
        parts.extend(_plan_chain(stmt, stmt, default_place, pods))
    return parts


def run_parts(parts: list[Part], ns_of: "dict[str, str]") -> None:
    """Run the planned parts as a shell would: ``a && b`` runs b only when a succeeded, ``a || b``
    only when it failed, ``;`` always; a part that cannot run counts as failed (status 127)."""
    status = 0
    skip = False
    prev_sep = ";"
    for part in parts:
        if prev_sep == "&&":
            skip = status != 0
        elif prev_sep == "||":
            skip = status == 0
        else:
            skip = False
        prev_sep = part.sep or ";"
        if skip:
            part.status = "skipped" if part.status == "run" else part.status
            continue
        if part.status != "run":
            status = 127
            continue
        run_part(part, ns_of[part.place or ""])
        status = part.rc if part.rc is not None else 1


def run_part(part: Part, namespace: str) -> None:
    """Run a planned part: the first stage in ``namespace``, the filters after it; output as a
    terminal shows it (stderr interleaved unless ``2>/dev/null``)."""
    assert part.status == "run"
    procs: list[subprocess.Popen[bytes]] = []
    prev = None
    try:
        for i, st in enumerate(part.stages):
            argv = ["timeout", "-k", "2", str(TIMEOUT)]
            if i == 0:
                argv += ["ip", "netns", "exec", namespace]
            argv += st.argv
            part.argv_run.append(argv)
            last = i == len(part.stages) - 1
            stderr = subprocess.DEVNULL if st.stderr == "null" else subprocess.STDOUT
            stdout = subprocess.DEVNULL if st.stdout_null else subprocess.PIPE
            if st.stdout_null and st.stderr != "null" and last:
                stdout, stderr = subprocess.DEVNULL, subprocess.PIPE  # `>/dev/null`: errors still show
            p = subprocess.Popen(argv, stdin=prev if prev is not None else subprocess.DEVNULL,
                                 stdout=stdout, stderr=stderr)
            if prev is not None:
                prev.close()
            prev = p.stdout
            procs.append(p)
            _ = last
        out, err = procs[-1].communicate(timeout=TIMEOUT + 5)
        out = out if out is not None else err
        for p in procs[:-1]:
            p.wait(timeout=5)
        part.output = (out or b"").decode("utf-8", "replace")
        part.rc = procs[-1].returncode
    except subprocess.TimeoutExpired:
        part.output += "\n(killed: no end within the timeout)\n"
        part.rc = -9
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
