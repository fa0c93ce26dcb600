"""A scenario's terminal transcript, as a person's terminal shows it: prompts naming the hosts.

The same commands for every scenario (what a support engineer following the guide types at
each host: the Pod's addresses, routes and resolv.conf, a curl of the Service and a lookup of
its name, DF pings to the backend; the web Pod's listening sockets; each node's addresses,
routes, rules and forwarding switch). Every command runs inside a lab namespace, bounded by a
timeout. ``podnet diagnose --raw`` on the text must agree with the live collection.
"""

from __future__ import annotations

import subprocess

from . import topology as t

_POD_PROMPT = "root@{host}:/# "
_NODE_PROMPT = "[root@{host} ~]# "

WEB = t.WEB_POD.ip


def _commands(ns: str) -> list[str]:
    if ns == t.CLIENT:
        return [
            "ip addr",
            "ip route",
            "cat /etc/resolv.conf",
            f"curl -sS -v --max-time 3 http://{t.WEB_SERVICE_IP}:80/",
            f"nslookup -timeout=2 -retry=1 {t.WEB_NAME}",
            # the backend as `kubectl get endpoints web` shows it: the Pod directly, then DF pings
            f"curl -sS -v --max-time 3 http://{WEB}:80/",
            f"ping -c 50 -i 0.1 -W 1 {WEB}",
            *[f"ping -M do -s {size} -c 2 -W 1 {WEB}" for size in (1472, 1422, 1372, 1322)],
        ]
    if ns in (t.WEB, t.DNS):
        return ["ip addr", "ss -ltn", "iptables-save"]
    return ["ip addr", "ip route", "iptables-save", "sysctl net.ipv4.ip_forward"]


def _host(ns: str) -> str:
    return ns.removeprefix(t.PREFIX)


def record(namespaces: tuple[str, ...]) -> str:
    """Run each host's commands inside its namespace and return the terminal text."""
    out: list[str] = []
    for ns in namespaces:
        assert ns.startswith(t.PREFIX), ns  # only inside the lab
        node = ns in (t.NODE1, t.NODE2)
        prompt = (_NODE_PROMPT if node else _POD_PROMPT).format(host=_host(ns))
        for cmd in _commands(ns):
            proc = subprocess.run(["ip", "netns", "exec", ns, "sh", "-c", cmd + " 2>&1"], capture_output=True,
                                  text=True, timeout=30, check=False)
            out.append(prompt + cmd)
            out.append(proc.stdout.rstrip("\n"))
        out.append(prompt + "exit")
    return "\n".join(out) + "\n"
