"""Reference mode: the parties of `mocks/` act on the simulated clock against a real library.

Each application the day draws becomes a call of the party that makes it (`Finance.appropriate`,
`BudgetUnit.apply`, `AgentBank.clear`, …: their books, rules and SOAP calls, reused). A party's
ITFE cycle runs, for real and in one go, what is due, then `work()` (read, sign for, pay,
answer) and `poll_returns()`; every library call goes through a timing transport, and the
cycle holds a library worker for the sum of the calls' wall times, so queues at the library are
modelled from measured service. Journal events (sent, answered, settled) are stamped with the
simulated time at which the call before them finished. At the end every party asks once more
about its outstanding vouchers, the status board is read, and the invariants of `mocks/` are
checked. Several business days play against the same library and books: each day the parties
move to the next date (the day-cut), the books carry over; refunds, statements and daily reports
are the parties' own (`PayeeBank.refund`, `Pboc.reconcile`, `Pboc.report`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import numpy as np

from evoucher.pki import Environment
from mocks.agent_bank import AUTHORIZED, AgentBank
from mocks.day import REVENUE_INCOME, Day, _cleared, budgets, quota_notices
from mocks.finance import Finance
from mocks.invariants import check_world
from mocks.journal import RECEIPT, Answer, Journal, Listener, Record
from mocks.payee_bank import PayeeBank
from mocks.report import DayReport, flow_lines, money_facts
from mocks.tips import TipsConfig
from mocks.world import open_world
from sim.arrivals import Applications
from sim.calendar import DAY
from sim.flows import ROUTES
from sim.recorder import Recorder
from sim.scenario import ScenarioError
from sim.topology import Party

Audit = Callable[[], tuple[bool | None, str]]


class TimedJournal(Journal):
    """The parties' journal, noting after how many library calls each event happened."""

    def __init__(self, listener: Listener | None, recorder: Recorder) -> None:
        super().__init__(listener)
        self.recorder = recorder
        self.events: list[tuple[str, tuple[str, str, str], int]] = []

    def sent(self, record: Record) -> None:
        super().sent(record)
        self.events.append(("sent", record.key, len(self.recorder.calls)))

    def answered(self, answer: Answer) -> None:
        super().answered(answer)
        key = (answer.adm_div_code, answer.vt_code, answer.voucher_no)
        self.events.append(("funds", key, len(self.recorder.calls)))

    def settle(self, adm_div_code, vt_code, voucher_no, outcome, detail="", *, by=""):
        super().settle(adm_div_code, vt_code, voucher_no, outcome, detail, by=by)
        self.events.append(("done", (adm_div_code, vt_code, voucher_no), len(self.recorder.calls)))


@dataclass
class Refill:
    """A payment returned beyond quota, on its way to a supplementary plan and a new application."""

    unit: Any
    bank: AgentBank
    line: Any
    amount: Decimal
    voucher_no: str
    planned: bool = False
    again: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        return _quota_key(self.unit, self.line)


def _quota_key(unit, line) -> tuple[str, str, str]:
    """The agent bank's quota an authorized payment of `unit` on `line` uses."""
    return (AUTHORIZED, unit.agency.code, line.func)


@dataclass
class Act:
    ready: float
    t0: float
    run: Callable[[], Awaitable[Any]]


class ReferenceBackend:
    def __init__(
        self,
        sim,
        base_url: str,
        env: Environment,
        *,
        profile: str = "2.0",
        listener: Listener | None = None,
        transport: Callable[[], httpx.AsyncBaseTransport] | None = None,
        run_tag: str | None = None,
        tips: TipsConfig | None = None,
        scripted: bool = False,
    ) -> None:
        self.sim, self.recorder = sim, Recorder()
        self.journal = TimedJournal(listener, self.recorder)
        failures = sum(share for _, _, share in sim.tips_failures)
        self.world = open_world(
            base_url,
            env,
            tips=tips or TipsConfig(failure_rate=min(failures, 1.0), seed=sim.seed),
            business_date=sim.calendar.start,
            profile=profile,
            run_tag=run_tag or f"{int(time.time()) % 1_000_000:06d}",
            journal=self.journal,
            transport=self.recorder.transport(transport),
        )
        self.day = Day(self.world, seed=sim.seed)
        self.loop = asyncio.new_event_loop()
        self.system: dict[int, Any] = {}
        self._map_parties()
        self.scripted = scripted  # the day's business comes from a script (the demo's phases)
        if not scripted:
            budgets(self.day)
        self.busy = 0
        self.refills: list[Refill] = []
        self.t0: dict[tuple[str, str, str], float] = {}
        self.times: dict[tuple[str, str, str], dict[str, float]] = {}
        self.target = base_url

    # ------------------------------------------------------------------ who plays whom

    def _map_parties(self) -> None:
        province, parties = self.world.province, self.world.parties
        for party in self.sim.topology.parties:
            division = province.divisions.get(party.place.adm)
            if division is None:
                raise ScenarioError(
                    f"regions.{party.place.group.name}: division {party.place.adm} is not in the "
                    "environment (reference mode needs the scenario's regions as divisions)"
                )
            units = [a.unit for a in province.agencies_of(division.adm_div_code) if a.unit]
            party.state = {"acts": [], "marks": {}}
            if party.role == "payee":  # the payee bank, in the one division that has it
                payee = [s for s in self.day.of(PayeeBank) if s.adm == division.adm_div_code]
                self.system[party.id] = payee[0] if payee else None
                continue
            handles = {
                "finance": [division.finance],
                "pboc": [division.treasury],
                "bank": list(division.banks),
                "unit": units,
            }[party.role]
            group = party.place.group
            expected = {"bank": group.banks, "unit": group.units}.get(party.role, 1)
            if len(handles) != expected:
                raise ScenarioError(
                    f"regions.{group.name}: {expected} {party.role}(s) in the scenario, the "
                    f"environment has {len(handles)} in {division.adm_div_code}"
                )
            self.system[party.id] = parties[handles[party.index]]
        mapped = set(map(id, self.system.values()))
        for system in self.day.systems:  # the payee bank: no region of its own, it cycles as a bank
            if id(system) not in mapped:
                key = (0, "bank", len(self.sim.topology.parties))
                extra = Party(
                    len(self.sim.topology.parties), self.sim.topology.places[0], "bank", key[2], 0.0
                )
                extra.state = {"acts": [], "marks": {}}
                self.sim.topology.parties.append(extra)
                self.system[extra.id] = system

    def _party_of(self, system) -> Party:
        return next(p for p in self.sim.topology.parties if self.system[p.id] is system)

    # ------------------------------------------------------------------ the day's business as calls

    def _call(self, apps: Applications, i: int, first: bool) -> tuple[Any, Callable[[], Awaitable[Any]]]:
        """(the system that makes it, the call) for application `i`."""
        province, parties = self.world.province, self.world.parties
        division = province.divisions[apps.place.adm]
        finance = parties[division.finance]
        agencies = province.agencies_of(division.adm_div_code)
        amount = Decimal(int(apps.amount[i])).quantize(Decimal("0.01"))
        payee = self.day.payee
        if apps.flow == "额度通知 5106/5108":
            if not first:
                return finance, _nothing
            return finance, lambda: asyncio.gather(*quota_notices(self.day, finance))
        if apps.flow == "半级财政 5207":
            if first:  # the city's transfer funds the district's sub-account
                city = parties[province.divisions[division.parent].finance]
                return city, lambda: city.appropriate(
                    None, None, division.as_payee(), Decimal("1000000.00"), flow="半级财政 5207"
                )
            agency = agencies[0]
            return finance, lambda: finance.appropriate(
                agency, agency.lines[0], payee(), amount, flow="半级财政 5207"
            )
        route = ROUTES[apps.flow]
        if route.books:  # the PBoC's statements or reports of its books so far
            pboc = parties[division.treasury]
            make = pboc.reconcile if route.books == "statements" else pboc.report
            return pboc, lambda: self._sent_by(pboc, make)
        if route.sender == "payee":
            return self._refund(division, route)
        if route.sender == "unit":
            unit = parties[[a.unit for a in agencies if a.unit][int(apps.unit[i])]]
            if route.refused:
                return unit, lambda: self._beyond(unit, amount)
            return unit, lambda: unit.apply(unit.agency.lines[0], payee(), amount)
        banked = (
            [a for a in agencies if a.bank == division.banks[int(apps.bank[i])]] if division.banks else []
        )
        agency = (banked or list(agencies))[0]
        calls = {
            "实拨 5207": lambda: finance.appropriate(agency, agency.lines[0], payee(), amount),
            "专户 5267/3268": lambda: finance.special(agencies[-1], agencies[-1].lines[0], payee(), amount),
            "直接支付 5201": lambda: finance.direct(agency, agency.lines[0], payee(), amount),
            "收入退付 5209/3210": lambda: finance.revenue_refund(
                payee(at_payee_bank=False), amount, REVENUE_INCOME
            ),
        }
        return finance, calls[apps.flow]

    async def _sent_by(self, system, make: Callable[[], Awaitable[Any]]) -> list[str]:
        """What `system` sent while `make` ran: their numbers, so that they start at the act's time."""
        before = len(self.journal.records)
        await make()
        return [
            r.voucher_no for r in list(self.journal.records.values())[before:] if r.sender == system.handle
        ]

    def _refund(self, division, route) -> tuple[Any, Callable[[], Awaitable[Any]]]:
        """The payee bank returns the oldest payment of the route's kind it still holds (an agent
        bank's: one already cleared), as `mocks.day.payee_refunds` does."""
        bank = next((s for s in self.day.of(PayeeBank) if s.adm == division.adm_div_code), None)
        if bank is None:
            raise ScenarioError(f"{route.name}: no payee bank in {division.adm_div_code} to return payments")

        async def send_back() -> str:
            held = [p for p in bank.received() if p.ref.split("/")[1] in route.returns]
            held = [p for p in held if not route.clears_back or _cleared(self.day, p.ref)]
            if not held:
                raise ScenarioError(f"{route.name}: the payee bank holds no such payment to return")
            return await bank.refund(held[0])

        return bank, send_back

    async def _beyond(self, unit, amount: Decimal) -> str:
        """An authorized payment of `amount` more than its bank has left of the unit's quota."""
        bank, line = self.world.parties[unit.agency.bank], unit.agency.lines[0]
        asked = bank.quotas.get(_quota_key(unit, line)).remaining + amount
        no = await unit.apply(line, self.day.payee(), asked)
        self.refills.append(Refill(unit, bank, line, asked, no))
        return no

    def _refill(self) -> None:
        """A payment returned beyond quota: finance adds the indicator and issues a supplementary 5106
        for it (追加指标, 追加用款计划); once the bank has signed for that, the unit applies again
        (each on its next cycle, from now)."""
        finances = {f.adm: f for f in self.day.of(Finance)}
        for r in self.refills:
            if not r.planned and (r.unit.adm, "8202", r.voucher_no) in self.journal.reasons:
                r.planned = True
                self._act(
                    finances[r.unit.adm], lambda r=r, f=finances[r.unit.adm]: _quietly(self._plan(f, r))
                )
            elif r.planned and not r.again and r.bank.quotas.get(r.key).remaining >= r.amount:
                r.again = True
                self._act(r.unit, lambda r=r: _quietly(r.unit.apply(r.line, self.day.payee(), r.amount)))

    @staticmethod
    async def _plan(finance: Finance, r: Refill) -> str:
        agency = r.unit.agency
        finance.budget({(agency.code, r.line.func, r.line.eco): r.amount})
        return await finance.issue_plan(AUTHORIZED, r.bank.handle, [(agency, r.line, r.amount)])

    def _act(self, system, run: Callable[[], Awaitable[Any]]) -> None:
        party, now = self._party_of(system), self.sim.env.now
        party.state["acts"].append(Act(now, now, run))
        party.state["acts"].sort(key=lambda a: a.ready)
        self.sim.wake(party)

    def apply(self, apps: Applications) -> None:
        first = int(np.argmin(apps.t0))
        for i in range(len(apps.t0)):
            system, call = self._call(apps, i, i == first)
            party = self._party_of(system)
            party.state["acts"].append(Act(float(apps.ready[i]), float(apps.t0[i]), call))
            party.state["acts"].sort(key=lambda a: a.ready)
            self.sim.wake(party)

    def clearing(self, t: float) -> None:
        if self.scripted:  # the script clears when the demo's phases say
            return
        for party in self.sim.topology.parties:
            system = self.system[party.id]
            if isinstance(system, AgentBank):
                party.state["acts"].append(Act(t, t, system.clear))
                self.sim.wake(party)

    # ------------------------------------------------------------------ cycles

    def _news(self, party: Party) -> bool:
        system = self.system[party.id]
        if system is None:
            return False
        marks = {vt: self.journal.mark(system.adm, vt, system.desk.org_type) for vt in system.reads}
        return marks != party.state["marks"]

    def ready_at(self, party: Party) -> float | None:
        acts = party.state["acts"]
        if self._news(party):
            return self.sim.env.now
        return acts[0].ready if acts else None

    def tick(self, party: Party) -> Generator:
        system, now = self.system[party.id], self.sim.env.now
        acts = party.state["acts"]
        due = [a for a in acts if a.ready <= now]
        party.state["acts"] = [a for a in acts if a.ready > now]

        async def cycle() -> None:
            for act in due:
                result = await act.run()
                for no in result if isinstance(result, list) else [result]:
                    if isinstance(no, str):
                        for vt in {r.vt_code for r in self.journal.records.values() if r.voucher_no == no}:
                            self.t0[(system.adm, vt, no)] = act.t0
            party.state["marks"] = {
                vt: self.journal.mark(system.adm, vt, system.desk.org_type) for vt in system.reads
            }
            await system.work()
            if self.journal.outstanding(system.handle):
                await system.poll_returns()

        yield from self.charged(cycle)

    def charged(self, work: Callable[[], Awaitable[Any]]) -> Generator[Any, Any, Any]:
        """Run `work` for real, then hold a library worker for its calls' wall time; its result."""
        sim = self.sim
        self._today(sim.calendar.date_of(sim.env.now))
        first_call, first_event = len(self.recorder.calls), len(self.journal.events)
        self.busy += 1
        try:
            result = self.loop.run_until_complete(work())
            minutes = [seconds / 60 for _, seconds in self.recorder.calls[first_call:]]
            start = yield from sim.library.use(float(sum(minutes)), len(minutes), self.world.profile)
        finally:
            self.busy -= 1
        ends = list(np.cumsum(minutes) + start) if minutes else []
        for kind, key, calls in self.journal.events[first_event:]:
            at = ends[calls - first_call - 1] if calls > first_call else start
            self.times.setdefault(key, {}).setdefault(kind, at)
        if self.refills:
            self._refill()
        for other in sim.topology.parties:
            if self._news(other):
                sim.wake(other)
        return result

    def _today(self, date) -> None:
        """The parties' books and TIPS move to the simulated date (books carry over: a day-cut)."""
        if date != self.world.business_date:
            self.world.business_date = date
            self.world.tips.date = f"{date:%Y%m%d}"

    def quiet(self) -> bool:
        """Nobody is working, nobody has anything new to read, nothing is waiting to be sent."""
        parties = self.sim.topology.parties
        return not self.busy and not any(p.state["acts"] or self._news(p) for p in parties)

    # ------------------------------------------------------------------ the end of the day

    def finish(self, audit: Audit | None = None, wall_started: float = 0.0) -> DayReport:
        """Ask once more about outstanding vouchers, read the board, check the invariants."""
        systems = self.day.systems
        self.day_calls = len(self.recorder.calls)  # charged to the clock; the closing ones are not

        async def close() -> list:
            try:
                await asyncio.gather(*(s.poll_returns() for s in systems))
                return await self.day.board()
            finally:
                await self.day.aclose()

        board = self.loop.run_until_complete(close())
        self.loop.close()
        self._tally()
        verdicts = check_world(
            self.world, audit=audit() if audit else (None, "not checked (the library is not ours)")
        )
        return DayReport(
            target=self.target,
            profile=self.world.profile,
            seed=self.sim.seed,
            business_date=f"{self.world.business_date:%Y-%m-%d}",
            seconds=time.perf_counter() - wall_started,
            phases=[],
            flows=flow_lines(self.journal),
            money=money_facts(
                self.world.ledger.balances(), self.world.ledger.names, self.world.opening_total
            ),
            verdicts=verdicts,
            board=board,
        )

    def _tally(self) -> None:
        """The journal's outcomes and the stamped times replace the counts the day's draw made."""
        metrics = self.sim.metrics
        metrics.outcomes.clear()
        end = self.sim.days * DAY
        for record in self.journal.records.values():
            times = self.times.get(record.key, {})
            t0 = self.t0.get(record.key, times.get("sent", end))
            counts = metrics.outcomes[(record.flow, "electronic")]
            counts["sent"] += 1
            if record.outcome == "pending":
                counts["pending"] += 1
                continue
            counts["pending"] += 1
            done = np.array([times.get("done", end)])
            funds = times.get("funds") if record.outcome == RECEIPT and _pays(record) else None
            missed = int(funds is not None and funds // DAY > t0 // DAY)
            metrics.ended(
                record.flow,
                "electronic",
                record.outcome,
                np.array([t0]),
                None if funds is None else np.array([funds]),
                done,
                missed,
            )


# (row, VtCode) of documents counted in another route's row that move no money (a 3268 in 专户)
NOT_PAYING = {(r.row, r.vt_code) for r in ROUTES.values() if r.counted and not (r.pays or r.refused)}


def _pays(record: Record) -> bool:
    route = ROUTES.get(record.flow)
    return bool(route and route.pays) and (record.flow, record.vt_code) not in NOT_PAYING


async def _nothing() -> None:
    return None


async def _quietly(call: Awaitable[Any]) -> None:
    """Run `call` and forget its voucher number: what it sends starts when it is sent."""
    await call
