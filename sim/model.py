"""Model mode: the library replaced by service times drawn from a calibration file.

Documents travel as chunks (arrays of documents at one hop, from one sender of one region, of
any flows), so a province's day costs a few events per party cycle, not per voucher; a cycle
merges what it found before working it. A cycle does what the party's ITFE does: send what is
ready (saveStampVoucher + sendVoucher per destination), read what is new (readVoucherAgain per
100), sign for and answer each voucher (confirmVoucher, TIPS, the receipt: saveStampVoucher +
sendVoucher), sign for the receipts of its own, and ask after what is still outstanding
(queryVoucherStatusByOrgType). Each call's service time is drawn for the party's profile on
that date; the sum holds one library worker, each document finishes at its own point of the
cumulative sum. Payments after the bank's cut-off (or the PBoC's HVPS close) wait for the next
working day.

Speed (docs/sim.md, "Measured figures"): most cycles move a handful of documents, so what costs
is numpy's overhead per call, not per document. Chunks therefore remember the flow all their
documents share (most do), which turns per-document lookups into scalars; what arrives for a
pile between two cycles is merged once, when the cycle takes it; and documents bound for many
banks or ending in many flows are sorted once and sliced rather than masked per group.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np

from sim.arrivals import Applications
from sim.calendar import DAY
from sim.calibration import Pool, ServiceTimes
from sim.flows import AUTHORIZED, BEYOND, BOOK_KINDS, BOOKS, CLEARING, ROUTES
from sim.topology import Party

READ_BATCH = 100  # readVoucherAgain voucherCount ≤ 100 (reference: ITFE)
ISSUE, HANDLE, RECEIPT = 0, 1, 2

FLOWS = list(ROUTES)  # per-document flow codes index this
FLOW_ID = {name: i for i, name in enumerate(FLOWS)}
CLEARING_ID = FLOW_ID[CLEARING]
RECEIVERS = np.array([len(ROUTES[f].receivers) for f in FLOWS])
TWO_RECEIVERS = RECEIVERS >= 2
TO_BANK = np.array([ROUTES[f].receivers[0] == "bank" for f in FLOWS])  # else the PBoC or finance
TO_FINANCE = np.array([ROUTES[f].receivers[0] == "finance" for f in FLOWS])
TO_PBOC = ~TO_BANK & ~TO_FINANCE
COPY_TO_BANK = np.array([ROUTES[f].receivers[1:] == ("bank",) for f in FLOWS])  # quota notices
PAYS = np.array([ROUTES[f].pays for f in FLOWS])
LATE_RULE = PAYS & (np.arange(len(FLOWS)) != CLEARING_ID)  # waits for the next day after the cut-off
PAY_TYPES = ("", "11", "12")
PAY_TYPE = np.array([PAY_TYPES.index(ROUTES[f].pay_type) for f in FLOWS])
ROWS = [ROUTES[f].row for f in FLOWS]  # the row each is counted in
SIGNED = np.array([ROUTES[f].signed for f in FLOWS])
FOLLOW = np.array([FLOW_ID[ROUTES[f].follow] if ROUTES[f].follow else -1 for f in FLOWS])
FOLLOWUP = np.isin(np.arange(len(FLOWS)), FOLLOW)  # issued as another's follow-up: starts when sent
FOLLOW_AT = [ROUTES[f].follow_at or ROUTES[f].receivers[0] for f in FLOWS]  # whose handling issues it
FOLLOW_BY = [ROUTES[f].follow_by for f in FLOWS]  # who issues it ("": that receiver)
REFUSED = np.array([ROUTES[f].refused for f in FLOWS])
BOOK_CODES = [code for kinds in BOOK_KINDS.values() for code in kinds]
BOOK_BITS = np.array([sum(1 << BOOK_CODES.index(c) for c in BOOKS.get(f, ())) for f in FLOWS])
SIGNS, REFUSES, FOLLOWS, BOOKS_SHIFT = 1, 2, 4, 3  # FLAGS: what a flow may ask of a cycle, and its books
FLAGS = SIGNED * SIGNS + REFUSED * REFUSES + (FOLLOW >= 0) * FOLLOWS + (BOOK_BITS << BOOKS_SHIFT)
MIXED = -1  # Chunk.code of documents of more than one flow
BEYOND_ID = FLOW_ID[BEYOND]


@dataclass(frozen=True, slots=True)
class FlowCode:
    """The tables above for one flow, as Python values: what a chunk of one flow looks up."""

    receivers: int
    to_bank: bool
    copy_to_bank: bool
    pays: bool
    late_rule: bool
    pay_type: int
    to_finance: bool
    signed: bool
    followup: bool
    flags: int  # FLAGS
    to_pboc: bool  # neither to a bank nor to finance


CODES = [
    FlowCode(
        *(
            int(RECEIVERS[i]),
            *(bool(t[i]) for t in (TO_BANK, COPY_TO_BANK, PAYS, LATE_RULE)),
            int(PAY_TYPE[i]),
            *(bool(t[i]) for t in (TO_FINANCE, SIGNED, FOLLOWUP)),
            int(FLAGS[i]),
            bool(TO_PBOC[i]),
        )
    )
    for i in range(len(FLOWS))
]
# where a sent document goes first, in the order a cycle hands them on: (receiver, FlowCode field, table)
_RECEIVERS = (
    ("finance", "to_finance", TO_FINANCE),
    ("pboc", "to_pboc", TO_PBOC),
    ("bank", "to_bank", TO_BANK),
    ("copy", "copy_to_bank", COPY_TO_BANK),
)


class Chunk:
    """Documents at one hop, sorted by when each can be worked; `code` is their one flow or MIXED."""

    __slots__ = ("bank", "code", "failed", "first", "flags", "flow", "funds", "hop", "last", "place",
                 "primary", "ready", "sender", "t0")  # fmt: skip

    def __init__(self, hop: int, flow: np.ndarray, t0: np.ndarray, ready: np.ndarray, bank: np.ndarray | None,
                 sender: Party, place: int, code: int, funds: np.ndarray | None = None,
                 failed: np.ndarray | None = None, primary: bool = True) -> None:  # fmt: skip
        self.hop, self.flow, self.t0, self.ready = hop, flow, t0, ready
        self.bank = bank  # the agent bank of each (None: a receipt, which needs none)
        self.sender, self.place, self.code, self.primary = sender, place, code, primary
        self.funds = funds  # receipts: when the money moved (NaN: none moves)
        self.failed = failed  # receipts: the payment failed (None: none did)
        self.first, self.last = float(ready[0]), float(ready[-1])
        self.flags: int | None = None  # FLAGS of any of its documents, once asked

    def flag_bits(self) -> int:
        if self.flags is None:
            self.flags = _flags(self.flow) if self.code == MIXED else CODES[self.code].flags
        return self.flags

    @property
    def key(self) -> tuple:  # those beyond quota apart: the authorized payments beside them stay one flow
        return (self.hop, self.sender.id, self.place, self.primary, self.code == BEYOND_ID)

    def split(self, now: float) -> tuple[Chunk | None, Chunk | None]:
        if self.first > now:
            return None, self
        if self.last <= now:
            return self, None
        cut = int(self.ready.searchsorted(now, side="right"))
        return self.part(slice(0, cut)), self.part(slice(cut, None))

    def part(self, s) -> Chunk:
        def of(a):
            return None if a is None else a[s]

        return Chunk(self.hop, self.flow[s], self.t0[s], self.ready[s], of(self.bank), self.sender,
                     self.place, self.code, of(self.funds), of(self.failed), self.primary)  # fmt: skip


def _joined(parts: list[Chunk], ordered: bool) -> Chunk:
    """Chunks of one key as one, in the order given; sorted by readiness (stably) when `ordered`."""
    first = parts[0]
    flow = np.concatenate([c.flow for c in parts])
    t0 = np.concatenate([c.t0 for c in parts])
    ready = np.concatenate([c.ready for c in parts])
    bank = None if first.bank is None else np.concatenate([c.bank for c in parts])  # alike in one key
    funds = None if first.funds is None else np.concatenate([c.funds for c in parts])
    failed = None
    if any(c.failed is not None for c in parts):
        failed = np.concatenate([np.zeros(len(c.t0), bool) if c.failed is None else c.failed for c in parts])
    code = first.code if all(c.code == first.code for c in parts) else MIXED
    joined = Chunk(first.hop, flow, t0, ready, bank, first.sender, first.place, code, funds, failed,
                   first.primary)  # fmt: skip
    if ordered:
        latest = first.last
        for c in parts[1:]:
            if c.first < latest:  # overlaps what came before: sort (stably, as merging one by one would)
                return joined.part(joined.ready.argsort(kind="stable"))
            latest = max(latest, c.last)
    return joined


def _merge(chunks: list[Chunk]) -> list[Chunk]:
    """Chunks of one hop, sender, region and role (primary or copy) as one, in the order found."""
    groups: dict[tuple, list[Chunk]] = {}
    for c in chunks:
        groups.setdefault(c.key, []).append(c)
    return [same[0] if len(same) == 1 else _joined(same, ordered=False) for same in groups.values()]


@dataclass
class PartyState:
    pile: dict[tuple, list[Chunk]] = field(default_factory=dict)  # per (hop, sender, region, role): arrivals
    soonest: float = math.inf  # the earliest readiness in the pile
    outstanding: int = 0
    to_clear: dict[tuple[int, str], int] = field(default_factory=dict)  # (region, pay type) -> paid
    clear_due: float | None = None
    profile_day: int = -1  # the day `profile` was looked up for
    profile: str = ""
    books: int = 0  # a PBoC: bits of BOOK_CODES it has rows for
    cleared: set[tuple[int, str]] = field(default_factory=set)  # a PBoC: (bank, pay type) ever cleared


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
        self.cutoff |= {role: clock["day_cut"] for role in ("finance", "unit", "payee")}  # they pay nothing
        self.pools: dict[tuple[str, str], Pool] = {}
        self._pools: dict[str, tuple[Pool, Pool, Pool]] = {}
        self._after = (self._issued, self._handled, self._receipted)  # by hop
        for party in sim.topology.parties:
            party.state = PartyState()

    # ------------------------------------------------------------------ what the core asks

    def apply(self, apps: Applications) -> None:
        route = ROUTES[apps.flow]
        if route.books:
            self._from_books(apps, route.books)
            return
        if route.clears_back:  # the money is back at the agent bank at once: a 2302 at its next clearing
            for b in apps.bank.tolist():
                bank = self.sim.topology.party(apps.place.index, "bank", b)
                key = (apps.place.index, f"2302/{AUTHORIZED}")
                bank.state.to_clear[key] = bank.state.to_clear.get(key, 0) + 1
        fallback = np.zeros(len(apps.ready), dtype=bool)
        for start, end, share in self.sim.fallbacks:
            inside = (apps.ready >= start) & (apps.ready < end)
            fallback |= inside & (self.rng.random(len(inside)) < share)
        if fallback.any():  # 应急预案: done by hand on paper and re-entered later (counted as paper)
            paper = apps.take(fallback)
            paper.electronic = False
            counts = self.sim.metrics.outcomes[(route.row, "electronic")]
            counts["sent"] -= len(paper.t0)
            counts["pending"] -= len(paper.t0)
            self.sim.metrics.applied(route.row, "paper", self.sim.month(apps.t0[0]), paper.t0, 0.0)
            self.sim.courier.apply(paper)
            apps = apps.take(~fallback)
            if not len(apps.t0):
                return
        code = FLOW_ID[apps.flow]
        pooled = route.sender != "unit" or apps.place.unit_parties == 1  # one sender for them all
        for u, mask in _groups(None if pooled else apps.unit):
            sender = self.sim.topology.party(apps.place.index, route.sender, int(u))
            t0 = apps.t0[mask]
            chunk = Chunk(ISSUE, np.full(len(t0), code), t0, apps.ready[mask], apps.bank[mask], sender,
                          apps.place.index, code)  # fmt: skip
            self._put(sender, chunk)

    def _from_books(self, apps: Applications, kind: str) -> None:
        """Statements or reports: one per kind of row the region's PBoC holds (and per bank and pay
        type cleared, for 3554), each sent at the application's time."""
        place = apps.place.index
        pboc = self.sim.topology.party(place, "pboc")
        state = pboc.state
        to_finance = sum(1 for c in BOOK_KINDS[kind] if state.books >> BOOK_CODES.index(c) & 1)
        to_banks = sorted(state.cleared) if kind == "statements" else []
        if not to_finance + len(to_banks):
            return
        main, per_bank = FLOW_ID[apps.flow], FLOW_ID["对账 3554"]
        flow = np.array([main] * to_finance + [per_bank] * len(to_banks))
        bank = np.array([0] * to_finance + [b for b, _ in to_banks])
        times = len(apps.t0)
        t0, ready = np.repeat(apps.t0, len(flow)), np.repeat(apps.ready, len(flow))
        self.sim.metrics.applied(
            ROWS[main], "electronic", self.sim.month(t0[0]), t0, float(apps.prepare.sum())
        )
        code = main if not to_banks else per_bank if not to_finance else MIXED
        self._put(
            pboc, Chunk(ISSUE, np.tile(flow, times), t0, ready, np.tile(bank, times), pboc, place, code)
        )

    def clearing(self, t: float) -> None:
        date, places = self.sim.calendar.date_of(t), self.sim.topology.places
        for party in self.sim.topology.parties:
            state = party.state
            if party.role != "bank" or not state.to_clear:
                continue
            for place, pay_type in [k for k in state.to_clear if not places[k[0]].electronic(CLEARING, date)]:
                del state.to_clear[(place, pay_type)]  # cleared on paper
                t0, zero = np.full(1, t), np.zeros(1, dtype=np.int64)
                self.sim.metrics.applied(CLEARING, "paper", self.sim.month(t), t0, 0.0)
                apps = Applications(
                    CLEARING, None, False, t0, t0, zero, zero, zero, np.zeros(1), np.full(1, place)
                )
                self.sim.courier.apply(apps)
            if state.to_clear:
                state.clear_due = t
                self.sim.wake(party)

    def ready_at(self, party: Party) -> float | None:
        state = party.state
        soonest = state.soonest
        if state.clear_due is not None and state.clear_due < soonest:
            soonest = state.clear_due
        return None if soonest == math.inf else soonest

    # ------------------------------------------------------------------ one ITFE cycle

    def _put(self, party: Party, chunk: Chunk) -> None:
        """Into the party's pile, beside what waits there from the same sender (merged when taken)."""
        state, key = party.state, chunk.key
        waiting = state.pile.get(key)
        if waiting is None:
            state.pile[key] = [chunk]
        else:
            waiting.append(chunk)
        if chunk.first < state.soonest:
            state.soonest = chunk.first
        if party.wake is not None and not party.wake.triggered:
            party.wake.succeed()

    def _pool(self, profile: str, op: str) -> Pool:
        """The service times of `op` under `profile`, seeded in the order the model first needs them."""
        pool = self.pools.get((profile, op))
        if pool is None:
            rng = np.random.default_rng([self.sim.seed, len(self.pools), 11])
            pool = self.pools[(profile, op)] = Pool(self.times.times(profile, op), rng, self.factor[profile])
        return pool

    def _draw(self, profile: str, op: str, n: int) -> np.ndarray:
        return self._pool(profile, op).take(n)

    def _first_pools(self, profile: str) -> tuple[Pool, Pool, Pool]:
        """What every cycle draws from (saveStampVoucher, sendVoucher, confirmVoucher), kept at hand."""
        pools = self._pools[profile] = tuple(
            self._pool(profile, op) for op in ("saveStampVoucher", "sendVoucher", "confirmVoucher")
        )
        return pools

    def _take(self, state: PartyState, now: float) -> list[Chunk]:
        """What in the pile is ready by `now`, one chunk per key in the pile's order; the rest stays."""
        due, soonest, kept = [], math.inf, {}
        for key, parts in state.pile.items():
            chunk = parts[0] if len(parts) == 1 else _joined(parts, ordered=True)
            if chunk.last <= now:
                due.append(chunk)
                continue
            ready, later = chunk.split(now)
            if ready is not None:
                due.append(ready)
            kept[key] = [later]  # in its place: what arrives for a new key comes after
            if later.first < soonest:
                soonest = later.first
        state.pile, state.soonest = kept, soonest
        return due

    def _profile(self, party: Party, now: float) -> str:
        state, day = party.state, int(now // DAY)
        if state.profile_day != day:
            date = self.sim.calendar.date_of(now)
            state.profile = party.place.profile(party.role, party.index, date, self.default_profile)
            state.profile_day = day
        return state.profile

    def tick(self, party: Party) -> Generator:
        sim, state, now = self.sim, party.state, self.sim.env.now
        due = self._take(state, now)
        if state.clear_due is not None and state.clear_due <= now:
            due = _merge(due + self._clearing_chunks(party, now))
        if not due:
            return
        profile = self._profile(party, now)
        lib, tips, ops = self._service(profile, due)
        if state.outstanding:
            lib[-1] += self._draw(profile, "queryVoucherStatusByOrgType", 1)[0]
            ops += 1
        start = yield from sim.library.use(float(lib.sum()), ops, profile)
        done = start + (lib if tips is None else lib + tips).cumsum()
        if tips is not None:
            yield sim.env.timeout(float(tips.sum()))
        sim.metrics.document_events += len(done)
        offset = 0
        for chunk in due:
            n = len(chunk.t0)
            at = done[offset : offset + n]
            offset += n
            self._after[chunk.hop](party, chunk, at)

    def _service(self, profile: str, due: list[Chunk]) -> tuple[np.ndarray, np.ndarray | None, int]:
        """Per document the library time of its calls in this cycle, its TIPS time (None: no TIPS
        call), and the calls.

        Sending: saveStampVoucher + sendVoucher per destination. Handling: confirmVoucher, the
        receipt's saveStampVoucher + sendVoucher, TIPS when it pays. A receipt: confirmVoucher.
        Reading: a readVoucherAgain per 100 documents of a chunk and flow, charged to its first.
        Every document draws one time of each of the four calls whether it makes them or not (the
        same draws for the same seed, whatever the mix).
        """
        sizes = [len(c.t0) for c in due]
        total = sum(sizes)
        save, send, confirm = self._pools.get(profile) or self._first_pools(profile)
        saves = save.take(total)
        lib = saves + send.take(total)  # what a sending or handling document costs at least
        send2, confirm = send.take(total), confirm.take(total)
        # [start, end) of what adds a second sendVoucher, adds a confirmVoucher, is only a
        # confirmVoucher, pays through TIPS: runs of small chunks become one numpy call each
        second, handled, receipts, tipped = [], [], [], []
        mixed_tips, reads, per_read = [], [], []
        ops, offset = 0, 0
        for chunk, n in zip(due, sizes, strict=True):
            end, code = offset + n, chunk.code
            if chunk.hop != RECEIPT and chunk.flag_bits() & SIGNS:
                signed = (
                    SIGNED[chunk.flow] if code == MIXED else True
                )  # saveSignVoucher, not saveStampVoucher
                lib[offset:end] += (self._draw(profile, "saveSignVoucher", n) - saves[offset:end]) * signed
            if chunk.hop == ISSUE:
                if code == MIXED:
                    two = TWO_RECEIVERS[chunk.flow]
                    lib[offset:end] += send2[offset:end] * two
                    ops += 2 * n + int(two.sum())
                else:
                    receivers = CODES[code].receivers
                    if receivers >= 2:
                        _add_range(second, offset, end)
                    ops += n * (1 + receivers)
                offset = end
                continue
            if chunk.hop == HANDLE:
                _add_range(handled, offset, end)
                ops += 3 * n
                if self.tips and code != MIXED and CODES[code].pays:
                    _add_range(tipped, offset, end)
                elif self.tips and code == MIXED:
                    pays = PAYS[chunk.flow]
                    if pays.any():
                        mixed_tips.append((offset, end, pays))
            else:
                _add_range(receipts, offset, end)
                ops += n
            if code == MIXED:
                counts = np.bincount(chunk.flow)
                present = counts.nonzero()[0]
                if len(present) > 1:
                    reads += (offset + (chunk.flow == present[:, None]).argmax(axis=1)).tolist()
                else:
                    reads.append(offset)
                per_read += (-(-counts[present] // READ_BATCH)).tolist()
            else:
                reads.append(offset)
                per_read.append(-(-n // READ_BATCH))
            offset = end
        for a, b in second:
            lib[a:b] += send2[a:b]
        for a, b in handled:
            lib[a:b] += confirm[a:b]
        for a, b in receipts:
            lib[a:b] = confirm[a:b]
        tips = None
        if tipped or mixed_tips:
            tips = np.zeros(total)
            for a, b in tipped:
                tips[a:b] = self.tips
            for a, b, pays in mixed_tips:
                tips[a:b] = np.where(pays, self.tips, 0.0)
        if reads:
            n_reads = sum(per_read)
            drawn = self._draw(profile, "readVoucherAgain", n_reads)
            if n_reads == 1:
                lib[reads[0]] += drawn[0]
            elif n_reads == len(reads):
                lib[reads] += drawn
            else:  # a chunk's flow of more than 100 documents: its reads add up on its first
                np.add.at(lib, np.repeat(reads, per_read), drawn)
            ops += n_reads
        return lib, tips, ops

    # ------------------------------------------------------------------ after the calls

    def _clearing_chunks(self, bank: Party, now: float) -> list[Chunk]:
        """A 2301 per region and pay type the bank paid in since its last clearing."""
        state = bank.state
        by_place: dict[int, int] = {}
        for place, pay_type in state.to_clear:
            by_place[place] = by_place.get(place, 0) + 1
            if pay_type in PAY_TYPES:  # a 2302 returns a payment whose 2301 was cleared: no new 3554
                self.sim.topology.party(place, "pboc").state.cleared.add((bank.index, pay_type))
        state.to_clear, state.clear_due = {}, None
        chunks = []
        for place, n in sorted(by_place.items()):
            t0 = np.full(n, now)
            self.sim.metrics.applied(CLEARING, "electronic", self.sim.month(now), t0, 0.0)
            chunks.append(Chunk(ISSUE, np.full(n, CLEARING_ID), t0, t0.copy(), np.full(n, bank.index), bank,
                                place, CLEARING_ID))  # fmt: skip
        return chunks

    def _deliver(self, receiver: Party, chunk: Chunk, flow, t0, bank, ready, primary: bool) -> None:
        """Documents of `chunk` (as arrays) handed to `receiver`; late payments wait for its next day."""
        code = chunk.code
        if code == MIXED:
            rule = LATE_RULE[flow]
            ruled = rule.any()
        else:
            ruled = CODES[code].late_rule
        cutoff = self.cutoff[receiver.role]
        if ruled and not _same_day_before(float(ready[0]), float(ready[-1]), cutoff):
            day = ready // DAY
            late = ready - day * DAY > cutoff
            if code == MIXED:
                late &= rule
            if late.any():
                calendar = self.sim.calendar
                nxt = calendar.next_work[np.minimum(day[late].astype(np.int64) + 1, calendar.days)]
                ready = ready.copy()
                ready[late] = nxt * DAY + self.sim.hours[receiver.role][0]
                order = ready.argsort(kind="stable")  # else already in order: finished one by one
                flow, t0, ready, bank = flow[order], t0[order], ready[order], bank[order]
        handle = Chunk(HANDLE, flow, t0, ready, bank, chunk.sender, chunk.place, code, primary=primary)
        self._put(receiver, handle)

    def _to_banks(self, chunk: Chunk, which, at: np.ndarray, primary: bool) -> None:
        """Documents `which` of `chunk` (None: all) to the agent bank of each, banks in index order."""
        flow, t0, bank = chunk.flow, chunk.t0, chunk.bank
        if which is not None:
            flow, t0, bank = flow[which], t0[which], bank[which]
        topology, place = self.sim.topology, chunk.place
        counts = np.bincount(bank)
        banks = counts.nonzero()[0].tolist()
        if len(banks) == 1:
            self._deliver(topology.party(place, "bank", banks[0]), chunk, flow, t0, bank, at, primary)
            return
        order = bank.argsort(kind="stable")  # each bank's in the order they were sent
        if chunk.code == MIXED:
            flow = flow[order]  # else any slice of it is the same
        t0, bank, at = t0[order], bank[order], at[order]
        counts, start = counts.tolist(), 0
        for b in banks:
            end = start + counts[b]
            self._deliver(topology.party(place, "bank", b), chunk, flow[start:end], t0[start:end],
                          bank[start:end], at[start:end], primary)  # fmt: skip
            start = end

    def _issued(self, sender: Party, chunk: Chunk, at: np.ndarray) -> None:
        sender.state.outstanding += len(at)
        code = chunk.code
        routes = [CODES[code]] if code != MIXED else [CODES[c] for c in np.bincount(chunk.flow).nonzero()[0]]
        if any(r.followup for r in routes):  # follow-ups start when they are sent
            unsent = np.isnan(chunk.t0)
            if unsent.any():
                chunk.t0 = np.where(unsent, at, chunk.t0)
        # to finance, the PBoC, each bank, and copies to each bank, in that order; a mask only
        # where some of the chunk's flows go elsewhere
        for role, goes, table in _RECEIVERS:
            going = sum(getattr(r, goes) for r in routes)
            if not going:
                continue
            which = None if going == len(routes) else table[chunk.flow]
            if role in ("bank", "copy"):
                self._to_banks(chunk, which, at if which is None else at[which], role == "bank")
                continue
            receiver = self.sim.topology.party(chunk.place, role)
            if which is None:
                self._deliver(receiver, chunk, chunk.flow, chunk.t0, chunk.bank, at, True)
            else:
                flow, t0, bank = chunk.flow[which], chunk.t0[which], chunk.bank[which]
                self._deliver(receiver, chunk, flow, t0, bank, at[which], True)

    def _handled(self, receiver: Party, chunk: Chunk, at: np.ndarray) -> None:
        sim, n, code = self.sim, len(at), chunk.code
        flow, t0, bank = chunk.flow, chunk.t0, chunk.bank
        if sim.revoked:  # a revoked certificate: the receiver returns what it signed
            returned = _draw_share(self.rng, n, sim.revoked_share(chunk.sender, float(at[0])))
            if returned.any():
                if chunk.primary:
                    chunk.sender.state.outstanding -= int(returned.sum())
                    self._ended(flow[returned], "returned", t0[returned], None, at[returned], code)
                keep = ~returned
                flow, t0, bank, at = flow[keep], t0[keep], bank[keep], at[keep]
                if not len(at):
                    return
        flags = _flags(flow) if code == MIXED and flow is not chunk.flow else chunk.flag_bits()
        if flags & REFUSES:  # beyond the month's quota: returned, and finance asked for more
            refused = REFUSED[flow]
            chunk.sender.state.outstanding -= int(refused.sum())
            self._ended(flow[refused], "returned", t0[refused], None, at[refused], code)
            self._follow(receiver, chunk.place, flow[refused], at[refused], bank[refused])
            keep = ~refused
            flow, t0, bank, at = flow[keep], t0[keep], bank[keep], at[keep]
            if not len(at):
                return
        pays = PAYS[flow] if code == MIXED else CODES[code].pays
        failed = None
        if sim.tips_failures:
            failed = pays & _draw_share(self.rng, len(at), sim.tips_failure_share(float(at[0])))
        if code == MIXED:
            types = PAY_TYPE[flow]
            paid = types > 0 if failed is None else (types > 0) & ~failed
            if paid.any():
                self._to_clear(receiver, chunk.place, bank[paid], types[paid])
        elif CODES[code].pay_type:
            paid = bank if failed is None else bank[~failed]
            if len(paid):
                self._to_clear(receiver, chunk.place, paid, CODES[code].pay_type)
        if receiver.role == "pboc" and flags >> BOOKS_SHIFT:  # what its books now hold rows of
            if failed is not None and failed.any():
                flags = _flags(flow[~failed])
            receiver.state.books |= flags >> BOOKS_SHIFT
        if flags & FOLLOWS:
            self._follow(receiver, chunk.place, flow, at, bank)
        funds = None
        if chunk.primary:  # a copy's receipt ends nothing
            funds = np.where(pays, at, np.nan) if code == MIXED else at if pays else np.full(len(at), np.nan)
        sender = chunk.sender
        self._put(
            sender,
            Chunk(RECEIPT, flow, t0, at, None, sender, chunk.place, code, funds, failed, chunk.primary),
        )

    def _follow(
        self, receiver: Party, place: int, flow: np.ndarray, at: np.ndarray, bank: np.ndarray
    ) -> None:
        """The documents issued because `receiver` handled these (a refund notice, a reconciliation
        list, a supplementary plan, a payment applied for again), sent on the issuer's next cycle;
        their time of sending is their start."""
        topology = self.sim.topology
        for code, which in _groups(flow):
            if FOLLOW[code] < 0 or FOLLOW_AT[code] != receiver.role:
                continue
            new, when, banks = int(FOLLOW[code]), at[which], bank[which]
            self.sim.metrics.applied(ROWS[new], "electronic", self.sim.month(float(when[0])), when, 0.0)
            by = FOLLOW_BY[code]
            for b, mine in _groups(banks if by == "unit" else None):  # a unit of that bank applies again
                index = topology.unit_of_bank(place, b) if by == "unit" else 0
                party = topology.party(place, by, index) if by else receiver
                t = when[mine]
                self._put(party, Chunk(ISSUE, np.full(len(t), new), np.full(len(t), np.nan), t.copy(),
                                       banks[mine], party, place, new))  # fmt: skip

    def _to_clear(self, receiver: Party, place: int, banks: np.ndarray, types) -> None:
        """Tally what each paying bank (the receiver, or the PBoC's agent bank) clears, by pay type."""
        if receiver.role == "bank" and isinstance(types, int):
            tally, key = receiver.state.to_clear, (place, PAY_TYPES[types])
            tally[key] = tally.get(key, 0) + len(banks)
            return
        counts = np.bincount(banks * 4 + types).tolist()
        for key, count in enumerate(counts):
            if not count:
                continue
            b, pay_type = divmod(key, 4)
            payer = receiver if receiver.role == "bank" else self.sim.topology.party(place, "bank", b)
            tally = payer.state.to_clear
            tally[(place, PAY_TYPES[pay_type])] = tally.get((place, PAY_TYPES[pay_type]), 0) + count

    def _receipted(self, sender: Party, chunk: Chunk, at: np.ndarray) -> None:
        if not chunk.primary:
            return
        sender.state.outstanding -= len(at)
        failed, code = chunk.failed, chunk.code
        if failed is None or not failed.any():
            self._ended(chunk.flow, "receipt", chunk.t0, chunk.funds, at, code)
            return
        ok = ~failed
        self._ended(chunk.flow[ok], "receipt", chunk.t0[ok], chunk.funds[ok], at[ok], code)
        self._ended(chunk.flow[failed], "failed", chunk.t0[failed], None, at[failed], code)

    def _ended(self, flow: np.ndarray, outcome: str, t0, funds, done, code: int) -> None:
        if code == MIXED and len(flow):
            low, high = int(flow.min()), int(flow.max())
            if low == high:
                code = low
            else:  # per flow, in the order they ended
                order = flow.argsort(kind="stable")
                counts = np.bincount(flow[order])
                ends = counts.cumsum().tolist()
                t0, done = t0[order], done[order]
                funds = None if funds is None else funds[order]
                for c in counts.nonzero()[0].tolist():
                    s = slice(ends[c] - int(counts[c]), ends[c])
                    self._ended_flow(c, outcome, t0[s], None if funds is None else funds[s], done[s])
                return
        self._ended_flow(max(code, 0), outcome, t0, funds, done)

    def _ended_flow(self, code: int, outcome: str, t0, funds, done) -> None:
        name = ROWS[code]
        f = funds if CODES[code].pays else None
        self.sim.metrics.ended(name, "electronic", outcome, t0, f, done, None)


def _add_range(ranges: list[list[int]], start: int, end: int) -> None:
    """[start, end) onto `ranges`, extending the last one when they meet."""
    if ranges and ranges[-1][1] == start:
        ranges[-1][1] = end
    else:
        ranges.append([start, end])


def _same_day_before(first: float, last: float, cutoff: float) -> bool:
    """Whether times from `first` to `last` (in order) all fall on one day, none after `cutoff`."""
    day = last // DAY
    return first // DAY == day and last - day * DAY <= cutoff


def _groups(keys: np.ndarray | None):
    """(key, mask) per distinct key; one group (key 0, everything) when there are no keys or one."""
    if keys is None or not len(keys):
        return [(0, slice(None))]
    low = keys.min()
    if low == keys.max():
        return [(int(low), slice(None))]
    return [(int(k), keys == k) for k in np.unique(keys)]


def _flags(flow: np.ndarray) -> int:
    """FLAGS of any of these documents."""
    return int(np.bitwise_or.reduce(FLAGS[flow])) if len(flow) else 0


def _draw_share(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    return rng.random(n) < share if share > 0 else np.zeros(n, dtype=bool)
