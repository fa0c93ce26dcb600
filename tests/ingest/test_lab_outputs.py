"""Parsers on real output of the real tools, produced in the namespace lab (see netlab.py)."""

from __future__ import annotations

from pathlib import Path

from podnet.inputs.ingest import ingest

from . import netlab
from .conftest import context, ingest_text, observations, transcript
from .netlab import (
    A_IP,
    A_IP2,
    B_DROP,
    B_IP,
    B_LOSSY,
    DROPPED_PORT,
    LOOPBACK_PORT,
    NO_HOST,
    NO_NET,
    REFUSED_PORT,
    WEB_PORT,
)

PROMPT_A = "[root@lab-a ~]# "
PROMPT_B = "[root@lab-b ~]# "


def test_iputils_ping_ok_partial_lost_and_df(lab: netlab.Lab, tmp_path: Path) -> None:
    text = transcript(lab, lab.a, PROMPT_A, [
        (["ping", "-c", "3", "-i", "0.2", B_IP], (B_IP,)),
        (["ping", "-c", "4", "-i", "0.2", B_LOSSY], (B_LOSSY,)),
        (["ping", "-c", "2", "-i", "0.2", "-W", "1", B_DROP], (B_DROP,)),
        (["ping", "-c", "2", "-i", "0.2", "-M", "do", "-s", "1372", B_IP], (B_IP,)),
        (["ping", "-c", "2", "-i", "0.2", "-M", "do", "-s", "1472", B_IP], (B_IP,)),
    ])
    result = ingest_text(tmp_path, text, context())
    pings = observations(result, "ping")
    assert [(p["target"], p["result"], p["loss_percent"]) for p in pings] == [
        (B_IP, "ok", 0.0), (B_LOSSY, "partial_loss", 50.0), (B_DROP, "lost", 100.0), (B_IP, "ok", 0.0), (B_IP, "error", 100.0),
    ]
    assert all(p["at"] == "source_node" and p["host"] == "lab-a" for p in pings)
    big = pings[-1]
    assert big["size"] == 1472 and big["dont_fragment"] and big["packet_size"] == 1500
    assert big["error"] == "message too long, mtu=1400"
    (probe,) = observations(result, "mtu_probe")
    assert (probe["largest_ok_size"], probe["first_failed_size"], probe["path_mtu"], probe["full_size_fails"]) == (1372, 1472, 1400, True)


def test_busybox_ping(lab: netlab.Lab, tmp_path: Path) -> None:
    text = transcript(lab, lab.a, "/ # ", [
        (["busybox", "ping", "-c", "2", B_IP], (B_IP,)),
        (["busybox", "ping", "-c", "2", "-W", "1", B_DROP], (B_DROP,)),
    ])
    ctx = context()
    ctx["endpoints"]["source"] = {"kind": "pod", "name": "client", "ip": A_IP}
    result = ingest_text(tmp_path, text, ctx)
    pings = observations(result, "ping")
    assert [(p["target"], p["result"], p["at"]) for p in pings] == [(B_IP, "ok", "source_pod"), (B_DROP, "lost", "source_pod")]


def test_tcp_connect_tools_connected_refused_timeout(lab: netlab.Lab, tmp_path: Path) -> None:
    url = f"http://{B_IP}:{{}}/"
    text = transcript(lab, lab.a, PROMPT_A, [
        (["curl", "-v", "--max-time", "3", url.format(WEB_PORT)], (B_IP,)),
        (["curl", "-v", "--max-time", "3", url.format(REFUSED_PORT)], (B_IP,)),
        (["curl", "-sS", "--max-time", "2", url.format(DROPPED_PORT)], (B_IP,)),
        (["nc", "-zv", "-w", "2", B_IP, str(WEB_PORT)], (B_IP,)),
        (["nc", "-zv", "-w", "2", B_IP, str(REFUSED_PORT)], (B_IP,)),
        (["nc", "-zv", "-w", "2", B_IP, str(DROPPED_PORT)], (B_IP,)),
        (["timeout", "3", "telnet", B_IP, str(REFUSED_PORT)], (B_IP,)),
        (["busybox", "telnet", B_IP, str(REFUSED_PORT)], (B_IP,)),
    ])
    text += f"{PROMPT_A}echo quit | telnet {B_IP} {WEB_PORT}\n" + lab.run(lab.a, ["timeout", "3", "telnet", B_IP, str(WEB_PORT)], targets=(B_IP,), stdin="")
    result = ingest_text(tmp_path, text, context())
    got = [(o["tool"], o["port"], o["result"]) for o in observations(result, "tcp_connect")]
    assert got == [
        ("curl", WEB_PORT, "connected"), ("curl", REFUSED_PORT, "refused"), ("curl", DROPPED_PORT, "timeout"),
        ("nc", WEB_PORT, "connected"), ("nc", REFUSED_PORT, "refused"), ("nc", DROPPED_PORT, "timeout"),
        ("telnet", REFUSED_PORT, "refused"), ("telnet", REFUSED_PORT, "refused"), ("telnet", WEB_PORT, "connected"),
    ]


def test_dig_and_nslookup_answers_nxdomain_timeout(lab: netlab.Lab, tmp_path: Path) -> None:
    text = transcript(lab, lab.a, PROMPT_A, [
        (["dig", f"@{B_IP}", "+time=1", "+tries=1", "web.example"], (B_IP,)),
        (["dig", f"@{B_IP}", "+time=1", "+tries=1", "nope.example"], (B_IP,)),
        (["dig", f"@{B_DROP}", "+time=1", "+tries=1", "web.example"], (B_DROP,)),
        (["nslookup", "web.example", B_IP], (B_IP,)),
        (["nslookup", "nope.example", B_IP], (B_IP,)),
        (["nslookup", "-timeout=1", "-retry=0", "web.example", B_DROP], (B_DROP,)),
        (["busybox", "nslookup", "web.example", B_IP], (B_IP,)),
        (["busybox", "nslookup", "nope.example", B_IP], (B_IP,)),
    ])
    result = ingest_text(tmp_path, text, context())
    got = [(o["name"], o.get("server"), o["result"], o["answers"]) for o in observations(result, "dns_lookup")]
    ok, nx = ("web.example", B_IP, "ok", ["198.18.200.50"]), ("nope.example", B_IP, "nxdomain", [])
    timeout = ("web.example", B_DROP, "timeout", [])
    assert got == [ok, nx, timeout, ok, nx, timeout, ok, nx]


def test_ip_addr_route_and_json(lab: netlab.Lab, tmp_path: Path) -> None:
    text = transcript(lab, lab.a, PROMPT_A, [
        (["ip", "addr"], ()),
        (["ip", "route"], ()),
    ])
    result = ingest_text(tmp_path, text, context())
    mtus = {o["interface"]: o["mtu"] for o in observations(result, "interface_mtu")}
    assert mtus == {"pi-a": 1400}
    # pi-a is not a host NIC name (kb/interfaces.yaml), so no node_addresses: the raw parse is checked instead.
    from podnet.inputs.ingest import parse_runs

    records = parse_runs(tmp_path / "transcript.txt", [])
    (addr,) = [r for r in records if r.type == "addresses"]
    pi_a = next(i for i in addr.data["interfaces"] if i["name"] == "pi-a")
    assert pi_a["addresses"] == [f"{A_IP}/24", f"{A_IP2}/24"] and pi_a["state"] == "up"
    (routes,) = [r for r in records if r.type == "routes"]
    assert [(r["destination"], r["dev"]) for r in routes.data["routes"]] == [("198.18.200.0/24", "pi-a")]
    # The same through `ip -j addr`.
    (tmp_path / "j.txt").write_text(PROMPT_A + "ip -j addr\n" + lab.run(lab.a, ["ip", "-j", "addr"]))
    (jaddr,) = [r for r in parse_runs(tmp_path / "j.txt", []) if r.type == "addresses"]
    assert next(i for i in jaddr.data["interfaces"] if i["name"] == "pi-a")["addresses"] == pi_a["addresses"]


def test_node_addresses_from_real_ip_addr_of_a_host_nic(lab: netlab.Lab, tmp_path: Path) -> None:
    """Rename nothing in the lab: rewrite the captured name to a NIC name to exercise node_addresses."""
    text = PROMPT_A + "ip addr\n" + lab.run(lab.a, ["ip", "addr"]).replace("pi-a", "eth0")
    result = ingest_text(tmp_path, text, context())
    (nic,) = observations(result, "node_addresses")
    assert nic["addresses"] == [f"{A_IP}/24", f"{A_IP2}/24"]
    assert nic["registered_ip"] == A_IP and nic["unregistered_addresses"] == [A_IP2] and nic["has_unregistered_address"]


def test_listening_sockets_ss_and_netstat(lab: netlab.Lab, tmp_path: Path) -> None:
    text = transcript(lab, lab.b, PROMPT_B, [(["ss", "-ltnp"], ()), (["netstat", "-ltnp"], ())])
    for port, listening, addresses, loopback in ((WEB_PORT, True, [B_IP], False), (LOOPBACK_PORT, True, ["127.0.0.1"], True), (REFUSED_PORT, False, [], None)):
        result = ingest_text(tmp_path, text, context(port=port))
        socks = observations(result, "listening_sockets")
        assert len(socks) == 2, socks
        for s in socks:
            assert (s["port"], s["listening"], s["addresses"], s["loopback_only"], s["at"]) == (port, listening, addresses, loopback, "destination_node")
        if listening:
            assert {s["process"] for s in socks} == {"python3"}


def test_iptables_save_drop_rule_for_the_port(lab: netlab.Lab, tmp_path: Path) -> None:
    text = transcript(lab, lab.b, PROMPT_B, [(["iptables-save"], ())])
    # Namespace b owns the addresses: for the flow it is the destination host (INPUT chain).
    (fw,) = observations(ingest_text(tmp_path, text, context(port=DROPPED_PORT, kind="node")), "firewall")
    assert [(r["chain"], r["target"], r["protocol"], r.get("port")) for r in fw["rules"]] == [("INPUT", "DROP", "tcp", DROPPED_PORT)]
    assert fw["blocks_tcp"] and not fw["blocks_all"]
    (fw,) = observations(ingest_text(tmp_path, text, context(port=WEB_PORT, kind="node")), "firewall")
    assert fw["rules"] == []
    (fw,) = observations(ingest_text(tmp_path, text, context(dst_ip=B_DROP, port=WEB_PORT, kind="node")), "firewall")
    assert fw["blocks_all"]


def test_tcpdump_capture_of_a_ping(lab: netlab.Lab, tmp_path: Path) -> None:
    import subprocess
    import time

    out_file = tmp_path / "dump.out"
    with out_file.open("w") as fh:
        proc = subprocess.Popen(["ip", "netns", "exec", lab.b, "timeout", "10", "tcpdump", "-nn", "-i", "pi-b", "-c", "4", "icmp"], stdout=fh, stderr=subprocess.STDOUT)
        lab.pids.append(proc.pid)
        time.sleep(1.0)
        lab.run(lab.a, ["ping", "-c", "2", "-i", "0.2", B_IP], targets=(B_IP,))
        proc.wait(timeout=15)
    text = PROMPT_B + "tcpdump -nn -i pi-b -c 4 icmp\n" + out_file.read_text()
    (cap,) = observations(ingest_text(tmp_path, text, context(port=None)), "capture")
    assert (cap["interface"], cap["request_seen"], cap["reply_seen"], cap["at"]) == ("pi-b", True, True, "destination_node")
    assert (cap["inner_src"], cap["inner_dst"], cap["filter"]) == (A_IP, B_IP, "icmp")


def test_sysctl_inside_the_namespace(lab: netlab.Lab, tmp_path: Path) -> None:
    text = transcript(lab, lab.a, PROMPT_A, [(["sysctl", "net.ipv4.ip_forward"], ()), (["cat", "/proc/sys/net/ipv4/ip_forward"], ())])
    got = [(o["name"], o["value"]) for o in observations(ingest_text(tmp_path, text, context()), "sysctl")]
    assert got == [("net.ipv4.ip_forward", "0"), ("net.ipv4.ip_forward", "0")]


def test_folder_of_real_outputs_with_inferred_endpoints(lab: netlab.Lab, tmp_path: Path) -> None:
    """One file per command, host named by the prompt: source and destination inferred, no context."""
    folder = tmp_path / "ticket"
    folder.mkdir()
    (folder / "ping.txt").write_text(PROMPT_A + f"ping -c 2 -i 0.2 {B_IP}\n" + lab.run(lab.a, ["ping", "-c", "2", "-i", "0.2", B_IP], targets=(B_IP,)))
    (folder / "curl.txt").write_text(PROMPT_A + f"curl -sS --max-time 2 http://{B_IP}:{DROPPED_PORT}/\n"
                                      + lab.run(lab.a, ["curl", "-sS", "--max-time", "2", f"http://{B_IP}:{DROPPED_PORT}/"], targets=(B_IP,)))
    # No prompt: the command is named by the file name, the host is the sub-folder.
    (folder / "lab-b").mkdir()
    (folder / "lab-b" / "iptables-save.txt").write_text(lab.run(lab.b, ["iptables-save"]))
    (folder / "lab-b" / "ip-addr.txt").write_text(lab.run(lab.b, ["ip", "addr"]))
    result = ingest(folder)
    dst, src = result.facts.endpoints.destination, result.facts.endpoints.source
    assert (src.kind, src.name) == ("node", "lab-a")
    # The target address is on lab-b's own interface (its ip addr): the destination is that host.
    assert (dst.kind, dst.name, dst.ip, dst.port) == ("node", "lab-b", B_IP, DROPPED_PORT)
    (fw,) = observations(result, "firewall")
    assert (fw["host"], fw["at"]) == ("lab-b", "destination_node") and fw["rules"][0]["port"] == DROPPED_PORT
    (curl,) = observations(result, "tcp_connect")
    assert (curl["result"], curl["at"], curl["note"]) == ("timeout", "source_node", f"curl -sS --max-time 2 http://{B_IP}:{DROPPED_PORT}/ ({folder / 'curl.txt'}:2)")


def test_no_route_and_network_unreachable(lab: netlab.Lab, tmp_path: Path) -> None:
    text = transcript(lab, lab.a, PROMPT_A, [
        (["curl", "-v", "--max-time", "6", f"http://{NO_HOST}:80/"], (NO_HOST,)),
        (["nc", "-zv", "-w", "6", NO_HOST, "80"], (NO_HOST,)),
        (["curl", "-v", "--max-time", "2", f"http://{NO_NET}:80/"], (NO_NET,)),
        (["curl", "-sS", "--max-time", "2", f"http://{NO_NET}:80/"], (NO_NET,)),
        (["nc", "-zv", "-w", "2", NO_NET, "80"], (NO_NET,)),
        (["ping", "-c", "1", NO_NET], (NO_NET,)),
    ])
    result = ingest_text(tmp_path, text, context(dst_ip=NO_HOST, port=80))
    got = [(o["tool"], o["target"], o["result"]) for o in observations(result, "tcp_connect")]
    # curl 7.88 without -v only says "Couldn't connect to server": the mode is unknown, the result 'failed'.
    assert got == [("curl", NO_HOST, "no_route"), ("nc", NO_HOST, "no_route"), ("curl", NO_NET, "unreachable"), ("curl", NO_NET, "failed"),
                   ("nc", NO_NET, "unreachable")]
    (ping,) = observations(result, "ping")
    assert (ping["target"], ping["result"], ping["error"]) == (NO_NET, "error", "Network is unreachable")


def test_curl_trace_ascii_lines_are_its_verbose_lines(lab: netlab.Lab, tmp_path: Path) -> None:
    """curl --trace-ascii prints its -v lines as '== Info: ...' (a public paste showed them; holdout3):
    they are curl's own, never a body that proves a connection, and they name the address it tried.
    Typed into a terminal (pseudo-terminal session), so stdout and stderr arrive in the order shown."""
    url = f"http://{B_IP}:{{}}/"
    runs = [f"curl -sS --trace-ascii - --max-time 3 {url.format(WEB_PORT)}", f"curl -sS --trace-ascii - --max-time 3 {url.format(REFUSED_PORT)}",
            f"curl -sS --trace-ascii - --connect-timeout 2 {url.format(DROPPED_PORT)}"]
    shown = [lab.session(PROMPT_A, cmd).decode() for cmd in runs]  # each from its prompt to the next one
    text = "".join(out[: out.rfind(PROMPT_A)] for out in shown) + PROMPT_A
    assert text.count("== Info:") >= 6, text
    result = ingest_text(tmp_path, text, context())
    got = [(o["target"], o["port"], o["result"]) for o in observations(result, "tcp_connect")]
    assert got == [(B_IP, WEB_PORT, "connected"), (B_IP, REFUSED_PORT, "refused"), (B_IP, DROPPED_PORT, "timeout")], text
    # near miss: without its trace lines the refused run is read from curl's error line alone, which does not say how
    bare = "\n".join(line for line in text.splitlines() if not line.startswith(("== Info:", "=> ", "<= ", "0000:")))
    assert [o["result"] for o in observations(ingest_text(tmp_path, bare + "\n", context()), "tcp_connect")][1] == "failed"
