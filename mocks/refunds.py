"""Money that comes back to the treasury, and the notices the PBoC writes about it.

A payee's bank returning a payment sends the money back through the network and a 2252 to the
PBoC. For a payment the treasury made (实拨 5207, 专户 5267) the PBoC checks the money arrived,
answers the 2252 and tells finance with a 3208 or 3268 (signed, not stamped). For a payment an
agent bank made (PayTypeCode 11/12) the money went to that bank, which asks for clearing back
with a 2302. A revenue refund whose taxpayer account bounces (退汇) needs no 2252: the returned
money itself makes the PBoC write a 3210 (3251 under the 1.0 profile).
"""

from __future__ import annotations

from decimal import Decimal

from evoucher.codec import Voucher
from mocks.books import Refused
from mocks.desk import Incoming
from mocks.money import ZERO, money
from mocks.tips import Returned

REFUND_NOTICE = {"5207": "3208", "5267": "3268"}


class Refunds:
    """PBoC mixin; needs `payments`, `came_back`, `division`, `tips`, `desk` and `ref`."""

    async def collect_returned(self) -> int:
        """Take the network's notices of money returned to our accounts; a bounced 5209 gets a 3210."""
        found = 0
        for account in {self.division.treasury_account, self.division.special_account}:
            for notice in self.tips.returned(account):
                self.came_back[notice.ref] = notice
                found += 1
                _, vt_code, voucher_no = notice.ref.split("/")
                payment = self.payments.get((vt_code, voucher_no))
                if vt_code == "5209" and payment is not None:
                    await self.refund_notice(payment.voucher, payment.result.business_no, notice)
        return found

    def _original(self, item: Incoming):  # -> pboc.Payment | None (pboc imports this module)
        no = item.fields.get("OriBillNo", "")
        for vt_code in REFUND_NOTICE:
            payment = self.payments.get((vt_code, no))
            if payment is not None and payment.result.ok:
                return payment
        return None

    def _check_payee_refund(self, item: Incoming) -> None:
        if item.fields.get("PayTypeCode") in ("11", "12", "001001", "001002"):
            return  # an agent bank's payment: the money went back to the bank, which files a 2302
        payment = self._original(item)
        if payment is None:
            raise Refused(f"原凭证不存在 OriBillNo {item.fields.get('OriBillNo')}")
        notice = self.came_back.get(self.ref(payment.voucher))
        if notice is None or notice.amount != -item.amount:
            raise Refused(f"未收到退回资金 {-item.amount} for {payment.voucher.voucher_no}")

    async def on_payee_refund(self, item: Incoming) -> None:
        """2252: answer the payee bank; for our own payments, tell finance (3208 / 3268)."""
        await self.collect_returned()
        if not await self.intake(item, self._check_payee_refund):
            return
        await self.desk.answer(item, {}, to=(item.fields["PaySndBnkNo"][:3],))
        payment = self._original(item)
        if payment is not None and item.fields.get("PayTypeCode") not in ("11", "12", "001001", "001002"):
            notice = self.came_back[self.ref(payment.voucher)]
            await self.refund_notice(payment.voucher, payment.result.business_no, notice)

    async def refund_notice(self, original: Voucher, business_no: str, notice: Returned) -> None:
        """3208 / 3268 / 3210 for `original`, whose money came back (the whole amount)."""
        vt_code = REFUND_NOTICE.get(original.vt_code) or ("3210" if self.world.profile == "2.0" else "3251")
        head = self.desk.header(vt_code)
        amount: Decimal = -notice.amount
        carried = {k: v for k, v in original.header.items() if k not in head and not k.startswith("X")}
        header = {
            **carried,
            **head,
            "AgentBusinessNo": business_no,
            "OriBillNo": original.voucher_no,
            "OriVouDate": original.header.get("VouDate", ""),
            "OriPayDate": self.tips.date,
            "PayAmt": amount,
            "Remark": notice.reason,
        }
        lines = original.details or ({},)
        share = [money(d.get("PayAmt") or "0") for d in lines]
        details = []
        for i, (detail, part) in enumerate(zip(lines, share, strict=True), 1):
            line = part if len(lines) > 1 else notice.amount
            details.append(
                {**detail, "Id": str(i), "VoucherBillId": head["Id"], "Amt": -line, "PayAmt": -line}
            )
        if sum(share, ZERO) != notice.amount and len(lines) > 1:
            raise ValueError(
                f"{original.voucher_no}: a partial return of a multi-line payment is not modelled"
            )
        voucher = self.desk.compose(vt_code, header, details)
        flow = {"3208": "收款行退款 2252→3208/2302", "3268": "专户 5267/3268"}.get(
            vt_code, "收入退付 5209/3210"
        )
        await self.desk.issue(voucher, to=("011",), flow=flow)
