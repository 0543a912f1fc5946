"""The finance bureau (财政, org type 011): budget indicators, spending plans, payment vouchers.

Books: indicators (指标) per agency x function x economic subject; spending plans (用款计划)
per pay type x agency x function, carved out of indicators and issued as quota notices (5106
authorized, 5108 direct) to the PBoC and the agent bank. Direct payments (5201) spend the direct
plan, 实拨 (5207) and 专户 (5267) payments spend indicators directly; revenue refunds (5209)
and adjustments (5253, 5351) move no indicator money. A returned voucher gives back what it
booked; a refund notice (3208, 3268) gives the indicator back. Reconciliation statements and
daily reports are answered by `reconcile.FinanceAnswers`.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from decimal import Decimal

from mocks.books import QuotaBook
from mocks.desk import Incoming
from mocks.money import ZERO, money, total
from mocks.party import Handler, Party
from mocks.province import Agency, Line, Payee
from mocks.reconcile import FinanceAnswers
from mocks.world import World

AUTHORIZED, DIRECT, APPROPRIATION = "12", "11", "91"
TRANSFER = "2300101"  # indicator of transfers to a half-level district (转移性支出)


@dataclass
class Booking:
    """What issuing one voucher booked, so that a return can undo exactly that."""

    moves: list[tuple[QuotaBook, str, Hashable, Decimal]] = field(default_factory=list)


class Finance(FinanceAnswers, Party):
    reads = (
        *("5106", "5108", "5201", "5207", "5209", "5253", "5351", "5267", "2301", "2302"),
        *("3208", "3210", "3251", "3268", "3503", "3504", "3505", "3506", "2206", "3410"),
        *("5507", "5508", "5509", "5510"),
    )

    def __init__(self, world: World, handle: str) -> None:
        super().__init__(world, handle)
        self.division = world.province.divisions[self.adm]
        self.indicators = QuotaBook(f"{handle} 指标")
        self.plans = QuotaBook(f"{handle} 用款计划")
        self.bookings: dict[tuple[str, str], Booking] = {}
        self.paid: dict[tuple[str, str], Decimal] = {}  # (VtCode, VoucherNo) -> XPayAmt of the receipt
        self.refunded: dict[tuple[str, str], Decimal] = {}  # notices 3208/3210/3268 by (VtCode, no)

    def handlers(self) -> dict[str, Handler]:
        notices = {vt: self.on_refund_notice for vt in ("3208", "3210", "3251", "3268")}
        return {**notices, **self.answer_handlers()}

    # ------------------------------------------------------------------ budget and plans

    def budget(self, amounts: dict[tuple[str, str, str], Decimal]) -> None:
        """Grant indicators: (AgencyCode, ExpFuncCode, ExpEcoCode) -> amount."""
        for key, amount in amounts.items():
            self.indicators.grant(key, amount, ref="预算指标")

    def _book(
        self, booking: Booking, book: QuotaBook, op: str, key: Hashable, amount: Decimal, ref: str
    ) -> None:
        getattr(book, op)(key, amount, ref=ref)
        booking.moves.append((book, op, key, amount))

    async def _issue(self, vt_code: str, header: dict, details: list[dict], booking: Booking, **kw) -> str:
        voucher = self.desk.compose(vt_code, header, details)
        self.bookings[(vt_code, voucher.voucher_no)] = booking
        await self.desk.issue(voucher, **kw)
        return voucher.voucher_no

    def _undo(self, booking: Booking, ref: str) -> None:
        for book, op, key, amount in reversed(booking.moves):
            if op == "use":
                book.release(key, amount, ref=ref)
            elif op == "grant":
                book.grant(key, -amount, ref=ref)
            else:  # a release is undone by using again
                book.use(key, amount, ref=ref)
        booking.moves.clear()

    async def issue_plan(self, pay_type: str, bank: str, lines: list[tuple[Agency, Line, Decimal]]) -> str:
        """One quota notice (5106 authorized / 5108 direct) for the agencies banking at `bank`."""
        vt_code, amount_name = ("5106", "PlanAmt") if pay_type == AUTHORIZED else ("5108", "PayAmt")
        head = self.desk.header(vt_code)
        booking = Booking()
        details = []
        for i, (agency, line, amount) in enumerate(lines, 1):
            ref = f"{vt_code}/{head['VoucherNo']}"
            self._book(booking, self.indicators, "use", (agency.code, line.func, line.eco), amount, ref)
            self._book(booking, self.plans, "grant", (pay_type, agency.code, line.func), amount, ref)
            details.append({"Id": str(i), **agency.fields(), **line.fields(), amount_name: amount})
        bank_row = self.world.province.banks[bank]
        header = {
            **head,
            **self.division.fields(),
            **bank_row.fields(),
            amount_name: total(a for _, _, a in lines),
            "SetMonth": f"{self.world.business_date:%m}",
            "DeptNum": str(len({a.code for a, _, _ in lines})),
        }
        flow = "额度通知 5106/5108"
        return await self._issue(vt_code, header, details, booking, to=("001", bank_row.code), flow=flow)

    # ------------------------------------------------------------------ payments

    def _payment(
        self, head: dict, agency: Agency | None, line: Line | None, payee: Payee, amount: Decimal
    ) -> tuple:
        parts = [self.division.fields(), *(x.fields() for x in (agency, line) if x), payee.fields()]
        common = {k: v for part in parts for k, v in part.items()}
        header = {**head, **common, "PayAmt": amount, "PaySummaryName": "按计划拨付"}
        detail = {**common, "Id": "1", "VoucherBillId": head["Id"], "VoucherBillNo": head["VoucherNo"]}
        return header, [{**detail, "PayAmt": amount, "Amt": amount}]

    async def direct(self, agency: Agency, line: Line, payee: Payee, amount: Decimal) -> str:
        """A direct payment (5201) under the direct plan; the agent bank pays it on the PBoC's order."""
        head = self.desk.header("5201")
        bank = self.world.province.banks[agency.bank or ""]
        header, details = self._payment(head, agency, line, payee, amount)
        header.update(bank.fields(), PayTypeCode=DIRECT, PayTypeName="直接支付", BusinessTypeCode="1")
        header.update(PayAcctNo=bank.agent_account, PayAcctName=f"{self.division.name}财政零余额账户")
        booking = Booking()
        self._book(
            booking, self.plans, "use", (DIRECT, agency.code, line.func), amount, f"5201/{head['VoucherNo']}"
        )
        return await self._issue("5201", header, details, booking, to=("001",), flow="直接支付 5201")

    async def appropriate(
        self,
        agency: Agency | None,
        line: Line | None,
        payee: Payee,
        amount: Decimal,
        *,
        flow: str = "实拨 5207",
    ) -> str:
        """实拨 (5207) from the treasury; `agency` None for a transfer to a half-level district."""
        head = self.desk.header("5207")
        header, details = self._payment(head, agency, line, payee, amount)
        header.update(PayTypeCode=APPROPRIATION, PayTypeName="实拨")
        key = (agency.code, line.func, line.eco) if agency and line else (TRANSFER, payee.account, "")
        if agency is None:
            details[0].update(AgencyCode=self.adm, AgencyName=header["PayAcctName"], ExpFuncCode=TRANSFER)
        booking = Booking()
        self._book(booking, self.indicators, "use", key, amount, f"5207/{head['VoucherNo']}")
        return await self._issue("5207", header, details, booking, to=("001",), flow=flow)

    async def special(self, agency: Agency, line: Line, payee: Payee, amount: Decimal) -> str:
        """专户 payment (5267): from the special account, outside the budget indicators."""
        head = self.desk.header("5267")
        header, details = self._payment(head, agency, line, payee, amount)
        header.update(
            PayTypeCode=APPROPRIATION, PayTypeName="专户拨款", PayAcctNo=self.division.special_account
        )
        return await self._issue("5267", header, details, Booking(), to=("001",), flow="专户 5267/3268")

    async def revenue_refund(self, payee: Payee, amount: Decimal, income: dict[str, str]) -> str:
        """收入退付 (5209): the treasury refunds revenue to a taxpayer."""
        head = self.desk.header("5209")
        header, details = self._payment(head, None, None, payee, amount)
        header["ReturnReasonName"] = "多缴退库"
        details[0].update(income)
        return await self._issue("5209", header, details, Booking(), to=("001",), flow="收入退付 5209/3210")

    async def adjust(self, pay_type: str, agency: Agency, source: Line, target: Line, amount: Decimal) -> str:
        """Move unspent quota between two function subjects of an agency (5253 direct, 5351 authorized)."""
        vt_code = "5253" if pay_type == DIRECT else "5351"
        head = self.desk.header(vt_code)
        ref = f"{vt_code}/{head['VoucherNo']}"
        booking = Booking()
        self._book(booking, self.plans, "grant", (pay_type, agency.code, source.func), -amount, ref)
        self._book(booking, self.plans, "grant", (pay_type, agency.code, target.func), amount, ref)
        self._book(booking, self.indicators, "release", (agency.code, source.func, source.eco), amount, ref)
        self._book(booking, self.indicators, "use", (agency.code, target.func, target.eco), amount, ref)
        bank = self.world.province.banks[agency.bank or ""]
        header = {**head, **self.division.fields(), **agency.fields(), **bank.fields(), "PayAmt": ZERO}
        header.update(PayTypeCode=pay_type, PayeeAcctBankNo=bank.bank_no, PayAcctNo=bank.agent_account)
        if vt_code == "5351":
            header["PayBankCode"] = bank.bank_no  # 5351 names the bank by its 12-digit number
        header["PayAcctName"] = f"{self.division.name}财政零余额账户"
        details = [
            {
                "Id": str(i),
                **agency.fields(),
                **line.fields(),
                "PayAmt": sign * amount,
                "VoucherNo": head["VoucherNo"],
            }
            for i, (line, sign) in enumerate(((source, -1), (target, 1)), 1)
        ]
        return await self._issue(vt_code, header, details, booking, to=("001",), flow="调整 5253/5351")

    def draft_authorized(self, agency: Agency, line: Line, payee: Payee, amount: Decimal) -> dict:
        """The fields of an authorized payment (8202) the budget unit will seal and send."""
        bank = self.world.province.banks[agency.bank or ""]
        fields = {
            **self.division.fields(),
            **agency.fields(),
            **line.fields(),
            **payee.fields(),
            **bank.fields(),
        }
        fields.update(PayAcctNo=agency.account, PayAcctName=agency.name, PayAcctBankName=bank.name)
        return {**fields, "PayTypeCode": AUTHORIZED, "PayTypeName": "授权支付", "PayAmt": money(amount)}

    # ------------------------------------------------------------------ what comes back

    async def on_receipt(self, item: Incoming) -> None:
        await super().on_receipt(item)
        paid = item.fields.get("XPayAmt") or item.fields.get("XpayAmt")
        if paid:
            self.paid[(item.vt_code, item.voucher_no)] = money(paid)
        if item.failed:
            booking = self.bookings.get((item.vt_code, item.voucher_no))
            if booking:  # the money never left: the indicator or plan is free again
                self._undo(booking, f"{item.vt_code}/{item.voucher_no}/failed")

    async def on_returned(self, vt_code: str, voucher_no: str) -> None:
        booking = self.bookings.get((vt_code, voucher_no))
        if booking:
            self._undo(booking, f"{vt_code}/{voucher_no}/returned")

    async def on_refund_notice(self, item: Incoming) -> None:
        """3208/3268 (a payee bank sent 实拨/专户 money back) or 3210 (a revenue refund bounced)."""
        await self.desk.accept([item])
        amount = -item.amount
        self.refunded[(item.vt_code, item.voucher_no)] = amount
        original = ("5267" if item.vt_code == "3268" else "5207", item.fields.get("OriBillNo", ""))
        booking = self.bookings.get(original)
        if item.vt_code in ("3208", "3268") and booking and booking.moves:
            book, _, key, _ = booking.moves[0]
            book.release(key, amount, ref=f"{item.vt_code}/{item.voucher_no}")
        await self.desk.answer(item, {}, to=("001",))
