"""A refused call changes nothing already accepted, and is written to the audit trail exactly once."""

from __future__ import annotations

import dataclasses

import pytest

from evoucher.codec import Stamp, parse_voucher, with_fields

from .support import (
    ADM,
    BANK,
    FINANCE,
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
