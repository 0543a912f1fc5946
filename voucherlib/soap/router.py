"""The four realware endpoints as a FastAPI router: WSDL on GET `?wsdl`, SOAP 1.1 on POST.

The router knows the wire, not the business: it refuses what the interface forbids (hostile
or malformed envelopes, unknown operations, operations of another service or profile, missing
or badly typed arguments, failed caller authentication) and hands everything else to
`handler.call(service, operation, args, caller)`. `handler.call` may be a plain function, run
in the threadpool, or a coroutine function, awaited on the event loop; the same holds for
`resolve_caller` and `on_refusal`. `args` maps Python names (`cert_id`, `voucher_nos`, …) to
typed values in catalogue order: str, int, bytes (base64Binary) and list[str] (ArrayOf_xsd_string).
Every request refused before the handler runs is told to `on_refusal` as a `Refusal`, so the
service can audit what an identified caller tried (the fault is sent whatever `on_refusal` does).
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
import sys
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal, Protocol

import anyio
from anyio import from_thread, to_thread
from fastapi import APIRouter, Request, Response
from lxml import etree
from starlette.types import Receive, Scope, Send

from evoucher import soapenc, wsauth
from evoucher.errors import EVS_PARAM, HostileInputError
from evoucher.interface import OPERATION_BY_NAME, PROFILES, SERVICES, Operation, read_envelope_prologue
from voucherlib.soap.envelope import (
    DEFAULT_MAX_REQUEST_BYTES,
    LITERAL,
    Dialect,
    build_fault,
    build_response,
    decode_args,
    parse_request,
)
from voucherlib.soap.faults import Fault, RequestFault, to_fault
from voucherlib.soap.wsdl import STYLES, build_wsdl

AuthMode = Literal["required", "off"]
Stage = Literal["request", "authentication", "caller"]
XML = "text/xml; charset=utf-8"
BULKY_REQUEST_BYTES = 1024 * 1024  # larger requests take turns: at most max_bulky_requests at once
log = logging.getLogger("voucherlib.soap")


@dataclass(frozen=True)
class Refusal:
    """A request refused before the handler ran.

    `stage` is where: the request itself (envelope, operation), the CallerAuth header (signature,
    freshness, nonce), or after it (arguments, the certID argument, `resolve_caller`). `cert_id`
    and `cert_der` are who the request proved to be by then (the verified header's CertID and
    certificate; with `auth="off"` the certID argument, taken on trust, and None), else None;
    `operation` is None when the request named no operation of the catalogue. With `auth="off"`,
    `adm_div_code` is the admDivCode argument the certID was taken with (a deployed certID such
    as the org type `001` names a party only within its AdmDivCode).
    """

    service: str
    operation: str | None
    stage: Stage
    cert_id: str | None
    cert_der: bytes | None
    error: Exception
    adm_div_code: str | None = None


class SoapHandler(Protocol):
    """What implements the operations (voucherlib.service); raise errors carrying `.evs_code`."""

    def call(self, service: str, operation: str, args: Mapping[str, Any], caller: Any) -> Any: ...


def _from_worker(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` to be called from a worker thread: itself, or a coroutine function run on the event
    loop (decided once: asking on every call cost a few µs each, three times a request)."""
    return partial(from_thread.run, fn) if inspect.iscoroutinefunction(fn) else fn


SOAP_PREFIX = "/realware/services/"


def post_endpoint(router: APIRouter) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """The ASGI endpoint a `create_soap_router` router answers POSTs with, for an app to call
    directly with `scope["path_params"] = {"service": NAME}` (see voucherlib.app)."""
    for route in router.routes:
        if isinstance(getattr(route, "endpoint", None), _AsgiEndpoint):
            return route.endpoint
    raise ValueError("not a router made by create_soap_router")


@dataclass(frozen=True)
class _AsgiEndpoint:
    """Starlette treats a route endpoint that is not a function as an ASGI app of its own."""

    app: Callable[[Scope, Receive, Send], Awaitable[None]]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


async def _read_body(request: Request, limit: int, bulky: Callable[[], Awaitable[Any]]) -> bytes:
    """The request body, refused as soon as it is known to be over `limit` bytes.

    Once it is known to be over BULKY_REQUEST_BYTES, `bulky()` is awaited (a turn among the few
    large requests allowed at once) before more of it is read into memory.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HostileInputError(f"SOAP request: Content-Length {declared} is over the limit of {limit} bytes")
    waited = declared.isdigit() and int(declared) > BULKY_REQUEST_BYTES
    if waited:
        await bulky()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HostileInputError(f"SOAP request: body is over the limit of {limit} bytes")
        if not waited and size > BULKY_REQUEST_BYTES:
            waited = True
            await bulky()
        chunks.append(chunk)
    return b"".join(chunks)


def _operation(service: str, profile: str, name: str) -> Operation:
    op = OPERATION_BY_NAME.get(name)
    if op is None:
        raise RequestFault(EVS_PARAM, f"unknown operation {name!r}: not part of the realware interface")
    if service not in op.services:
        offered = ", ".join(sorted(op.services))
        raise RequestFault(EVS_PARAM, f"{service} does not offer {name}; call it on {offered}")
    if profile not in op.profiles:
        raise RequestFault(
            EVS_PARAM,
            f"{name} is not part of interface profile {profile} (only {', '.join(sorted(op.profiles))})",
        )
    return op


_niced = threading.local()


def _lower_priority(nice: int) -> None:
    """Lower this thread's scheduling priority by `nice`, once per thread. Linux only: there a
    thread id names the thread; elsewhere PRIO_PROCESS would take it for a process id."""
    if nice and sys.platform.startswith("linux") and not getattr(_niced, "done", False):
        _niced.done = True
        tid = threading.get_native_id()
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))


def _tell(on_refusal: Callable[[Refusal], Any] | None, refusal: Refusal) -> None:
    """Hand a refusal to `on_refusal` (from a worker thread); its failure is logged and never
    changes the fault sent."""
    if on_refusal is None:
        return
    try:
        on_refusal(refusal)
    except Exception:
        log.exception("on_refusal failed for %s on %s", refusal.operation, refusal.service)


def _release(fault: Fault, exc: BaseException) -> Fault:
    """Drop the traceback of an error already turned into its fault (and logged, if unexpected).

    A handler's error comes back through a threadpool future that its traceback's frames hold:
    a reference cycle, freed only by the cyclic GC, that keeps the failed request's megabytes
    (its body, the decoded MOF) alive meanwhile. Refused floods would then pile up in memory.
    """
    exc.__traceback__ = None
    return fault


def _fault_response(fault: Fault, status: int = 500, dialect: Dialect = LITERAL) -> Response:
    return Response(build_fault(fault, dialect), status_code=status, media_type=XML)


def create_soap_router(
    handler: SoapHandler,
    *,
    profile: str = "2.0",
    auth: AuthMode = "required",
    resolve_caller: wsauth.ResolveCaller | None = None,
    verifier: wsauth.Verifier | None = None,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    on_refusal: Callable[[Refusal], Any] | None = None,
    max_bulky_requests: int = 2,
    request_nice: int = 0,
) -> APIRouter:
    """A router serving `/realware/services/<Name>` for the four services under one profile.

    `auth="off"` skips the CallerAuth header and takes the certID argument on trust (for
    libraries and tools that do not implement it); `resolve_caller` is then called as
    `resolve_caller(cert_id, None, adm_div_code)`, so it can read a deployed certID such as the
    org type `001` within the AdmDivCode the request names (VL-WIRE-027). The default
    `resolve_caller` (wsauth.caller_named_by_certificate) checks only that the certificate names
    the CertID, no chain. With auth on, the header is checked (fields, freshness, certificate,
    `resolve_caller`) first, and its signature once the Body is parsed; a request over
    BULKY_REQUEST_BYTES whose header fails is refused without its Body ever being parsed (a
    smaller one is parsed first, so that a malformed request is named as such). Bulky requests
    are read and handled at most `max_bulky_requests` at a time; the others wait their turn.
    The threads that handle requests run `request_nice` lower than the rest (`_lower_priority`).
    """
    if profile not in PROFILES:
        raise ValueError(f"create_soap_router: profile must be one of {PROFILES}, got {profile!r}")
    if auth not in ("required", "off"):
        raise ValueError(f"create_soap_router: auth must be 'required' or 'off', got {auth!r}")
    resolve = _from_worker(resolve_caller or wsauth.caller_named_by_certificate)
    call_handler = _from_worker(handler.call)
    on_refusal = None if on_refusal is None else _from_worker(on_refusal)
    check = verifier or wsauth.Verifier()
    router = APIRouter()
    bulky = anyio.Semaphore(max_bulky_requests)

    async def describe(service: str, request: Request) -> Response:
        if service not in SERVICES:
            return Response(f"no service {service}\n", status_code=404, media_type="text/plain")
        if any(key.lower() == "wsdl" for key in request.query_params):
            location = str(request.url.replace(query=""))
            style = request.query_params.get("style", "document")
            if style not in STYLES:
                text = f"style must be one of {', '.join(STYLES)}, got {style[:40]!r}\n"
                return Response(text, status_code=400, media_type="text/plain")
            return Response(build_wsdl(service, profile, location, style), media_type=XML)
        text = (
            f"{service}: realware voucher-library service, interface profile {profile}; "
            "WSDL at ?wsdl (document/literal) and ?wsdl&style=rpc (rpc/encoded)\n"
        )
        return Response(text, media_type="text/plain")

    def refuse(
        service: str, exc: Exception, op_name: str | None, stage: Stage, proven, adm, dialect: Dialect
    ) -> Response:
        """Tell `on_refusal` of a request refused before the handler ran, and answer with its fault."""
        known = op_name if op_name in OPERATION_BY_NAME else None
        _tell(on_refusal, Refusal(service, known, stage, *proven, exc, adm))
        fault = _release(to_fault(exc, before_handler=True, operation=op_name), exc)
        return _fault_response(fault, dialect=dialect)

    def answer(service: str, data: bytes) -> Response:
        """The whole request after its bytes are read, in one worker thread: parsing a large
        Body never holds the event loop, and a call costs one thread hand-off, not one per step."""
        _lower_priority(request_nice)
        op_name, stage, proven, dialect, adm = None, "request", (None, None), LITERAL, None
        try:
            # a request up to BULKY_REQUEST_BYTES is parsed whole before its caller is known
            # anyway (below), so once, first; a fault in it is met and named by the steps below
            try:
                parsed = (
                    parse_request(data, limit=max_request_bytes) if len(data) <= BULKY_REQUEST_BYTES else None
                )
            except Exception:
                parsed = None
            if parsed is not None:
                head, op_name, dialect = parsed.header, parsed.operation, parsed.dialect
                _operation(service, profile, op_name)
            else:  # who is calling, and for what, from the header and the operation's name alone
                head, first = read_envelope_prologue(data, limit=max_request_bytes, what="SOAP request")
                if first is not None and not soapenc.is_independent(first):  # not a multiRef: the call
                    op_name = etree.QName(first).localname
                    if soapenc.is_encoded(first, first.getparent()):  # an early refusal answers in kind
                        dialect = Dialect(True, etree.QName(first).namespace)
                    _operation(service, profile, op_name)
            if auth == "required":
                stage = "authentication"
                try:
                    screened = check.screen(head)
                    early = resolve(screened.cert_id, screened.certificate)
                except Exception as exc:
                    if getattr(exc, "caller", None) is not None:
                        early = None  # one of its own, refused (revoked…): attributed once signed
                    elif len(data) > BULKY_REQUEST_BYTES:
                        raise  # nobody the library knows: a large Body is never parsed for them
                    else:  # a small one is: a malformed request is named as such first (EVS100)
                        stage = "request"
                        parsed = parsed or parse_request(data, limit=max_request_bytes)
                        stage = "authentication"
                        raise
                stage = "request"
            parsed = parsed or parse_request(data, limit=max_request_bytes)  # only now the Body
            op_name, dialect = parsed.operation, parsed.dialect
            op = _operation(service, profile, op_name)
            if auth == "required":
                stage = "authentication"
                header = check.verify(parsed.header, parsed.body, service=service, screened=screened)
                stage, proven = "caller", (header.cert_id, header.certificate)
                args = decode_args(op, parsed)
                wsauth.check_cert_id(header, args["cert_id"])
                same = (header.cert_id, header.certificate) == (screened.cert_id, screened.certificate)
                if early is None or not same:
                    early = resolve(header.cert_id, header.certificate)
                caller = early
            else:
                args = decode_args(op, parsed)
                stage, proven, adm = "caller", (args["cert_id"], None), args["adm_div_code"]
                caller = resolve(args["cert_id"], None, adm)
        except Exception as exc:
            return refuse(service, exc, op_name, stage, proven, adm, dialect)
        try:
            result = call_handler(service, op.name, args, caller)
            return Response(build_response(op, result, dialect), media_type=XML)
        except Exception as exc:
            fault = _release(to_fault(exc, before_handler=False, operation=op.name), exc)
            return _fault_response(fault, dialect=dialect)

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        """POST: a raw ASGI endpoint (no per-request dependency solving), the work in `answer`."""
        request = Request(scope, receive)
        service = request.path_params["service"]
        if service not in SERVICES:
            unknown = RequestFault(EVS_PARAM, f"no service {service}; one of {', '.join(SERVICES)}")
            refusal = Refusal(service, None, "request", None, None, unknown)
            await to_thread.run_sync(_tell, on_refusal, refusal)
            response = _fault_response(Fault(EVS_PARAM, unknown.message, "soapenv:Client"), status=404)
        else:
            async with contextlib.AsyncExitStack() as turn:
                try:
                    data = await _read_body(
                        request, max_request_bytes, partial(turn.enter_async_context, bulky)
                    )
                except Exception as exc:
                    unread = (None, "request", (None, None), None, LITERAL)  # nothing known of it yet
                    response = await to_thread.run_sync(refuse, service, exc, *unread)
                else:
                    response = await to_thread.run_sync(answer, service, data)
        await response(scope, receive, send)

    path = SOAP_PREFIX + "{service}"
    router.add_api_route(path, describe, methods=["GET"], include_in_schema=False)
    router.add_route(path, _AsgiEndpoint(dispatch), methods=["POST"], include_in_schema=False)
    return router
