"""One business day of a small province: every flow, in the order a treasury day runs them.

Each phase is a business action (finance issues its plans, budget units apply, banks clear, …)
followed by `settle`: every party works its inbox, round after round, until nobody has anything
left and no sent voucher was returned. Amounts come from `random.Random(seed)`, so a seed gives
the same day; the special cases are scripted so that every run shows them: a TIPS failure (a
payment to a closed account), a payment refused beyond quota (8202), a refund that becomes a
3208 and one that becomes a 2302, a bounced revenue refund (3210), a 专户 refund (3268), and a
half-level district payment beyond its sub-account (returned).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal

from mocks.agent_bank import AgentBank
from mocks.budget_unit import BudgetUnit
from mocks.cast import cast
from mocks.finance import AUTHORIZED, DIRECT, TRANSFER, Finance
from mocks.party import Party
from mocks.payee_bank import PayeeBank
from mocks.pboc import Pboc
from mocks.province import HALF_LEVEL, PAYEE_BANK_NO, Payee
from mocks.report import BoardRow
from mocks.world import World

MAX_ROUNDS = 60
CLEARING_ROUNDS = 5  # a clearing TCBS refused is asked again, at most this often
REVENUE_INCOME = {"IncomeSortCode": "101060109", "IncomeSortName": "其他个人所得税"}  # what 5209 refunds


@dataclass
class PhaseResult:
    title: str
    sent: int
    seconds: float


@dataclass
class Day:
    world: World
    seed: int = 7
    systems: list[Party] = field(default_factory=list)
    phases: list[PhaseResult] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.systems = cast(self.world)

    def of(self, kind: type) -> list:
        return [s for s in self.systems if isinstance(s, kind)]

    def amount(self, low: int, high: int) -> Decimal:
        """A whole-hundred amount of yuan in [low, high]."""
        return Decimal(self.rng.randrange(low // 100, high // 100 + 1) * 100).quantize(Decimal("0.01"))

    def payee(self, *, at_payee_bank: bool = True) -> Payee:
        fine = [p for p in self.world.province.payees if not (p.closed or p.bounces)]
        if at_payee_bank:
            fine = [p for p in fine if p.bank_no == PAYEE_BANK_NO]
        return self.rng.choice(fine)

    async def settle(self) -> None:
        """Let every party work until the library holds nothing more for anyone."""
        for _ in range(MAX_ROUNDS):
            done = await asyncio.gather(*(s.work() for s in self.systems))
            if not any(done) and not sum(await asyncio.gather(*(s.poll_returns() for s in self.systems))):
                return
        self.world.journal.problems.append(f"the day did not settle in {MAX_ROUNDS} rounds")

    async def run(self, phases: list[tuple[str, Callable[[Day], Awaitable[None]]]] | None = None) -> None:
        phases = PHASES if phases is None else phases
        say = self.world.journal.say
        for i, (title, act) in enumerate(phases, 1):
            before, started = len(self.world.journal.records), time.perf_counter()
            say(f"[{i:>2}/{len(phases)}] {title} …")
            await act(self)
            await self.settle()
            result = PhaseResult(
                title, len(self.world.journal.records) - before, time.perf_counter() - started
            )
            self.phases.append(result)
            say(f"        {result.sent} vouchers sent, settled in {result.seconds:.1f} s")

    async def board(self) -> list[BoardRow]:
        """ITFE's last step for every party: the library's status of each voucher and receipt it sent,
        per destination (reference §3: 12 = the peer's receipt arrived, 9 = our receipt signed for)."""
        journal = self.world.journal
        sent: dict[tuple[str, str, str], list[tuple]] = {}
        for r in journal.records.values():
            for dest in r.to:
                fact = (r.voucher_no, r.adm_div_code, r.flow, r.amount, r.outcome, r.detail)
                sent.setdefault((r.sender, r.vt_code, dest), []).append(fact)
        for a in journal.answers:
            original = journal.record(a.adm_div_code, a.vt_code, a.voucher_no)
            flow = original.flow if original else "回单"
            amount = original.amount if original else Decimal("0.00")
            outcome = "failed receipt" if a.failed else "receipt sent"
            for dest in a.to:
                fact = (a.voucher_no, a.adm_div_code, flow, amount, outcome, f"回单 of {a.vt_code}")
                sent.setdefault((a.by, a.vt_code, dest), []).append(fact)
        rows = []
        for (sender, vt_code, dest), facts in sorted(sent.items()):
            statuses = await self.world.parties[sender].desk.statuses(vt_code, [f[0] for f in facts], dest)
            for no, adm, flow, amount, outcome, detail in facts:
                code, status = statuses.get(no, (-1, "凭证不存在"))
                rows.append(
                    BoardRow(flow, vt_code, no, adm, sender, dest, amount, outcome, detail, code, status)
                )
        return rows

    async def aclose(self) -> None:
        await asyncio.gather(*(s.aclose() for s in self.systems))


def _finances(day: Day, *, half_level: bool = False) -> list[Finance]:
    divisions = day.world.province.divisions
    return [f for f in day.of(Finance) if (divisions[f.adm].kind == HALF_LEVEL) == half_level]


def budgets(day: Day) -> None:
    """Every finance bureau's indicators, and each city's transfer line for its half-level districts."""
    province = day.world.province
    for finance in day.of(Finance):
        budget = {
            (agency.code, line.func, line.eco): day.amount(2_000_000, 5_000_000)
            for agency in province.agencies_of(finance.adm)
            for line in agency.lines
        }
        for child in province.divisions.values():
            if child.parent == finance.adm:
                budget[(TRANSFER, child.treasury_account, "")] = Decimal("3000000.00")
        finance.budget(budget)


def quota_notices(day: Day, finance: Finance) -> list[Awaitable[str]]:
    """One finance bureau's quota notices: per agent bank a 5106 (authorized) and a 5108 (direct)."""
    province, notices = day.world.province, []
    for bank in province.divisions[finance.adm].banks:
        banked = [a for a in province.agencies_of(finance.adm) if a.bank == bank]
        for pay_type, low, high in ((AUTHORIZED, 300_000, 600_000), (DIRECT, 500_000, 900_000)):
            lines = [(a, line, day.amount(low, high)) for a in banked for line in a.lines]
            if lines:
                notices.append(finance.issue_plan(pay_type, bank, lines))
    return notices


async def plans(day: Day) -> None:
    """Indicators, then each bank's quota notices: 5106 authorized and 5108 direct."""
    budgets(day)
    await asyncio.gather(*(n for finance in _finances(day) for n in quota_notices(day, finance)))


async def appropriations(day: Day) -> None:
    """实拨 5207 in every division with a treasury, one to a closed account (TIPS fails it), and the
    city's transfer that funds its half-level district's sub-account."""
    province, work = day.world.province, []
    closed = next(p for p in province.payees if p.closed)
    for finance in _finances(day):
        for agency in province.agencies_of(finance.adm)[:2]:
            work.append(
                finance.appropriate(agency, agency.lines[0], day.payee(), day.amount(50_000, 300_000))
            )
        if finance.adm == "330100":
            agency = province.agencies_of("330100")[0]
            work.append(finance.appropriate(agency, agency.lines[0], closed, day.amount(10_000, 50_000)))
        for child in province.divisions.values():
            if child.parent == finance.adm:
                sub = Payee(
                    child.treasury_account,
                    f"{child.name}库款户",
                    f"国家金库{child.name}库款户",
                    "011" + child.adm_div_code + "001",
                )
                work.append(finance.appropriate(None, None, sub, Decimal("1000000.00"), flow="半级财政 5207"))
    await asyncio.gather(*work)


async def special_accounts(day: Day) -> None:
    """专户 5267: paid from the finance bureau's special account by the special-account bank."""
    province = day.world.province
    work = []
    for finance in _finances(day):
        agency = province.agencies_of(finance.adm)[-1]
        work.append(finance.special(agency, agency.lines[0], day.payee(), day.amount(20_000, 120_000)))
    await asyncio.gather(*work)


async def direct_payments(day: Day) -> None:
    """直接支付 5201: the PBoC has the agent bank pay them (TIPS 5104) within the 5108 quota."""
    province, work = day.world.province, []
    for finance in _finances(day):
        for agency in [a for a in province.agencies_of(finance.adm) if a.bank][:2]:
            work.append(finance.direct(agency, agency.lines[0], day.payee(), day.amount(50_000, 150_000)))
    await asyncio.gather(*work)


async def authorized_payments(day: Day) -> None:
    """授权支付 8202: each online unit pays twice within its quota, then asks for more than is left."""
    work = []
    for unit in day.of(BudgetUnit):
        line = unit.agency.lines[0]
        work += [unit.apply(line, day.payee(), day.amount(20_000, 80_000)) for _ in range(2)]
    await asyncio.gather(*work)
    await day.settle()
    for unit in day.of(BudgetUnit):
        finance = day.world.parties[day.world.province.divisions[unit.adm].finance]
        granted = finance.plans.get((AUTHORIZED, unit.agency.code, unit.agency.lines[0].func)).granted
        await unit.apply(unit.agency.lines[0], day.payee(), granted)  # beyond what is left: returned


async def clearing(day: Day) -> None:
    """额度清算: every agent bank asks the PBoC for what it paid (2301) and gave back (2302)."""
    for _ in range(CLEARING_ROUNDS):
        if not sum(await asyncio.gather(*(bank.clear() for bank in day.of(AgentBank)))):
            return
        await day.settle()


async def payee_refunds(day: Day) -> None:
    """收款行退款 2252: the payee bank sends back one 实拨, one 专户 and one cleared bank payment."""
    for bank in day.of(PayeeBank):
        received = bank.received()
        chosen = {}
        for posting in received:
            vt_code = posting.ref.split("/")[1]
            kind = "bank" if vt_code in ("5201", "8202") else vt_code
            if kind not in chosen and (kind != "bank" or _cleared(day, posting.ref)):
                chosen[kind] = posting
        await asyncio.gather(*(bank.refund(posting) for posting in chosen.values()))


def _cleared(day: Day, ref: str) -> bool:
    return any(ref in b.payments and b.payments[ref].cleared for b in day.of(AgentBank))


async def revenue_refunds(day: Day) -> None:
    """收入退付 5209, one to a taxpayer whose account bounces it back (the PBoC then writes a 3210)."""
    province, work = day.world.province, []
    income = REVENUE_INCOME
    bouncing = next(p for p in province.payees if p.bounces)
    for finance in _finances(day):
        work.append(finance.revenue_refund(day.payee(at_payee_bank=False), day.amount(1_000, 9_000), income))
        if finance.adm == "330100":
            work.append(finance.revenue_refund(bouncing, day.amount(1_000, 9_000), income))
    await asyncio.gather(*work)


async def adjustments(day: Day) -> None:
    """调整 5253 (direct) and 5351 (authorized): quota moved between two function subjects."""
    province = day.world.province
    for finance in _finances(day):
        agency = next((a for a in province.agencies_of(finance.adm) if a.bank and len(a.lines) > 1), None)
        if agency is None:
            continue
        first, second = agency.lines
        left = finance.plans.get((DIRECT, agency.code, first.func)).remaining
        await finance.adjust(DIRECT, agency, first, second, (left / 10).quantize(Decimal("1.00")))
        granted = finance.plans.get((AUTHORIZED, agency.code, second.func)).granted
        await finance.adjust(AUTHORIZED, agency, second, first, (granted / 10).quantize(Decimal("1.00")))


async def half_level(day: Day) -> None:
    """半级财政: the district pays from the city's sub-account; the second payment exceeds it."""
    for finance in _finances(day, half_level=True):
        agency = day.world.province.agencies_of(finance.adm)[0]
        await finance.appropriate(
            agency, agency.lines[0], day.payee(), Decimal("600000.00"), flow="半级财政 5207"
        )
        await day.settle()
        await finance.appropriate(
            agency, agency.lines[0], day.payee(), Decimal("600000.00"), flow="半级财政 5207"
        )


async def reconciliation(day: Day) -> None:
    """对账 and 日报: the PBoC's statements and daily reports, answered by finance and the banks."""
    await asyncio.gather(*(t.reconcile() for t in day.of(Pboc)))
    await day.settle()
    await asyncio.gather(*(t.report() for t in day.of(Pboc)))


PHASES: list[tuple[str, Callable[[Day], Awaitable[None]]]] = [
    ("预算指标与用款计划 5106/5108", plans),
    ("实拨 5207 (one to a closed account)", appropriations),
    ("专户 5267", special_accounts),
    ("直接支付 5201 via TIPS 5104", direct_payments),
    ("授权支付 8202 (one beyond quota)", authorized_payments),
    ("日间额度清算 2301", clearing),
    ("收款行退款 2252 → 3208 / 3268 / bank refund", payee_refunds),
    ("收入退付 5209 (one bounces → 3210)", revenue_refunds),
    ("调整 5253/5351", adjustments),
    ("半级财政 5207 (one beyond the sub-account)", half_level),
    ("终日额度清算 2301/2302", clearing),
    ("对账 35xx/55xx/25xx and 日报 2206/3410", reconciliation),
]
