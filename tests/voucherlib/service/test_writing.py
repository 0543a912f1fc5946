"""Writes: client-stamped MOFs checked on arrival, server write-and-send, discards, versions."""

from __future__ import annotations

import dataclasses

import pytest

from evoucher.codec import Stamp, parse_voucher, with_fields
from evoucher.interface import is_idempotent_success

from .support import (
    ADM,
    BANK,
    FINANCE,
    FINANCE_POSITIONS,
    PBOC,
    YEAR,
    bodies,
    body,
    fault,
    finance_sends,
    key,
    mof,
    pboc_signs_for,
    receipt_of,
    stamped,
    voucher,
)

pytestmark = pytest.mark.anyio


async def test_save_stamp_voucher_keeps_client_stamps_and_a_repeat_is_a_noop(lib):
    v = voucher(seed=21)
    signed = stamped(lib.env, FINANCE, body(v), *FINANCE_POSITIONS)
    async with lib.client(FINANCE) as fin:
        await fin.save_stamp_voucher(ADM, YEAR, "5207", mof(signed))
        again = await fault(fin.save_stamp_voucher(ADM, YEAR, "5207", mof(signed)))
        await fin.send_voucher(ADM, "011", "001", YEAR, "5207", [v.voucher_no])
    assert again.evs_code == "EVS700" and "位置已签章" in again.message and again.is_idempotent_success
    [version] = lib.store.query(lambda q: q.versions(key(v)))
    assert version.body == v.raw
    assert {(s.position, s.data) for s in version.stamps} == {(s.position, s.value) for s in signed.stamps}
    assert {s.cert_id for s in version.stamps} == {"011-330100-01", "011-330100-01-jzy", "011-330100-01-fhy"}


async def test_stamps_added_one_call_at_a_time_accumulate_as_versions(lib):
    v = voucher(seed=22)
    async with lib.client(FINANCE) as fin:
        for n in range(1, 4):
            partial = stamped(lib.env, FINANCE, body(v), *FINANCE_POSITIONS[n - 1 : n])
            await fin.save_sign_voucher(ADM, YEAR, "5207", mof(partial))
        await fin.save_stamp_voucher(ADM, YEAR, "5207", mof(body(v)))  # the bare voucher again keeps them
        await fin.send_voucher(ADM, "011", "001", YEAR, "5207", [v.voucher_no])
    versions = lib.store.query(lambda q: q.versions(key(v)))
    assert [len(x.stamps) for x in versions] == [1, 2, 3]


async def test_a_bad_field_names_the_voucher_and_the_field(lib):
    v = voucher(seed=23)
    bad = parse_voucher(with_fields(v, {"PayAmt": "12.3"}))
    f = await fault(lib.client(FINANCE).save_stamp_voucher(ADM, YEAR, "5207", mof(body(bad))))
    assert f.evs_code == "EVS100"
    assert f.message.startswith(f"{ADM}/{YEAR}/5207/{v.voucher_no}/0:") and "Voucher/PayAmt" in f.message


@pytest.mark.parametrize(
    ("change", "evs", "words"),
    [
        (
            {"StYear": "2025", "VouDate": "20251230"},
            "EVS100",
            "@StYear: '2025' does not match the argument '2026'",
        ),
        ({"VouDate": "20260701"}, "EVS700", "Voucher/VouDate"),  # after the business date
    ],
)
async def test_the_mof_must_agree_with_the_arguments_and_the_business_date(lib, change, evs, words):
    v = parse_voucher(with_fields(voucher(seed=24), change))
    f = await fault(lib.client(FINANCE).save_stamp_voucher(ADM, YEAR, "5207", mof(body(v))))
    assert f.evs_code == evs and words in f.message, f.message


async def test_stamps_are_verified_on_arrival(lib):
    v = voucher(seed=25)
    good = stamped(lib.env, FINANCE, body(v), "cz_gz")
    tampered = dataclasses.replace(good, voucher=with_fields(v, {"PayeeAcctName": "李四"}))
    moved = dataclasses.replace(good, stamps=(Stamp("cz_jzysz", "stamp", good.stamps[0].value),))
    foreign = dataclasses.replace(good, stamps=stamped(lib.env, PBOC, body(v), "cz_gz").stamps)
    kinds = dataclasses.replace(good, stamps=(Stamp("cz_gz", "sign", good.stamps[0].value),))
    other_role = stamped(lib.env, PBOC, body(v), "rh_zqz")
    async with lib.client(FINANCE) as fin:
        found = {}
        for name, b in [("tampered", tampered), ("moved", moved), ("foreign", foreign), ("kinds", kinds),
                        ("other_role", other_role)]:  # fmt: skip
            found[name] = await fault(fin.save_stamp_voucher(ADM, YEAR, "5207", mof(b)))
    assert {name: f.evs_code for name, f in found.items()} == dict.fromkeys(found, "EVS700")
    assert "HASH_FAILURE" in found["tampered"].message
    assert "WRONG_POSITION" in found["moved"].message and "cz_jzysz" in found["moved"].message
    assert "not by a holder of 011-330100-01" in found["foreign"].message
    assert "takes a 签章" in found["kinds"].message
    assert "rh_zqz is not a position of finance" in found["other_role"].message
    assert all(str(key(v)) in f.message for f in found.values())
    assert lib.store.query(lambda q: q.versions(key(v))) == []


async def test_only_the_sender_writes_a_voucher_and_only_a_receiver_its_receipt(lib):
    v = voucher(seed=26)
    f = await fault(lib.client(PBOC).save_stamp_voucher(ADM, YEAR, "5207", mof(body(v))))
    assert f.evs_code == "EVS112" and "may not issue VtCode 5207" in f.message
    f = await fault(lib.client(FINANCE).save_stamp_voucher(ADM, YEAR, "5207", mof(body(v, 1))))
    assert f.evs_code == "EVS112" and "may not answer" in f.message
    f = await fault(lib.client(PBOC).save_stamp_voucher(ADM, YEAR, "5207", mof(body(receipt_of(v), 1))))
    assert f.evs_code == "EVS100" and "needs its voucher" in f.message  # a receipt of nothing


async def test_write_voucher_stamps_every_empty_position_and_sends(lib):
    v = voucher(seed=27)
    half = stamped(lib.env, FINANCE, body(v), "cz_gz")
    async with lib.client(FINANCE) as fin:
        answer = await fin.write_voucher(ADM, YEAR, "5207", mof(half), "011", "001")
        again = await fault(fin.write_voucher(ADM, YEAR, "5207", mof(half), "011", "001"))
    assert answer == {v.voucher_no: [0, "对方未接收"]}
    assert again.evs_code == "EVS700" and "已发送" in again.message and again.is_idempotent_success
    latest = lib.store.query(lambda q: q.version(key(v)))
    assert latest.stamped == set(FINANCE_POSITIONS)
    assert next(s for s in latest.stamps if s.position == "cz_gz").data == half.stamps[0].value


async def test_save_and_send_signs_the_signature_positions(lib):
    v = voucher("3208", seed=28)
    async with lib.client(PBOC) as pboc:
        answer = await pboc.save_and_send_voucher(ADM, YEAR, "3208", mof(body(v)), "001", "011")
    assert answer == {v.voucher_no: [0, "对方未接收"]}
    latest = lib.store.query(lambda q: q.version(key(v)))
    assert {(s.position, s.kind) for s in latest.stamps} == {("rh_jzyqm", "sign"), ("rh_fhyqm", "sign")}
    assert {s.cert_id for s in latest.stamps} == {"001-330100-01-jzy", "001-330100-01-fhy"}
    f = await fault(
        lib.client(FINANCE).save_and_send_voucher(
            ADM, YEAR, "5207", mof(body(voucher(seed=29))), "011", "001"
        )
    )
    assert f.evs_code == "EVS700" and "not every stamp position" in f.message  # stamps are the client's


async def test_a_sent_voucher_is_frozen_until_discarded_then_resent_as_edited(lib):
    v = voucher(seed=30)
    await finance_sends(lib, v)
    edited = parse_voucher(with_fields(v, {"PayeeAcctName": "李四"}))
    async with lib.client(FINANCE) as fin:
        frozen = await fault(fin.save_stamp_voucher(ADM, YEAR, "5207", mof(body(edited))))
        await fin.discard_voucher(ADM, YEAR, "5207", [v.voucher_no])
        await fin.discard_voucher(ADM, YEAR, "5207", [v.voucher_no])  # twice: nothing to refuse
        await fin.write_voucher(ADM, YEAR, "5207", mof(body(edited)), "011", "001")
    assert frozen.evs_code == "EVS700" and "discard it before changing it" in frozen.message
    versions = lib.store.query(lambda q: q.versions(key(v)))
    assert [x.body for x in versions] == [v.raw] * 4 + [edited.raw] * 4  # nothing earlier is lost
    [got] = bodies(await lib.client(PBOC).read_voucher_again(ADM, YEAR, "5207", 10))
    assert got.voucher == edited.raw


async def test_a_voucher_signed_for_cannot_be_discarded(lib):
    v = voucher(seed=31)
    await pboc_signs_for(lib, v)
    f = await fault(lib.client(FINANCE).discard_voucher(ADM, YEAR, "5207", [v.voucher_no]))
    assert f.evs_code == "EVS700" and "signed for" in f.message and not is_idempotent_success(f.message)
    f = await fault(lib.client(BANK).discard_voucher(ADM, YEAR, "5207", [v.voucher_no]))
    assert f.evs_code == "EVS112"  # a bank has no business with 5207


@pytest.mark.parametrize(
    ("message", "evs", "words"),
    [
        (b"", "EVS111", "voucherMessage"),
        (
            b'<?xml version="1.0" encoding="GBK"?>\n<MOF><VoucherCount>0</VoucherCount></MOF>',
            "EVS111",
            "at least one",
        ),
        (b"<MOF><VoucherCount>1</VoucherCount></MOF>", "EVS100", "voucherMessage"),
    ],
    ids=["empty", "no-bodies", "count-mismatch"],
)
async def test_an_empty_or_broken_mof_is_refused(lib, message, evs, words):
    f = await fault(lib.client(FINANCE).save_stamp_voucher(ADM, YEAR, "5207", message))
    assert f.evs_code == evs and words in f.message, f.message
