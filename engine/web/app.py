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
    "cluster": {
        "cni": "flannel",
        "mode": "vxlan",
        "kube_proxy_mode": "iptables",
        "nodes": [
            {"name": "node-a", "internal_ip": "198.18.0.1", "pod_cidr": "198.18.64.0/24", "nic": "eth0"},
            {"name": "node-b", "internal_ip": "198.18.0.2", "pod_cidr": "198.18.65.0/24", "nic": "eth0"},
        ],
    },
    "endpoints": {
        "source": {"kind": "pod", "name": "client", "namespace": "default", "ip": "198.18.64.5", "node": "node-a"},
        "destination": {"kind": "service", "name": "web", "namespace": "default", "ip": "198.18.128.10", "port": 80,
                        "backends": [{"ip": "198.18.65.7", "port": 8080, "node": "node-b"}]},
    },
    "observations": [
        {"kind": "tcp_connect", "at": "source_pod", "target": "198.18.128.10", "port": 80, "result": "timeout"},
        {"kind": "capture", "at": "source_node", "interface": "eth0", "request_seen": True},
        {"kind": "capture", "at": "destination_node", "interface": "flannel.1", "request_seen": False},
    ],
}
"""A small case that goes through every part a request may use: rules, the packet path and its
captures, triage, the reports and the page's templates."""


def warm_up(rule_dirs: tuple[str, ...]) -> None:
    """Load the knowledge, compile the engine, build the triage model, import the path code and
    compile the templates once, so that no request pays for it."""
    from ..facts.load import facts_from_data
    from ..reasoning.diagnose import get_reasoner
    from ..triage.session import TriageSession
    from . import service
    from .pages import ENV
    from .svg import path_view

    get_reasoner(tuple(rule_dirs))
    facts = facts_from_data(WARM_UP_CASE, "<warm-up>")
    for lang in ("en", "zh"):
        d = service.diagnose(facts, lang=lang, rule_dirs=rule_dirs)
        service.report(d, "json")
        service.report(d, "markdown")
        path_view(facts, d)
    TriageSession(facts, rule_dirs=rule_dirs).status()
    for name in ENV.list_templates():
        ENV.get_template(name)


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
