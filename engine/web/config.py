"""Settings of one ``podnet serve`` process."""

from __future__ import annotations

from dataclasses import dataclass

LOOPBACK_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "::1", "[::1]")
"""Host headers accepted when the server listens on a loopback address (a web page that rebinds
its own DNS name to 127.0.0.1 sends its own name, and is refused)."""


@dataclass(frozen=True)
class ServeConfig:
    """What a server needs besides the knowledge: the token, the limits on sessions, the hosts."""

    token: str | None = None
    """Bearer token every request but ``/healthz``, ``/login`` and ``/static`` must carry; None: open."""
    rule_dirs: tuple[str, ...] = ()
    """Site rule folders added to the bundled rules (``--rules``)."""
    session_ttl: float = 3600.0
    """Seconds a triage session or a diagnosed case is kept after its last use."""
    max_sessions: int = 500
    """Triage sessions kept at most; past it the least recently used one is dropped."""
    max_cases: int = 500
    """Diagnosed cases kept for the page's downloads at most (least recently used dropped)."""
    allowed_hosts: tuple[str, ...] | None = None
    """Host header names accepted (without port); None accepts any."""
    small_body_bytes: int = 64 * 1024
    """Largest body of a request that carries no fact file nor raw output (answers, login)."""
