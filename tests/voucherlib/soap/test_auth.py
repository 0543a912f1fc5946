"""Caller authentication: CallerAuth headers are checked for signature, freshness, replay and certID."""

from __future__ import annotations

import time

import httpx
import pytest

from evoucher import wsauth
from evoucher.errors import EVS_PERMISSION, EvoucherError
from mocks import AsyncVoucherLibraryClient, LibraryFault
from tests.voucherlib.soap.support import RecordingHandler, identity, make_app

pytestmark = pytest.mark.anyio
ME = identity()
ARGS = ("330000", 2026, "5207", ["A1"])


class Intercept(httpx.AsyncBaseTransport):
    """Forwards to the app, after `edit` has had its way with the request body; keeps what was sent."""

    def __init__(self, app, edit=lambda body: body):
        self.inner = httpx.ASGITransport(app=app)
        self.edit = edit
        self.sent: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = self.edit(await request.aread())
        self.sent.append(body)
        headers = [(k, v) for k, v in request.headers.items() if k.lower() != "content-length"]
        return await self.inner.handle_async_request(
            httpx.Request(request.method, request.url, headers=headers, content=body)
        )


def connect(transport, who=ME, *, sign=True) -> AsyncVoucherLibraryClient:
    keys = {"key": who.key, "cert_der": who.cert_der} if sign else {}
    return AsyncVoucherLibraryClient(
        "http://library.test", service="AsspFinanceService", cert_id=who.cert_id, transport=transport, **keys
    )


async def refused(client, *args, **kwargs) -> LibraryFault:
    with pytest.raises(LibraryFault) as caught:
        await client.call("confirmVoucher", *args, **kwargs)
    return caught.value


async def test_signed_call_reaches_the_handler_with_the_resolved_caller():
    handler, resolved = RecordingHandler(), []

    def resolve(cert_id, cert_der):
        resolved.append((cert_id, cert_der))
        return {"org": "011", "cert": cert_id}

    async with connect(Intercept(make_app(handler, resolve_caller=resolve))) as client:
        await client.confirm_voucher(*ARGS)
    assert resolved == [(ME.cert_id, ME.cert_der)]
    assert handler.calls[0][3] == {"org": "011", "cert": ME.cert_id}


async def test_resolve_caller_refusal_is_the_fault():
    def resolve(cert_id, cert_der):
        raise EvoucherError(f"certificate {cert_id} is revoked", evs_code=EVS_PERMISSION)

    handler = RecordingHandler()
    async with connect(Intercept(make_app(handler, resolve_caller=resolve))) as client:
        fault = await refused(client, *ARGS)
    assert (fault.evs_code, fault.message) == ("EVS112", f"certificate {ME.cert_id} is revoked")
    assert handler.calls == []


def _tamper(body: bytes) -> bytes:
    return body.replace(b"<item>A1</item>", b"<item>A2</item>")


def _reshape_outside_body(body: bytes) -> bytes:
    # an unused namespace on the Envelope and whitespace between Header and Body are not signed
    body = body.replace(b"<soapenv:Envelope ", b'<soapenv:Envelope xmlns:unused="urn:x" ', 1)
    return body.replace(b"<soapenv:Body>", b"\n  <soapenv:Body>", 1)


async def test_changes_outside_the_body_are_accepted_and_inside_refused():
    handler = RecordingHandler()
    async with connect(Intercept(make_app(handler), _reshape_outside_body)) as client:
        await client.confirm_voucher(*ARGS)
    assert len(handler.calls) == 1
    async with connect(Intercept(make_app(handler), _tamper)) as client:
        fault = await refused(client, *ARGS)
    assert fault.evs_code == "EVS112" and "Signature does not verify" in fault.message
    assert len(handler.calls) == 1


@pytest.mark.parametrize("skew", [-400, 400])
async def test_stale_or_future_timestamps_are_refused(skew):
    handler = RecordingHandler()
    verifier = wsauth.Verifier(window=300, clock=lambda: time.time() + skew)
    async with connect(Intercept(make_app(handler, verifier=verifier))) as client:
        fault = await refused(client, *ARGS)
    assert fault.evs_code == "EVS112" and "from server time (window 300 s)" in fault.message
    assert handler.calls == []


async def test_a_replayed_request_is_refused():
    handler = RecordingHandler()
    transport = Intercept(make_app(handler))
    async with connect(transport) as client:
        await client.confirm_voucher(*ARGS)
        first = transport.sent[0]
        transport.edit = lambda body: first
        fault = await refused(client, *ARGS)
    assert fault.evs_code == "EVS112" and "already used" in fault.message
    assert len(handler.calls) == 1


async def test_acting_under_another_certid_is_refused():
    handler = RecordingHandler()
    async with connect(Intercept(make_app(handler))) as client:
        fault = await refused(client, *ARGS, cert_id="330000-011-9999")
    assert fault.evs_code == "EVS112"
    assert f"certID argument '330000-011-9999' is not the caller's CertID '{ME.cert_id}'" in fault.message
    assert handler.calls == []


async def test_claiming_a_certid_the_certificate_does_not_name_is_refused():
    claimed = type(ME)("330000-011-9999", ME.key, ME.cert_der)
    handler = RecordingHandler()
    async with connect(Intercept(make_app(handler)), claimed) as client:
        fault = await refused(client, *ARGS)
    assert fault.evs_code == "EVS112"
    assert f"names certID '{ME.cert_id}' in its subject serialNumber, not '330000-011-9999'" in fault.message
    assert handler.calls == []


async def test_a_key_that_does_not_match_the_certificate_is_refused():
    other = identity("330000-011-0002")
    impostor = type(ME)(ME.cert_id, other.key, ME.cert_der)
    handler = RecordingHandler()
    async with connect(Intercept(make_app(handler)), impostor) as client:
        fault = await refused(client, *ARGS)
    assert fault.evs_code == "EVS112" and "Signature does not verify" in fault.message


async def test_missing_and_malformed_headers():
    handler = RecordingHandler()
    async with connect(Intercept(make_app(handler)), sign=False) as client:
        missing = await refused(client, *ARGS)
    garble = lambda body: body.replace(b"<wa:Signature>", b"<wa:Signature>!!")  # noqa: E731
    async with connect(Intercept(make_app(handler), garble)) as client:
        malformed = await refused(client, *ARGS)
    chinese = lambda body: body.replace(b"<wa:Certificate>", "<wa:Certificate>证书".encode())  # noqa: E731
    async with connect(Intercept(make_app(handler), chinese)) as client:
        not_ascii = await refused(client, *ARGS)
    assert missing.evs_code == "EVS112" and "missing" in missing.message
    assert (malformed.evs_code, malformed.message) == ("EVS100", "CallerAuth header: Signature is not base64")
    assert (not_ascii.evs_code, not_ascii.message) == (
        "EVS100",
        "CallerAuth header: Certificate is not base64",
    )
    assert handler.calls == []


async def test_auth_off_takes_the_certid_argument_on_trust():
    handler, resolved = RecordingHandler(), []
    app = make_app(
        handler,
        auth="off",
        resolve_caller=lambda cert_id, der, adm: resolved.append((cert_id, der, adm)) or cert_id,
    )
    async with connect(Intercept(app), sign=False) as client:
        await client.confirm_voucher(*ARGS)
    assert resolved == [(ME.cert_id, None, ARGS[0])]


async def test_every_refusal_before_the_handler_is_told_with_its_stage_and_proven_caller():
    told, handler = [], RecordingHandler()
    app = make_app(handler, on_refusal=told.append)
    async with connect(Intercept(app, _tamper)) as client:
        await refused(client, *ARGS)  # a bad signature: nobody is proven
    async with connect(Intercept(app)) as client:
        await refused(client, *ARGS, cert_id="330000-011-9999")  # proven, then a wrong certID argument
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as raw:
        garbage = await raw.post("/realware/services/AsspFinanceService", content=b"<not-soap/>")
        nowhere = await raw.post("/realware/services/NoSuchService", content=b"")
    off = []
    async with connect(Intercept(make_app(handler, auth="off", on_refusal=off.append)), sign=False) as client:
        await refused(client, "330000", "not a year", "5207", ["A1"])  # nobody: the arguments are bad
    assert (garbage.status_code, nowhere.status_code) == (500, 404)
    assert [(r.service, r.operation, r.stage, r.cert_id, r.cert_der) for r in told] == [
        ("AsspFinanceService", "confirmVoucher", "authentication", None, None),
        ("AsspFinanceService", "confirmVoucher", "caller", ME.cert_id, ME.cert_der),
        ("AsspFinanceService", None, "request", None, None),
        ("NoSuchService", None, "request", None, None),
    ]
    assert "Signature does not verify" in str(told[0].error) and handler.calls == []
    assert [(r.stage, r.cert_id) for r in off] == [("request", None)]


async def test_a_failing_on_refusal_does_not_change_the_fault(caplog):
    def broken(refusal):
        raise RuntimeError("audit store gone")

    async with connect(Intercept(make_app(RecordingHandler(), on_refusal=broken)), sign=False) as client:
        fault = await refused(client, *ARGS)
    assert fault.evs_code == "EVS112" and "missing" in fault.message
    assert "on_refusal failed for confirmVoucher" in caplog.text


def test_nonce_cache_is_bounded_and_never_forgets_into_a_replay():
    cache = wsauth.NonceCache(max_entries=2)
    assert cache.remember(("c", "n1"), 100.0, 0.0) is None
    assert cache.remember(("c", "n2"), 101.0, 0.0) is None
    assert cache.remember(("c", "n3"), 102.0, 0.0) is None  # forgets n1, floor rises to 100
    assert len(cache) == 2 and cache.floor == 100.0
    assert (
        cache.remember(("c", "n1"), 100.0, 0.0)
        == "Created is older than the oldest nonce the server still remembers"
    )
    assert cache.remember(("c", "n2"), 101.0, 0.0) == "Nonce was already used (replayed request)"
    assert cache.remember(("other", "n2"), 101.5, 0.0) is None  # keyed by certID too
    assert cache.remember(("c", "n9"), 500.0, 400.0) is None  # everything before 400 expired
    assert len(cache) == 1
