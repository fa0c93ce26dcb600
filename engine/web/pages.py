"""The page: server-side rendered Jinja templates, updated in place by htmx (``static/htmx.min.js``).

Every form also works without JavaScript (a full page comes back); with htmx, only the result
or the triage panel is swapped. Every value shown goes through Jinja's autoescape; the page runs
no inline script (Content-Security-Policy ``script-src 'self'``): ``static/podnet.js`` holds the
copy buttons.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..errors import UsageError
from ..limits import max_fact_bytes, max_raw_bytes
from ..triage.messages import MESSAGES, VANTAGES
from . import service
from .i18n import LANGS, UI, pick_lang
from .requests import files_of, read_form, upload_bytes
from .security import COOKIE, cookie_value, token_ok
from .state import Case, ServerState
from .triage import WebTriage, probe_choice, stop_message

HERE = Path(__file__).resolve().parent
LANG_COOKIE = "podnet_lang"


def _env() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,  # every template, whatever its name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: f"{100 * float(v):.1f}"
    return env


ENV = _env()


def _state(request: Request) -> ServerState:
    return request.app.state.podnet  # type: ignore[no-any-return]


def _lang(request: Request, form_lang: str | None = None) -> str:
    return pick_lang(form_lang or request.query_params.get("lang"), request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def _safe_file_name(case_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", case_id).strip("._")[:80] or "case"


def _common(request: Request, lang: str) -> dict[str, Any]:
    state = _state(request)
    path = request.url.path if request.method == "GET" else "/"
    return {
        "lang": lang,
        "T": UI[lang],
        "M": MESSAGES[lang],
        "V": VANTAGES[lang],
        "langs": LANGS,
        "here": path,
        "signed": state.config.token is not None,
        "ttl_minutes": int(state.config.session_ttl // 60),
        "htmx": request.headers.get("hx-request") == "true",
        "error": None,
        "content": None,
        "section": "triage" if "triage" in request.url.path else "diagnose",
    }


def render(request: Request, template: str | None, lang: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    """A fragment for htmx, or the full page holding it (``template`` None: the page alone)."""
    ctx = {**_common(request, lang), **ctx}
    if ctx["htmx"] and template is not None:
        html = ENV.get_template(template).render(**ctx)
    else:
        if template != "_error.html":
            ctx["content"] = template
        html = ENV.get_template("page.html").render(**ctx)
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, request.query_params["lang"], samesite="strict", httponly=True, max_age=365 * 86400)
    return response


def error_page(request: Request, status: int, body: dict[str, Any]) -> HTMLResponse:
    """An error on the page: in the error box above the panels (htmx retargets it there), the
    panel the user was working in left as it was."""
    response = render(request, "_error.html", _lang(request), status, error=body)
    if request.headers.get("hx-request") == "true":
        response.headers["hx-retarget"] = "#errors"
        response.headers["hx-reswap"] = "innerHTML"
    return response


def _download(text: str, name: str, media: str) -> Response:
    return Response(text, media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'})


def result_context(request: Request, case_id: str, case: Case) -> dict[str, Any]:
    from .svg import path_view

    return {"case_id": case_id, "d": case.diagnosis, "facts": case.facts, "path": path_view(case.facts, case.diagnosis)}


def triage_context(request: Request, session_id: str, session: WebTriage, lang: str, note: Any = None) -> dict[str, Any]:
    """What ``_triage.html`` shows: the prompt asked now (any type), the rankings, and once
    stopped why, the summary and the report."""
    from .svg import path_view

    v = session.view(lang)
    st, p = v.status, v.prompt
    q = p.question if p is not None else None
    facts = session.facts if session.kinds_known else None
    return {
        "stop": stop_message(v.stop_reason, st, lang, session.session.unknown_streak()) if p is None else "",
        "sid": session_id,
        "s": session,
        "st": st,
        "p": p,
        "q": q,
        "summary": v.summary,
        "probe": probe_choice(session.facts, q.kind, q.at, session.rule_dirs) if q is not None and facts is not None else None,
        "d": st.diagnosis if st else None,
        "facts": facts,
        "case_id": session.case_id,
        "path": path_view(facts, st.diagnosis) if p is None and st is not None and facts is not None else None,
        "note": note if note is not None else session.last,
    }


def build_pages() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    async def index(request: Request) -> HTMLResponse:
        lang = _lang(request)
        return render(request, None, lang, section="diagnose")

    @router.get("/triage", response_class=HTMLResponse)
    async def triage_page(request: Request) -> HTMLResponse:
        lang = _lang(request)
        return render(request, "_triage_start.html", lang, section="triage")

    @router.post("/ui/diagnose", response_class=HTMLResponse)
    async def ui_diagnose(request: Request) -> HTMLResponse:
        form = await read_form(request)
        lang = _lang(request, str(form.get("lang") or ""))
        strict = form.get("strict") == "on"
        text = str(form.get("text") or "")
        fact_files = [(f.filename or "facts.json", await upload_bytes(f, max_fact_bytes(), "E-FACTS", "PODNET_MAX_FACT_BYTES")) for f in files_of(form, "facts")]
        raw_files = [(f.filename or "file.txt", await upload_bytes(f, max_raw_bytes(), "E-INGEST", "PODNET_MAX_RAW_BYTES")) for f in files_of(form, "raw")]
        state = _state(request)

        def work() -> tuple[str, Case]:
            parts, origins = [], []
            pasted_facts = text.lstrip().startswith("{")
            if pasted_facts:
                parts.append(service.parse_fact_bytes(text.encode("utf-8"), "pasted fact file"))
                origins.append("pasted fact file")
            for name, data in fact_files:
                parts.append(service.parse_fact_bytes(data, name))
                origins.append(name)
            warnings = []
            raw = service.RawInput(None if pasted_facts else text, raw_files)
            if not raw.empty:
                if parts:
                    raw.context = {"case": {"id": parts[0].case.id}}
                got = service.ingest_raw(raw)
                parts.append(got.facts)
                origins.append("raw output")
                warnings = got.warnings
            if not parts:
                raise UsageError("nothing to diagnose: paste command output or a fact file, or upload files", location="form")
            facts = service.merge_cases(parts, origins) if len(parts) > 1 else parts[0]
            d = service.diagnose(facts, lang=lang, strict=strict, rule_dirs=state.config.rule_dirs, ingest_warnings=warnings)
            case = Case(facts, d, strict)
            return state.cases.add(case), case

        case_id, case = await run_in_threadpool(work)
        return render(request, "_result.html", lang, **result_context(request, case_id, case))

    @router.get("/ui/cases/{case_id}/facts.json")
    async def case_facts(request: Request, case_id: str) -> Response:
        case = _state(request).cases.get(case_id)
        return _download(service.fact_file_json(case.facts), f"{_safe_file_name(case.facts.case.id)}.json", "application/json")

    @router.get("/ui/cases/{case_id}/report.md")
    async def case_report(request: Request, case_id: str) -> Response:
        case = _state(request).cases.get(case_id)
        return _download(service.report(case.diagnosis, "markdown"), f"{_safe_file_name(case.facts.case.id)}.md", "text/markdown; charset=utf-8")

    async def _start(request: Request, facts: Any, lang: str, threshold: float) -> HTMLResponse:
        state = _state(request)

        def work() -> tuple[str, WebTriage]:
            if isinstance(facts, dict):  # a saved session (or fact file) to resume
                session = WebTriage.resume(facts, lang=lang, rule_dirs=state.config.rule_dirs, origin="saved session")  # type: ignore[arg-type]
            else:
                session = WebTriage(facts, lang=lang, threshold=threshold, rule_dirs=state.config.rule_dirs)  # type: ignore[arg-type]
            session.view()
            return state.sessions.add(session), session

        sid, session = await run_in_threadpool(work)
        response = render(request, "_triage.html", lang, **triage_context(request, sid, session, lang))
        response.headers["hx-push-url"] = f"/ui/triage/{sid}"
        return response

    @router.post("/ui/cases/{case_id}/triage", response_class=HTMLResponse)
    async def case_triage(request: Request, case_id: str) -> HTMLResponse:
        form = await read_form(request)
        lang = _lang(request, str(form.get("lang") or ""))
        case = _state(request).cases.get(case_id)
        return await _start(request, case.facts, lang, 0.5)

    @router.post("/ui/triage", response_class=HTMLResponse)
    async def ui_triage_start(request: Request) -> HTMLResponse:
        form = await read_form(request)
        lang = _lang(request, str(form.get("lang") or ""))
        try:
            threshold = float(str(form.get("threshold") or "0.5"))
        except ValueError:
            raise UsageError("the threshold is a number in (0, 1]", location="threshold") from None
        uploads = files_of(form, "facts")
        if uploads:
            data = await upload_bytes(uploads[0], max_fact_bytes(), "E-FACTS", "PODNET_MAX_FACT_BYTES")
            name = uploads[0].filename or "facts.json"
            if _is_saved_session(data):
                from ..facts.load import parse_json

                facts = parse_json(data.decode("utf-8", errors="replace"), name)
            else:
                facts = service.parse_fact_bytes(data, name)
        elif not any(str(form.get(f) or "").strip() for f in _ENDPOINT_VALUES):
            # nothing about the connection: start from the ticket, as `podnet triage` does (what fails?)
            case_id = str(form.get("case_id") or "").strip() or None
            facts = None
            state = _state(request)
            session = await run_in_threadpool(lambda: _fresh(WebTriage(None, lang=lang, threshold=threshold, rule_dirs=state.config.rule_dirs, case_id=case_id, summary=str(form.get("summary") or "").strip())))  # type: ignore[arg-type]
            sid = state.sessions.add(session)
            response = render(request, "_triage.html", lang, **(await run_in_threadpool(triage_context, request, sid, session, lang)))
            response.headers["hx-push-url"] = f"/ui/triage/{sid}"
            return response
        else:
            facts = service.facts_from_dict(endpoints_from_form(form), "form")
        return await _start(request, facts, lang, threshold)

    @router.get("/ui/triage/{session_id}", response_class=HTMLResponse)
    async def ui_triage_view(request: Request, session_id: str) -> HTMLResponse:
        lang = _lang(request)
        session = _state(request).sessions.get(session_id)
        with session.lock:
            ctx = await run_in_threadpool(triage_context, request, session_id, session, lang)
        return render(request, "_triage.html", lang, section="triage", **ctx)

    @router.post("/ui/triage/{session_id}/answer", response_class=HTMLResponse)
    async def ui_triage_answer(request: Request, session_id: str) -> HTMLResponse:
        form = await read_form(request)
        lang = _lang(request, str(form.get("lang") or ""))
        session = _state(request).sessions.get(session_id)
        answer = str(form.get("answer") or form.get("value") or "")
        probe = str(form.get("probe") or "") or None
        if probe not in (None, "backend", "destination"):
            raise UsageError("probe is backend or destination", location="probe")

        def work() -> dict[str, Any]:
            with session.lock:
                session.reply(answer, probe)  # an empty answer is refused in the session's language
                return triage_context(request, session_id, session, lang)

        return render(request, "_triage.html", lang, **(await run_in_threadpool(work)))

    @router.post("/ui/triage/{session_id}/paste", response_class=HTMLResponse)
    async def ui_triage_paste(request: Request, session_id: str) -> HTMLResponse:
        form = await read_form(request)
        lang = _lang(request, str(form.get("lang") or ""))
        session = _state(request).sessions.get(session_id)
        text = str(form.get("text") or "")

        def work() -> dict[str, Any]:
            with session.lock:
                session.paste(text)
                return triage_context(request, session_id, session, lang)

        return render(request, "_triage.html", lang, **(await run_in_threadpool(work)))

    @router.post("/ui/triage/{session_id}/back", response_class=HTMLResponse)
    async def ui_triage_back(request: Request, session_id: str) -> HTMLResponse:
        form = await read_form(request)
        lang = _lang(request, str(form.get("lang") or ""))
        session = _state(request).sessions.get(session_id)

        def work() -> dict[str, Any]:
            with session.lock:
                session.back()
                return triage_context(request, session_id, session, lang)

        return render(request, "_triage.html", lang, **(await run_in_threadpool(work)))

    @router.get("/ui/triage/{session_id}/facts.json")
    async def triage_facts(request: Request, session_id: str) -> Response:
        session = _state(request).sessions.get(session_id)
        with session.lock:
            text = service.fact_file_json(session.facts) if session.kinds_known else json.dumps(session.fact_data(), indent=2, ensure_ascii=False) + "\n"
            return _download(text, f"{_safe_file_name(session.case_id)}.json", "application/json")

    @router.get("/ui/triage/{session_id}/session.json")
    async def triage_session(request: Request, session_id: str) -> Response:
        """The whole session (undo history included): the start form and ``podnet triage --facts`` resume from it."""
        session = _state(request).sessions.get(session_id)
        with session.lock:
            text = json.dumps(session.state(), indent=2, ensure_ascii=False) + "\n"
            return _download(text, f"{_safe_file_name(session.case_id)}-session.json", "application/json")

    @router.get("/ui/triage/{session_id}/report.md")
    async def triage_report(request: Request, session_id: str) -> Response:
        lang = _lang(request)
        session = _state(request).sessions.get(session_id)
        with session.lock:
            d = await run_in_threadpool(session.status, lang)
            return _download(service.report(d.diagnosis, "markdown"), f"{_safe_file_name(session.case_id)}.md", "text/markdown; charset=utf-8")

    @router.get("/login", response_class=HTMLResponse)
    async def login_page(request: Request) -> HTMLResponse:
        return render(request, "_login.html", _lang(request), section="login", bad=False)

    @router.post("/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        token = _state(request).config.token
        form = await request.form(max_files=0, max_fields=4, max_part_size=4096)
        given = str(form.get("token") or "")
        if token is None:
            return RedirectResponse("/", status_code=303)
        if not token_ok(token, given):
            return render(request, "_login.html", _lang(request), 401, section="login", bad=True)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, cookie_value(token), httponly=True, samesite="strict", path="/")
        return response

    @router.get("/docs", response_class=HTMLResponse)
    async def docs(request: Request) -> HTMLResponse:
        from .apidocs import operations

        return render(request, "_docs.html", _lang(request), section="api", ops=operations(request.app.openapi()))

    return router


def endpoints_from_form(form: Any) -> dict[str, Any]:
    """A fact file without observations from the start form's fields (blank ones left out)."""
    def field(name: str) -> str | None:
        value = str(form.get(name) or "").strip()
        return value or None

    src: dict[str, Any] = {"kind": field("src_kind") or "pod", "namespace": field("src_namespace"), "name": field("src_name"), "ip": field("src_ip"), "node": field("src_node"), "node_ip": field("src_node_ip")}
    dst: dict[str, Any] = {"kind": field("dst_kind") or "service", "namespace": field("dst_namespace"), "name": field("dst_name"), "ip": field("dst_ip"), "dns_name": field("dst_dns_name")}
    port = field("dst_port")
    if port is not None:
        if not port.isdigit():
            raise UsageError("a port is a number from 1 to 65535", location="form: dst_port")
        dst["port"] = int(port)
    if src["kind"] == "node" and src["name"] and not src["node"]:
        src["node"] = src["name"]
    clean = lambda d: {k: v for k, v in d.items() if v is not None}  # noqa: E731
    case_id = field("case_id") or "web-triage"
    return {"case": {"id": case_id, **({"summary": s} if (s := field("summary")) else {})}, "endpoints": {"source": clean(src), "destination": clean(dst)}}


def lang_links(path: str, params: dict[str, str]) -> dict[str, str]:
    return {lang: f"{path}?{urlencode({**params, 'lang': lang})}" for lang in LANGS}


def _is_saved_session(data: bytes) -> bool:
    """An uploaded file is a saved triage session (``podnet triage`` or the page's download)."""
    from ..triage.session import STATE_MARK

    return f'"{STATE_MARK}"'.encode() in data[:4096]


_ENDPOINT_VALUES = ("src_name", "src_ip", "src_node", "src_node_ip", "dst_name", "dst_ip", "dst_port", "dst_dns_name")
"""Start-form fields that say something about the failing connection (the kinds have defaults)."""


def _fresh(session: WebTriage) -> WebTriage:
    session.view()  # the first prompt computed off the event loop
    return session
