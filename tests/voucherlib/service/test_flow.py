"""The 实拨 (5207) round trip through the wire, with the status each side sees at every step."""

from __future__ import annotations

import pytest

from evoucher.codec import parse_voucher
from evoucher.seal import load_signature
from evoucher.stamp import verify_body

from .support import (
    ADM,
    FINANCE,
    FINANCE_POSITIONS,
    PBOC,
    RECEIPT_POSITIONS,
    YEAR,
    bodies,
    body,
    mof,
    positions_xml,
    receipt_of,
    voucher,
)

pytestmark = pytest.mark.anyio


async def test_5207_round_trip_ends_in_12_with_every_stamp_verifiable(lib):
    v = voucher(seed=11)
    no = v.voucher_no
    fin, pboc = lib.client(FINANCE), lib.client(PBOC)

    async def status(client, dec):
        return (await client.query_voucher_status_by_org_type(ADM, YEAR, "5207", [no], dec))[no][0]

    assert await status(fin, "001") == -1
    await fin.sign_stamp_by_nos(
        ADM, YEAR, "5207", mof(body(v)), positions_xml(lib.env, FINANCE, *FINANCE_POSITIONS)
    )
    assert await status(fin, "001") == 13  # stored, not sent
    await fin.send_voucher(ADM, "011", "001", YEAR, "5207", [no])
    assert await status(fin, "001") == 0

    [read] = bodies(await pboc.read_voucher_again(ADM, YEAR, "5207", 10))
    assert (read.voucher, read.voucher_flag) == (v.raw, 0)  # the exact bytes finance wrote
    assert sorted(s.position for s in read.stamps) == sorted(FINANCE_POSITIONS)
    reports = verify_body(read, trust_anchors=lib.env.trust_anchors, crls=lib.env.crls)
    assert [r.passed for r in reports] == [True] * 3
    assert await status(fin, "001") == 1
    await pboc.confirm_voucher(ADM, YEAR, "5207", [no])
    assert await status(fin, "001") == 3

    receipt = receipt_of(parse_voucher(read.voucher))
    xml = positions_xml(lib.env, PBOC, *RECEIPT_POSITIONS)
    await pboc.sign_stamp_by_nos(ADM, YEAR, "5207", mof(body(receipt, 1)), xml)
    assert await status(pboc, "011") == 14  # the receipt: not sent yet
    await pboc.send_voucher(ADM, "001", "011", YEAR, "5207", [no])
    assert await status(pboc, "011") == 6
    assert await status(fin, "001") == 12  # the peer's receipt arrived

    [back] = bodies(await fin.read_voucher_again(ADM, YEAR, "5207", 10))
    assert (back.voucher, back.voucher_flag) == (receipt.raw, 1)
    assert parse_voucher(back.voucher).header["XPayAmt"] == v.header["PayAmt"]
    assert sorted(s.position for s in back.stamps) == sorted(RECEIPT_POSITIONS)
    assert all(load_signature(s.value).version == 4 for s in back.stamps)
    reports = verify_body(
        back, trust_anchors=lib.env.trust_anchors, crls=lib.env.crls, required_positions=RECEIPT_POSITIONS
    )
    assert [r.passed for r in reports] == [True, True]
    assert await status(pboc, "011") == 7
    await fin.confirm_voucher(ADM, YEAR, "5207", [no])
    assert await status(pboc, "011") == 9
    assert await status(fin, "001") == 12
    assert lib.store.verify_audit().intact
