"""The console's routes on the library's FastAPI app, under /console/ (read-only, docs/console.md).

Pages are Jinja2 templates rendered on the server; no script, no build step. Every page but the
login needs a session (no login, no data). Here only the session is checked and the login taken;
the pages themselves are made by `Runner`, away from the SOAP endpoints' process.
"""

from __future__ import annotations

import mimetypes
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from voucherlib.console import pages
from voucherlib.console.login import COOKIE, OPERATOR, SESSION_SECONDS, LoginRefused, Logins, Viewer
from voucherlib.console.reports import report_file, report_index
from voucherlib.console.runner import Runner
from voucherlib.errors import ArgumentError
from voucherlib.service import VoucherLibrary
from voucherlib.store import VoucherKey


class Console:
    """The console of one library: its router, and `close()` for the app's shutdown."""

    def __init__(self, library: VoucherLibrary) -> None:
        self.library = library
        self.logins = Logins(lambda cert_id: library.resolve_caller(cert_id, None).party)
        self.run = Runner(library)
        self.router = _router(self)
        self._login_checks = CapacityLimiter(2)

    def close(self) -> None:
        self.run.close()

    def who(self, request: Request) -> str | None:
        return self.logins.who(request.cookies.get(COOKIE))

    async def answer(self, request: Request, job, *args) -> Response:
        """Run a page job for the session's viewer; no session (or no longer a valid one): log in."""
        who = self.who(request)
        found = await self.run(job, who, *args) if who else pages.LOG_IN
        if found.status == 303:
            target = f"/console/login?{urlencode({'next': request.url.path})}"
            return RedirectResponse(target, status_code=303)
        return Response(found.body, found.status, dict(found.headers), media_type=found.media_type)

    async def login(self, request: Request, token: str, next: str) -> Response:
        try:
            viewer = await to_thread.run_sync(
                self.logins.check_token, self.library.env, token, limiter=self._login_checks
            )
        except LoginRefused as exc:
            return self.local(request, "login.html", None, 403, next=next, problem=str(exc))
        response = RedirectResponse(next if next.startswith("/console/") else "/console/vouchers", 303)
        response.set_cookie(
            COOKIE, self.logins.cookie(viewer), max_age=SESSION_SECONDS, path="/console", httponly=True,
            samesite="strict",
        )  # fmt: skip
        return response

    def local(
        self, request: Request, template: str, viewer: Viewer | None, status: int = 200, **facts
    ) -> Response:
        """A page with no store work in it (the login, the reports), made here."""
        found = pages.render(self.library, template, viewer, status, **facts)
        return Response(found.body, found.status, media_type=found.media_type)


def _key(adm: str, year: int, vt: str, no: str, flag: int) -> VoucherKey | None:
    try:
        return VoucherKey(adm, year, vt, no, flag)
    except ArgumentError:
        return None


def _router(console: Console) -> APIRouter:
    router = APIRouter(prefix="/console", include_in_schema=False)
    settings = console.library.settings

    def missing() -> Response:
        return Response("no such voucher", 404, media_type="text/plain")

    @router.get("/")
    async def home(request: Request) -> Response:
        return RedirectResponse("/console/vouchers" if console.who(request) else "/console/login", 303)

    @router.get("/login")
    async def login_form(request: Request, token: str = "", next: str = "/console/vouchers") -> Response:
        if token:
            return await console.login(request, token, next)
        return console.local(request, "login.html", None, next=next, problem="")

    @router.post("/login")
    async def login_post(request: Request) -> Response:
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        return await console.login(
            request, form.get("token", [""])[0], form.get("next", ["/console/vouchers"])[0]
        )

    @router.get("/logout")
    async def logout() -> Response:
        response = RedirectResponse("/console/login", 303)
        response.delete_cookie(COOKIE, path="/console")
        return response

    @router.get("/vouchers")
    async def vouchers(request: Request) -> Response:
        return await console.answer(request, pages.vouchers, dict(request.query_params))

    @router.get("/voucher/{adm}/{year}/{vt}/{no}/{flag}")
    async def voucher(request: Request, adm: str, year: int, vt: str, no: str, flag: int, v: int = 0):
        key = _key(adm, year, vt, no, flag)
        return await console.answer(request, pages.voucher, key, v) if key else missing()

    @router.get("/voucher/{adm}/{year}/{vt}/{no}/{flag}/voucher.{kind}")
    async def download(
        request: Request, adm: str, year: int, vt: str, no: str, flag: int, kind: str, v: int = 0
    ):
        key = _key(adm, year, vt, no, flag)
        if key is None or kind not in ("xml", "pdf"):
            return missing()
        return await console.answer(request, pages.download, key, v, kind)

    @router.get("/board")
    async def board(request: Request, day: str = "", format: str = "") -> Response:
        day = day or datetime.now(UTC).date().isoformat()
        return await console.answer(request, pages.board, day, format == "json")

    @router.get("/reports/{path:path}")
    async def reports(request: Request, path: str = "") -> Response:
        who = console.who(request)
        if who is None:
            return RedirectResponse(f"/console/login?{urlencode({'next': request.url.path})}", 303)
        viewer = Viewer(OPERATOR, None) if who == OPERATOR else None
        root = settings.reports_dir
        if root is None or viewer is None:
            why = "no --reports directory" if root is None else "reports are for the operator"
            return console.local(request, "missing.html", viewer, 404, what=why)
        if not path:
            return console.local(
                request, "reports.html", viewer, files=await to_thread.run_sync(report_index, root)
            )
        found = report_file(root, path)
        if found is None:
            return console.local(request, "missing.html", viewer, 404, what=path)
        return Response(found.read_bytes(), media_type=mimetypes.guess_type(found.name)[0] or "text/plain")

    return router
