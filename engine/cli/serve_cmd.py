"""``podnet serve``: the help desk in a browser and the HTTP API (needs ``pip install 'podnet[web]'``).

The engine is compiled once, before the port opens; the server only reads what it is sent
(fact files, pasted output) and never runs a command nor probes a network.
"""

from __future__ import annotations

import argparse
import sys

from .common import add_rules


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 0 to 65535, not {text!r}")
    return int(text)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "serve",
        help="serve the help-desk page and the HTTP API (pip install 'podnet[web]')",
        description="Serve the page (paste output, see ranked causes, run a guided triage; English and Chinese) "
        "and the HTTP API under /v1 (reference at /docs). Listens on 127.0.0.1 unless --host is given.",
        epilog="Example: podnet serve --port 8080, then open http://127.0.0.1:8080/ . "
        "With --token-file, API calls send 'Authorization: Bearer TOKEN' and browsers sign in on /login.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=_port, default=8080, help="port to listen on (default 8080; 0 picks a free one)")
    p.add_argument("--token-file", metavar="FILE", help="require the bearer token in FILE (its first line) on every request but /healthz")
    p.add_argument("--session-ttl", type=_positive, default=3600.0, metavar="SECONDS", help="keep a triage session this long after its last use (default 3600)")
    p.add_argument("--max-sessions", type=int, default=500, metavar="N", help="triage sessions kept at most; the least recently used goes first (default 500)")
    p.add_argument("--access-log", action="store_true", help="log every request on stderr")
    add_rules(p)
    p.set_defaults(run=run)


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> object:
    """The listening socket, opened before the server starts so that a taken port is a located error."""
    import socket

    from ..errors import UsageError

    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise UsageError(f"cannot resolve the address: {exc.strerror or exc}", location=f"--host {host}", code="E-USAGE-BIND") from None
    family, _, proto, _, addr = infos[0]
    # proto IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so (else every reply on a
    # kept-alive connection waits ~40 ms for the client's delayed ACK)
    sock = socket.socket(family, socket.SOCK_STREAM, proto or socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(addr)
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen there: {exc.strerror or exc}", location=f"--host {host} --port {port}", code="E-USAGE-BIND") from None
    sock.listen(2048)
    return sock


def run(args: argparse.Namespace) -> int:
    from ..errors import UsageError
    from ..limits import max_fact_bytes, max_observations, max_raw_bytes

    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError as exc:
        raise UsageError(f"podnet serve needs the web extra: pip install 'podnet[web]' ({exc.name} is missing)", location="podnet serve", code="E-USAGE-MISSING") from None
    if args.max_sessions < 1:
        raise UsageError("must be at least 1", location="--max-sessions")
    max_fact_bytes(), max_raw_bytes(), max_observations()  # a bad limit variable fails now, not per request
    from ..web import ServeConfig, create_app
    from ..web.config import LOOPBACK_HOSTS
    from ..web.security import read_token_file, token_file_readable_by_others
    from ..messages import render

    def say(code: str, **fields: object) -> str:
        """A console message of ``podnet serve`` (kb/messages/cli.yaml; the server's pages choose their own language)."""
        return render("cli", code, "en", fields)

    token = None
    if args.token_file:
        token = read_token_file(args.token_file)
        if token_file_readable_by_others(args.token_file):
            print(f"podnet: warning: {say('serve_token_readable', file=args.token_file)}", file=sys.stderr)
    loopback = _is_loopback(args.host)
    if not loopback and token is None:
        print(f"podnet: warning: {say('serve_no_token', host=args.host)}", file=sys.stderr)
    config = ServeConfig(
        token=token,
        rule_dirs=tuple(args.rules),
        session_ttl=args.session_ttl,
        max_sessions=args.max_sessions,
        allowed_hosts=LOOPBACK_HOSTS if loopback else None,
    )
    sock = _bind(args.host, args.port)
    app = create_app(config)  # compiles the engine before the first request
    port = sock.getsockname()[1]  # type: ignore[attr-defined]
    shown = f"[{args.host}]" if ":" in args.host else args.host
    required = say("serve_token_required") if token else ""
    print(say("serve_listening", url=f"http://{shown}:{port}/", token=required), file=sys.stderr, flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="info" if args.access_log else "warning", access_log=args.access_log, server_header=False, proxy_headers=False))
    server.run(sockets=[sock])  # type: ignore[list-item]
    return 0
