"""`VoucherLifecycle`: a Hypothesis rule-based state machine driving random interleavings of the
lifecycle (write, send, read, readAgain, confirm, confirmFail, return, receipt, the receipt read and
signed for) against a model of the status table, comparing every status answer after every step.

The model is the status table of VL-WIRE-013 / VL-LIB-035 for one route (5207, finance → PBoC and
the receipt back): the voucher's status at 001 as finance sees it, and the receipt's at 011 as the
PBoC sees it. A divergence fails with the shrunk minimal sequence of steps, replayable from the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from conformance.context import Ctx
from conformance.failures import WrongAnswer, WrongStatus
from conformance.steps import VT, Cast, receipt_of, send, store
from evoucher.codec import Voucher, parse_mof

RECEIPT_DONE = {6, 7, 9}


@dataclass
class Tracked:
    voucher: Voucher
    status: int  # finance's view at 001 (13, 0, 1, 3, 4, 5, 12)
    receipt: int | None = None  # the PBoC's view of its receipt at 011 (14, 6, 7, 9)


def machine_for(ctx: Ctx) -> type[RuleBasedStateMachine]:
    """The state machine class bound to one check's context (Hypothesis instantiates it per example)."""
    cast = Cast.of(ctx)

    class VoucherLifecycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.tracked: dict[str, Tracked] = {}
            self.finance, self.pboc = ctx.client(cast.finance), ctx.client(cast.pboc)
            self._drain()

        def _drain(self) -> None:
            """Sign for what earlier checks and examples of this run left unsigned at the PBoC, so each
            example starts from the same inbox (readVoucherAgain hands over at most 100, oldest first)."""
            mine = f"9{ctx.target.run_tag}"
            for _ in range(20):
                data = self.pboc.read_voucher_again(ctx.adm, ctx.year, VT, 100)
                left = sorted({b.voucher_no for b in parse_mof(data)} if data else set())
                ours = [n for n in left if n.startswith(mine)]
                if ours:
                    self.pboc.confirm_voucher(ctx.adm, ctx.year, VT, ours)
                if len(left) < 100 or not ours:
                    return

        def _in(self, *states: int) -> list[str]:
            return sorted(n for n, t in self.tracked.items() if t.status in states)

        @rule()
        def write(self) -> None:
            v = ctx.voucher(VT)
            store(ctx, cast.finance, v)
            self.tracked[v.voucher_no] = Tracked(v, 13)

        @precondition(lambda self: self._in(13))
        @rule(data=st.data())
        def send(self, data: st.DataObject) -> None:
            no = data.draw(st.sampled_from(self._in(13)), label="voucher")
            send(ctx, cast.finance, cast.pboc, self.tracked[no].voucher)
            self.tracked[no].status = 0

        def _read(self, again: bool) -> None:
            call = self.pboc.read_voucher_again if again else self.pboc.read_voucher
            name = "readVoucherAgain" if again else "readVoucher"
            got: set[str] = set()
            for _ in range(10):
                data = ctx.accepts(call, ctx.adm, ctx.year, VT, 100, why=name)
                batch = {b.voucher_no for b in parse_mof(data)} if data else set()
                got |= batch & set(self.tracked)
                if len(batch) < 100 or again:
                    break
            due = set(self._in(0, 1) if again else self._in(0))
            if got != due:
                raise WrongAnswer(
                    operation=name,
                    expected=f"exactly {sorted(due)} of ours",
                    got=sorted(got),
                    requirement="VL-LIB-038",
                )
            for no in due:
                self.tracked[no].status = 1

        @rule()
        def read(self) -> None:
            self._read(again=False)

        @rule()
        def read_again(self) -> None:
            self._read(again=True)

        @precondition(lambda self: self._in(1))
        @rule(data=st.data(), answer=st.sampled_from(["confirm", "fail", "return"]))
        def answer(self, data: st.DataObject, answer: str) -> None:
            no = data.draw(st.sampled_from(self._in(1)), label="voucher")
            if answer == "confirm":
                ctx.accepts(self.pboc.confirm_voucher, ctx.adm, ctx.year, VT, [no], why="confirmVoucher")
                self.tracked[no].status = 3
            elif answer == "fail":
                ctx.accepts(
                    self.pboc.confirm_voucher_fail,
                    ctx.adm,
                    ctx.year,
                    VT,
                    [no],
                    ["账户不符"],
                    why="confirmVoucherFail",
                )
                self.tracked[no].status = 4
            else:
                ctx.accepts(
                    self.pboc.return_voucher, ctx.adm, ctx.year, VT, [no], ["信息有误"], why="returnVoucher"
                )
                self.tracked[no].status = 5

        @precondition(lambda self: self._in(3))
        @rule(data=st.data())
        def receipt(self, data: st.DataObject) -> None:
            no = data.draw(st.sampled_from(self._in(3)), label="voucher")
            r = receipt_of(self.tracked[no].voucher)
            store(ctx, cast.pboc, r, 1)
            send(ctx, cast.pboc, cast.finance, r)
            self.tracked[no].status, self.tracked[no].receipt = 12, 6

        @precondition(lambda self: any(t.receipt == 6 for t in self.tracked.values()))
        @rule()
        def finance_reads_receipts(self) -> None:
            ctx.accepts(
                self.finance.read_voucher_again, ctx.adm, ctx.year, VT, 100, why="finance reads receipts"
            )
            for t in self.tracked.values():
                if t.receipt == 6:
                    t.receipt = 7

        @precondition(lambda self: any(t.receipt == 7 for t in self.tracked.values()))
        @rule()
        def finance_signs_for_receipts(self) -> None:
            numbers = sorted(n for n, t in self.tracked.items() if t.receipt == 7)
            ctx.accepts(
                self.finance.confirm_voucher, ctx.adm, ctx.year, VT, numbers, why="finance signs for receipts"
            )
            for n in numbers:
                self.tracked[n].receipt = 9

        @invariant()
        def statuses_match_the_model(self) -> None:
            if not self.tracked:
                return
            numbers = sorted(self.tracked)
            seen = ctx.accepts(
                self.finance.query_voucher_status_by_org_type,
                ctx.adm,
                ctx.year,
                VT,
                numbers,
                "001",
                why="finance's status board",
            )
            for n in numbers:
                got = seen.get(n, (None,))[0]
                if got != self.tracked[n].status:
                    raise WrongStatus(
                        voucher_no=n,
                        operation="queryVoucherStatusByOrgType",
                        expected=self.tracked[n].status,
                        got=got,
                        when="as finance sees it (001)",
                        requirement="VL-LIB-035",
                    )
            receipts = sorted(n for n, t in self.tracked.items() if t.receipt is not None)
            if receipts:
                seen = ctx.accepts(
                    self.pboc.query_voucher_status_by_org_type,
                    ctx.adm,
                    ctx.year,
                    VT,
                    receipts,
                    "011",
                    why="the PBoC's receipts",
                )
                for n in receipts:
                    got = seen.get(n, (None,))[0]
                    if got != self.tracked[n].receipt:
                        raise WrongStatus(
                            voucher_no=n,
                            operation="queryVoucherStatusByOrgType",
                            expected=self.tracked[n].receipt,
                            got=got,
                            when="its receipt, as the PBoC sees it (011)",
                            requirement="VL-LIB-035",
                        )

    return VoucherLifecycle
