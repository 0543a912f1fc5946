"""An agent bank (代理银行, org type = its bank category, e.g. 102): pays within quota, then clears.

Quotas per pay type x agency x function subject come from the 5106 (authorized) and 5108
(direct) notices finance sends it. It pays an 8202 a budget unit sends, and a 5201 the PBoC hands
on through TIPS (5104), only while the quota and its own reserve cover the amount: the check and
the booking happen under one lock, so concurrent payments never exceed either. A payee account
that refuses the credit fails the payment (附件章 receipt, XPayAmt 0.00) and frees the quota.
Paid vouchers are cleared with the PBoC (2301 per pay type); money a payee's bank sends back is
netted against an uncleared payment or asked back with a 2302. On a clearing receipt with
XPayAmt ≠ 0 (the rule an agent treasury relies on) payments are marked cleared and refunds give
their quota back.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from decimal import Decimal

from evoucher.codec import Voucher
from mocks.books import QuotaBook, Refused
from mocks.desk import Incoming
from mocks.money import ZERO, money, total
from mocks.party import Handler, Party
from mocks.reconcile import BankAnswers
from mocks.tips import TipsResult
from mocks.world import World

AUTHORIZED, DIRECT = "12", "11"


@dataclass
class BankPayment:
    ref: str  # AdmDivCode/VtCode/VoucherNo of the voucher paid
    voucher: Voucher
    pay_type: str
    key: tuple[str, str, str]  # (pay type, AgencyCode, ExpFuncCode)
    amount: Decimal
    business_no: str
    refunded: Decimal = ZERO
    requested: Decimal = ZERO  # what the pending 2301 asks for
    cleared: Decimal = ZERO  # what clearing receipts have covered
    pending: str = ""  # the 2301 it is in, until its receipt arrives


@dataclass
class BankRefund:
    payment: BankPayment
    amount: Decimal
    pending: str = ""
    done: bool = False  # quota given back (netted, or its 2302 cleared)
    history: list[str] = field(default_factory=list)


class AgentBank(BankAnswers, Party):
    reads = ("5106", "5108", "8202", "2301", "2302", "3554", "2507")

    def __init__(self, world: World, handle: str) -> None:
        super().__init__(world, handle)
        self.bank = world.province.banks[handle]
        self.quotas = QuotaBook(f"{handle} 额度")
        self.payments: dict[str, BankPayment] = {}
        self.refunds: list[BankRefund] = []
        self._lock = threading.RLock()
        self._serial = itertools.count(1)

    def handlers(self) -> dict[str, Handler]:
        return {
            "5106": self.on_quota,
            "5108": self.on_quota,
            "8202": self.on_authorized,
            **self.bank_handlers(),
        }

    # ------------------------------------------------------------------ quota

    def _ours(self, item: Incoming) -> None:
        number = item.fields.get("PayBankNo") or ""
        if number != self.bank.bank_no and item.fields.get("PayBankCode") != self.bank.code:
            raise Refused(f"非本行凭证 PayBankNo {number}")

    async def on_quota(self, item: Incoming) -> None:
        """5106/5108: sign for the notice and take its quota (the PBoC writes the receipt)."""
        if not await self.intake(item, self._ours):
            return
        pay_type, amount = (AUTHORIZED, "PlanAmt") if item.vt_code == "5106" else (DIRECT, "PayAmt")
        for detail in item.voucher.details:
            key = (pay_type, detail.get("AgencyCode") or detail["SupDepCode"], detail["ExpFuncCode"])
            self.quotas.grant(key, detail[amount], ref=f"{item.vt_code}/{item.voucher_no}")

    # ------------------------------------------------------------------ paying

    def pay(self, ref: str, voucher: Voucher, pay_type: str) -> TipsResult:
        """Pay once: Refused (nothing booked) beyond quota or reserve; a failure if the payee refuses."""
        head, amount = voucher.header, money(voucher.header["PayAmt"])
        line = voucher.details[0] if voucher.details else head
        key = (
            pay_type,
            head.get("AgencyCode") or line["AgencyCode"],
            head.get("ExpFuncCode") or line["ExpFuncCode"],
        )
        date = self.world.tips.date
        with self._lock:
            if ref in self.payments:
                raise Refused(f"重复支付 {ref} was paid already")
            if self.world.ledger.balance(self.bank.settlement) < amount:
                raise Refused(f"备付金不足 {self.bank.settlement}")
            self.quotas.use(key, amount, ref=ref)
            payee = head["PayeeAcctNo"]
            if payee in self.world.tips.config.closed_accounts:
                self.quotas.release(key, amount, ref=f"{ref}/failed")
                return TipsResult(False, ZERO, "", date, "收款账户已销户")
            self.world.ledger.transfer(
                self.bank.settlement, payee, amount, ref=ref, memo=f"{voucher.vt_code} 支付"
            )
            number = f"B{self.bank.code}{date[2:]}{next(self._serial):06d}"
            self.payments[ref] = BankPayment(ref, voucher, pay_type, key, amount, number)
            return TipsResult(True, amount, number, date)

    def execute_direct(self, ref: str, voucher: Voucher) -> TipsResult:
        """A 5201 the PBoC hands on through TIPS (5104): a refusal is a failed payment for the PBoC."""
        try:
            return self.pay(ref, voucher, DIRECT)
        except Refused as refusal:
            return TipsResult(False, ZERO, "", self.world.tips.date, refusal.reason[:40])

    async def on_authorized(self, item: Incoming) -> None:
        """8202 from a budget unit: pay it within quota and reserve, answer to the unit."""
        results: list[TipsResult] = []

        def check(i: Incoming) -> None:
            self._ours(i)
            results.append(self.pay(f"{i.voucher.adm_div_code}/8202/{i.voucher_no}", i.voucher, AUTHORIZED))

        if not await self.intake(item, check):
            return
        result = results[0]
        header = {"XPayAmt": result.amount, "XPayDate": result.date, "XAgentBusinessNo": result.business_no}
        header.update(
            {f"X{k}": item.fields.get(k, "") for k in ("PayeeAcctNo", "PayeeAcctName", "PayeeAcctBankName")}
        )
        details = {
            i: {**header, "XPayAmt": d.get("PayAmt") if result.ok else ZERO, "XAddWord": result.reason}
            for i, d in enumerate(item.voucher.details)
        }
        unit = self.world.province.agency(item.fields.get("AgencyCode", "")).unit
        to = self.world.env.party(unit).org_type if unit else "021"
        await self.desk.answer(item, header, details, to=(to,), failed=not result.ok)

    # ------------------------------------------------------------------ clearing

    def collect_refunds(self) -> None:
        """Money payees' banks sent back: netted against an uncleared payment, else kept for a 2302."""
        with self._lock:
            for notice in self.world.tips.returned(self.bank.settlement):
                payment = self.payments[notice.ref]
                payment.refunded += notice.amount
                self.refunds.append(BankRefund(payment, notice.amount))
            for refund in self.refunds:
                payment = refund.payment
                if not refund.done and not payment.cleared and not payment.pending:
                    self.quotas.release(payment.key, refund.amount, ref=f"{payment.ref}/refund")
                    refund.done = True
                    refund.history.append("netted against the uncleared payment")

    async def clear(self) -> int:
        """Send the day's clearing: a 2301 per pay type for uncleared payments, a 2302 for refunds."""
        self.collect_refunds()
        sent = 0
        for pay_type in (DIRECT, AUTHORIZED):
            with self._lock:
                payments = [
                    p for p in self.payments.values()
                    if p.pay_type == pay_type and not p.pending and not p.cleared and p.amount > p.refunded
                ]  # fmt: skip
                refunds = [
                    r for r in self.refunds
                    if r.payment.pay_type == pay_type and r.payment.cleared and not r.done and not r.pending
                ]  # fmt: skip
            if payments:
                sent += await self._request(
                    "2301", pay_type, payments, [p.amount - p.refunded for p in payments]
                )
            if refunds:
                sent += await self._request("2302", pay_type, refunds, [-r.amount for r in refunds])
        return sent

    async def _request(self, vt_code: str, pay_type: str, items: list, amounts: list[Decimal]) -> int:
        division = self.world.province.divisions[self.adm]
        head = self.desk.header(vt_code)
        details = []
        for i, (entry, amount) in enumerate(zip(items, amounts, strict=True), 1):
            payment = entry if isinstance(entry, BankPayment) else entry.payment
            source = {
                **payment.voucher.header,
                **(payment.voucher.details[0] if payment.voucher.details else {}),
            }
            no = payment.voucher.voucher_no
            line = {k: v for k, v in source.items() if not k.startswith("X")}
            line.update(Id=str(i), VoucherNo=no, OriVoucherNo=no, AgentBusinessNo=payment.business_no)
            details.append({**line, "PayDate": self.world.tips.date, "PayAmt": amount})
            entry.pending = head["VoucherNo"]
            if isinstance(entry, BankPayment):
                entry.requested = amount
        header = {
            **division.fields(),
            **self.bank.fields(),
            **head,
            "PayTypeCode": pay_type,
            "PayAmt": total(amounts),
        }
        header["PayTypeName"] = "授权支付" if pay_type == AUTHORIZED else "直接支付"
        voucher = self.desk.compose(vt_code, header, details)
        return int(await self.desk.issue(voucher, to=("001",), flow="额度清算 2301/2302"))

    async def on_receipt(self, item: Incoming) -> None:
        await super().on_receipt(item)
        if item.vt_code not in ("2301", "2302"):
            return
        paid = item.fields.get("XPayAmt") or "0"
        cleared = not item.failed and money(paid) != 0
        with self._lock:
            for payment in self.payments.values():
                if payment.pending == item.voucher_no:
                    payment.pending = ""
                    payment.cleared = payment.requested if cleared else ZERO
            for refund in self.refunds:
                if refund.pending == item.voucher_no:
                    refund.pending = ""
                    if cleared:
                        self.quotas.release(
                            refund.payment.key, refund.amount, ref=f"{refund.payment.ref}/refund"
                        )
                        refund.done = True
                        refund.history.append(f"cleared back by 2302 {item.voucher_no}")
