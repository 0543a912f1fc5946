"""The books refuse overdrafts and quota overruns, also when many threads race for the last yuan."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from mocks.books import Ledger, QuotaBook, Refused


def test_a_transfer_moves_money_and_never_overdraws():
    ledger = Ledger()
    ledger.open("A", "payer", Decimal("100.00"))
    ledger.open("B", "payee")
    ledger.transfer("A", "B", Decimal("60.00"), ref="r1")
    with pytest.raises(Refused, match="余额不足"):
        ledger.transfer("A", "B", Decimal("40.01"), ref="r2")
    assert ledger.balance("A") == Decimal("40.00") and ledger.balance("B") == Decimal("60.00")
    assert ledger.total() == Decimal("100.00") and [p.ref for p in ledger.postings] == ["r1"]


def test_unknown_accounts_and_non_positive_amounts_are_refused():
    ledger = Ledger()
    ledger.open("A", "payer", Decimal("1.00"))
    with pytest.raises(Refused, match="账户不存在"):
        ledger.transfer("A", "nowhere", Decimal("1.00"), ref="r")
    with pytest.raises(ValueError, match="positive"):
        ledger.transfer("A", "A", Decimal("0.00"), ref="r")
    with pytest.raises(ValueError, match="already open"):
        ledger.open("A", "again")


def test_quota_use_release_and_grant_keep_used_within_granted():
    book = QuotaBook("额度")
    book.grant("k", Decimal("100.00"), ref="5106/1")
    book.use("k", Decimal("70.00"), ref="p1")
    with pytest.raises(Refused, match="额度不足"):
        book.use("k", Decimal("30.01"), ref="p2")
    with pytest.raises(Refused, match="cannot take"):
        book.grant("k", Decimal("-30.01"), ref="5351/1")  # only the unused part can be moved away
    book.release("k", Decimal("20.00"), ref="p1/refund")
    with pytest.raises(Refused, match="退款超额"):
        book.release("k", Decimal("50.01"), ref="p1/refund")  # never more than was used
    assert book.get("k").used == Decimal("50.00") and book.released("p1/refund") == Decimal("20.00")
    with pytest.raises(Refused):
        book.use("unknown", Decimal("1.00"), ref="p3")


def test_racing_threads_never_use_more_than_the_quota():
    book = QuotaBook("额度")
    book.grant("k", Decimal("1000.00"), ref="grant")

    def spend(i: int) -> bool:
        try:
            book.use("k", Decimal("7.00"), ref=f"p{i}")
        except Refused:
            return False
        return True

    with ThreadPoolExecutor(max_workers=16) as pool:
        granted = sum(pool.map(spend, range(400)))
    assert granted == 142  # 142 * 7 = 994; a 143rd would pass 1000
    assert book.get("k").used == Decimal("994.00")
