"""The console's store questions on SQLite and PostgreSQL: who sees which documents, keyset paging
that neither repeats nor skips a row, the filters, and the board's codes as the status query's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from voucherlib.errors import ArgumentError
from voucherlib.store import Actor, Org, VoucherKey, amounts, console
from voucherlib.store.amounts import fen
from voucherlib.store.console import Filters, board, documents, prepare

from .helpers import BANK, FINANCE, PBOC, sent, signed_for, write_stamped

OTHER_BANK = Actor("bank-cert-02", Org("105", "105331000001"))


def _key(n: int, vt: str = "5207") -> VoucherKey:
    return VoucherKey("330100", 2024, vt, f"C{n:04d}", 0)


ANY = Filters()


def _all_pages(store, org, f=ANY, limit=3) -> list[VoucherKey]:
    seen, after = [], None
    while True:
        page = store.query(lambda q, after=after: documents(q, org, f, after=after, limit=limit))
        seen += [r.key for r in page.rows]
        if page.next is None:
            return seen
        after = page.next


@pytest.fixture
def store(store):
    store.atomic(prepare)
    return store


def test_each_party_pages_through_exactly_what_it_may_see(store):
    for n in range(7):
        sent(store, _key(n), to=PBOC if n % 2 else BANK)
    write_stamped(store, _key(9))  # never sent
    signed_for(store, _key(8, "5106"))
    owned = _all_pages(store, FINANCE.org)
    assert sorted(owned) == sorted([*(_key(n) for n in (*range(7), 9)), _key(8, "5106")])
    assert len(set(owned)) == len(owned)
    assert sorted(_all_pages(store, PBOC.org)) == sorted([_key(1), _key(3), _key(5), _key(8, "5106")])
    assert sorted(_all_pages(store, BANK.org)) == sorted(_key(n) for n in (0, 2, 4, 6))
    assert _all_pages(store, OTHER_BANK.org) == []
    assert sorted(_all_pages(store, None, limit=2)) == sorted(owned)


def test_filters_narrow_the_pages(store):
    for n in range(4):
        sent(store, _key(n))
    write_stamped(store, _key(5))
    signed_for(store, _key(6, "5106"))
    today = datetime.now(UTC).date().isoformat()
    assert _all_pages(store, None, Filters(vt_code="5106")) == [_key(6, "5106")]
    assert _all_pages(store, None, Filters(voucher_no="C0002")) == [_key(2)]
    assert len(_all_pages(store, None, Filters(day=today, st_year=2024))) == 6
    assert _all_pages(store, None, Filters(day="2001-01-01")) == []
    assert _all_pages(store, FINANCE.org, Filters(status=13)) == [_key(5)]
    assert _all_pages(store, FINANCE.org, Filters(status=3)) == [_key(6, "5106")]
    assert _all_pages(store, PBOC.org, Filters(status=0)) == sorted((_key(n) for n in range(4)), reverse=True)
    with pytest.raises(ArgumentError, match="status"):
        Filters(status=12)


def test_the_board_counts_what_the_status_query_answers(store):
    signed_for(store, _key(1))
    sent(store, _key(2))
    today = datetime.now(UTC).date().isoformat()
    cells = store.query(lambda q: board(q, today))
    expected = {
        ("5207", store.query(lambda q, k=k: q.status(FINANCE.org, [k.ref], dest_type="001"))[0].code): 1
        for k in (_key(1), _key(2))
    }
    assert {(c.vt_code, c.status): c.count for c in cells} == expected == {("5207", 3): 1, ("5207", 0): 1}
    assert store.query(lambda q: board(q, today, OTHER_BANK.org)) == []


def test_amounts_follow_the_latest_bytes_through_the_audit_trail(store):
    from evoucher import registry
    from evoucher.codec import parse_voucher, with_fields

    sample = parse_voucher(registry.sample("5207", seed=3))
    key = _key(1)
    for amount in ("1234.56", "99.00"):
        body = with_fields(sample, {"PayAmt": amount})
        store.atomic(lambda ops, body=body: ops.save(FINANCE, key, body, positions=("cz_gz",)))
        assert store.query(amounts.pending) is not None
        assert amounts.catch_up(store, limit=1) == 1  # one audit entry at a time: save, then nothing
        assert store.query(amounts.pending) is None
        assert store.query(lambda q: amounts.amount(q, key)) == fen(amount)
    assert _all_pages(store, None, Filters(min_fen=9900, max_fen=9900)) == [key]
    assert _all_pages(store, None, Filters(min_fen=123456)) == []


def test_a_filtered_page_looks_at_a_bounded_stretch_and_continues_from_there(store, monkeypatch):
    monkeypatch.setattr(console, "SCAN", 3)  # a page examines 3 entries per walk
    for n in range(10):
        sent(store, _key(n, "5106" if n in (1, 8) else "5207"), to=PBOC if n % 3 else BANK)
    pages = []
    after = None
    while True:
        page = store.query(
            lambda q, after=after: documents(q, FINANCE.org, Filters(vt_code="5106"), after=after)
        )
        pages.append(page)
        if page.next is None:
            break
        after = page.next
    assert [r.key for p in pages for r in p.rows] == [_key(8, "5106"), _key(1, "5106")]
    assert len(pages) >= 3 and any(p.searched_to and not p.rows for p in pages)
    assert _all_pages(store, PBOC.org, Filters(vt_code="5106"), limit=1) == [_key(8, "5106"), _key(1, "5106")]
