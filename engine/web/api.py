"""The HTTP API under ``/v1`` (OpenAPI at ``/openapi.json``, a reference page at ``/docs``).

Every handler reads the request, then runs podnet's work in a worker thread
(:func:`starlette.concurrency.run_in_threadpool`), so that the event loop keeps accepting
requests while the engine (one compiled engine, behind its own lock) diagnoses.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from ..knowledge.model import Lang
from ..limits import max_fact_bytes
from ..messages import guide_citation
from . import service
from .requests import read_json_body, read_raw
from .state import ServerState, status_dict
from .triage import WebTriage

Format = Literal["json", "yaml", "markdown", "text"]

MEDIA = {"json": "application/json", "yaml": "application/yaml", "markdown": "text/markdown; charset=utf-8", "text": "text/plain; charset=utf-8"}

FACT_FILE_BODY = {
    "requestBody": {
        "required": True,
        "description": "A fact file (`podnet schema`), at most PODNET_MAX_FACT_BYTES bytes.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FactFile"}}},
    }
}
RAW_BODY = {
    "requestBody": {
        "required": True,
        "description": "Raw command output, at most PODNET_MAX_RAW_BYTES bytes in all: a terminal transcript as "
        "`text/plain`; JSON `{text, files: {name: content}, context}`; or a multipart form with `text`, `files` "
        "(one command's output per file; a context.json may come along) and `context` (JSON: case, cluster, endpoints).",
        "content": {
            "text/plain": {"schema": {"type": "string"}},
            "application/json": {"schema": {"$ref": "#/components/schemas/RawRequest"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string"},
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "context": {"type": "string", "description": "JSON object: case, cluster, endpoints"},
                    },
                }
            },
        },
    }
}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The request cannot be read (JSON syntax, a bad parameter): `{code, message, location}`"},
    401: {"description": "A token is needed (`E-AUTH`)"},
    413: {"description": "Over a limit (`E-FACTS-SIZE`, `E-INGEST-SIZE`, `E-FACTS-TOO-MANY`)"},
    422: {"description": "Read, but not a valid case (`E-FACTS-SCHEMA`, `E-INGEST-EMPTY`...)"},
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RawRequest(_Model):
    """Raw command output as JSON."""

    text: str | None = Field(None, description="A pasted terminal transcript, prompts included.")
    files: dict[str, str] | None = Field(None, description="File name -> the output of one command (the first line may be its prompt).")
    context: dict[str, Any] | None = Field(None, description="case, cluster and endpoints, winning over what is inferred.")


class TriageStart(_Model):
    """A new triage session: from the ticket's sentence (`summary`, nothing else needed), from a
    (partial) fact file (`facts`), or resumed from a saved session (`session`: what
    `GET /v1/triage/{id}/session` returned, or what `podnet triage` saved)."""

    facts: dict[str, Any] | None = Field(None, description="A (partial) fact file.")
    session: dict[str, Any] | None = Field(None, description="A saved session (or fact file) to resume.")
    summary: str = Field("", max_length=2000, description="The ticket's sentence, when starting from nothing else.")
    case_id: str | None = Field(None, max_length=200, description="The ticket's id.")
    lang: Lang = "en"
    threshold: float = Field(0.5, gt=0, le=1, description="Posterior the top cause needs before triage stops.")


class TriageAnswer(_Model):
    """An answer to the prompt asked now: an option id (`network_unreachable`, `lost`, `timeout`...),
    a typed value at a question about the case (`10.96.0.10`, `10.244.2.31:8080, 10.244.1.7:8080`),
    or `unknown` (don't know / can't run it)."""

    answer: str = Field(max_length=4000)
    kind: str | None = Field(None, max_length=64, description="The question's observation kind; default: the question asked now.")
    at: str | None = Field(None, max_length=64, description="The question's vantage point; default: the question asked now.")
    probe: Literal["backend", "destination"] | None = Field(None, description="The answer is about the Service's backend Pod / ClusterIP instead.")


class TriagePaste(_Model):
    """Command output pasted as the answer: its observations join the case."""

    text: str = Field(min_length=1)


def _state(request: Request) -> ServerState:
    return request.app.state.podnet  # type: ignore[no-any-return]


def _report(d: Any, fmt: str) -> Response:
    if fmt == "json":
        return Response(service.report(d, "json"), media_type=MEDIA["json"])
    return Response(service.report(d, fmt), media_type=MEDIA[fmt])


def build_router() -> APIRouter:
    router = APIRouter(prefix="/v1", responses=ERRORS)

    @router.post("/diagnose", tags=["diagnose"], summary="Diagnose a fact file", openapi_extra=FACT_FILE_BODY)
    async def diagnose(
        request: Request,
        lang: Lang = "en",
        strict: bool = Query(False, description="Contradictory observations are an error (E-FACTS-CONFLICT) instead of a warning."),
        format: Format = Query("json", description="json is `podnet diagnose -o json` (the contract: GET /v1/schema?what=diagnosis)."),
    ) -> Response:
        """Ranked causes with their evidence, remediation and the next checks: the same JSON as
        `podnet diagnose FILE -o json`."""
        body = await request.body()
        rule_dirs = _state(request).config.rule_dirs

        def work() -> Any:
            facts = service.parse_fact_bytes(body, "request body")
            return service.diagnose(facts, lang=lang, strict=strict, rule_dirs=rule_dirs)

        return _report(await run_in_threadpool(work), format)

    @router.post("/ingest", tags=["ingest"], summary="Raw command output to a fact file", openapi_extra=RAW_BODY)
    async def ingest(request: Request, lang: Lang = Query("en", description="Language of the warnings.")) -> JSONResponse:
        """`podnet ingest`: the facts read from pasted output or uploaded files, and what could not be
        used (each warning with its file and line)."""
        raw = await read_raw(request)
        got = await run_in_threadpool(service.ingest_raw, raw)
        return JSONResponse({"facts": got.facts.to_json_dict(), "warnings": service.warning_dicts(got.warnings, lang)})

    @router.post("/diagnose/raw", tags=["diagnose"], summary="Diagnose raw command output", openapi_extra=RAW_BODY)
    async def diagnose_raw(request: Request, lang: Lang = "en", strict: bool = False, format: Format = "json") -> Response:
        """`podnet diagnose --raw`: ingest, then diagnose; what the ingestion could not use is in the
        diagnosis's warnings (`W-INGEST`)."""
        raw = await read_raw(request)
        rule_dirs = _state(request).config.rule_dirs

        def work() -> Any:
            got = service.ingest_raw(raw)
            return service.diagnose(got.facts, lang=lang, strict=strict, rule_dirs=rule_dirs, ingest_warnings=got.warnings)

        return _report(await run_in_threadpool(work), format)

    @router.post("/triage", tags=["triage"], summary="Start a triage session", status_code=201)
    async def triage_start(request: Request) -> JSONResponse:
        """A session from a (partial) fact file; the answer holds its `id`, the first question and
        both rankings. Sessions expire after their last use (`podnet serve --session-ttl`)."""
        state = _state(request)
        data = await read_json_body(request, max_fact_bytes() + 64 * 1024)
        start = TriageStart.model_validate(data) if isinstance(data, dict) else TriageStart.model_validate({})

        def work() -> dict[str, Any]:
            if start.session is not None:
                session = WebTriage.resume(start.session, lang=start.lang, rule_dirs=state.config.rule_dirs, origin="request body: $.session")
            elif start.facts is not None:
                facts = service.facts_from_dict(start.facts, "request body: $.facts")
                session = WebTriage(facts, lang=start.lang, threshold=start.threshold, rule_dirs=state.config.rule_dirs)
            else:
                session = WebTriage(None, lang=start.lang, threshold=start.threshold, rule_dirs=state.config.rule_dirs, case_id=start.case_id, summary=start.summary)
            session.view()
            sid = state.sessions.add(session)
            return status_dict(sid, session)

        return JSONResponse(await run_in_threadpool(work), status_code=201)

    @router.get("/triage/{session_id}", tags=["triage"], summary="A triage session's state")
    async def triage_get(request: Request, session_id: str, lang: Lang | None = Query(None, description="Another language for the same state.")) -> JSONResponse:
        session = _state(request).sessions.get(session_id)

        def work() -> dict[str, Any]:
            with session.lock:
                return status_dict(session_id, session, lang)

        return JSONResponse(await run_in_threadpool(work))

    @router.post("/triage/{session_id}/answers", tags=["triage"], summary="Answer a question")
    async def triage_answer(request: Request, session_id: str, body: TriageAnswer) -> JSONResponse:
        """Answer the question asked now (or `kind`@`at`); `unknown` marks it as not observable."""
        session = _state(request).sessions.get(session_id)

        def work() -> dict[str, Any]:
            with session.lock:
                session.answer(body.answer, body.kind, body.at, body.probe)
                return status_dict(session_id, session)

        return JSONResponse(await run_in_threadpool(work))

    @router.post("/triage/{session_id}/paste", tags=["triage"], summary="Add pasted command output")
    async def triage_paste(request: Request, session_id: str, body: TriagePaste) -> JSONResponse:
        """The output is read as `podnet triage` reads a paste (with the case's endpoints as
        context); its observations and values join the case (`last.recorded` says what was taken,
        `warnings` the lines it could not use). Also after triage has stopped."""
        session = _state(request).sessions.get(session_id)

        def work() -> dict[str, Any]:
            with session.lock:
                outcome = session.paste(body.text)
                out = status_dict(session_id, session)
                out["warnings"] = list(outcome.warnings)
                return out

        return JSONResponse(await run_in_threadpool(work))

    @router.post("/triage/{session_id}/back", tags=["triage"], summary="Undo the last step")
    async def triage_back(request: Request, session_id: str) -> JSONResponse:
        session = _state(request).sessions.get(session_id)

        def work() -> dict[str, Any]:
            with session.lock:
                undone = session.back()
                return {**status_dict(session_id, session), "undone": undone.to_dict() if undone else None}

        return JSONResponse(await run_in_threadpool(work))

    @router.get("/triage/{session_id}/facts", tags=["triage"], summary="The case gathered so far, as a fact file")
    async def triage_facts(request: Request, session_id: str) -> Response:
        """The fact file (`podnet diagnose` reads it); before both ends' kinds are known, the partial case."""
        session = _state(request).sessions.get(session_id)
        with session.lock:
            if not session.kinds_known:
                return JSONResponse(session.fact_data())
            return Response(service.fact_file_json(session.facts), media_type="application/json")

    @router.get("/triage/{session_id}/session", tags=["triage"], summary="The whole session, to save and resume")
    async def triage_session(request: Request, session_id: str) -> JSONResponse:
        """The session with its undo history: `POST /v1/triage` with `{"session": ...}` and
        `podnet triage --facts FILE` resume from it."""
        session = _state(request).sessions.get(session_id)
        with session.lock:
            return JSONResponse(session.state())

    @router.delete("/triage/{session_id}", tags=["triage"], summary="End a session", status_code=204)
    async def triage_delete(request: Request, session_id: str) -> Response:
        _state(request).sessions.get(session_id)
        _state(request).sessions.remove(session_id)
        return Response(status_code=204)

    @router.get("/causes", tags=["knowledge"], summary="The causes podnet knows")
    async def causes(request: Request, lang: Lang = "en") -> JSONResponse:
        """Every cause of the knowledge base with its symptom class, prior, guide section and how many
        rules argue for and against it (`podnet rules catalogue`)."""
        from ..knowledge.load import load_knowledge

        kb = load_knowledge(_state(request).config.rule_dirs)
        out = []
        for cid, c in kb.causes.items():
            weights = [r.spec.then.weight or 0 for r in kb.rules if r.spec.then.cause == cid]
            out.append({
                "id": cid,
                "symptom": c.symptom,
                "symptom_title": kb.symptoms[c.symptom].title.get(lang),
                "title": c.title.get(lang),
                "explanation": c.explanation.get(lang),
                "prior": c.prior,
                "guide": guide_citation(c.guide, c.sources, lang),
                "rules_for": sum(1 for w in weights if w > 0),
                "rules_against": sum(1 for w in weights if w < 0),
            })
        return JSONResponse(out)

    @router.get("/schema", tags=["knowledge"], summary="JSON Schema of fact files or diagnoses; the observation kinds")
    async def schema(what: Literal["facts", "diagnosis", "kinds"] = Query("facts", description="`podnet schema`, `--diagnosis` or `--kinds`.")) -> JSONResponse:
        if what == "kinds":
            from ..knowledge.kind_docs import describe_kinds

            return JSONResponse(describe_kinds())
        if what == "diagnosis":
            from ..diagnosis import Diagnosis

            return JSONResponse(Diagnosis.model_json_schema(mode="validation"))
        from ..facts.model import FactFile

        return JSONResponse(FactFile.model_json_schema(mode="validation"))

    return router


def openapi_components() -> dict[str, Any]:
    """Schemas the raw request bodies refer to (FactFile, RawRequest), for the OpenAPI document."""
    from ..facts.model import FactFile

    fact = FactFile.model_json_schema(mode="validation", ref_template="#/components/schemas/{model}")
    defs = fact.pop("$defs", {})
    return {"FactFile": fact, "RawRequest": RawRequest.model_json_schema(), **defs}
