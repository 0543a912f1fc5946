"""Two libraries on one store (as two `guoku serve` processes on one database) lose no update."""

from __future__ import annotations

import asyncio

import pytest

from .support import (
    ADM,
    FINANCE,
    FINANCE_POSITIONS,
    PBOC,
    YEAR,
    body,
    finance_sends,
    key,
    mof,
    positions_xml,
    voucher,
)

pytestmark = pytest.mark.anyio


async def test_stamps_made_at_once_through_two_libraries_all_survive(open_library):
    vouchers = [voucher(seed=130 + n) for n in range(4)]
    async with open_library() as one, open_library() as two:
        clients = [one.client(FINANCE), two.client(FINANCE), one.client(FINANCE)]

        async def stamp(v, client, position):
            xml = positions_xml(one.env, FINANCE, position)
            await client.sign_stamp_by_nos(ADM, YEAR, "5207", mof(body(v)), xml)

        await asyncio.gather(
            *(stamp(v, c, p) for v in vouchers for c, p in zip(clients, FINANCE_POSITIONS, strict=True))
        )
        for v in vouchers:
            latest = one.store.query(lambda q, v=v: q.version(key(v)))
            assert latest.stamped == set(FINANCE_POSITIONS) and latest.version == 4


async def test_a_voucher_is_signed_for_once_when_two_libraries_race(open_library):
    v = voucher(seed=140)
    async with open_library() as one, open_library() as two:
        await finance_sends(one, v)
        await one.client(PBOC).read_voucher_again(ADM, YEAR, "5207", 10)
        results = await asyncio.gather(
            *(
                lib.client(PBOC).confirm_voucher(ADM, YEAR, "5207", [v.voucher_no])
                for lib in (one, two, one, two)
            ),
            return_exceptions=True,
        )
        entries = one.store.query(lambda q: q.audit_page(after=0, limit=10_000))
    done = [r for r in results if r is None]
    repeats = [r for r in results if r is not None]
    assert len(done) == 1 and all(r.is_idempotent_success and "成功签收" in r.message for r in repeats)
    confirms = [e for e in entries if e.operation == "confirmVoucher" and e.status_after == "3"]
    assert len(confirms) == 4 and sum(e.status_before == "1" for e in confirms) == 1
