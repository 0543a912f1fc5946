"""The PBoC treasury (人行国库, org type 001): the ITFE loop over TIPS/TCBS.

For every incoming voucher (reference §8): read, sign for it or refuse it (签收失败 + 退回 when
malformed or badly stamped), check it against the books (退回 when a rule says no), pay through
TIPS/TCBS, fill the X fields, stamp the receipt (转讫章 + 公章, or the 附件章 with XPayAmt 0.00
when the payment failed) and send it back. Quota notices are registered (5102/5103) and feed the
clearing quotas that 2301/2302 are matched against (`clearing.Clearing`). Money a payee's bank
sends back produces 3208 (实拨), 3268 (专户) or 3210 (revenue refund; 3251 under 1.0).
Statements and daily reports are `statements.Statements`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from evoucher.codec import Voucher
from mocks.books import QuotaBook, Refused
from mocks.clearing import Clearing
from mocks.desk import Incoming
from mocks.money import ZERO
from mocks.party import Handler, Party
from mocks.refunds import Refunds
from mocks.statements import Statements
from mocks.tips import Returned, TipsResult
from mocks.vouchers import settlement_fields
from mocks.world import World

CFX = {"5207": "5101", "5267": "5101", "5108": "5102", "5106": "5103", "5201": "5104", "5209": "1104"}
SPECIAL_BANK = "special-bank"  # World.parties key of the special-account clearing bank (专户清算行)


@dataclass(frozen=True)
class Payment:
    """A payment the treasury made (or tried): the voucher and what TCBS answered."""

    voucher: Voucher
    result: TipsResult


class Pboc(Statements, Clearing, Refunds, Party):
    reads = (
        *("5106", "5108", "5201", "5207", "5209", "5253", "5351", "5267", "2301", "2302", "2252"),
        *("3208", "3210", "3251", "3268", "3503", "3504", "3505", "3506", "3554", "2206", "3410"),
        *("5507", "5508", "5509", "5510", "2507"),
    )

    def __init__(self, world: World, handle: str) -> None:
        super().__init__(world, handle)
        self.division = world.province.divisions[self.adm]
        self.tips = world.tips
        self.quotas = QuotaBook(f"{handle} 清算额度")  # (PayBankNo, PayTypeCode, SupDepCode, ExpFuncCode)
        self.payments: dict[tuple[str, str], Payment] = {}
        self.came_back: dict[str, Returned] = {}  # payment ref -> money a payee's bank returned

    def handlers(self) -> dict[str, Handler]:
        payments = {vt: self.on_payment for vt in ("5207", "5267", "5201", "5209")}
        notices = {
            "5106": self.on_quota,
            "5108": self.on_quota,
            "5253": self.on_adjustment,
            "5351": self.on_adjustment,
        }
        clearing = {"2301": self.on_clearing, "2302": self.on_clearing, "2252": self.on_payee_refund}
        return {**payments, **notices, **clearing, **self.list_handlers()}

    async def work(self) -> int:
        return await self.collect_returned() + await super().work()

    def ref(self, item: Incoming | Voucher) -> str:
        return f"{self.adm}/{item.vt_code}/{item.voucher_no}"

    async def send_receipt(
        self,
        item: Incoming,
        result: TipsResult,
        *,
        to: str = "011",
        copies: tuple[str, ...] = (),
        extra: dict[str, str] | None = None,
    ) -> Voucher:
        """The receipt with TCBS's answer in its X fields; a failed payment gets the 附件章 instead."""
        header, details = settlement_fields(item.voucher, result)
        fields = {**header, **(extra or {})}
        voucher = await self.desk.answer(item, fields, details, to=(to,), copies=copies, failed=not result.ok)
        self.receipts[(item.vt_code, item.voucher_no)] = voucher
        return voucher

    # ------------------------------------------------------------------ quotas and adjustments

    def _bank_no(self, voucher: Voucher) -> str:
        """The agent bank a voucher names: PayBankNo, else PayBankCode (5253: PayeeAcctBankNo)."""
        head, code = voucher.header, voucher.header.get("PayBankCode", "")
        number = head.get("PayeeAcctBankNo" if voucher.vt_code == "5253" else "PayBankNo")
        if not number:  # 5351 writes the 12-digit bank number into PayBankCode
            number = (
                code if len(code) == 12 else next((b.bank_no for b in self.banks() if b.code == code), "")
            )
        if number not in {b.bank_no for b in self.banks()}:
            raise Refused(f"代理银行不存在 bank {number or head.get('PayBankCode')} unknown here")
        return number

    def banks(self) -> list:
        return [self.world.province.banks[h] for h in self.division.banks]

    def _quota_key(self, voucher: Voucher, detail: dict) -> tuple[str, str, str, str]:
        pay_type = voucher.header.get("PayTypeCode") or (
            "12" if voucher.vt_code in ("5106", "5351") else "11"
        )
        return (self._bank_no(voucher), pay_type, detail["SupDepCode"], detail["ExpFuncCode"])

    async def on_quota(self, item: Incoming) -> None:
        """5106/5108: check the month and the bank, register with TIPS, grant the clearing quota."""

        def check(i: Incoming) -> None:
            if i.fields.get("SetMonth", f"{self.world.business_date:%m}") != f"{self.world.business_date:%m}":
                raise Refused(f"计划月份不符 SetMonth {i.fields.get('SetMonth')}")
            self._bank_no(i.voucher)

        if not await self.intake(item, check):
            return
        result = await self.tips.register(CFX[item.vt_code], ref=self.ref(item))
        amount = "PlanAmt" if item.vt_code == "5106" else "PayAmt"
        for detail in item.voucher.details:
            self.quotas.grant(self._quota_key(item.voucher, detail), detail[amount], ref=self.ref(item))
        await self.send_notice_receipt(item, result)

    async def send_notice_receipt(self, item: Incoming, result: TipsResult) -> None:
        """A notice moves no money: its receipt carries the accounting date only (业务专用章)."""
        dates = {"XAcctDate": result.date, "XAccDate": result.date}
        self.receipts[(item.vt_code, item.voucher_no)] = await self.desk.answer(item, dates, to=("011",))

    async def on_adjustment(self, item: Incoming) -> None:
        """5253/5351: move unspent clearing quota between subjects; refused when it is not unspent."""

        def check(i: Incoming) -> None:
            done: list[tuple] = []
            try:
                for detail in sorted(i.voucher.details, key=lambda d: d["PayAmt"][0] != "-"):
                    key, amount = self._quota_key(i.voucher, detail), detail["PayAmt"]
                    self.quotas.grant(key, amount, ref=self.ref(i))
                    done.append((key, amount))
            except Refused:
                for key, amount in done:
                    self.quotas.grant(key, _negate(amount), ref=self.ref(i))
                raise

        if await self.intake(item, check):
            await self.send_notice_receipt(item, await self.tips.register("5105", ref=self.ref(item)))

    # ------------------------------------------------------------------ payments

    def _payer(self, item: Incoming) -> str:
        expected = self.division.special_account if item.vt_code == "5267" else self.division.treasury_account
        if item.vt_code != "5201" and item.fields.get("PayAcctNo") != expected:
            raise Refused(f"付款账户不符 PayAcctNo {item.fields.get('PayAcctNo')}, expected {expected}")
        return expected

    def payment_check(self, item: Incoming) -> None:
        """The business check of a payment voucher (a hook: a half-level treasury adds its balance)."""
        self._payer(item)
        if item.vt_code == "5201":
            self._bank_no(item.voucher)

    def executor(self, item: Incoming) -> Callable[[], TipsResult] | None:
        """Who executes a payment TIPS hands on: the agent bank (5201) or the special-account bank (5267)."""
        if item.vt_code == "5201":
            bank = next(b for b in self.banks() if b.code == item.fields.get("PayBankCode"))
            system = self.world.parties.get(bank.handle)
            return None if system is None else lambda: system.execute_direct(self.ref(item), item.voucher)
        if item.vt_code == "5267":
            system = self.world.parties.get(SPECIAL_BANK)
            return None if system is None else lambda: system.execute(self.ref(item), item.voucher)
        return None

    async def move_money(self, item: Incoming) -> TipsResult:
        msg, ref = CFX[item.vt_code], self.ref(item)
        if item.vt_code in ("5201", "5267"):
            executor = self.executor(item) or (
                lambda: TipsResult(False, ZERO, "", self.tips.date, "执行行无响应")
            )
            return await self.tips.instruct(msg, executor, ref=ref)
        payee = item.fields["PayeeAcctNo"]
        return await self.tips.pay(msg, self._payer(item), payee, item.amount, ref=ref)

    async def on_payment(self, item: Incoming) -> None:
        """5207 实拨, 5267 专户, 5201 直接支付 (through the agent bank), 5209 收入退付."""
        if not await self.intake(item, self.payment_check):
            return
        result = await self.move_money(item)
        self.payments[(item.vt_code, item.voucher_no)] = Payment(item.voucher, result)
        await self.send_receipt(item, result)


def _negate(amount: str) -> str:
    return amount[1:] if amount.startswith("-") else f"-{amount}"
