"""The invariants catch what they guard: each check fails on a world broken in its own way.

The books refuse to be broken through their methods, so the breakage is written into them directly.
"""

from __future__ import annotations

from decimal import Decimal

from mocks.agent_bank import AUTHORIZED, BankPayment
from mocks.books import Quota
from mocks.cast import cast
from mocks.invariants import check_world
from mocks.journal import Record

from .conftest import world_for


def _world(env):
    world = world_for("http://127.0.0.1:9", env)  # books only
    cast(world)
    return world


def _failing(world) -> dict[str, tuple[str, ...]]:
    return {v.name: v.failures for v in check_world(world) if v.ok is False}


def test_a_quiet_world_breaks_nothing(env):
    verdicts = check_world(_world(env))
    assert {v.name: v.ok for v in verdicts if v.ok is not True} == {"audit trail verifies": None}


def test_money_appearing_from_nowhere_is_caught(env):
    world = _world(env)
    world.ledger._balances["BK102330100001"] += Decimal("0.01")
    assert "money conserved" in _failing(world)


def test_a_quota_used_beyond_its_grant_is_caught(env):
    world = _world(env)
    bank = world.parties["hz-icbc"]
    bank.quotas._quotas[(AUTHORIZED, "101001", "2050201")] = Quota(granted=Decimal(1), used=Decimal(2))
    assert "paid within quota" in _failing(world)


def test_a_payment_never_cleared_is_caught(env):
    world = _world(env)
    bank = world.parties["hz-icbc"]
    bank.payments["330100/8202/1"] = BankPayment(
        "330100/8202/1", None, AUTHORIZED, ("12", "a", "f"), Decimal(5), "B1"
    )
    failures = _failing(world)["cleared = paid per bank"]
    assert any("hz-icbc: paid 5.00" in f for f in failures)


def test_a_voucher_without_an_end_and_a_party_error_are_caught(env):
    world = _world(env)
    world.journal.sent(Record("实拨 5207", "5207", "330100", "1", "hz-finance", ("001",), Decimal(1)))
    world.journal.problems.append("hz-treasury failed on 5207 1: boom")
    failing = _failing(world)
    assert {"every voucher ended", "no party errors"} <= set(failing)


def test_a_payment_posted_twice_is_caught(env):
    world = _world(env)
    treasury = world.province.divisions["330100"].treasury_account
    payee = world.province.payees[0].account
    for _ in range(2):
        world.ledger.transfer(treasury, payee, Decimal("1.00"), ref="330100/5207/7")
    assert "money moved 2 times for 330100/5207/7" in _failing(world)["no voucher processed twice"]
