"""The reference voucher library as an ASGI app: the four realware SOAP services, `/healthz` and
the web console at `/console/`.

`create_app(settings)` builds a fresh app each time (no module-level app), so a 1.0 and a 2.0
library can run side by side in one process. The environment is read when the app is created, so
a bad `--env` fails before anything listens; the store is opened by the app's lifespan and closed
when it ends (httpx's ASGITransport runs no lifespan: enter `app.router.lifespan_context(app)`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from evoucher import wsauth
from evoucher.interface import SERVICES
from voucherlib.console import Console
from voucherlib.nonces import StoreNonces
from voucherlib.service import VoucherLibrary
from voucherlib.settings import Settings
from voucherlib.soap import SOAP_PREFIX, create_soap_router, post_endpoint


class _LibraryApp(FastAPI):
    """FastAPI with a SOAP POST taken straight to its endpoint. The framework's middleware and
    route matching cost ~0.2 ms of CPU per call and do nothing for it: the endpoint reads its own
    body and answers every error with a fault. Everything else goes through FastAPI."""

    soap_post: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.soap_post is not None and scope["type"] == "http" and scope["method"] == "POST":
            service = scope["path"].removeprefix(SOAP_PREFIX)
            if service != scope["path"] and service and "/" not in service:
                scope["app"], scope["path_params"] = self, {"service": service}
                await self.soap_post(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings) -> FastAPI:
    """An app serving `settings`' environment and store under `settings.profile`."""
    library = VoucherLibrary(settings)
    nonces = StoreNonces()  # CallerAuth's replay memory, shared by every process on the store

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(library.open)
        try:
            await run_in_threadpool(nonces.open, library.store)
            yield
        finally:
            await run_in_threadpool(console.close)
            await run_in_threadpool(nonces.close)
            await run_in_threadpool(library.close)

    app = _LibraryApp(
        title="guoku reference voucher library (电子凭证库)",
        description=f"realware SOAP interface, profile {settings.profile}; WSDL at <service path>?wsdl",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.library = library
    console = Console(library)  # the read-only web console, /console/
    app.include_router(console.router)
    soap = create_soap_router(
        library,
        profile=settings.profile,
        auth=settings.auth,
        resolve_caller=library.resolve_caller,
        on_refusal=library.refused,
        verifier=wsauth.Verifier(nonces=nonces),
        request_nice=settings.request_nice,
    )
    app.include_router(soap)  # GET (WSDL) and, for apps that mount the router, POST
    app.soap_post = post_endpoint(soap)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        """200 when the store answers; 503 otherwise (not open, or the database is gone).

        `refused_unidentified` counts, per stage, requests refused before anyone was identified:
        they are not in the audit trail (VL-LIB-062), so this is where a flood of them shows.
        """
        body: dict[str, Any] = {
            "profile": settings.profile,
            "auth": settings.auth,
            "services": [service.path for service in SERVICES.values()],
            "refused_unidentified": library.unidentified(),
        }
        try:
            store = library.store
            if store is None:
                raise RuntimeError("store not open")
            await run_in_threadpool(store.query, lambda q: q.audit_head())
        except Exception as exc:
            return JSONResponse(
                {**body, "status": "unavailable", "problem": type(exc).__name__}, status_code=503
            )
        return JSONResponse({**body, "status": "ok"})

    return app
