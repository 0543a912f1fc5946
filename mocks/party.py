"""What every party's system does in its loop: read what was sent to it, handle each voucher once,
note the receipts of what it sent, and find out which of its vouchers were returned.

A subclass declares `handlers` (VtCode -> coroutine taking an `Incoming` voucher) and may
override `on_receipt`. `work()` is one pass of the ITFE-style timers; it reads a VtCode only
when something of that VtCode was sent to this party since the last read (the journal counts
sends), so an idle party costs the library nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from evoucher.codec import Voucher
from evoucher.interface import VoucherStatus
from mocks.books import Refused
from mocks.desk import Desk, Incoming
from mocks.journal import FAILED, RECEIPT, RETURNED
from mocks.world import World

Handler = Callable[[Incoming], Awaitable[None]]


class Party:
    """Base of the parties' systems; `reads` are the VtCodes it reads (vouchers or receipts)."""

    reads: ClassVar[tuple[str, ...]] = ()

    def __init__(self, world: World, handle: str) -> None:
        self.world, self.handle = world, handle
        self.desk = Desk(world, handle)
        self.journal = world.journal
        self._marks: dict[str, int] = {}
        self.receipts: dict[tuple[str, str], Voucher] = {}  # receipts read (and, for answerers, written)
        world.parties[handle] = self

    @property
    def adm(self) -> str:
        return self.desk.adm

    def handlers(self) -> dict[str, Handler]:
        """VtCode -> handler of incoming vouchers (flag 0); receipts go to `on_receipt`."""
        return {}

    async def on_receipt(self, item: Incoming) -> None:
        """A receipt of something we sent: it ends that voucher (failed when it reports a failure)."""
        outcome = FAILED if item.failed else RECEIPT
        detail = "附件章/XPayAmt 0.00" if item.failed else ""
        self.journal.settle(self.adm, item.vt_code, item.voucher_no, outcome, detail, by=self.handle)

    async def work(self) -> int:
        """One pass over the inbox; returns how many documents it handled."""
        handled = 0
        for vt_code in self.reads:
            mark = self.journal.mark(self.adm, vt_code, self.desk.org_type)
            if mark == self._marks.get(vt_code, 0):
                continue
            self._marks[vt_code] = mark
            items = await self.desk.inbox(vt_code)
            for item in (i for i in items if self._claim(i)):  # in the library's order: deterministic
                try:
                    await self._handle(item)
                except Exception as exc:  # one bad voucher must not stop the party's day
                    problem = f"{self.handle} failed on {item.vt_code} {item.voucher_no}: {exc!r}"
                    self.journal.problems.append(problem)
            handled += len(items)
        return handled

    def _claim(self, item: Incoming) -> bool:
        return self.journal.claim(
            self.handle, self.adm, item.vt_code, f"{item.voucher_no}/{item.body.voucher_flag}"
        )

    async def _handle(self, item: Incoming) -> None:
        if item.is_receipt:
            await self.desk.accept([item])
            self.receipts[(item.vt_code, item.voucher_no)] = item.voucher
            await self.on_receipt(item)
            return
        handler = self.handlers().get(item.vt_code)
        if handler is None:  # addressed to us but not our business: sign for it, nothing more
            await self.desk.accept([item])
            return
        await handler(item)

    async def intake(self, item: Incoming, check: Callable[[Incoming], None] | None = None) -> bool:
        """ITFE's first steps: refuse a malformed or badly stamped voucher (签收失败 + 退回), sign for
        the rest, then run the business check, returning (退回) what it refuses. True: go on."""
        problems = self.desk.problems(item)
        if problems:
            await self.desk.reject(item, f"报文不规范: {problems[0]}", signed_for=False)
            return False
        await self.desk.accept([item])
        if check is not None:
            try:
                check(item)
            except Refused as refusal:
                await self.desk.reject(item, refusal.reason, signed_for=True)
                return False
        return True

    async def poll_returns(self) -> int:
        """Ask the library about our pending vouchers; returned (or refused) ones end `returned`."""
        found = 0
        groups: dict[tuple[str, str], list[str]] = {}
        for record in self.journal.outstanding(self.handle):
            for dest in record.to:
                groups.setdefault((record.vt_code, dest), []).append(record.voucher_no)
        for (vt_code, dest), nos in groups.items():
            for no, (code, text) in (await self.desk.statuses(vt_code, nos, dest)).items():
                if code in (VoucherStatus.RECEIVE_FAILED, VoucherStatus.SIGN_FAILED, VoucherStatus.RETURNED):
                    record = self.journal.record(self.adm, vt_code, no)
                    self.journal.settle(self.adm, vt_code, no, RETURNED, text, by=self.handle)
                    if record is not None:
                        await self.on_returned(record.vt_code, no)
                    found += 1
        return found

    async def on_returned(self, vt_code: str, voucher_no: str) -> None:
        """A voucher of ours came back: undo what sending it booked (subclasses)."""

    async def aclose(self) -> None:
        await self.desk.aclose()
