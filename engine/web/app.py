"""The FastAPI app of ``podnet serve``: the API, the page, the static files, the error handlers."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles

from ..errors import PodnetError
from ..limits import max_fact_bytes, max_raw_bytes
from .config import ServeConfig
from .errors import body_of, error_body, status_for
from .security import Guard
from .state import ServerState

HERE = Path(__file__).resolve().parent
SLACK = 1024 * 1024
"""Room for multipart boundaries and headers, and JSON escapes, over the content limits."""

log = logging.getLogger("podnet.web")

WARM_UP_CASE: dict[str, Any] = {
    "case": {"id": "warm-up"},
    "endpoints": {"source": {"kind": "pod", "ip": "198.18.0.2"}, "destination": {"kind": "service", "ip": "198.18.128.10", "port": 80}},
    "observations": [{"kind": "ping", "at": "source_pod", "target": "198.18.128.10", "result": "lost"}],
}


def warm_up(rule_dirs: tuple[str, ...]) -> None:
    """Load the knowledge, compile the engine, build the triage model and the path code once, so
    that no request pays for it."""
    from .. import diagnose
    from ..facts.load import facts_from_data
    from ..path import build_path
    from ..reasoning.diagnose import get_reasoner
    from ..triage.session import TriageSession

    get_reasoner(tuple(rule_dirs))
    facts = facts_from_data(WARM_UP_CASE, "<warm-up>")
    for lang in ("en", "zh"):
        diagnose(facts, lang=lang, rule_dirs=rule_dirs)
    TriageSession(facts, rule_dirs=rule_dirs).status()
    try:
        build_path(facts)  # imports networkx and the path profiles
    except PodnetError:
        pass  # the warm-up case names no nodes: no path to draw, the code is loaded all the same


def body_limit(config: ServeConfig) -> Any:
    def limit(path: str) -> tuple[int, str, str]:
        if path == "/v1/diagnose":
            return max_fact_bytes(), "E-FACTS-SIZE", "PODNET_MAX_FACT_BYTES"
        if path == "/v1/triage":
            return max_fact_bytes() + SLACK, "E-FACTS-SIZE", "PODNET_MAX_FACT_BYTES"
        if path in ("/v1/ingest", "/v1/diagnose/raw") or (path.startswith("/v1/triage/") and path.endswith("/paste")):
            return 2 * max_raw_bytes() + SLACK, "E-INGEST-SIZE", "PODNET_MAX_RAW_BYTES"
        if path.startswith("/ui/"):
            return max_raw_bytes() + max_fact_bytes() + SLACK, "E-INGEST-SIZE", "PODNET_MAX_RAW_BYTES + PODNET_MAX_FACT_BYTES"
        return config.small_body_bytes, "E-REQUEST-SIZE", "requests that carry no case"

    return limit


def _wants_html(request: Request) -> bool:
    return request.url.path.startswith("/ui/") or request.url.path in ("/", "/triage", "/login")


def build_app(config: ServeConfig) -> FastAPI:
    """The app; the engine is compiled here, once (:func:`warm_up`)."""
    from .. import __version__
    from .api import build_router, openapi_components
    from .pages import build_pages, error_page

    warm_up(config.rule_dirs)
    app = FastAPI(
        title="podnet",
        version=__version__,
        description="Explainable diagnosis of Kubernetes Pod network failures: ranked causes with evidence, "
        "remediation and next checks; guided triage. Errors are `{code, message, location}` with a 4xx status.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.podnet = ServerState(config)

    def error_response(request: Request, status: int, body: dict[str, Any]) -> Response:
        if _wants_html(request):
            return error_page(request, status, body)
        return JSONResponse(body, status_code=status)

    @app.exception_handler(PodnetError)
    async def podnet_error(request: Request, exc: PodnetError) -> Response:
        return error_response(request, status_for(exc), body_of(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {"msg": "invalid request", "loc": ()}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return error_response(request, 422, error_body("E-USAGE", str(first.get("msg")), where or "request"))

    @app.exception_handler(ValidationError)
    async def model_error(request: Request, exc: ValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {"msg": "invalid request", "loc": ()}
        where = "request body: $." + ".".join(str(p) for p in first.get("loc", ()))
        return error_response(request, 422, error_body("E-USAGE", str(first.get("msg")), where))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        code = {404: "E-NOT-FOUND", 405: "E-METHOD"}.get(exc.status_code, "E-REQUEST")
        return error_response(request, exc.status_code, error_body(code, str(exc.detail), request.url.path))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        from ..render.safe import one_line

        log.exception("internal error on %s", request.url.path)
        return JSONResponse(error_body("E-INTERNAL", f"{type(exc).__name__}: {one_line(str(exc))}", request.url.path), status_code=500)

    @app.get("/healthz", tags=["server"], summary="Liveness and what is loaded")
    async def healthz(request: Request) -> dict[str, Any]:
        from ..knowledge.load import load_knowledge

        kb = load_knowledge(config.rule_dirs)
        state: ServerState = request.app.state.podnet
        return {"status": "ok", "version": __version__, "rules": len(kb.rules), "causes": len(kb.causes), "sessions": len(state.sessions)}

    app.include_router(build_router())
    app.include_router(build_pages())
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    openapi_base = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = openapi_base()
            schema.setdefault("components", {}).setdefault("schemas", {}).update(openapi_components())
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(Guard, config=config, body_limit=body_limit(config))
    return app
