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
from sim.calibration import Pool, ServiceTimes
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
    place: int  # the region it belongs to (a shared bank serves many)
    funds: np.ndarray | None = None
    failed: np.ndarray | None = None
    primary: bool = True  # its receipt ends the voucher (the first receiver's)

    def split(self, now: float) -> tuple[Chunk | None, Chunk | None]:
        if self.ready[0] > now:
            return None, self
        if self.ready[-1] <= now:
            return self, None
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
            self.place,
            part(self.funds),
            part(self.failed),
            self.primary,
        )


@dataclass
class PartyState:
    pile: list[Chunk] = field(default_factory=list)
    outstanding: int = 0
    to_clear: dict[tuple[int, str], int] = field(default_factory=dict)  # (region, pay type) -> paid
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
        self.pools: dict[tuple[str, str], Pool] = {}
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
        for u, mask in _groups(apps.unit if route.sender == "unit" else None, len(apps.t0)):
            sender = self.sim.topology.party(apps.place.index, route.sender, int(u))
            self._put(
                sender,
                Chunk(
                    apps.flow,
                    ISSUE,
                    apps.t0[mask],
                    apps.ready[mask],
                    apps.bank[mask],
                    sender,
                    apps.place.index,
                ),
            )

    def clearing(self, t: float) -> None:
        date, places = self.sim.calendar.date_of(t), self.sim.topology.places
        for party in self.sim.topology.parties:
            state = party.state
            if party.role != "bank" or not state.to_clear:
                continue
            for place, pay_type in [k for k in state.to_clear if not places[k[0]].electronic(CLEARING, date)]:
                del state.to_clear[(place, pay_type)]  # cleared on paper
                t0 = np.full(1, t)
                self.sim.metrics.applied(CLEARING, "paper", self.sim.month(t), t0, 0.0)
                zero = np.zeros(1, dtype=np.int64)
                apps = Applications(
                    CLEARING, None, False, t0, t0, zero, zero, zero, np.zeros(1), np.full(1, place)
                )
                self.sim.courier.apply(apps)
            if state.to_clear:
                state.clear_due = t
                self.sim.wake(party)

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
        pool = self.pools.get((profile, op))
        if pool is None:
            rng = np.random.default_rng([self.sim.seed, len(self.pools), 11])
            pool = self.pools[(profile, op)] = Pool(self.times.times(profile, op), rng, self.factor[profile])
        return pool.take(n)

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
        profile = party.place.profile(
            party.role, party.index, sim.calendar.date_of(now), self.default_profile
        )
        lib_all, tips_all, ops = self._service(profile, due)
        query = 0.0
        if state.outstanding:
            query = float(self._draw(profile, "queryVoucherStatusByOrgType", 1)[0])
            ops += 1
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

    def _service(self, profile: str, due: list[Chunk]) -> tuple[np.ndarray, np.ndarray, int]:
        """Per document the library time of its calls in this cycle, its TIPS time, and the calls.

        Sending: saveStampVoucher + sendVoucher per destination. Handling: confirmVoucher, the
        receipt's saveStampVoucher + sendVoucher, TIPS when it pays. A receipt: confirmVoucher.
        Reading: a readVoucherAgain per 100 documents of a chunk, charged to its first of them.
        """
        sizes = np.array([len(c.t0) for c in due])
        total = int(sizes.sum())
        hop = np.array([c.hop for c in due])
        routes = [ROUTES[c.flow] for c in due]
        sends = np.where(hop == ISSUE, [len(r.receivers) for r in routes], hop == HANDLE)
        saves = hop != RECEIPT
        confirms = hop != ISSUE
        pays = (hop == HANDLE) & np.array([r.pays for r in routes])
        lib = self._draw(profile, "saveStampVoucher", total) * np.repeat(saves, sizes)
        per_doc_sends = np.repeat(sends, sizes)
        lib = lib + self._draw(profile, "sendVoucher", total) * (per_doc_sends >= 1)
        lib = lib + self._draw(profile, "sendVoucher", total) * (per_doc_sends >= 2)
        lib = lib + self._draw(profile, "confirmVoucher", total) * np.repeat(confirms, sizes)
        offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        reads = [
            o + np.arange(0, n, READ_BATCH) for o, n, c in zip(offsets, sizes, confirms, strict=True) if c
        ]
        n_reads = 0
        if reads:
            at = np.concatenate(reads)
            n_reads = len(at)
            lib[at] += self._draw(profile, "readVoucherAgain", n_reads)
        ops = int((saves * sizes).sum() + (sends * sizes).sum() + (confirms * sizes).sum()) + n_reads
        return lib, np.repeat(np.where(pays, self.tips, 0.0), sizes), ops

    # ------------------------------------------------------------------ after the calls

    def _clearing_chunks(self, bank: Party, now: float) -> list[Chunk]:
        """A 2301 per region and pay type the bank paid in since its last clearing."""
        state = bank.state
        by_place: dict[int, int] = {}
        for place, _ in state.to_clear:
            by_place[place] = by_place.get(place, 0) + 1
        state.to_clear, state.clear_due = {}, None
        chunks = []
        for place, n in sorted(by_place.items()):
            t0 = np.full(n, now)
            self.sim.metrics.applied(CLEARING, "electronic", self.sim.month(now), t0, 0.0)
            chunks.append(Chunk(CLEARING, ISSUE, t0, t0.copy(), np.full(n, bank.index), bank, place))
        return chunks

    def _issued(self, sender: Party, chunk: Chunk, at: np.ndarray) -> None:
        route = ROUTES[chunk.flow]
        sender.state.outstanding += len(at)
        topology, calendar = self.sim.topology, self.sim.calendar
        for k, role in enumerate(route.receivers):
            targets = chunk.bank if role == "bank" else None
            for b, mask in _groups(targets, len(at)):
                receiver = topology.party(chunk.place, role, int(b))
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
                        chunk.place,
                        primary=k == 0,
                    ),
                )

    def _handled(self, receiver: Party, chunk: Chunk, at: np.ndarray) -> None:
        sim, route, n = self.sim, ROUTES[chunk.flow], len(at)
        keep = slice(None)
        failed = np.zeros(n, dtype=bool)
        if sim.revoked:  # a revoked certificate: the receiver returns what it signed
            returned = sim_random(self.rng, n, sim.revoked_share(chunk.sender, float(at[0])))
            if returned.any() and chunk.primary:
                chunk.sender.state.outstanding -= int(returned.sum())
                sim.metrics.ended(
                    chunk.flow, "electronic", "returned", chunk.t0[returned], None, at[returned]
                )
            keep, failed = ~returned, failed[~returned]
        if sim.tips_failures and route.pays:
            failed = sim_random(self.rng, len(failed), sim.tips_failure_share(float(at[0])))
        t0, at_k, bank = chunk.t0[keep], at[keep], chunk.bank[keep]
        if route.pay_type:
            paid_by = bank[~failed]
            key = (chunk.place, route.pay_type)
            if receiver.role == "bank":  # it paid them itself
                receiver.state.to_clear[key] = receiver.state.to_clear.get(key, 0) + len(paid_by)
            for b in np.unique(paid_by) if receiver.role != "bank" else ():
                payer = (
                    receiver if receiver.role == "bank" else sim.topology.party(chunk.place, "bank", int(b))
                )
                payer.state.to_clear[key] = payer.state.to_clear.get(key, 0) + int((paid_by == b).sum())
        funds = at_k if route.pays else None
        receipt = Chunk(
            chunk.flow, RECEIPT, t0, at_k, bank, chunk.sender, chunk.place, funds, failed, chunk.primary
        )
        self._put(chunk.sender, receipt)

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


def _groups(keys: np.ndarray | None, n: int):
    """(key, mask) per distinct key; one group of key 0 when there are no keys or all are equal."""
    if keys is None or not len(keys) or keys.min() == keys.max():
        return [(int(keys[0]) if keys is not None and len(keys) else 0, slice(None))]
    return [(int(k), keys == k) for k in np.unique(keys)]


def sim_random(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    return rng.random(n) < share if share > 0 else np.zeros(n, dtype=bool)
