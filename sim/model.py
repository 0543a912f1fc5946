"""Model mode: the library replaced by service times drawn from a calibration file.

Documents travel as chunks (arrays of one flow at one hop), so a province's day costs a few
events per party cycle, not per voucher. A cycle does what the party's ITFE does: send what is
ready (saveStampVoucher + sendVoucher per destination), read each VtCode with something new
(readVoucherAgain per 100), sign for and answer each voucher (confirmVoucher, TIPS, the receipt:
saveStampVoucher + sendVoucher), sign for the receipts of its own, and ask after what is still
outstanding (queryVoucherStatusByOrgType). Each call's service time is drawn for the party's
profile on that date; the sum holds one library worker, each document finishes at its own
point of the cumulative sum. Payments after the bank's cut-off (or the PBoC's HVPS close) wait
for the next working day.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np

from sim.arrivals import Applications
from sim.calendar import DAY
from sim.calibration import ServiceTimes
from sim.flows import CLEARING, ROUTES
from sim.topology import Party

READ_BATCH = 100  # readVoucherAgain voucherCount ≤ 100 (reference: ITFE)
ISSUE, HANDLE, RECEIPT = 0, 1, 2


@dataclass
class Chunk:
    flow: str
    hop: int
    t0: np.ndarray
    ready: np.ndarray  # sorted
    bank: np.ndarray
    sender: Party
    funds: np.ndarray | None = None
    failed: np.ndarray | None = None
    primary: bool = True  # its receipt ends the voucher (the first receiver's)

    def split(self, now: float) -> tuple[Chunk | None, Chunk | None]:
        cut = int(np.searchsorted(self.ready, now, side="right"))
        if cut == 0:
            return None, self
        if cut == len(self.ready):
            return self, None
        return self._part(slice(0, cut)), self._part(slice(cut, None))

    def _part(self, s: slice) -> Chunk:
        def part(a):
            return None if a is None else a[s]

        return Chunk(
            self.flow,
            self.hop,
            self.t0[s],
            self.ready[s],
            self.bank[s],
            self.sender,
            part(self.funds),
            part(self.failed),
            self.primary,
        )


@dataclass
class PartyState:
    pile: list[Chunk] = field(default_factory=list)
    outstanding: int = 0
    to_clear: dict[str, int] = field(default_factory=dict)
    clear_due: float | None = None


class ModelBackend:
    def __init__(self, sim, times: ServiceTimes) -> None:
        self.sim, self.times = sim, times
        self.rng = np.random.default_rng([sim.seed, 1_000_003])
        library = sim.scenario.library
        self.default_profile = str(library.get("profile", "2.0"))
        self.factor = {p: float(library.get(f"factor_{p.replace('.', '_')}", 1.0)) for p in ("1.0", "2.0")}
        self.tips = float(sim.scenario.steps.get("tips_minutes", 0.0))
        clock = sim.scenario.clock
        self.cutoff = {"bank": clock["bank_cutoff"], "pboc": clock.get("hvps_close", clock["day_cut"])}
        for party in sim.topology.parties:
            party.state = PartyState()

    # ------------------------------------------------------------------ what the core asks

    def apply(self, apps: Applications) -> None:
        fallback = np.zeros(len(apps.ready), dtype=bool)
        for start, end, share in self.sim.fallbacks:
            inside = (apps.ready >= start) & (apps.ready < end)
            fallback |= inside & (self.rng.random(len(inside)) < share)
        if fallback.any():  # 应急预案: done by hand on paper and re-entered later (counted as paper)
            paper = apps.take(fallback)
            counts = self.sim.metrics.outcomes[(apps.flow, "electronic")]
            counts["sent"] -= len(paper.t0)
            counts["pending"] -= len(paper.t0)
            self.sim.metrics.applied(apps.flow, "paper", self.sim.month(apps.t0[0]), paper.t0, 0.0)
            self.sim.courier.apply(paper)
            apps = apps.take(~fallback)
        self._issue_later(apps)

    def _issue_later(self, apps: Applications) -> None:
        route = ROUTES[apps.flow]
        unit = apps.unit if route.sender == "unit" else np.zeros(len(apps.t0), dtype=np.int64)
        for u in np.unique(unit):
            mask = unit == u
            sender = self.sim.topology.party(apps.place.index, route.sender, int(u))
            self._put(
                sender, Chunk(apps.flow, ISSUE, apps.t0[mask], apps.ready[mask], apps.bank[mask], sender)
            )

    def clearing(self, t: float) -> None:
        date = self.sim.calendar.date_of(t)
        for party in self.sim.topology.parties:
            state = party.state
            if party.role != "bank" or not any(state.to_clear.values()):
                continue
            if party.place.electronic(CLEARING, date):
                state.clear_due = t
                self.sim.wake(party)
            else:
                n = sum(1 for v in state.to_clear.values() if v)
                state.to_clear = {}
                t0 = np.full(n, t)
                self.sim.metrics.applied(CLEARING, "paper", self.sim.month(t), t0, 0.0)
                zero = np.zeros(n, dtype=np.int64)
                self.sim.courier.apply(
                    Applications(CLEARING, party.place, False, t0, t0, zero, zero, zero, np.zeros(n))
                )

    def ready_at(self, party: Party) -> float | None:
        state = party.state
        ready = [c.ready[0] for c in state.pile]
        if state.clear_due is not None:
            ready.append(state.clear_due)
        return min(ready) if ready else None

    # ------------------------------------------------------------------ one ITFE cycle

    def _put(self, party: Party, chunk: Chunk) -> None:
        if len(chunk.t0):
            party.state.pile.append(chunk)
            self.sim.wake(party)

    def _draw(self, profile: str, op: str, n: int) -> np.ndarray:
        return self.times.times(profile, op).draw(self.rng, n) * self.factor[profile]

    def tick(self, party: Party) -> Generator:
        sim, state, now = self.sim, party.state, self.sim.env.now
        due: list[Chunk] = []
        keep: list[Chunk] = []
        for chunk in state.pile:
            ready, later = chunk.split(now)
            due += [ready] if ready is not None else []
            keep += [later] if later is not None else []
        state.pile = keep
        if state.clear_due is not None and state.clear_due <= now:
            due += self._clearing_chunks(party, now)
        if not due:
            return
        profile = party.place.profile(party.role, sim.calendar.date_of(now), self.default_profile)
        lib, tips, ops = [], [], 0
        for chunk in due:
            n = len(chunk.t0)
            route = ROUTES[chunk.flow]
            if chunk.hop == ISSUE:
                per = self._draw(profile, "saveStampVoucher", n)
                for _ in route.receivers:
                    per = per + self._draw(profile, "sendVoucher", n)
                ops += n * (1 + len(route.receivers))
                extra = np.zeros(n)
            else:
                per = self._draw(profile, "confirmVoucher", n)
                reads = np.arange(0, n, READ_BATCH)
                per[reads] += self._draw(profile, "readVoucherAgain", len(reads))
                ops += n + len(reads)
                extra = np.zeros(n)
                if chunk.hop == HANDLE:
                    per += self._draw(profile, "saveStampVoucher", n) + self._draw(profile, "sendVoucher", n)
                    ops += 2 * n
                    if route.pays:
                        extra = np.full(n, self.tips)
            lib.append(per)
            tips.append(extra)
        query = 0.0
        if state.outstanding:
            query = float(self._draw(profile, "queryVoucherStatusByOrgType", 1)[0])
            ops += 1
        lib_all, tips_all = np.concatenate(lib), np.concatenate(tips)
        start = yield from sim.library.use(float(lib_all.sum()) + query, ops, profile)
        done = start + np.cumsum(lib_all + tips_all)
        if tips_all.any():
            yield sim.env.timeout(float(tips_all.sum()))
        offset = 0
        for chunk in due:
            n = len(chunk.t0)
            at = done[offset : offset + n]
            offset += n
            (self._issued, self._handled, self._receipted)[chunk.hop](party, chunk, at)

    # ------------------------------------------------------------------ after the calls

    def _clearing_chunks(self, bank: Party, now: float) -> list[Chunk]:
        state = bank.state
        n = sum(1 for v in state.to_clear.values() if v)
        state.to_clear, state.clear_due = {}, None
        if not n:
            return []
        t0 = np.full(n, now)
        self.sim.metrics.applied(CLEARING, "electronic", self.sim.month(now), t0, 0.0)
        return [Chunk(CLEARING, ISSUE, t0, t0.copy(), np.full(n, bank.index), bank)]

    def _issued(self, sender: Party, chunk: Chunk, at: np.ndarray) -> None:
        route = ROUTES[chunk.flow]
        sender.state.outstanding += len(at)
        topology, calendar = self.sim.topology, self.sim.calendar
        for k, role in enumerate(route.receivers):
            targets = chunk.bank if role == "bank" else np.zeros(len(at), dtype=np.int64)
            for b in np.unique(targets):
                mask = targets == b
                receiver = topology.party(sender.place.index, role, int(b))
                ready = at[mask]
                if route.pays and chunk.flow != CLEARING:
                    cutoff = self.cutoff[role]
                    day = ready // DAY
                    late = ready - day * DAY > cutoff
                    if late.any():
                        opening = self.sim.hours[role][0]
                        nxt = calendar.next_work[np.minimum(day[late].astype(np.int64) + 1, calendar.days)]
                        ready = ready.copy()
                        ready[late] = nxt * DAY + opening
                order = np.argsort(ready, kind="stable")
                self._put(
                    receiver,
                    Chunk(
                        chunk.flow,
                        HANDLE,
                        chunk.t0[mask][order],
                        ready[order],
                        chunk.bank[mask][order],
                        sender,
                        primary=k == 0,
                    ),
                )

    def _handled(self, receiver: Party, chunk: Chunk, at: np.ndarray) -> None:
        sim, route, n = self.sim, ROUTES[chunk.flow], len(at)
        revoked = sim.revoked_share(chunk.sender, float(at[0]))
        returned = sim_random(self.rng, n, revoked)
        if returned.any() and chunk.primary:
            chunk.sender.state.outstanding -= int(returned.sum())
            sim.metrics.ended(chunk.flow, "electronic", "returned", chunk.t0[returned], None, at[returned])
        keep = ~returned
        failed = sim_random(self.rng, n, sim.tips_failure_share(float(at[0])) if route.pays else 0.0)[keep]
        t0, at_k, bank = chunk.t0[keep], at[keep], chunk.bank[keep]
        if route.pay_type:
            paid_by = bank[~failed]
            for b in np.unique(paid_by):
                payer = (
                    receiver
                    if receiver.role == "bank"
                    else sim.topology.party(receiver.place.index, "bank", int(b))
                )
                payer.state.to_clear[route.pay_type] = payer.state.to_clear.get(route.pay_type, 0) + int(
                    (paid_by == b).sum()
                )
        self._put(
            chunk.sender,
            Chunk(
                chunk.flow,
                RECEIPT,
                t0,
                at_k,
                bank,
                chunk.sender,
                funds=at_k if route.pays else None,
                failed=failed,
                primary=chunk.primary,
            ),
        )

    def _receipted(self, sender: Party, chunk: Chunk, at: np.ndarray) -> None:
        if not chunk.primary:
            return
        sender.state.outstanding -= len(at)
        metrics, failed = self.sim.metrics, chunk.failed
        ok = ~failed if failed is not None else np.ones(len(at), dtype=bool)
        funds = chunk.funds
        missed = int(((funds[ok] // DAY) > (chunk.t0[ok] // DAY)).sum()) if funds is not None else 0
        metrics.ended(
            chunk.flow,
            "electronic",
            "receipt",
            chunk.t0[ok],
            None if funds is None else funds[ok],
            at[ok],
            missed,
        )
        if not ok.all():
            metrics.ended(chunk.flow, "electronic", "failed", chunk.t0[~ok], None, at[~ok])


def sim_random(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    return rng.random(n) < share if share > 0 else np.zeros(n, dtype=bool)
