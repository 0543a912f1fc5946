"""An agent bank never pays beyond its quota or reserve, whether threads or workers race for it."""

from __future__ import annotations

import asyncio
import copy
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from mocks.agent_bank import AUTHORIZED, AgentBank
from mocks.books import Refused
from mocks.budget_unit import BudgetUnit
from mocks.cast import cast
from mocks.day import Day, plans
from mocks.desk import Desk
from mocks.finance import Finance
from mocks.journal import RECEIPT, RETURNED

from .conftest import play, world_for


def _voucher(world, amount: Decimal, n: int):
    finance: Finance = world.parties["hz-finance"]
    agency = world.province.agency("102001")
    payee = world.province.payees[0]
    fields = finance.draft_authorized(agency, agency.lines[0], payee, amount)
    head = world.parties["hz-health"].desk.header("8202")
    detail = {**fields, "Id": "1", "VoucherBillId": head["Id"], "VoucherBillNo": head["VoucherNo"]}
    return world.parties["hz-health"].desk.compose("8202", {**fields, **head}, [detail]), n


def test_racing_threads_never_pay_beyond_the_quota(env):
    world = world_for("http://127.0.0.1:9", env)  # books only: nothing here talks to a library
    cast(world)
    bank: AgentBank = world.parties["hz-ccb"]
    bank.quotas.grant((AUTHORIZED, "102001", "2100201"), Decimal("1000.00"), ref="5106/test")
    vouchers = [_voucher(world, Decimal("100.00"), n) for n in range(40)]
    reserve = world.ledger.balance(bank.bank.settlement)

    def pay(entry) -> bool:
        voucher, _ = entry
        try:
            return bank.pay(f"330100/8202/{voucher.voucher_no}", voucher, AUTHORIZED).ok
        except Refused:
            return False

    with ThreadPoolExecutor(max_workers=12) as pool:
        paid = sum(pool.map(pay, vouchers))
    assert paid == 10
    assert bank.quotas.get((AUTHORIZED, "102001", "2100201")).used == Decimal("1000.00")
    assert world.ledger.balance(bank.bank.settlement) == reserve - Decimal("1000.00")


def test_the_reserve_bounds_payments_too(env):
    world = world_for("http://127.0.0.1:9", env)
    cast(world)
    bank: AgentBank = world.parties["hz-ccb"]
    bank.quotas.grant((AUTHORIZED, "102001", "2100201"), Decimal("1e9"), ref="5106/test")
    voucher, _ = _voucher(world, world.ledger.balance(bank.bank.settlement) + 1, 0)
    with pytest.raises(Refused, match="备付金不足"):
        bank.pay("330100/8202/x", voucher, AUTHORIZED)
    assert bank.quotas.get((AUTHORIZED, "102001", "2100201")).used == 0


async def _apply_many(day: Day, count: int) -> None:
    unit: BudgetUnit = day.world.parties["hz-health"]
    line = unit.agency.lines[0]
    await asyncio.gather(
        *(unit.apply(line, day.world.province.payees[0], Decimal("60000.00")) for _ in range(count))
    )


READ: list[int] = []


async def _race(day: Day) -> None:
    """Twelve 8202s arrive; two workers of one bank, each with its own library connection and
    read state but the bank's one set of books, read the same inbox at once."""
    await _apply_many(day, 12)
    bank = day.world.parties["hz-ccb"]
    second = copy.copy(bank)
    second.desk, second._marks = Desk(day.world, bank.handle), {}
    try:
        READ[:] = await asyncio.gather(bank.work(), second.work())
    finally:
        await second.desk.aclose()


def test_two_workers_of_one_bank_pay_each_voucher_once_and_within_quota(env, library):
    world = world_for(library, env)
    day = play(world, [("plans", plans), ("race", _race)])
    bank: AgentBank = world.parties["hz-ccb"]
    key = (AUTHORIZED, "102001", "2100201")
    quota = bank.quotas.get(key)
    records = [r for r in world.journal.records.values() if r.vt_code == "8202"]
    paid = [r for r in records if r.outcome == RECEIPT]
    assert quota.used <= quota.granted and quota.used == Decimal("60000.00") * len(paid)
    assert len(paid) == int(quota.granted // Decimal("60000.00"))  # as many as fit, no more
    assert {r.outcome for r in records} == {RECEIPT, RETURNED} and len(records) == 12
    assert len(bank.payments) == len(paid)  # each voucher paid once
    refs = [p.ref for p in world.ledger.postings]
    assert len(refs) == len(set(refs))
    assert min(READ) > 0 and sum(READ) > 12  # both workers read, and read the same vouchers ...
    skipped = sum(n - 1 for n in world.journal.processed.values())
    assert skipped == sum(READ) - 12  # ... yet each was handled once, every second read skipped
    assert day.phases[-1].title == "race"
