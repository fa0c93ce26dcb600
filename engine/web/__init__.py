"""The help desk in a browser: ``podnet serve`` (an HTTP API under ``/v1`` and a page).

    from podnet.web import ServeConfig, create_app
    app = create_app(ServeConfig(token="s3cret"))     # a FastAPI app; uvicorn serves it

Needs the ``web`` extra (``pip install 'podnet[web]'``: FastAPI, uvicorn, python-multipart).
The server only reads what it is sent: it never runs a command nor probes a network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import ServeConfig

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["ServeConfig", "create_app"]


def create_app(config: ServeConfig | None = None, **kwargs: Any) -> FastAPI:
    """The FastAPI app of ``podnet serve``; the knowledge is loaded and the engine compiled here,
    once, so that the first request is as fast as the next."""
    from .app import build_app

    return build_app(config or ServeConfig(**kwargs))
