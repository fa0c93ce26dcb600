"""Make the lab part of the ingest corpus: real tool output typed on a pseudo-terminal, in every
outcome, for the modes tests/realworld/captured does not cover (telnet, nc, busybox nc, curl's body,
write-out, reset and hang forms, GNU and busybox wget name and HTTP errors, bash /dev/tcp's plain
forms, host, getent, dig +short), under the prompts customers paste (``core@node-1 ~ $``,
``dnstools#``, ``bash-5.1#``, ``root@n1 ~ #``, none at all).

Run as root from the repository root:  .venv/bin/python tests/ingest/corpus/capture.py
(not a test: it rewrites tests/ingest/corpus/captured/*.txt and .yaml; the lab is described in
corpus_lab.py). Each ``.yaml`` holds the command, the tool version, the lab mode and the expected
reading in the corpus vocabulary (README.md), written from what the lab did and what the output
lets a person read.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # run as a script: the repository root
from tests.ingest.corpus.corpus_lab import DNS_DOWN_IP, NO_ARP_IP, NO_DNS_IP, NO_NET_IP, SRV_IP, UDP_DROP_IP, CorpusLab, Step  # noqa: E402

HERE = Path(__file__).resolve().parent / "captured"
S = SRV_IP


@dataclass
class Case:
    slug: str
    prompt: str
    command: str
    expect: list[dict]
    step: Step = field(default_factory=Step)
    resolver: str = SRV_IP
    mode: str = ""
    note: str | None = None
    indent: int = 0
    """Indent every line (a paste inside a Markdown code block): the bytes are the capture's, shifted."""


def tcp(dest: str, port: int, result: str) -> dict:
    return {"kind": "tcp_connect", "dest": dest, "port": port, "result": result}


def dns(name: str, result: str, **more: object) -> dict:
    return {"kind": "dns_lookup", "name": name, "result": result, **more}


WEB = "root@web-0:/# "
CORE = "core@node-1 ~ $ "
DNSTOOLS = "dnstools# "
BASH51 = "bash-5.1# "
ASH = "/ # "
RHEL = "[root@node-1 ~]# "
GENTOO = "root@n1 ~ # "
QUIT = Step(expect="Escape character", keys="\x1dquit\r")
HANG = Step(interrupt_after=4)

CASES = [
    # telnet
    Case("telnet-ok", RHEL, f"telnet {S} 8080", [tcp(S, 8080, "connected")], QUIT, mode="ok"),
    Case("telnet-refused", RHEL, f"telnet {S} 8081", [tcp(S, 8081, "refused")], mode="refused"),
    Case("telnet-hang-ctrl-c", RHEL, f"telnet {S} 8082", [tcp(S, 8082, "timeout")], HANG, mode="timeout-drop",
         note="no 'Connected to' before ^C: the connect never completed"),
    Case("telnet-no-route", CORE, f"telnet {NO_ARP_IP} 8080", [tcp(NO_ARP_IP, 8080, "no_route")], mode="no-route-arp"),
    Case("telnet-net-unreachable", CORE, f"telnet {NO_NET_IP} 8080", [tcp(NO_NET_IP, 8080, "unreachable")], mode="net-unreachable"),
    Case("telnet-reject-host-prohibited", GENTOO, f"telnet {S} 8084", [tcp(S, 8084, "no_route")], mode="reject-host-prohibited"),
    # OpenBSD nc
    Case("nc-zv-ok", WEB, f"nc -zv -w 3 {S} 8080", [tcp(S, 8080, "connected")], mode="ok"),
    Case("nc-zv-refused", WEB, f"nc -zv -w 3 {S} 8081", [tcp(S, 8081, "refused")], mode="refused"),
    Case("nc-zv-timeout", WEB, f"nc -zv -w 3 {S} 8082", [tcp(S, 8082, "timeout")], mode="timeout-drop"),
    Case("nc-zv-no-route", BASH51, f"nc -zv -w 3 {NO_ARP_IP} 8080", [tcp(NO_ARP_IP, 8080, "timeout")], mode="no-route-arp",
         note="ARP gives up after about 3 s: nc's -w 3 fires first, so the output (and the reading) is a timeout"),
    Case("nc-zv-net-unreachable", BASH51, f"nc -zv -w 3 {NO_NET_IP} 8080", [tcp(NO_NET_IP, 8080, "unreachable")], mode="net-unreachable"),
    Case("nc-http-get-ok", CORE, f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {S} 8080", [tcp(S, 8080, "connected")], mode="ok",
         note="no -v: the HTTP response nc prints proves the connection"),
    # busybox nc
    Case("busybox-nc-http-ok", ASH, f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc {S} 8080", [tcp(S, 8080, "connected")], mode="ok"),
    Case("busybox-nc-refused", ASH, f"busybox nc {S} 8081", [tcp(S, 8081, "refused")], mode="refused"),
    Case("busybox-nc-timeout", ASH, f"busybox nc -w 3 {S} 8082", [tcp(S, 8082, "timeout")], mode="timeout-drop"),
    Case("busybox-nc-no-route", ASH, f"busybox nc -w 9 {NO_ARP_IP} 8080", [tcp(NO_ARP_IP, 8080, "no_route")], mode="no-route-arp"),
    # curl
    Case("curl-s-body-by-name", DNSTOOLS, "curl -s http://web.example:8080/", [tcp("web.example", 8080, "connected")], mode="ok",
         note="only the HTML body: the connection was made"),
    Case("curl-sS-refused", DNSTOOLS, f"curl -sS http://{S}:8081/", [tcp(S, 8081, "failed")], mode="refused",
         note="curl 7.88 without -v: 'Couldn't connect to server' for every connect error but a timeout"),
    Case("curl-head-ok", WEB, f"curl -I http://{S}:8080/", [tcp(S, 8080, "connected")], mode="ok"),
    Case("curl-o-devnull-meter-ok", WEB, f"curl -o /dev/null http://{S}:8080/", [tcp(S, 8080, "connected")], mode="ok",
         note="the progress meter counts 33 bytes received"),
    Case("curl-w-http-code-ok", CORE, f"curl -s -o /dev/null -w '%{{http_code}}\\n' http://{S}:8080/", [tcp(S, 8080, "connected")], mode="ok"),
    Case("curl-w-http-code-000", CORE, f"curl -s -o /dev/null -w '%{{http_code}}\\n' http://{S}:8081/", [tcp(S, 8081, "failed")], mode="refused",
         note="000: no HTTP answer; -s hides why"),
    Case("curl-m-silent-server", WEB, f"curl -m 5 http://{S}:8086/", [tcp(S, 8086, "connected")], mode="silent-server",
         note="'Operation timed out ... with 0 bytes received': connected, the server never answered"),
    Case("curl-m-drop", WEB, f"curl -m 5 http://{S}:8082/", [tcp(S, 8082, "timeout")], mode="timeout-drop",
         note="'Connection timed out after': the connect timed out"),
    Case("curl-v-m-silent-server", WEB, f"curl -v -m 5 http://{S}:8086/", [tcp(S, 8086, "connected")], mode="silent-server"),
    Case("curl-reset-after-accept", WEB, f"curl http://{S}:8087/", [tcp(S, 8087, "reset")], mode="reset-after-accept"),
    Case("curl-v-reset-after-accept", WEB, f"curl -v http://{S}:8087/", [tcp(S, 8087, "reset")], mode="reset-after-accept"),
    Case("curl-hang-ctrl-c", RHEL, f"curl http://{S}:8082/", [tcp(S, 8082, "timeout")], HANG, mode="timeout-drop",
         note="curl without -v hung until ^C: read as a timeout, with a warning (a silent server looks the same)"),
    Case("curl-v-hang-ctrl-c", RHEL, f"curl -v http://{S}:8082/", [tcp(S, 8082, "timeout")], HANG, mode="timeout-drop"),
    Case("curl-dns-nxdomain", DNSTOOLS, "curl http://nope.example:8080/", [dns("nope.example", "failed")], mode="dns-nxdomain",
         note="curl prints the same line for NXDOMAIN and a DNS timeout (see curl-dns-timeout)"),
    Case("curl-dns-timeout", DNSTOOLS, "curl http://web.example:8080/", [dns("web.example", "failed")], resolver=DNS_DOWN_IP, mode="dns-timeout"),
    Case("curl-v-name-ok", BASH51, "curl -v http://web.example:8080/", [tcp(S, 8080, "connected")], mode="ok"),
    # GNU wget
    Case("wget-by-name-ok", RHEL, "wget -T 5 -t 1 -O- http://web.example:8080/", [dns("web.example", "ok", answers=[S]), tcp(S, 8080, "connected")], mode="ok"),
    Case("wget-nxdomain", RHEL, "wget -T 5 -t 1 http://nope.example:8080/", [dns("nope.example", "nxdomain")], mode="dns-nxdomain",
         note="'Name or service not known' is glibc's EAI_NONAME: a negative answer"),
    Case("wget-dns-timeout", RHEL, "wget -T 5 -t 1 http://web.example:8080/", [dns("web.example", "failed")], resolver=DNS_DOWN_IP, mode="dns-timeout",
         note="'Temporary failure in name resolution' (EAI_AGAIN): a timeout or SERVFAIL"),
    Case("wget-http-404", CORE, f"wget -T 5 -t 1 http://{S}:8080/missing", [tcp(S, 8080, "connected")], mode="http-404"),
    Case("wget-silent-server", CORE, f"wget -T 5 -t 1 http://{S}:8086/", [tcp(S, 8086, "connected")], mode="silent-server"),
    Case("wget-reset-after-accept", CORE, f"wget -T 5 -t 1 http://{S}:8087/", [tcp(S, 8087, "reset")], mode="reset-after-accept"),
    Case("wget-refused", GENTOO, f"wget -T 5 -t 1 -O- http://{S}:8081/", [tcp(S, 8081, "refused")], mode="refused"),
    Case("wget-net-unreachable-no-prompt", "", f"wget -T 5 -t 1 -O- http://{NO_NET_IP}:8080/", [tcp(NO_NET_IP, 8080, "unreachable")],
         mode="net-unreachable", note="PS1 is empty: the command line has no prompt"),
    # busybox wget
    Case("busybox-wget-by-name-ok", ASH, "busybox wget -O- http://web.example:8080/", [tcp(S, 8080, "connected")], mode="ok"),
    Case("busybox-wget-bad-address", ASH, "busybox wget -O- http://nope.example:8080/", [dns("nope.example", "failed")], mode="dns-nxdomain"),
    Case("busybox-wget-http-404", ASH, f"busybox wget -O- http://{S}:8080/missing", [tcp(S, 8080, "connected")], mode="http-404"),
    Case("busybox-wget-reset-after-accept", ASH, f"busybox wget -O- http://{S}:8087/", [tcp(S, 8087, "reset")], mode="reset-after-accept"),
    Case("busybox-wget-refused", DNSTOOLS, f"busybox wget -O- http://{S}:8081/", [tcp(S, 8081, "refused")], mode="refused"),
    Case("busybox-wget-hang-ctrl-c", DNSTOOLS, f"busybox wget -O- http://{S}:8082/", [tcp(S, 8082, "timeout")], HANG, mode="timeout-drop",
         note="read as a timeout with a warning: busybox wget prints nothing once connected"),
    # bash /dev/tcp
    Case("dev-tcp-plain-ok", BASH51, f"echo > /dev/tcp/{S}/8080", [tcp(S, 8080, "connected")], mode="ok",
         note="no error and the next prompt: the connect succeeded"),
    Case("dev-tcp-plain-refused", BASH51, f"echo > /dev/tcp/{S}/8081", [tcp(S, 8081, "refused")], mode="refused"),
    Case("dev-tcp-hang-ctrl-c", BASH51, f"echo > /dev/tcp/{S}/8082", [tcp(S, 8082, "timeout")], HANG, mode="timeout-drop"),
    Case("dev-tcp-name-error", WEB, "echo > /dev/tcp/nope.example/80", [dns("nope.example", "nxdomain")], mode="dns-nxdomain"),
    Case("dev-tcp-open-closed-open", WEB, f"(echo > /dev/tcp/{S}/8080) >/dev/null 2>&1 && echo open || echo closed", [tcp(S, 8080, "connected")], mode="ok"),
    Case("dev-tcp-open-closed-closed", WEB, f"(echo > /dev/tcp/{S}/8081) >/dev/null 2>&1 && echo open || echo closed", [tcp(S, 8081, "failed")], mode="refused"),
    Case("dev-tcp-indented", BASH51, f"echo > /dev/tcp/{S}/8084", [tcp(S, 8084, "no_route")], mode="reject-host-prohibited", indent=4,
         note="derived: the capture indented by four blanks, as pasted in a Markdown code block"),
    # host
    Case("host-ok-with-aaaa-nxdomain", WEB, "host web.example", [dns("web.example", "ok", answers=[S])], mode="ok",
         note="the NXDOMAIN lines are host's AAAA and MX queries"),
    Case("host-a-ok", CORE, "host -t A web.example", [dns("web.example", "ok", answers=[S])], mode="ok"),
    Case("host-server-arg-ok", CORE, f"host web.example {S}", [dns("web.example", "ok", answers=[S], server=S)], mode="ok"),
    Case("host-nxdomain-plain", GENTOO, "host nope.example", [dns("nope.example", "nxdomain")], mode="dns-nxdomain"),
    Case("host-timeout-918", GENTOO, "host -W 2 web.example", [dns("web.example", "timeout")], resolver=DNS_DOWN_IP, mode="dns-timeout",
         note="BIND 9.18: 'communications error ... timed out' and 'no servers could be reached'"),
    # getent
    Case("getent-hosts-ok-plain", DNSTOOLS, "getent hosts web.example", [dns("web.example", "ok", answers=[S])], mode="ok"),
    Case("getent-ahosts-ok", DNSTOOLS, "getent ahosts web.example", [dns("web.example", "ok", answers=[S])], mode="ok"),
    Case("getent-hosts-empty", DNSTOOLS, "getent hosts nope.example", [dns("nope.example", "failed")], mode="dns-nxdomain",
         note="no output and the next prompt: not found, mode unknown"),
    # dig +short
    Case("dig-short-ok", WEB, "dig +short web.example", [dns("web.example", "ok", answers=[S])], mode="ok"),
    Case("dig-short-empty", WEB, "dig +short nope.example", [dns("nope.example", "failed", answers=[])], mode="dns-nxdomain",
         note="+short prints nothing when there is no address: no answer"),
    Case("dig-short-timeout", WEB, "dig +short +tries=1 +time=2 web.example", [dns("web.example", "timeout")], resolver=DNS_DOWN_IP, mode="dns-timeout"),
    # busybox nslookup
    Case("busybox-telnet-name-refused", ASH, "busybox telnet web.example 8081", [tcp(S, 8081, "refused")], mode="refused",
         note="telnet to a name: busybox names the resolved address only in its error line"),
    Case("busybox-nslookup-ok", ASH, "busybox nslookup web.example", [dns("web.example", "ok", answers=[S])], mode="ok",
         note="the NXDOMAIN line is the AAAA query"),
    # BIND nslookup over UDP and over TCP (-vc): a server that answers over TCP while UDP 53 is dropped,
    # and a server whose process is gone (UDP: port unreachable; TCP: reset)
    Case("nslookup-udp-dropped-timeout", DNSTOOLS, f"nslookup web.example {UDP_DROP_IP}", [dns("web.example", "timeout", server=UDP_DROP_IP)],
         mode="dns-udp-dropped", note="UDP 53 dropped at the server; the same server answers over TCP (nslookup-vc-udp-dropped-ok)"),
    Case("nslookup-vc-udp-dropped-ok", DNSTOOLS, f"nslookup -vc web.example {UDP_DROP_IP}",
         [dns("web.example", "ok", answers=[S], server=UDP_DROP_IP, transport="tcp")], mode="dns-udp-dropped"),
    Case("nslookup-server-gone-refused", BASH51, f"nslookup web.example {NO_DNS_IP}", [dns("web.example", "refused", server=NO_DNS_IP)],
         mode="dns-server-gone", note="nothing listens on port 53: ICMP port unreachable, 'communications error ... connection refused'"),
    Case("nslookup-vc-server-gone-refused", BASH51, f"nslookup -vc web.example {NO_DNS_IP}",
         [dns("web.example", "refused", server=NO_DNS_IP, transport="tcp")], mode="dns-server-gone",
         note="over TCP BIND prints 'Connection to ... failed: connection refused.' and retries"),
]


def version(cmd: list[str]) -> str:
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    return ((out.stdout or out.stderr).splitlines() or [""])[0].strip()


def main() -> int:
    if os.geteuid() != 0:
        print("needs root (network namespaces)", file=sys.stderr)
        return 2
    versions = {
        "curl": version(["curl", "--version"]), "wget": version(["wget", "--version"]), "busybox": version(["busybox"]),
        "telnet": "telnet (Debian inetutils-telnet or netkit)", "nc": version(["dpkg-query", "-W", "-f=${Package} ${Version}", "netcat-openbsd"]),
        "host": version(["host", "-V"]), "nslookup": version(["nslookup", "-version"]), "dig": version(["dig", "-v"]), "getent": "getent (glibc)", "bash": version(["bash", "--version"]),
        "echo": version(["bash", "--version"]), "printf": version(["dpkg-query", "-W", "-f=${Package} ${Version}", "netcat-openbsd"]),
        "(echo": version(["bash", "--version"]),
    }
    HERE.mkdir(exist_ok=True)
    lab = CorpusLab()
    made = 0
    try:
        lab.build()
        only = set(sys.argv[1:])
        for case in [c for c in CASES if not only or c.slug in only]:
            lab.set_resolver(case.resolver)
            raw = lab.session(case.prompt, case.command, case.step, timeout=25)
            if case.indent:
                raw = b"".join(b" " * case.indent + line for line in raw.splitlines(keepends=True))
            (HERE / f"{case.slug}.txt").write_bytes(raw)
            tool = case.command.split()[0]
            tool = case.command.split()[1] if tool in ("busybox",) else tool
            doc = {
                "source": "made here: tests/ingest/corpus/capture.py (lab namespaces, pseudo-terminal, bytes as shown)",
                "command": case.command,
                "prompt": case.prompt or None,
                "tool_version": versions["busybox"] if case.command.startswith(("busybox", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox")) else versions.get(tool, ""),
                "lab_mode": case.mode,
                "expect": case.expect,
                "split": "tune",
            }
            if case.note:
                doc["note"] = case.note
            (HERE / f"{case.slug}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110))
            made += 1
            print(case.slug, flush=True)
    finally:
        lab.destroy()
    print(f"{made} transcripts written to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
