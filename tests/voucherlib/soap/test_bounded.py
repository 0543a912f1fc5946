"""Bounded work per request: who is calling is known before the Body is parsed, and large
requests take turns (VL-WIRE-006, VL-WIRE-020)."""

from __future__ import annotations

import gc
import weakref

import anyio
import httpx
import pytest

from evoucher.errors import EvoucherError
from tests.voucherlib.soap.support import RecordingHandler, make_app
from tests.voucherlib.soap.test_auth import ARGS, Intercept, connect, refused
from voucherlib.soap import router as soap_router
from voucherlib.soap.router import BULKY_REQUEST_BYTES

pytestmark = pytest.mark.anyio
URL = "http://library.test/realware/services/AsspFinanceService"
BIG_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    b"<soapenv:Body><confirmVoucher>"
    + b"<x>padding padding</x>" * 60_000
    + b"</confirmVoucher></soapenv:Body></soapenv:Envelope>"
)
assert len(BIG_BODY) > BULKY_REQUEST_BYTES  # a smaller Body is parsed first, to name a malformed one


@pytest.fixture
def parsed(monkeypatch):
    """Every Body the router parses in full."""
    seen = []
    real = soap_router.parse_request

    def spy(data, **kwargs):
        seen.append(len(data))
        return real(data, **kwargs)

    monkeypatch.setattr(soap_router, "parse_request", spy)
    return seen


async def test_a_large_body_without_a_caller_is_never_parsed(parsed):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=make_app(RecordingHandler()))) as raw:
        answer = await raw.post(URL, content=BIG_BODY)
    assert answer.status_code == 500 and b"EVS112#CallerAuth header: missing" in answer.content
    assert parsed == []


async def test_a_caller_the_library_does_not_know_is_refused_before_a_large_body(parsed):
    def stranger(cert_id, cert_der):
        raise soap_router.wsauth.EvoucherError(f"certificate of {cert_id} is not ours", evs_code="EVS112")

    app = make_app(RecordingHandler(), resolve_caller=stranger)
    body = b"<soapenv:Body>"
    pad = lambda sent: sent.replace(body, body + b"<!--" + b"x" * BULKY_REQUEST_BYTES + b"-->")  # noqa: E731
    async with connect(Intercept(app, edit=pad)) as client:
        fault = await refused(client, *ARGS)
    assert fault.evs_code == "EVS112" and "is not ours" in fault.message
    assert parsed == []


async def test_an_unknown_operation_is_still_named_before_authentication(parsed):
    body = BIG_BODY.replace(b"confirmVoucher", b"dropAllTables")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=make_app(RecordingHandler()))) as raw:
        answer = await raw.post(URL, content=body)
    assert b"EVS100#unknown operation 'dropAllTables'" in answer.content and parsed == []


class Slow:
    """A handler that notes how many calls run at once."""

    def __init__(self) -> None:
        self.active = self.most = 0

    async def call(self, service, operation, args, caller):
        self.active += 1
        self.most = max(self.most, self.active)
        await anyio.sleep(0.05)
        self.active -= 1
        return 1


@pytest.mark.parametrize(("padding", "most"), [(BULKY_REQUEST_BYTES, 1), (1000, 3)])
async def test_bulky_requests_take_turns(padding, most):
    """A comment pads the Body (signatures cover it without comments) past the bulky threshold."""
    body = b"<soapenv:Body>"
    pad = lambda sent: sent.replace(body, body + b"<!--" + b"x" * padding + b"-->")  # noqa: E731
    handler = Slow()
    transport = Intercept(make_app(handler, max_bulky_requests=1), edit=pad)
    async with connect(transport) as client, anyio.create_task_group() as calls:
        for _ in range(3):
            calls.start_soon(client.confirm_voucher, *ARGS)
    assert handler.most == most


class Marker:
    """Stands for what a failed call's frames hold (its body, the decoded MOF)."""


class Refusing:
    """A threadpool handler whose frame holds a Marker when it refuses."""

    def __init__(self) -> None:
        self.held: list[weakref.ref] = []

    def call(self, service, operation, args, caller):
        marker = Marker()
        self.held.append(weakref.ref(marker))
        raise EvoucherError(f"{operation}: refused", evs_code="EVS100")


@pytest.fixture
def no_cyclic_gc():
    gc.collect()
    gc.disable()
    yield
    gc.enable()


async def test_a_refused_call_frees_what_its_frames_held_at_once(no_cyclic_gc):
    """Not at the next cyclic GC: a stream of refused 8 MiB requests must not pile up in memory."""
    handler = Refusing()
    async with connect(Intercept(make_app(handler))) as client:
        for _ in range(3):
            assert (await refused(client, *ARGS)).evs_code == "EVS100"
    assert len(handler.held) == 3 and all(ref() is None for ref in handler.held)


def test_a_refusal_before_the_body_is_parsed_answers_an_axis_request_in_kind():
    """An unknown operation is refused from the prologue, still as Axis reports it (VL-WIRE-045)."""
    from fastapi.testclient import TestClient

    from tests.voucherlib.soap.test_encoded import HEAD, axis

    with TestClient(make_app(RecordingHandler(), auth="off")) as client:
        answer = client.post("/realware/services/AsspCBankService", content=axis("dropAllTables", HEAD))
    assert answer.status_code == 500
    assert b"<faultcode>soapenv:Server.userException</faultcode>" in answer.content
    assert b"java.lang.Exception: EVS100#unknown operation 'dropAllTables'" in answer.content


async def test_a_small_malformed_request_is_named_as_such_before_the_missing_caller(parsed):
    """Under BULKY_REQUEST_BYTES the Body is parsed first: two operations are EVS100, not EVS112."""
    two = BIG_BODY[: BIG_BODY.index(b"<x>")] + b"</confirmVoucher><confirmVoucher></confirmVoucher>"
    two += b"</soapenv:Body></soapenv:Envelope>"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=make_app(RecordingHandler()))) as raw:
        answer = await raw.post(URL, content=two)
    assert b"EVS100#SOAP request: Body must hold exactly one operation, found 2" in answer.content
