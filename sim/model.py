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
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np

from sim.arrivals import Applications
from sim.calendar import DAY
from sim.calibration import Pool, ServiceTimes
from sim.flows import AUTHORIZED, BOOK_KINDS, BOOKS, CLEARING, ROUTES
from sim.topology import Party

READ_BATCH = 100  # readVoucherAgain voucherCount ≤ 100 (reference: ITFE)
ISSUE, HANDLE, RECEIPT = 0, 1, 2

FLOWS = list(ROUTES)  # per-document flow codes index this
FLOW_ID = {name: i for i, name in enumerate(FLOWS)}
CLEARING_ID = FLOW_ID[CLEARING]
RECEIVERS = np.array([len(ROUTES[f].receivers) for f in FLOWS])
TO_BANK = np.array([ROUTES[f].receivers[0] == "bank" for f in FLOWS])  # else the PBoC or finance
TO_FINANCE = np.array([ROUTES[f].receivers[0] == "finance" for f in FLOWS])
COPY_TO_BANK = np.array([ROUTES[f].receivers[1:] == ("bank",) for f in FLOWS])  # quota notices
PAYS = np.array([ROUTES[f].pays for f in FLOWS])
PAY_TYPES = ("", "11", "12")
PAY_TYPE = np.array([PAY_TYPES.index(ROUTES[f].pay_type) for f in FLOWS])
ROWS = [ROUTES[f].row for f in FLOWS]  # the row each is counted in
SIGNED = np.array([ROUTES[f].signed for f in FLOWS])
FOLLOW = np.array([FLOW_ID[ROUTES[f].follow] if ROUTES[f].follow else -1 for f in FLOWS])
FOLLOW_AT = [ROUTES[f].follow_at or ROUTES[f].receivers[0] for f in FLOWS]  # whose handling issues it
FOLLOW_BY = [ROUTES[f].follow_by for f in FLOWS]  # who issues it ("": that receiver)
REFUSED = np.array([ROUTES[f].refused for f in FLOWS])
BOOK_CODES = [code for kinds in BOOK_KINDS.values() for code in kinds]
BOOK_BITS = np.array([sum(1 << BOOK_CODES.index(c) for c in BOOKS.get(f, ())) for f in FLOWS])


@dataclass
class Chunk:
    hop: int
    flow: np.ndarray  # flow code of each document
    t0: np.ndarray  # application times
    ready: np.ndarray  # when each can be worked (sorted while it waits in a pile)
    bank: np.ndarray  # the agent bank (index in the region) of each
    sender: Party
    place: int  # the region it belongs to (a shared bank serves many)
    funds: np.ndarray | None = None  # receipts: when the money moved (NaN: none moves)
    failed: np.ndarray | None = None  # receipts: the payment failed
    primary: bool = True  # its receipts end the vouchers (the first receiver's)

    @property
    def key(self) -> tuple:
        return (self.hop, self.sender.id, self.place, self.primary)

    def split(self, now: float) -> tuple[Chunk | None, Chunk | None]:
        if self.ready[0] > now:
            return None, self
        if self.ready[-1] <= now:
            return self, None
        cut = int(np.searchsorted(self.ready, now, side="right"))
        return self.part(slice(0, cut)), self.part(slice(cut, None))

    def part(self, s) -> Chunk:
        def of(a):
            return None if a is None else a[s]

        return Chunk(self.hop, self.flow[s], self.t0[s], self.ready[s], self.bank[s], self.sender, self.place,
                     of(self.funds), of(self.failed), self.primary)  # fmt: skip


_ARRAYS = ("flow", "t0", "ready", "bank", "funds", "failed")


def _cat(chunks: list[Chunk], name: str) -> np.ndarray | None:
    parts = [getattr(c, name) for c in chunks]
    return None if parts[0] is None else np.concatenate(parts)


def _merge(chunks: list[Chunk]) -> list[Chunk]:
    """Chunks of one hop, sender, region and role (primary or copy) as one, in the order found."""
    groups: dict[tuple, list[Chunk]] = {}
    for c in chunks:
        groups.setdefault(c.key, []).append(c)
    out = []
    for same in groups.values():
        if len(same) == 1:
            out.append(same[0])
            continue
        first = same[0]
        flow, t0, ready, bank, funds, failed = (_cat(same, name) for name in _ARRAYS)
        out.append(
            Chunk(first.hop, flow, t0, ready, bank, first.sender, first.place, funds, failed, first.primary)
        )
    return out


@dataclass
class PartyState:
    pile: dict[tuple, Chunk] = field(default_factory=dict)  # one chunk per (hop, sender, region, role)
    outstanding: int = 0
    to_clear: dict[tuple[int, str], int] = field(default_factory=dict)  # (region, pay type) -> paid
    clear_due: float | None = None
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
        self.pools: dict[tuple[str, str], Pool] = {}
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
        code = FLOW_ID[apps.flow]
        pooled = route.sender != "unit" or apps.place.unit_parties == 1  # one sender for them all
        for u, mask in _groups(None if pooled else apps.unit):
            sender = self.sim.topology.party(apps.place.index, route.sender, int(u))
            t0 = apps.t0[mask]
            chunk = Chunk(ISSUE, np.full(len(t0), code), t0, apps.ready[mask], apps.bank[mask], sender,
                          apps.place.index)  # fmt: skip
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
        self._put(pboc, Chunk(ISSUE, np.tile(flow, times), t0, ready, np.tile(bank, times), pboc, place))

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
        ready = [c.ready[0] for c in state.pile.values()]
        if state.clear_due is not None:
            ready.append(state.clear_due)
        return min(ready) if ready else None

    # ------------------------------------------------------------------ one ITFE cycle

    def _put(self, party: Party, chunk: Chunk) -> None:
        """Into the party's pile, merged with what waits there from the same sender, sorted by readiness."""
        if not len(chunk.t0):
            return
        pile, key = party.state.pile, chunk.key
        waiting = pile.get(key)
        if waiting is not None:
            merged = _merge([waiting, chunk])[0]
            if chunk.ready[0] < waiting.ready[-1]:
                merged = merged.part(np.argsort(merged.ready, kind="stable"))
            chunk = merged
        pile[key] = chunk
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
        for key, chunk in list(state.pile.items()):
            ready, later = chunk.split(now)
            if ready is not None:
                due.append(ready)
                if later is None:
                    del state.pile[key]
                else:
                    state.pile[key] = later
        if state.clear_due is not None and state.clear_due <= now:
            due += self._clearing_chunks(party, now)
        if not due:
            return
        due = _merge(due)
        profile = party.place.profile(
            party.role, party.index, sim.calendar.date_of(now), self.default_profile
        )
        lib, tips, ops = self._service(profile, due)
        if state.outstanding:
            lib[-1] += self._draw(profile, "queryVoucherStatusByOrgType", 1)[0]
            ops += 1
        start = yield from sim.library.use(float(lib.sum()), ops, profile)
        done = start + np.cumsum(lib + tips)
        if tips.any():
            yield sim.env.timeout(float(tips.sum()))
        sim.metrics.document_events += len(done)
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
        hop = np.repeat([c.hop for c in due], sizes)
        flow = np.concatenate([c.flow for c in due])
        sends = np.where(hop == ISSUE, RECEIVERS[flow], hop == HANDLE)
        saves, confirms = hop != RECEIPT, hop != ISSUE
        signed = saves & SIGNED[flow]
        lib = self._draw(profile, "saveStampVoucher", total) * (saves & ~signed)
        if signed.any():
            lib = lib + self._draw(profile, "saveSignVoucher", total) * signed
        lib = lib + self._draw(profile, "sendVoucher", total) * (sends >= 1)
        lib = lib + self._draw(profile, "sendVoucher", total) * (sends >= 2)
        lib = lib + self._draw(profile, "confirmVoucher", total) * confirms
        n_reads = 0
        reading = np.flatnonzero(confirms)  # a read per chunk, VtCode and 100 documents, charged to its first
        if len(reading):
            chunk = np.repeat(np.arange(len(due)), sizes)[reading]
            _, first, count = np.unique(
                chunk * len(FLOWS) + flow[reading], return_index=True, return_counts=True
            )
            per = -(-count // READ_BATCH)
            n_reads = int(per.sum())
            np.add.at(lib, np.repeat(reading[first], per), self._draw(profile, "readVoucherAgain", n_reads))
        ops = int(saves.sum() + sends.sum() + confirms.sum()) + n_reads
        return lib, np.where((hop == HANDLE) & PAYS[flow], self.tips, 0.0), ops

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
            chunks.append(
                Chunk(ISSUE, np.full(n, CLEARING_ID), t0, t0.copy(), np.full(n, bank.index), bank, place)
            )
        return chunks

    def _deliver(self, receiver: Party, chunk: Chunk, mask, ready: np.ndarray, primary: bool) -> None:
        flow = chunk.flow[mask]
        late_rule = PAYS[flow] & (flow != CLEARING_ID)
        if late_rule.any():
            day = ready // DAY
            late = late_rule & (ready - day * DAY > self.cutoff[receiver.role])
            if late.any():
                calendar = self.sim.calendar
                nxt = calendar.next_work[np.minimum(day[late].astype(np.int64) + 1, calendar.days)]
                ready = ready.copy()
                ready[late] = nxt * DAY + self.sim.hours[receiver.role][0]
        order = np.argsort(ready, kind="stable")
        handle = Chunk(HANDLE, flow[order], chunk.t0[mask][order], ready[order], chunk.bank[mask][order],
                       chunk.sender, chunk.place, primary=primary)  # fmt: skip
        self._put(receiver, handle)

    def _issued(self, sender: Party, chunk: Chunk, at: np.ndarray) -> None:
        sender.state.outstanding += len(at)
        topology, place = self.sim.topology, chunk.place
        unsent = np.isnan(chunk.t0)
        if unsent.any():  # follow-ups: their business starts when they are sent
            chunk.t0 = np.where(unsent, at, chunk.t0)
        to_bank = TO_BANK[chunk.flow]
        if not to_bank.all():
            mask, to_finance = ~to_bank, TO_FINANCE[chunk.flow]
            if to_finance.any():
                self._deliver(topology.party(place, "finance"), chunk, to_finance, at[to_finance], True)
                mask = mask & ~to_finance
            self._deliver(topology.party(place, "pboc"), chunk, mask, at[mask], True)
        for copy, wanted in ((False, to_bank), (True, COPY_TO_BANK[chunk.flow])):
            if not wanted.any():
                continue
            for b, mask in _groups(np.where(wanted, chunk.bank, -1)):
                if b >= 0:
                    self._deliver(topology.party(place, "bank", b), chunk, mask, at[mask], not copy)

    def _handled(self, receiver: Party, chunk: Chunk, at: np.ndarray) -> None:
        sim, n = self.sim, len(at)
        flow, t0, bank = chunk.flow, chunk.t0, chunk.bank
        pays = PAYS[flow]
        if sim.revoked:  # a revoked certificate: the receiver returns what it signed
            returned = _draw_share(self.rng, n, sim.revoked_share(chunk.sender, float(at[0])))
            if returned.any():
                if chunk.primary:
                    chunk.sender.state.outstanding -= int(returned.sum())
                    self._ended(flow[returned], "returned", t0[returned], None, at[returned])
                keep = ~returned
                flow, t0, bank, at, pays = flow[keep], t0[keep], bank[keep], at[keep], pays[keep]
        refused = REFUSED[flow]
        if refused.any():  # beyond the month's quota: returned, and finance asked for more
            chunk.sender.state.outstanding -= int(refused.sum())
            self._ended(flow[refused], "returned", t0[refused], None, at[refused])
            self._follow(receiver, chunk.place, flow[refused], at[refused], bank[refused])
            keep = ~refused
            flow, t0, bank, at, pays = flow[keep], t0[keep], bank[keep], at[keep], pays[keep]
            if not len(at):
                return
        failed = np.zeros(len(at), dtype=bool)
        if sim.tips_failures:
            failed = pays & _draw_share(self.rng, len(at), sim.tips_failure_share(float(at[0])))
        paid = (PAY_TYPE[flow] > 0) & ~failed
        if paid.any():
            self._to_clear(receiver, chunk.place, bank[paid], PAY_TYPE[flow[paid]])
        if receiver.role == "pboc":
            receiver.state.books |= int(np.bitwise_or.reduce(BOOK_BITS[flow[~failed]], initial=0))
        if (FOLLOW[flow] >= 0).any():
            self._follow(receiver, chunk.place, flow, at, bank)
        funds = np.where(pays, at, np.nan)
        receipt = Chunk(RECEIPT, flow, t0, at, bank, chunk.sender, chunk.place, funds, failed, chunk.primary)
        self._put(chunk.sender, receipt)

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
            new, when, banks = FOLLOW[code], at[which], bank[which]
            self.sim.metrics.applied(ROWS[new], "electronic", self.sim.month(float(when[0])), when, 0.0)
            by = FOLLOW_BY[code]
            for b, mine in _groups(banks if by == "unit" else None):  # a unit of that bank applies again
                index = topology.unit_of_bank(place, b) if by == "unit" else 0
                party = topology.party(place, by, index) if by else receiver
                t = when[mine]
                self._put(party, Chunk(ISSUE, np.full(len(t), new), np.full(len(t), np.nan), t.copy(),
                                       banks[mine], party, place))  # fmt: skip

    def _to_clear(self, receiver: Party, place: int, banks: np.ndarray, types: np.ndarray) -> None:
        keys, counts = np.unique(banks * 4 + types, return_counts=True)
        for key, count in zip(keys.tolist(), counts.tolist(), strict=True):
            b, pay_type = divmod(key, 4)
            payer = receiver if receiver.role == "bank" else self.sim.topology.party(place, "bank", b)
            tally = payer.state.to_clear
            tally[(place, PAY_TYPES[pay_type])] = tally.get((place, PAY_TYPES[pay_type]), 0) + count

    def _receipted(self, sender: Party, chunk: Chunk, at: np.ndarray) -> None:
        if not chunk.primary:
            return
        sender.state.outstanding -= len(at)
        failed = chunk.failed if chunk.failed is not None else np.zeros(len(at), dtype=bool)
        ok = ~failed
        self._ended(chunk.flow[ok], "receipt", chunk.t0[ok], chunk.funds[ok], at[ok])
        if failed.any():
            self._ended(chunk.flow[failed], "failed", chunk.t0[failed], None, at[failed])

    def _ended(self, flow: np.ndarray, outcome: str, t0, funds, done) -> None:
        metrics = self.sim.metrics
        for code, mask in _groups(flow):
            name = ROWS[code]
            f = None if funds is None or not PAYS[code] else funds[mask]
            missed = int(((f // DAY) > (t0[mask] // DAY)).sum()) if f is not None else 0
            metrics.ended(name, "electronic", outcome, t0[mask], f, done[mask], missed)


def _groups(keys: np.ndarray | None):
    """(key, mask) per distinct key; one group (key 0, everything) when there are no keys or one."""
    if keys is None or not len(keys):
        return [(0, slice(None))]
    low = keys.min()
    if low == keys.max():
        return [(int(low), slice(None))]
    return [(int(k), keys == k) for k in np.unique(keys)]


def _draw_share(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    return rng.random(n) < share if share > 0 else np.zeros(n, dtype=bool)
