"""The TIPS/TCBS stand-in: latency, seeded failures, closed accounts, bounces; failures move nothing."""

import asyncio
import datetime as dt
import time
from decimal import Decimal

import pytest

from mocks.books import Ledger
from mocks.tips import Tips, TipsConfig

DAY = dt.date(2026, 11, 27)


def _tips(**config) -> Tips:
    ledger = Ledger()
    ledger.open("T", "国库存款", Decimal("1000.00"))
    for account in ("P", "CLOSED", "BOUNCE"):
        ledger.open(account, account)
    return Tips(ledger, TipsConfig(**config), business_date=DAY)


def test_a_payment_moves_money_and_answers_with_a_business_number():
    tips = _tips()
    result = asyncio.run(tips.pay("5101", "T", "P", Decimal("12.34"), ref="330100/5207/1"))
    assert result.ok and result.amount == Decimal("12.34") and result.date == "20261127"
    assert result.business_no.startswith("T5101261127")
    assert tips.ledger.balance("P") == Decimal("12.34")


def test_latency_is_waited_for_each_message():
    tips = _tips(latency=0.05)
    started = time.perf_counter()
    asyncio.run(tips.pay("5101", "T", "P", Decimal("1.00"), ref="r"))
    assert time.perf_counter() - started >= 0.05


def test_failures_are_seeded_per_message_and_move_nothing():
    refs = [f"330100/5207/{i}" for i in range(200)]

    def outcomes(seed: int) -> list[bool]:
        tips = _tips(failure_rate=0.3, seed=seed)
        results = [asyncio.run(tips.pay("5101", "T", "P", Decimal("1.00"), ref=r)) for r in refs]
        failed = [r for r in results if not r.ok]
        assert all(r.amount == 0 and r.reason == "TCBS处理失败" for r in failed)
        assert tips.ledger.balance("P") == Decimal(len(results) - len(failed))
        return [r.ok for r in results]

    first = outcomes(seed=1)
    assert first == outcomes(seed=1) and first != outcomes(seed=2)
    assert 30 < first.count(False) < 90  # about 30 % of 200


def test_a_closed_account_or_a_short_payer_fails_the_payment():
    tips = _tips(closed_accounts=frozenset({"CLOSED"}))
    closed = asyncio.run(tips.pay("5101", "T", "CLOSED", Decimal("1.00"), ref="a"))
    short = asyncio.run(tips.pay("5101", "T", "P", Decimal("1000.01"), ref="b"))
    assert (closed.ok, closed.reason, short.ok) == (False, "收款账户已销户", False)
    assert "余额不足" in short.reason and tips.ledger.balance("T") == Decimal("1000.00")


def test_a_bouncing_account_sends_the_money_back_with_a_notice():
    tips = _tips(bouncing_accounts=frozenset({"BOUNCE"}))
    result = asyncio.run(tips.pay("1104", "T", "BOUNCE", Decimal("5.00"), ref="330100/5209/9"))
    assert result.ok and tips.ledger.balance("BOUNCE") == 0 and tips.ledger.balance("T") == Decimal("1000.00")
    [notice] = tips.returned("T")
    assert (notice.ref, notice.amount, notice.reason) == ("330100/5209/9", Decimal("5.00"), "收款行退汇")
    assert tips.returned("T") == []  # taken once


def test_config_is_checked():
    with pytest.raises(ValueError, match="failure_rate"):
        TipsConfig(failure_rate=1.5)
    with pytest.raises(ValueError, match="latency"):
        TipsConfig(latency=-1)
