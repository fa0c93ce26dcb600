"""BIND's dig and nslookup when the DNS server's port answers "connection refused" (ICMP port
unreachable: nothing listens on port 53, or a REJECT): each try prints ``;; communications error to
IP#53: connection refused`` and the closing ``;; no servers could be reached`` only sums them up, so
the lookup is refused by that server, not timed out (issue 10: the lab's dns-server-down transcript).

Every paste below is copied from the public thread its comment names, or (marked "lab") from
bind9 9.18.49 (Debian 12) run in a namespace against an address where nothing listens.
"""

from __future__ import annotations

from .corpus.reading import read


def _lookups(text: str) -> list[dict[str, object]]:
    return [r for r in read(text.encode()).readings if r["kind"] == "dns_lookup"]


def test_dig_connection_refused_on_every_try_is_refused_by_that_server() -> None:
    # https://github.com/NLnetLabs/unbound/issues/1133 (DiG 9.18.28, unbound not listening on 5335)
    text = (
        "root@AdGuard:~# dig @192.168.115.210 -p 5335 support.google.com\n"
        ";; communications error to 192.168.115.210#5335: connection refused\n"
        ";; communications error to 192.168.115.210#5335: connection refused\n"
        ";; communications error to 192.168.115.210#5335: connection refused\n"
        "\n"
        "; <<>> DiG 9.18.28-1~deb12u2-Debian <<>> @192.168.115.210 -p 5335 support.google.com\n"
        "; (1 server found)\n"
        ";; global options: +cmd\n"
        ";; no servers could be reached\n"
        "\n"
        "root@AdGuard:~#\n"
    )
    [lookup] = _lookups(text)
    assert lookup["result"] == "refused" and lookup["server"] == "192.168.115.210" and lookup["name"] == "support.google.com"


def test_nslookup_refused_without_a_server_argument_names_the_server_from_the_error_line() -> None:
    # lab: nslookup 9.18.49 asks resolv.conf's nameserver, nothing listens there; nslookup prints
    # no "Server:" line, only the tries' errors
    text = (
        "root@client:/# nslookup -timeout=2 -retry=1 web.default.svc.cluster.local\n"
        ";; communications error to 198.18.128.53#53: connection refused\n"
        ";; no servers could be reached\n"
        "\n"
        "root@client:/#\n"
    )
    [lookup] = _lookups(text)
    assert (lookup["name"], lookup["server"], lookup["result"]) == ("web.default.svc.cluster.local", "198.18.128.53", "refused")


def test_tcp_connection_refused_form_of_older_bind() -> None:
    # https://github.com/TechnitiumSoftware/DnsServer/issues/203 (DiG 9.16.1-Ubuntu, +tcp); the poster's
    # placeholder prompt "<user>@<machine>:~$" is written "$" here (ingest does not read that placeholder as a prompt)
    text = (
        "$ dig +tcp +trace @192.168.123.2 bbc.com\n"
        ";; Connection to 192.168.123.2#53(192.168.123.2) for bbc.com failed: connection refused.\n"
        "$\n"
    )
    [lookup] = _lookups(text)
    assert lookup["result"] == "refused" and lookup["server"] == "192.168.123.2" and lookup["name"] == "bbc.com"


def test_nslookup_tcp_refused_by_every_address_of_a_named_server() -> None:
    # https://github.com/nagios-plugins/nagios-plugins/pull/503 (Ubuntu 18.04's nslookup, BIND 9.11)
    text = (
        "$ nslookup -type=ANY foo.com ns1.dynadot.com\n"
        ";; Connection to 35.160.240.86#53(35.160.240.86) for foo.com failed: connection refused.\n"
        ";; Connection to 54.69.45.191#53(54.69.45.191) for foo.com failed: connection refused.\n"
        ";; Connection to 52.25.56.204#53(52.25.56.204) for foo.com failed: connection refused.\n"
        ";; Connection to 54.68.4.223#53(54.68.4.223) for foo.com failed: connection refused.\n"
        "$\n"
    )
    [lookup] = _lookups(text)
    assert lookup["result"] == "refused" and lookup["name"] == "foo.com" and lookup["server"] == "35.160.240.86"


def test_near_miss_a_plain_timeout_stays_a_timeout() -> None:
    # https://github.com/nagios-plugins/nagios-plugins/pull/503 (same thread: the server does not answer)
    text = "$ nslookup foo.com 1.2.3.4\n;; connection timed out; no servers could be reached\n$\n"
    [lookup] = _lookups(text)
    assert lookup["result"] == "timeout" and lookup["server"] == "1.2.3.4"


def test_near_miss_bind_918_timed_out_tries_are_a_timeout_not_a_refusal() -> None:
    # https://github.com/kkkgo/PaoPaoDNS/issues/239 (the try's error text; lab: the closing line as 9.18 prints it)
    text = (
        "# dig @127.0.0.1 -p 5301 example.com\n"
        ";; communications error to 127.0.0.1#5301: timed out\n"
        ";; communications error to 127.0.0.1#5301: timed out\n"
        ";; no servers could be reached\n"
        "#\n"
    )
    [lookup] = _lookups(text)
    assert lookup["result"] == "timeout" and lookup["server"] == "127.0.0.1"


def test_near_miss_a_refused_first_server_and_an_answer_from_the_next_is_an_answer() -> None:
    # lab form of a resolv.conf with two nameservers, the first closed: the lookup resolved
    text = (
        "root@client:/# nslookup web.default.svc.cluster.local\n"
        ";; communications error to 198.18.128.53#53: connection refused\n"
        "Server:\t\t198.18.128.54\n"
        "Address:\t198.18.128.54#53\n"
        "\n"
        "Name:\tweb.default.svc.cluster.local\n"
        "Address: 198.18.128.10\n"
        "\n"
        "root@client:/#\n"
    )
    [lookup] = _lookups(text)
    assert lookup["result"] == "ok" and lookup["answers"] == ["198.18.128.10"] and lookup["server"] == "198.18.128.54"
