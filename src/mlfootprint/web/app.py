"""The dashboard's web application (Starlette + Jinja2), read-only over the run ledger.

Pages: ``/`` (projects), ``/runs`` (the table), ``/runs/<id>`` (a run), ``/compare?ids=a,b`` (side by
side). JSON: ``/api/runs``, ``/api/runs/<id>``, ``/api/projects``, ``/api/compare``. Static files (the
page script, styles and the bundled uPlot charting library) are served from the package: nothing is
fetched from elsewhere, and the Content-Security-Policy says so to the browser.

Everything is read through the store API (``list_runs``, ``get_run``, and ``plot_samples``, a bounded
downsample, for a run's curves); nothing is written.
With a token, every request must carry it (``?token=`` once, then a cookie; or ``Authorization: Bearer``).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from mlfootprint.errors import MlfootprintError, RunNotFoundError, UsageError
from mlfootprint.report.statement import TableVersion
from mlfootprint.store import RunStore
from mlfootprint.web import views

__all__ = ["DEFAULT_LIMIT", "create_app"]

#: how many runs (the newest) the runs table and the projects' time chart read at most
DEFAULT_LIMIT = 1000
#: how often pages poll for live runs (milliseconds)
POLL_MS = 2000

_HERE = Path(__file__).resolve().parent
_COOKIE = "mlfootprint_token"
_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
)

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


def _tables() -> tuple[TableVersion, ...]:
    from mlfootprint.reference import list_tables
    from mlfootprint.report.statement import table_versions

    return table_versions(list_tables())


class _Guard:
    """Adds security headers; with a token, refuses requests that do not carry it (401)."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    def _allowed(self, scope: Scope) -> tuple[bool, bool]:
        """(allowed, set the cookie)."""
        if self.token is None:
            return True, False
        from starlette.requests import HTTPConnection

        conn = HTTPConnection(scope)
        given = conn.query_params.get("token")
        if given is not None and hmac.compare_digest(given, self.token):
            return True, True
        cookie = conn.cookies.get(_COOKIE)
        if cookie is not None and hmac.compare_digest(cookie, self.token):
            return True, False
        auth = conn.headers.get("authorization", "")
        if auth.startswith("Bearer ") and hmac.compare_digest(auth[7:], self.token):
            return True, False
        return False, False

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        allowed, set_cookie = self._allowed(scope)
        if not allowed:
            from starlette.responses import PlainTextResponse

            response = PlainTextResponse(
                "this dashboard needs its token: open the URL it printed (…?token=…)", status_code=401
            )
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", _CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                if set_cookie and self.token is not None:
                    headers.append(
                        (b"set-cookie", f"{_COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/".encode())
                    )
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    store: RunStore, *, token: str | None = None, poll_ms: int = POLL_MS, runs_limit: int = DEFAULT_LIMIT
) -> Any:
    """The dashboard as an ASGI application over ``store`` (which the caller keeps open and closes).

    Lists show the newest ``runs_limit`` runs of a selection; totals count every run of it.

    Raises:
        MlfootprintError: the ``dashboard`` extra (starlette, jinja2) is not installed.
    """
    try:
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import JSONResponse, Response
        from starlette.routing import Mount, Route
        from starlette.staticfiles import StaticFiles
        from starlette.templating import Jinja2Templates
    except ImportError:
        raise MlfootprintError(
            "the dashboard needs starlette and jinja2: pip install 'mlfootprint[dashboard]'"
        ) from None

    templates = Jinja2Templates(directory=str(_HERE / "templates"))
    tables = _tables()

    def error(request: Request, exc: MlfootprintError, *, api: bool) -> Response:
        status = 404 if isinstance(exc, RunNotFoundError) else 400 if isinstance(exc, UsageError) else 500
        if api:
            return JSONResponse({"error": str(exc)}, status_code=status)
        return templates.TemplateResponse(
            request,
            "error.html",
            {"message": str(exc), "status": status, "page": "error"},
            status_code=status,
        )

    def listed(request: Request) -> tuple[list[Any], bool]:
        """The selection's newest ``runs_limit`` runs that pass the filters, and whether the limit cut it."""
        project = request.query_params.get("project") or None
        runs = store.list_runs(project=project, limit=runs_limit)
        cut = len(runs) >= runs_limit
        status = request.query_params.get("status")
        if status:
            runs = [r for r in runs if r.status == status]
        q = (request.query_params.get("q") or "").strip().lower()
        if q:
            runs = [r for r in runs if q in _haystack(r)]
        return runs, cut

    def projects_of(request: Request, by: str) -> dict[str, Any]:
        """The projects view: totals over every run of the selection, summed by the ledger where it can
        (a search or status filter is applied to the newest runs, and totals those)."""
        runs, cut = listed(request)
        group_sums = getattr(store, "group_sums", None)
        filtered = bool(request.query_params.get("status") or (request.query_params.get("q") or "").strip())
        sums = None
        if group_sums is not None and not filtered:
            from mlfootprint.report.group_totals import merge_sums, sums_of_runs

            project = request.query_params.get("project") or None
            parts: dict[str, Any] = {}
            for key in dict.fromkeys(("project", views.breakdown_key(by))):  # once when the same
                summed, unsure = group_sums(project=project, by=key)
                parts[key] = merge_sums(summed, sums_of_runs(unsure, by=key))
            sums = (parts["project"], parts[views.breakdown_key(by)])
        return views.project_view(runs, by=by, sums=sums, cut=cut)

    def ids_of(request: Request) -> list[str]:
        raw = request.query_params.get("ids", "")
        ids = [i.strip() for i in raw.split(",") if i.strip()]
        if not ids:
            raise UsageError("compare: give run ids, e.g. /compare?ids=ID1,ID2")
        return ids

    # -- JSON ----------------------------------------------------------------------------------------

    def api_runs(request: Request) -> Response:
        try:
            runs, cut = listed(request)
            rows = [views.run_row(r) for r in runs]
        except MlfootprintError as exc:
            return error(request, exc, api=True)
        # the newest runs_limit of the selection (the projects' totals count them all): say when it cut
        return JSONResponse({"runs": rows, "poll_ms": poll_ms, "limited": cut})

    def plot_samples(run_id: str) -> Any:
        """The run's curve as a bounded downsample when the ledger can (a 10^6-sample run reads a few
        thousand rows), else every sample."""
        bounded = getattr(store, "plot_samples", None)
        return bounded(run_id) if bounded is not None else store.samples(run_id)

    def api_run(request: Request) -> Response:
        try:
            run = store.get_run(request.path_params["run_id"])
            detail = views.run_detail(run, plot_samples(run.id), tables=tables)
        except MlfootprintError as exc:
            return error(request, exc, api=True)
        return JSONResponse(detail)

    def api_projects(request: Request) -> Response:
        try:
            view = projects_of(request, request.query_params.get("by") or "name")
        except MlfootprintError as exc:
            return error(request, exc, api=True)
        return JSONResponse(view)

    def api_compare(request: Request) -> Response:
        try:
            runs = [store.get_run(i) for i in ids_of(request)]
            view = views.compare_view(runs, tables=tables)
        except MlfootprintError as exc:
            return error(request, exc, api=True)
        return JSONResponse(view)

    # -- pages ---------------------------------------------------------------------------------------

    def page(request: Request, name: str, context: dict[str, Any]) -> Response:
        return templates.TemplateResponse(request, name, {"poll_ms": poll_ms, **context})

    def projects_page(request: Request) -> Response:
        tag_key = (request.query_params.get("tagkey") or "").strip()
        by = f"tag:{tag_key}" if tag_key else request.query_params.get("by") or "name"
        try:
            view = projects_of(request, by)
        except MlfootprintError as exc:
            return error(request, exc, api=False)
        return page(request, "projects.html", {"page": "projects", "view": view, "by": by})

    def runs_page(request: Request) -> Response:
        return page(request, "runs.html", {"page": "runs"})

    def run_page(request: Request) -> Response:
        try:
            run = store.get_run(request.path_params["run_id"])
            detail = views.run_detail(run, (), tables=tables)
        except MlfootprintError as exc:
            return error(request, exc, api=False)
        return page(request, "run.html", {"page": "run", "run": detail["run"], "st": detail["statement"]})

    def compare_page(request: Request) -> Response:
        try:
            ids = ids_of(request)
            view = views.compare_view([store.get_run(i) for i in ids], tables=tables)
        except MlfootprintError as exc:
            return error(request, exc, api=False)
        return page(request, "compare.html", {"page": "compare", "view": view, "ids": ",".join(ids)})

    def favicon(request: Request) -> Response:
        from starlette.responses import FileResponse

        return FileResponse(_HERE / "static" / "favicon.svg", media_type="image/svg+xml")

    routes = [
        Route("/", projects_page),
        Route("/runs", runs_page),
        Route("/runs/{run_id}", run_page),
        Route("/compare", compare_page),
        Route("/api/runs", api_runs),
        Route("/api/runs/{run_id}", api_run),
        Route("/api/projects", api_projects),
        Route("/api/compare", api_compare),
        Route("/favicon.ico", favicon),
        Mount("/static", app=StaticFiles(directory=str(_HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.store = store
    return _Guard(app, token)


def _haystack(run: Any) -> str:
    tags = " ".join(f"{k}={v}" for k, v in run.tags.items())
    return f"{run.id} {run.name} {run.project} {run.status} {tags} {' '.join(run.command)}".lower()
