"""Service-test helpers: a running library, each party's client, vouchers and stamps made as a party would.

Everything goes over the wire with our async client (httpx.ASGITransport in process, or real
loopback HTTP with `serve`); the store is only read, to check what a call left behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from evoucher import registry
from evoucher.codec import (
    MofBody,
    Voucher,
    build_mof,
    build_stamp_positions,
    parse_mof,
    parse_voucher,
    with_fields,
)
from evoucher.pki import CertificateAuthority, Environment, Party, build_name, derive_key
from evoucher.stamp import stamp_body
from mocks import AsyncVoucherLibraryClient, LibraryFault
from voucherlib.app import create_app
from voucherlib.loopback import serve_in_thread
from voucherlib.service import VoucherLibrary
from voucherlib.settings import Settings
from voucherlib.store import Store, VoucherKey

BUSINESS_DATE = dt.date(2026, 6, 30)
YEAR, ADM = 2026, "330100"
FINANCE, PBOC, BANK, UNIT, PAYEE = "hz-finance", "hz-treasury", "hz-icbc", "hz-health", "hz-bocom"
SERVICE = {"011": "AsspFinanceService", "001": "AsspCBankService"}
FINANCE_POSITIONS = ("cz_gz", "cz_jzysz", "cz_fhysz")
RECEIPT_POSITIONS = ("rh_zqz", "rh_gz")


@dataclass
class Library:
    """A library app whose lifespan is running, with the environment its parties come from."""

    app: FastAPI
    env: Environment
    base_url: str | None = None  # None: in process through httpx.ASGITransport

    @property
    def store(self) -> Store:
        library: VoucherLibrary = self.app.state.library
        return library.store

    def client(self, who: str, *, service: str | None = None, cert_id: str | None = None,
               sign: bool = True) -> AsyncVoucherLibraryClient:  # fmt: skip
        """`who`'s client (a party handle, or any certID with `cert_id`), signing with that certificate."""
        party = self.env.party(who)
        holder = self.env.holder(cert_id or party.cert_id)
        keys = {"key": holder.key, "cert_der": holder.cert.dump()} if sign else {}
        transport = httpx.ASGITransport(app=self.app) if self.base_url is None else None
        return AsyncVoucherLibraryClient(
            self.base_url or "http://library.test",
            service=service or SERVICE.get(party.org_type, "AsspPBankService"),
            cert_id=holder.cert_id, transport=transport, **keys,
        )  # fmt: skip


def stranger_client(lib: Library, cert_id: str) -> AsyncVoucherLibraryClient:
    """A client whose certificate names `cert_id` but comes from a CA the library does not trust."""
    seed = b"a CA nobody trusts"
    ca = CertificateAuthority.create_root(
        derive_key(seed, "root"), subject=build_name(common_name="stranger CA"),
        not_before=datetime(2025, 1, 1, tzinfo=UTC), not_after=datetime(2035, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    key = derive_key(seed, cert_id)
    cert = ca.issue(build_name(common_name="stranger", serial_number=cert_id), key.public_key).dump()
    return AsyncVoucherLibraryClient(
        "http://library.test", service="AsspFinanceService", cert_id=cert_id, key=key, cert_der=cert,
        transport=httpx.ASGITransport(app=lib.app),
    )  # fmt: skip


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Library]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield Library(app, app.state.library.env)


def serve(app: FastAPI) -> contextlib.AbstractContextManager[str]:
    """Run `app` (lifespan on) on a free loopback port in a thread; yields the base URL."""
    return serve_in_thread(app, lifespan="on", start_timeout=10)


# ---------------------------------------------------------------- vouchers


def voucher(vt_code: str = "5207", seed: int = 1, *, profile: str = "2.0", **fields: str) -> Voucher:
    """A valid voucher of the registry in the test AdmDivCode, with `fields` changed."""
    sample = parse_voucher(registry.sample(vt_code, seed=seed, business_date=BUSINESS_DATE, profile=profile))
    return parse_voucher(with_fields(sample, {"AdmDivCode": ADM, **fields}))


def receipt_of(original: Voucher, **fields: str) -> Voucher:
    """The PBoC's receipt of a 5207: the same voucher with its X fields filled (paid in full)."""
    filled = {"XPayAmt": original.header["PayAmt"], "XPayDate": "20260630", "XAgentBusinessNo": "TCBS0001"}
    return parse_voucher(with_fields(original, {**filled, **fields}))


def body(v: Voucher, flag: int = 0) -> MofBody:
    return MofBody.of(v, voucher_flag=flag)


def mof(*bodies: MofBody) -> bytes:
    return build_mof(list(bodies))


def stamped(env: Environment, who: str, b: MofBody, *positions: str, version: int = 4) -> MofBody:
    """`b` stamped client-side (as the OCX would) by party `who` at `positions`."""
    party: Party = env.party(who)
    for position_id in positions:
        position = env.position(b.vt_code, position_id)
        holder = party.signer(position.stamp_type)
        seal = party.seal(position.stamp_type, version) if position.kind == "stamp" else None
        b = stamp_body(b, position_id, seal=seal, key=holder.key, cert=holder.cert, kind=position.kind)
    return b


def positions_xml(env: Environment, who: str, *positions: str) -> str:
    """The stamp-position XML naming `who`'s organisation certificate at each position."""
    cert_id = env.party(who).cert_id
    return build_stamp_positions({p: cert_id for p in positions}).decode("gbk")


def bodies(data: bytes) -> list[MofBody]:
    return parse_mof(data)


async def fault(call) -> LibraryFault:
    """The LibraryFault an awaited call raises (fails the test if it succeeds)."""
    with pytest.raises(LibraryFault) as caught:
        await call
    return caught.value


# ---------------------------------------------------------------- flows


async def finance_sends(lib: Library, v: Voucher) -> None:
    """Finance stores `v` stamped at its three positions by the server, and sends it to the PBoC."""
    async with lib.client(FINANCE) as fin:
        xml = positions_xml(lib.env, FINANCE, *FINANCE_POSITIONS)
        await fin.sign_stamp_by_nos(ADM, YEAR, v.vt_code, mof(body(v)), xml)
        await fin.send_voucher(ADM, "011", "001", YEAR, v.vt_code, [v.voucher_no])


async def pboc_signs_for(lib: Library, v: Voucher) -> MofBody:
    """finance_sends, then the PBoC reads and confirms it; returns what the PBoC read."""
    await finance_sends(lib, v)
    async with lib.client(PBOC) as pboc:
        [got] = [b for b in bodies(await pboc.read_voucher_again(ADM, YEAR, v.vt_code, 100))
                 if b.voucher_no == v.voucher_no]  # fmt: skip
        await pboc.confirm_voucher(ADM, YEAR, v.vt_code, [v.voucher_no])
    return got


async def receipt_sent(lib: Library, v: Voucher) -> Voucher:
    """pboc_signs_for, then the PBoC stamps the receipt (转讫章 + 公章) and sends it to finance."""
    got = await pboc_signs_for(lib, v)
    receipt = receipt_of(parse_voucher(got.voucher))
    async with lib.client(PBOC) as pboc:
        xml = positions_xml(lib.env, PBOC, *RECEIPT_POSITIONS)
        await pboc.sign_stamp_by_nos(ADM, YEAR, v.vt_code, mof(body(receipt, 1)), xml)
        await pboc.send_voucher(ADM, "001", "011", YEAR, v.vt_code, [v.voucher_no])
    return receipt


def key(v: Voucher, flag: int = 0) -> VoucherKey:
    return VoucherKey(ADM, YEAR, v.vt_code, v.voucher_no, flag)


def facts(store: Store, *keys: VoucherKey) -> tuple:
    """Everything stored about the documents: versions (bytes, stamps), deliveries and statuses."""

    def read(q):
        return tuple(
            (
                [(v.version, v.body, v.stamps) for v in q.versions(k)],
                q.deliveries(k),
                q.voucher(k),
            )
            for k in keys
        )

    return store.query(read)


def last_audit(store: Store):
    return store.query(lambda q: q.audit_page(after=0, limit=10_000))[-1]
