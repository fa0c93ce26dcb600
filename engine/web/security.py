"""What stands between a request and the work: the Host header, the body size, the token, and the
headers every response carries (Content-Security-Policy without inline script, nosniff...).

One pure ASGI middleware does all four, so that a refused request costs no parsing. The token is
compared in constant time (:func:`hmac.compare_digest`); a browser that signed in on ``/login``
carries an HttpOnly, SameSite=Strict cookie holding an HMAC of the token, never the token itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
from collections.abc import Awaitable, Callable
from typing import Any

from ..errors import InputError, UsageError
from .config import ServeConfig
from .errors import error_body

COOKIE = "podnet_auth"
TOKEN_FILE_MAX = 4096

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]

OPEN_PATHS = ("/healthz", "/login", "/favicon.ico")
OPEN_PREFIXES = ("/static/",)


def read_token_file(path: str) -> str:
    """The token in a file (first line, whitespace stripped): a regular file of at most 4 KiB, not
    empty. A file others may read is accepted with a warning from the caller (:func:`token_file_readable_by_others`)."""
    from ..files import read_regular

    try:
        data = read_regular(path, TOKEN_FILE_MAX, prefix="E-USAGE-TOKEN", variable="a token file's size")
    except InputError as exc:
        raise UsageError(exc.message, location=f"--token-file {path}", code="E-USAGE-TOKEN") from None
    try:
        token = data.decode("utf-8").strip().splitlines()[0].strip() if data.strip() else ""
    except UnicodeDecodeError:
        raise UsageError("the token file is not UTF-8 text", location=f"--token-file {path}", code="E-USAGE-TOKEN") from None
    if len(token) < 8:
        raise UsageError("the token file must hold a token of at least 8 characters", location=f"--token-file {path}", code="E-USAGE-TOKEN")
    return token


def token_file_readable_by_others(path: str) -> bool:
    return bool(os.stat(path).st_mode & (stat.S_IRGRP | stat.S_IROTH))


def cookie_value(token: str) -> str:
    """What the sign-in cookie holds: an HMAC of the token (the token never travels back)."""
    return hmac.new(token.encode(), b"podnet-web-session", hashlib.sha256).hexdigest()


def token_ok(token: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(given.encode("utf-8", "surrogateescape"), token.encode())


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _cookies(header: str) -> dict[str, str]:
    from http.cookies import SimpleCookie

    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # noqa: BLE001 - a malformed cookie header is no cookie
        return {}
    return {k: m.value for k, m in jar.items()}


BodyLimit = Callable[[str], tuple[int, str, str]]
"""path -> (bytes, error code, what sets the limit)."""


class Guard:
    """ASGI middleware: Host check, body size limit, token, security headers."""

    def __init__(self, app: Any, config: ServeConfig, body_limit: BodyLimit) -> None:
        self.app = app
        self.config = config
        self.body_limit = body_limit

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict[str, Any]]], send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                if b"cache-control" not in names:
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        headers = _headers(scope)
        path: str = scope.get("path", "")
        refusal = self._refusal(scope, headers, path)
        if refusal is not None:
            await self._respond(send_with_headers, *refusal)
            return
        limit, code, variable = self.body_limit(path)
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._respond(send_with_headers, 413, error_body(code, f"the request body is more than the {limit}-byte limit ({variable})", "request body"))
            return
        seen = 0

        async def counted() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise InputError(f"the request body is more than the {limit}-byte limit ({variable})", location="request body", code=code)
            return message

        await self.app(scope, counted, send_with_headers)

    def _refusal(self, scope: dict[str, Any], headers: dict[str, str], path: str) -> tuple[int, dict[str, Any], list[tuple[bytes, bytes]]] | None:
        allowed = self.config.allowed_hosts
        if allowed is not None:
            host = headers.get("host", "")
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name.lower() not in allowed:
                return 400, error_body("E-HOST", "this server answers only to its own address (a page of another site resolving to it is refused)", "Host header"), []
        token = self.config.token
        if token is None or path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
            return None
        auth = headers.get("authorization", "")
        scheme, _, given = auth.partition(" ")
        if scheme.lower() == "bearer" and token_ok(token, given.strip()):
            return None
        cookie = _cookies(headers.get("cookie", "")).get(COOKIE)
        if cookie is not None and hmac.compare_digest(cookie.encode("utf-8", "surrogateescape"), cookie_value(token).encode()):
            return None
        body = error_body("E-AUTH", "a token is needed: header 'Authorization: Bearer TOKEN' (or sign in on /login)", "Authorization header")
        if path.startswith("/v1") or path.startswith("/openapi") or scope.get("method") not in ("GET", "HEAD"):
            extra = [(b"www-authenticate", b'Bearer realm="podnet"')]
            if "hx-request" in headers:
                extra.append((b"hx-redirect", b"/login"))
            return 401, body, extra
        return 303, body, [(b"location", b"/login")]

    @staticmethod
    async def _respond(send: Callable[[dict[str, Any]], Awaitable[None]], status: int, body: dict[str, Any], extra: list[tuple[bytes, bytes]] | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()), *(extra or [])]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})
