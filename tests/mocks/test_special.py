"""The special cases, each in a day of its own against the reference library on loopback:
a TIPS failure, 专户 beyond its account, 半级财政 beyond its sub-account, 代理金库 clearing that fails
and is asked again, and the day's revenue-refund flow under the 1.0 profile."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from mocks.agent_bank import AgentBank
from mocks.day import Day, plans, revenue_refunds
from mocks.finance import TRANSFER, Finance
from mocks.invariants import check_world
from mocks.journal import FAILED, RECEIPT, RETURNED

from .conftest import play, running_library, world_for

YUAN = Decimal("1.00")


def _records(world, vt_code: str, adm: str) -> list:
    return [r for r in world.journal.records.values() if r.vt_code == vt_code and r.adm_div_code == adm]


def _failed_invariants(world) -> list:
    return [(v.name, v.failures) for v in check_world(world) if v.ok is False]


def _budget(finance: Finance, amount: Decimal) -> None:
    agency = finance.world.province.agencies_of(finance.adm)[0]
    finance.budget({(agency.code, line.func, line.eco): amount for line in agency.lines})


async def _appropriate_twice(day: Day) -> None:
    finance: Finance = day.world.parties["hz-finance"]
    _budget(finance, Decimal("500000.00"))
    agency = day.world.province.agencies_of("330100")[0]
    await asyncio.gather(
        *(finance.appropriate(agency, agency.lines[0], day.payee(), 1000 * YUAN) for _ in "ab")
    )


def test_a_tips_failure_fails_the_payment_and_frees_the_indicator(env, library):
    world = world_for(library, env, failure_rate=1.0)
    play(world, [("实拨 under a failing TCBS", _appropriate_twice)])
    records = _records(world, "5207", "330100")
    assert [r.outcome for r in records] == [FAILED, FAILED]
    finance = world.parties["hz-finance"]
    assert all(finance.receipts[("5207", r.voucher_no)].header["XPayAmt"] == "0.00" for r in records)
    assert all(q.used == 0 for q in finance.indicators.snapshot().values())  # given back
    assert all(
        not p.result.ok and p.result.reason == "TCBS处理失败"
        for p in world.parties["hz-treasury"].payments.values()
    )
    assert world.ledger.postings == [] and _failed_invariants(world) == []


async def _special_beyond(day: Day) -> None:
    finance: Finance = day.world.parties["hz-finance"]
    agency = day.world.province.agencies_of("330100")[0]
    balance = day.world.ledger.balance(finance.division.special_account)
    await finance.special(agency, agency.lines[0], day.payee(), 1000 * YUAN)
    await day.settle()
    await finance.special(agency, agency.lines[0], day.payee(), balance)  # 1,000 short now


def test_a_special_account_payment_beyond_its_balance_fails(env, library):
    world = world_for(library, env)
    play(world, [("专户", _special_beyond)])
    first, second = _records(world, "5267", "330100")
    assert (first.outcome, second.outcome) == (RECEIPT, FAILED)
    special = world.parties["special-bank"]
    assert [r.ok for r in special.executed.values()] == [True, False]
    assert "余额不足" in list(special.executed.values())[1].reason
    assert _failed_invariants(world) == []


async def _half_level_day(day: Day) -> None:
    city, district = day.world.parties["hz-finance"], day.world.parties["gs-finance"]
    division = day.world.province.divisions["330105"]
    city.budget({(TRANSFER, division.treasury_account, ""): 100_000 * YUAN})
    _budget(district, 1_000_000 * YUAN)
    agency = day.world.province.agencies_of("330105")[0]
    await district.appropriate(agency, agency.lines[0], day.payee(), 10 * YUAN)  # before any funding
    await day.settle()
    await city.appropriate(None, None, division.as_payee(), 100_000 * YUAN)
    await day.settle()
    pay = [district.appropriate(agency, agency.lines[0], day.payee(), 60_000 * YUAN) for _ in "ab"]
    await asyncio.gather(*pay)  # both at once: the sub-account holds one


def test_a_half_level_district_is_refused_beyond_its_sub_account(env, library):
    world = world_for(library, env)
    play(world, [("半级财政", _half_level_day)])
    unfunded, first, second = _records(world, "5207", "330105")
    assert [unfunded.outcome, first.outcome, second.outcome].count(RETURNED) == 2
    assert {first.outcome, second.outcome} == {RECEIPT, RETURNED}
    assert "库款户余额不足" in unfunded.detail
    sub_account = world.province.divisions["330105"].treasury_account
    assert world.ledger.balance(sub_account) == 40_000 * YUAN
    funding = [p for p in world.ledger.postings if p.credit == sub_account]
    assert [p.ref.split("/")[:2] for p in funding] == [["330100", "5207"]]  # only the city's transfer
    assert _failed_invariants(world) == []


async def _agent_treasury_day(day: Day) -> None:
    world = day.world
    finance: Finance = world.parties["xh-finance"]
    agency = world.province.agencies_of("330106")[0]
    await finance.direct(agency, agency.lines[0], day.payee(), 50_000 * YUAN)
    await day.settle()
    treasury = world.province.divisions["330106"].treasury_account
    world.ledger.open("DRAIN", "drained")
    drained = world.ledger.balance(treasury)
    world.ledger.transfer(treasury, "DRAIN", drained, ref="test/drain")
    bank: AgentBank = world.parties["xh-icbc"]
    await bank.clear()  # the agent treasury cannot pay: XPayAmt 0.00
    await day.settle()
    assert not any(p.cleared for p in bank.payments.values())
    world.ledger.transfer("DRAIN", treasury, drained, ref="test/refill")
    await bank.clear()  # asked again, now cleared


def test_an_agent_treasury_clears_locally_and_xpayamt_zero_means_not_cleared(env, library):
    world = world_for(library, env)
    play(world, [("plans", plans), ("代理金库", _agent_treasury_day)])
    failed, cleared = _records(world, "2301", "330106")
    assert (failed.outcome, cleared.outcome) == (FAILED, RECEIPT)
    bank = world.parties["xh-icbc"]
    assert bank.receipts[("2301", failed.voucher_no)].header["XPayAmt"] == "0.00"
    assert all(p.cleared == p.amount for p in bank.payments.values())
    assert not [
        m for m in world.tips.messages if m.msg_no in ("2201", "2202") and m.ref.startswith("330106/")
    ]
    assert _failed_invariants(world) == []


def test_the_parties_speak_the_1_0_profile_too(env, env_dir, tmp_path):
    with running_library(env_dir, tmp_path, profile="1.0") as url:
        world = world_for(url, env)
        world.profile = "1.0"
        play(world, [("plans", plans), ("收入退付", revenue_refunds)])
    notices = [r for r in world.journal.records.values() if r.vt_code == "3251"]
    assert notices and all(r.outcome == RECEIPT for r in notices)  # the old code of 3210
    refunds = [r for r in world.journal.records.values() if r.vt_code == "5209"]
    assert all(len(r.voucher_no) == 8 for r in refunds)
    assert _failed_invariants(world) == []
