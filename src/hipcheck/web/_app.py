"""The FastAPI app of ``hipcheck serve``: the JSON API, the pages, the files of each session.

Every error is one line: ``{"error": "<one line>"}`` with the status of its
exit code (:func:`hipcheck.errors.http_status`) under ``/api``, a small page
elsewhere. Requests from another site are refused (a page elsewhere cannot
post to or delete from this server), the ``Host`` must be this machine when
it listens on loopback (no DNS rebinding), and with a token every request
must carry it.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from hipcheck import __version__
from hipcheck.errors import HipcheckError, http_status
from hipcheck.jobs import ClipRow, sessions_csv
from hipcheck.render import stylesheet
from hipcheck.types import TEST_EXERCISES
from hipcheck.web._pages import PageRenderer
from hipcheck.web._state import AppState, NotFoundError, ServeConfig, check_person
from hipcheck.web._upload import receive_upload

log = logging.getLogger("hipcheck.serve")
STATIC = Path(__file__).with_name("static")
TOKEN_COOKIE = "hipcheck_token"
SESSION_FILES = frozenset({"report.html", "report.json", "metrics.csv", "annotated.mp4"})
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "media-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _one_line(text: str) -> str:
    return (text.splitlines() or ["error"])[0][:500]


def create_app(config: ServeConfig, state: AppState | None = None) -> FastAPI:
    """The app over ``config``; its lifespan starts and stops the job queue."""
    state = state or AppState(config)
    pages = PageRenderer(state)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state.start()
        try:
            yield
        finally:
            await run_in_threadpool(state.stop)

    app = FastAPI(title="hipcheck", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.hipcheck = state
    _add_guards(app, config)
    _add_error_handlers(app, pages)
    _add_api(app, state)
    _add_pages(app, state, pages)
    return app


def _add_guards(app: FastAPI, config: ServeConfig) -> None:
    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        refused = _refusal(request, config)
        if refused is not None:
            status, text = refused
            return _error_response(request, status, text)
        response = await call_next(request)
        for key, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        given = request.query_params.get("token")
        if config.token and given and hmac.compare_digest(given, config.token):
            response.set_cookie(TOKEN_COOKIE, config.token, httponly=True, samesite="strict")
        return response


def _refusal(request: Request, config: ServeConfig) -> tuple[int, str] | None:
    host = (request.headers.get("host") or "").rsplit(":", 1)[0]
    if is_loopback(config.host) and not is_loopback(host):
        return 421, f"{host[:80] or 'no host'}: this server answers only to 127.0.0.1 / localhost"
    origin = request.headers.get("origin")
    if request.method not in ("GET", "HEAD") and origin and urlsplit(origin).netloc != request.headers.get("host"):
        return 403, f"{origin[:80]}: requests from another site are refused"
    if config.token:
        auth = request.headers.get("authorization", "")
        given = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else None
        given = given or request.cookies.get(TOKEN_COOKIE) or request.query_params.get("token")
        if not given or not hmac.compare_digest(given, config.token):
            return 401, "a valid token is required (Authorization: Bearer TOKEN, or open the page with ?token=TOKEN)"
    return None


def _error_response(request: Request, status: int, text: str, pages: PageRenderer | None = None) -> Response:
    if request.url.path.startswith("/api/") or pages is None:
        return JSONResponse({"error": _one_line(text)}, status_code=status, headers=_SECURITY_HEADERS)
    return HTMLResponse(pages.error(status, _one_line(text)), status_code=status, headers=_SECURITY_HEADERS)


def _add_error_handlers(app: FastAPI, pages: PageRenderer) -> None:
    async def hipcheck_error(request: Request, exc: Exception) -> Response:
        return _error_response(request, http_status(exc), str(exc), pages)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        text = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404 and text == "Not Found":
            text = f"{request.url.path[:80]}: no such page"
        return _error_response(request, exc.status_code, text, pages)

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
        return _error_response(request, 422, f"{where}: {first.get('msg', 'invalid')}", pages)

    async def internal_error(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s", request.url.path)
        return _error_response(request, 500, f"internal error ({type(exc).__name__}); see the server log", pages)

    app.add_exception_handler(HipcheckError, hipcheck_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, internal_error)


def session_dict(state: AppState, row: ClipRow) -> dict[str, Any]:
    """One session as ``GET /api/people/{person}/sessions`` lists it (angles in degrees, None = not measured)."""
    return {
        "id": row.id, "recorded_on": row.recorded_on, "name": row.name, "verdict": row.verdict,
        "confidence": row.confidence, "exercises": row.exercises,
        "pelvic_drop_deg": {"left": row.pelvic_drop_left_deg, "right": row.pelvic_drop_right_deg,
                            "error": row.pelvic_drop_error_deg},
        "knee_fppa_deg": {"left": row.knee_fppa_left_deg, "right": row.knee_fppa_right_deg,
                          "error": row.knee_fppa_error_deg},
        "hip_height_diff_deg": {"value": row.hip_height_diff_deg, "error": row.hip_height_error_deg},
        "report_url": f"/jobs/{row.id}/files/report.html" if state.report_exists(row) else None,
    }  # fmt: skip


def _add_api(app: FastAPI, state: AppState) -> None:
    @app.post("/api/jobs", status_code=201)
    async def upload(request: Request) -> JSONResponse:
        try:
            received = await receive_upload(
                request.headers.get("content-type", ""), request.headers.get("content-length"), request.stream(),
                state.data.uploads, state.config.max_upload_bytes,
            )  # fmt: skip
        except HipcheckError as exc:  # the body may be unread: close the connection rather than drain it
            return JSONResponse({"error": _one_line(str(exc))}, status_code=http_status(exc),
                                headers={**_SECURITY_HEADERS, "Connection": "close"})  # fmt: skip
        row = await run_in_threadpool(state.accept, received)
        return JSONResponse({"id": row.id, "state": row.state, "person": row.person}, status_code=201)

    @app.get("/api/jobs")
    def list_jobs() -> dict[str, Any]:
        return {"jobs": state.describe_all()}

    @app.get("/api/jobs/{clip}")
    def get_job(clip: str) -> dict[str, Any]:
        return state.describe(state.get(clip))

    @app.post("/api/jobs/{clip}/rerun", status_code=202)
    def rerun(clip: str, annotate: bool | None = None) -> dict[str, Any]:
        return state.describe(state.rerun(clip, annotate=annotate))

    @app.delete("/api/jobs/{clip}")
    def delete_job(clip: str) -> dict[str, Any]:
        row = state.delete(clip)
        return {"deleted": row.id}

    _add_people_api(app, state)


def _add_people_api(app: FastAPI, state: AppState) -> None:
    @app.get("/api/people")
    def people() -> dict[str, Any]:
        rows = state.store.people()
        return {"people": [{"person": p, "sessions": n, "last_recorded_on": last} for p, n, last in rows]}

    @app.get("/api/people/{person}/sessions")
    def sessions(person: str) -> dict[str, Any]:
        rows = _sessions_of(state, person)
        return {"person": person, "sessions": [session_dict(state, r) for r in rows]}

    @app.delete("/api/people/{person}")
    def delete_person(person: str) -> dict[str, Any]:
        gone = state.delete_person(person)
        return {"deleted": person, "sessions": len(gone)}

    @app.get("/api/health")
    def health() -> dict[str, Any]:
        return {"version": __version__, "queue": "running" if state.service.alive else "stopped",
                "exercises": list(TEST_EXERCISES)}  # fmt: skip


def _sessions_of(state: AppState, person: str) -> list[ClipRow]:
    name = check_person(person)
    if not state.store.rows(person=name):
        raise NotFoundError(f"{name[:80]}: no such person")
    return state.store.sessions(name)


def _add_pages(app: FastAPI, state: AppState, pages: PageRenderer) -> None:
    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return pages.upload()

    @app.get("/jobs", response_class=HTMLResponse)
    def jobs() -> str:
        return pages.jobs()

    @app.get("/jobs/{clip}", response_class=HTMLResponse)
    def job(clip: str) -> str:
        return pages.job(state.get(clip))

    _add_person_pages(app, state, pages)
    _add_files(app, state, pages)


def _add_files(app: FastAPI, state: AppState, pages: PageRenderer) -> None:
    @app.get("/jobs/{clip}/files/{name:path}")
    def session_file(clip: str, name: str) -> FileResponse:
        row = state.get(clip)
        folder = state.data.session(row.id).resolve()
        path = (folder / name).resolve()
        allowed = name in SESSION_FILES or (name.startswith("plots/") and name.endswith(".png"))
        if not allowed or not path.is_relative_to(folder) or not path.is_file():
            raise NotFoundError(f"{name[:80]}: no such file for this job")
        download = None if name.endswith((".html", ".png", ".mp4")) else f"{Path(row.name).stem}-{name}"
        return FileResponse(path, filename=download)

    @app.get("/static/hipcheck.css")
    def css() -> Response:
        return Response(stylesheet() + pages.extra_css(), media_type="text/css")

    @app.get("/static/app.js")
    def script() -> FileResponse:
        return FileResponse(STATIC / "app.js", media_type="text/javascript")

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status_code=204)


def _add_person_pages(app: FastAPI, state: AppState, pages: PageRenderer) -> None:
    @app.get("/people", response_class=HTMLResponse)
    def people_page() -> str:
        return pages.people()

    @app.get("/people/{person}", response_class=HTMLResponse)
    def person_page(person: str) -> str:
        return pages.person(check_person(person), _sessions_of(state, person))

    @app.get("/people/{person}/sessions.csv")
    def person_csv(person: str) -> Response:
        rows = _sessions_of(state, person)
        filename = quote(f"{person}-sessions.csv")
        return Response(sessions_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"})  # fmt: skip


__all__ = ["create_app", "is_loopback", "session_dict"]
