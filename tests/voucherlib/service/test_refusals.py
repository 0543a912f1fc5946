"""A refused call changes nothing already accepted, and is written to the audit trail exactly once."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from evoucher.codec import Stamp, parse_voucher, with_fields

from .support import (
    ADM,
    BANK,
    FINANCE,
    PAYEE,
    PBOC,
    YEAR,
    body,
    facts,
    fault,
    key,
    mof,
    positions_xml,
    receipt_of,
    receipt_sent,
    stamped,
    stranger_client,
    voucher,
)

pytestmark = pytest.mark.anyio


def refusals(store) -> list:
    return [
        e for e in store.query(lambda q: q.audit_page(after=0, limit=10_000)) if e.status_after == "refused"
    ]


async def test_refused_calls_leave_versions_deliveries_and_statuses_untouched(lib):
    v = voucher(seed=101)
    receipt = await receipt_sent(lib, v)
    no = v.voucher_no
    edited = parse_voucher(with_fields(v, {"PayeeAcctName": "李四"}))
    forged = stamped(lib.env, PBOC, body(receipt_of(v, XPayAmt="1.00"), 1), "rh_zqz")
    forged = dataclasses.replace(forged, stamps=(Stamp("rh_zqz", "stamp", forged.stamps[0].value),),
                                 voucher=receipt.raw)  # fmt: skip
    fin, pboc, bank = lib.client(FINANCE), lib.client(PBOC), lib.client(BANK)
    calls = {
        "edit a signed-for voucher": fin.save_stamp_voucher(ADM, YEAR, "5207", mof(body(edited))),
        "restamp it": fin.sign_stamp_by_nos(
            ADM, YEAR, "5207", mof(body(edited)), positions_xml(lib.env, FINANCE, "cz_gz")
        ),
        "cancel a stamp": fin.cancel_stamp_with_position(ADM, YEAR, "5207", no, "cz_gz"),
        "discard it": fin.discard_voucher(ADM, YEAR, "5207", [no]),
        "send off route": fin.send_voucher(ADM, "011", "102", YEAR, "5207", [no]),
        "confirm a good and a missing one": fin.confirm_voucher(ADM, YEAR, "5207", [no, "NOSUCH"]),
        "refuse what was signed for": pboc.confirm_voucher_fail(ADM, YEAR, "5207", [no], ["迟到的拒绝"]),
        "forge the receipt's stamp": pboc.save_stamp_voucher(ADM, YEAR, "5207", mof(forged)),
        "a bank meddles": bank.return_voucher(ADM, YEAR, "5207", [no], ["x"]),
    }
    await fin.read_voucher_again(ADM, YEAR, "5207", 10)  # finance has the receipt in hand
    keys = (key(v), key(v, 1))
    before, refused_before = facts(lib.store, *keys), len(refusals(lib.store))
    codes = {}
    for name, call in calls.items():
        f = await fault(call)
        codes[name] = f.evs_code
        assert not f.is_idempotent_success, f"{name}: {f.message}"  # a refusal never reads as done
        assert facts(lib.store, *keys) == before, name
        last = refusals(lib.store)[-1]
        assert f"{f.evs_code}#" in last.detail and last.operation == f.operation, name
    assert codes == {
        "edit a signed-for voucher": "EVS700", "restamp it": "EVS700", "cancel a stamp": "EVS700",
        "discard it": "EVS700", "send off route": "EVS700", "confirm a good and a missing one": "EVS100",
        "refuse what was signed for": "EVS700", "forge the receipt's stamp": "EVS700",
        "a bank meddles": "EVS112",
    }  # fmt: skip
    assert len(refusals(lib.store)) == refused_before + len(calls)  # each exactly once
    assert lib.store.verify_audit().intact
    status = await fin.query_voucher_status_by_org_type(ADM, YEAR, "5207", [no], "001")
    assert status[no][0] == 12


async def test_refusals_before_any_operation_are_audited_for_identified_callers_counted_otherwise(lib):
    query = ("queryVoucherStatusByOrgType", ADM, YEAR, "5207", ["A1"], "001")
    before = len(refusals(lib.store))
    audited = {
        "revoked": await fault(lib.client(PAYEE).call("queryVoucherType", ADM, YEAR)),
        "posing": await fault(lib.client(FINANCE).call(*query, cert_id=lib.env.party(PBOC).cert_id)),
        "wrong service": await fault(lib.client(FINANCE, service="AsspCBankService").call(*query)),
    }
    counted = {
        "foreign CA": await fault(stranger_client(lib, lib.env.party(FINANCE).cert_id).call(*query)),
        "unknown certID": await fault(stranger_client(lib, "011-999999-01").call(*query)),
        "unsigned": await fault(lib.client(FINANCE, sign=False).call(*query)),
    }
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=lib.app), base_url="http://t") as raw:
        await raw.post("/realware/services/AsspFinanceService", content=b"<not-soap/>")
        health = (await raw.get("/healthz")).json()
    entries = refusals(lib.store)[before:]
    assert {f.evs_code for f in (*audited.values(), *counted.values())} == {"EVS112"}
    assert [(e.actor, e.operation) for e in entries] == [
        (lib.env.party(PAYEE).cert_id, "queryVoucherType"),
        (lib.env.party(FINANCE).cert_id, "queryVoucherStatusByOrgType"),
        (lib.env.party(FINANCE).cert_id, "queryVoucherStatusByOrgType"),
    ]
    assert "revoked" in entries[0].detail and "is not the caller's CertID" in entries[1].detail
    assert "may not call AsspCBankService" in entries[2].detail
    # a foreign CA and an unknown certID are refused from the header alone, before the Body is parsed
    assert health["refused_unidentified"] == {"authentication": 3, "request": 1}
    assert lib.store.verify_audit().intact
