"""One whole business day against the reference library on loopback: every flow, every invariant.

The day runs once per module; each test reads what it proves from the parties' books, the
journal and the library's audit trail.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from guoku.commands.demo import embedded_library
from mocks.agent_bank import AgentBank
from mocks.day import PHASES
from mocks.finance import Finance
from mocks.invariants import check_world
from mocks.journal import FAILED, RECEIPT, RETURNED
from mocks.pboc import Pboc
from mocks.reconcile import BY_VT

from .conftest import play, world_for


@pytest.fixture(scope="module")
def day(env, env_dir, tmp_path_factory):
    db = tmp_path_factory.mktemp("day") / "library.db"
    with embedded_library(env_dir, f"sqlite:///{db}") as (url, library):
        world = world_for(url, env, latency=0.0)
        played = play(world, PHASES)
        audit = library.store.verify_audit()
        yield played, audit


def _records(day, vt_code, **facts):
    return [
        r
        for r in day.world.journal.records.values()
        if r.vt_code == vt_code and all(getattr(r, k) == v for k, v in facts.items())
    ]


def test_every_invariant_holds_and_the_audit_trail_verifies(day):
    played, audit = day
    verdicts = check_world(played.world, audit=(audit.intact, audit.problem))
    assert [v.name for v in verdicts if not v.ok] == [], [v.failures for v in verdicts if not v.ok]
    assert audit.intact and audit.checked > 500


def test_every_flow_ran(day):
    played, _ = day
    sent = {r.vt_code for r in played.world.journal.records.values()}
    flows = {"5106", "5108", "5207", "5267", "5201", "8202", "2301", "2302", "2252", "3208", "3268", "5209"}
    flows |= {"3210", "5253", "5351", "3503", "3504", "3505", "3554", "5507", "5510", "2507", "2206", "3410"}
    assert flows <= sent


def test_a_tips_failure_gets_a_failed_receipt_and_moves_no_money(day):
    played, _ = day
    world = played.world
    closed = next(p for p in world.province.payees if p.closed)
    [record] = [r for r in _records(played, "5207") if r.outcome == FAILED]
    treasury = world.parties["hz-treasury"]
    payment = treasury.payments[("5207", record.voucher_no)]
    assert payment.voucher.header["PayeeAcctNo"] == closed.account
    assert (payment.result.ok, payment.result.reason) == (False, "收款账户已销户")
    receipt = world.parties["hz-finance"].receipts[("5207", record.voucher_no)]
    assert receipt.header["XPayAmt"] == "0.00" and world.ledger.balance(closed.account) == 0


def test_an_authorized_payment_beyond_quota_is_returned_and_never_paid(day):
    played, _ = day
    returned = _records(played, "8202", outcome=RETURNED)
    assert returned and all("额度不足" in r.detail for r in returned)
    for bank in played.of(AgentBank):
        for ref in bank.payments:
            assert ref.split("/")[2] not in {r.voucher_no for r in returned}
        for quota in bank.quotas.snapshot().values():
            assert quota.used <= quota.granted


def test_the_half_level_district_cannot_pay_beyond_its_sub_account(day):
    played, _ = day
    world = played.world
    district = world.province.divisions["330105"]
    paid, refused = _records(played, "5207", adm_div_code="330105")
    assert (paid.outcome, refused.outcome) == (RECEIPT, RETURNED)
    assert "库款户余额不足" in refused.detail
    assert world.ledger.balance(district.treasury_account) == Decimal(
        "400000.00"
    )  # 1,000,000 in, 600,000 out


def test_refund_notices_reach_finance_and_give_the_indicator_back(day):
    played, _ = day
    finance = played.world.parties["hz-finance"]
    kinds = {vt for vt, _ in finance.refunded}
    assert {"3208", "3268", "3210"} <= kinds
    for (vt, no), amount in finance.refunded.items():
        if vt == "3208":
            assert finance.indicators.released(f"3208/{no}") == amount > 0


def test_a_bank_refund_is_cleared_back_with_a_2302_and_restores_quota(day):
    played, _ = day
    [refund] = [r for bank in played.of(AgentBank) for r in bank.refunds]
    assert refund.done and "2302" in refund.history[-1]
    bank = next(b for b in played.of(AgentBank) if refund in b.refunds)
    assert bank.quotas.released(f"{refund.payment.ref}/refund") == refund.amount
    [cleared_back] = _records(played, "2302", outcome=RECEIPT)
    assert cleared_back.amount == -refund.amount


def test_the_agent_treasury_clears_on_its_own_books_without_tips(day):
    played, _ = day
    world = played.world
    clearing = _records(played, "2301", adm_div_code="330106")
    assert clearing and all(r.outcome == RECEIPT for r in clearing)
    assert not [m for m in world.tips.messages if m.ref.startswith("330106/2301")]
    bank = world.parties["xh-icbc"]
    assert all(p.cleared == p.amount for p in bank.payments.values())


def test_reconciliation_statements_all_agree(day):
    played, _ = day
    checks = played.world.journal.checks
    assert len(checks) > 20 and {result for *_, result, _ in checks} == {0}
    treasuries = [t for t in played.of(Pboc) if t.adm == "330100"]
    finance = next(f for f in played.of(Finance) if f.adm == "330100")
    for vt_code in ("3503", "3504", "3505", "3506"):  # both sides derive the same rows from the same receipts
        assert treasuries[0].my_rows(BY_VT[vt_code]) == finance.my_rows(BY_VT[vt_code]), vt_code
