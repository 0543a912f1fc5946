"""The console's pages on the library's FastAPI app, under /console/ (read-only, docs/console.md).

Pages are Jinja2 templates rendered on the server; no script, no build step. Every page but the
login needs a session (no login, no data). The work behind a page (store reads, SM2 verification
of stamps, PDF drawing) runs in worker threads bounded by `CONSOLE_THREADS`, so a person looking
at vouchers never takes more than that many threads from the SOAP endpoints.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from evoucher import registry
from voucherlib.console import board as board_page
from voucherlib.console.document import document_view, visible
from voucherlib.console.listing import list_page
from voucherlib.console.login import COOKIE, SESSION_SECONDS, LoginRefused, Logins, Viewer
from voucherlib.console.reports import report_file, report_index
from voucherlib.errors import ArgumentError, VoucherNotFound
from voucherlib.pdf import placed, voucher_pdf
from voucherlib.service import VoucherLibrary
from voucherlib.settings import Settings
from voucherlib.store import VoucherKey, amounts
from voucherlib.store.console import prepare

T = TypeVar("T")
CONSOLE_THREADS = 2
TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.globals["registry_name"] = lambda vt: registry.get(vt).zh_name if vt in registry.codes() else vt


def create_console_router(library: VoucherLibrary, settings: Settings) -> APIRouter:
    """The console of `library`: login, vouchers, voucher pages, board and `settings.reports_dir`."""
    router = APIRouter(prefix="/console", include_in_schema=False)
    logins = Logins(lambda cert_id: library.resolve_caller(cert_id, None).party)
    limiter = CapacityLimiter(CONSOLE_THREADS)
    indexed: list[bool] = []

    async def work(fn: Callable[..., T], *args: Any) -> T:
        return await to_thread.run_sync(fn, *args, limiter=limiter)

    def read(question: Callable[..., T]) -> T:
        if library.store is None:
            raise VoucherNotFound("-", detail="the library is not open")
        if not indexed:
            library.store.atomic(prepare)
            indexed.append(True)
        amounts.catch_up(library.store)  # the amounts of new bytes, before the list
        return library.store.query(question)

    def page(request: Request, template: str, viewer: Viewer | None, status: int = 200, **facts) -> Response:
        facts = {"viewer": viewer, "reports": settings.reports_dir is not None, **facts}
        return TEMPLATES.TemplateResponse(request, template, facts, status_code=status)

    def who(request: Request) -> Viewer | None:
        return logins.viewer(library.env, request.cookies.get(COOKIE))

    def to_login(request: Request) -> Response:
        return RedirectResponse(f"/console/login?{urlencode({'next': request.url.path})}", status_code=303)

    @router.get("/")
    async def home(request: Request) -> Response:
        return RedirectResponse("/console/vouchers" if who(request) else "/console/login", status_code=303)

    @router.get("/login")
    async def login_form(request: Request, token: str = "", next: str = "/console/vouchers") -> Response:
        if token:
            return await _login(request, token, next)
        return page(request, "login.html", who(request), next=next, problem="")

    @router.post("/login")
    async def login_post(request: Request) -> Response:
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        return await _login(request, form.get("token", [""])[0], form.get("next", ["/console/vouchers"])[0])

    async def _login(request: Request, token: str, next: str) -> Response:
        try:
            viewer = await work(logins.check_token, library.env, token)
        except LoginRefused as exc:
            return page(request, "login.html", None, status=403, next=next, problem=str(exc))
        target = next if next.startswith("/console/") else "/console/vouchers"
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            COOKIE, logins.cookie(viewer), max_age=SESSION_SECONDS, path="/console", httponly=True,
            samesite="strict",
        )  # fmt: skip
        return response

    @router.get("/logout")
    async def logout() -> Response:
        response = RedirectResponse("/console/login", status_code=303)
        response.delete_cookie(COOKIE, path="/console")
        return response

    @router.get("/vouchers")
    async def vouchers(request: Request) -> Response:
        viewer = who(request)
        if viewer is None:
            return to_login(request)
        try:
            facts = await work(lambda: read(lambda q: list_page(q, viewer.org, request.query_params)))
        except ArgumentError as exc:
            return page(request, "vouchers.html", viewer, status=400, problem=exc.message, rows=[], form={})
        return page(request, "vouchers.html", viewer, problem="", **facts)

    def key_of(adm: str, year: int, vt: str, no: str, flag: int) -> VoucherKey:
        return VoucherKey(adm, year, vt, no, flag)

    @router.get("/voucher/{adm}/{year}/{vt}/{no}/{flag}")
    async def voucher(
        request: Request, adm: str, year: int, vt: str, no: str, flag: int, v: int = 0
    ) -> Response:
        viewer = who(request)
        if viewer is None:
            return to_login(request)

        def build(q):
            key = key_of(adm, year, vt, no, flag)
            doc = document_view(q, library.env, settings.policy, viewer.org, key, v or None)
            try:
                other = document_view(
                    q, library.env, settings.policy, viewer.org, key.ref.key(1 - flag), None
                )
            except VoucherNotFound:
                other = None
            return doc, other

        try:
            doc, other = await work(lambda: read(build))
        except (VoucherNotFound, ArgumentError):
            return page(request, "missing.html", viewer, status=404, what=f"{adm}/{year}/{vt}/{no}/{flag}")
        return page(request, "voucher.html", viewer, doc=doc, other=other)

    async def _version(request: Request, adm, year, vt, no, flag, v):
        viewer = who(request)
        if viewer is None:
            return viewer, None

        def fetch(q):
            key = key_of(adm, year, vt, no, flag)
            _, newest, _ = visible(q, viewer.org, key)
            return q.version(key, v if 1 <= v <= newest else newest)

        try:
            return viewer, await work(lambda: read(fetch))
        except (VoucherNotFound, ArgumentError):
            return viewer, None

    @router.get("/voucher/{adm}/{year}/{vt}/{no}/{flag}/voucher.xml")
    async def voucher_bytes(request: Request, adm: str, year: int, vt: str, no: str, flag: int, v: int = 0):
        viewer, version = await _version(request, adm, year, vt, no, flag, v)
        if viewer is None:
            return to_login(request)
        if version is None:
            return Response("no such voucher", status_code=404, media_type="text/plain")
        name = f"{vt}-{no}-{flag}-v{version.version}.xml"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Response(version.body, media_type="application/xml", headers=headers)

    @router.get("/voucher/{adm}/{year}/{vt}/{no}/{flag}/voucher.pdf")
    async def voucher_pdf_(request: Request, adm: str, year: int, vt: str, no: str, flag: int, v: int = 0):
        viewer, version = await _version(request, adm, year, vt, no, flag, v)
        if viewer is None:
            return to_login(request)
        if version is None:
            return Response("no such voucher", status_code=404, media_type="text/plain")
        pdf = await work(
            lambda: voucher_pdf(
                version.body,
                placed(version.stamps, library.env.positions.get(vt, ())),
                voucher_flag=flag,
                title=str(version.key),
            )
        )
        name = f"{vt}-{no}-{flag}-v{version.version}.pdf"
        return Response(
            pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
        )

    @router.get("/board")
    async def board(request: Request, day: str = "") -> Response:
        viewer = who(request)
        if viewer is None:
            return to_login(request)
        day = day or datetime.now(UTC).date().isoformat()
        try:
            facts = await work(lambda: read(lambda q: board_page.facts(q, viewer.org, day)))
        except ArgumentError as exc:
            return page(request, "missing.html", viewer, status=400, what=exc.message)
        if request.query_params.get("format") == "json":
            return JSONResponse(board_page.to_json(facts))
        return page(request, "board.html", viewer, **facts)

    @router.get("/reports/{path:path}")
    async def reports(request: Request, path: str = "") -> Response:
        viewer = who(request)
        if viewer is None:
            return to_login(request)
        root = settings.reports_dir
        if root is None or not viewer.operator:
            why = "no --reports directory" if root is None else "reports are for the operator"
            return page(request, "missing.html", viewer, status=404, what=why)
        if not path:
            return page(request, "reports.html", viewer, files=await work(report_index, root))
        found = report_file(root, path)
        if found is None:
            return page(request, "missing.html", viewer, status=404, what=path)
        return Response(found.read_bytes(), media_type=mimetypes.guess_type(found.name)[0] or "text/plain")

    return router
