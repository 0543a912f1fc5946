"""A payee's bank (收款行): now and then it sends a payment back and says so with a 2252.

The money goes back through the network to whoever paid (the treasury for 实拨 and 专户, the
agent bank for direct and authorized payments); the 2252 goes to the PBoC of the payment's
division, naming the original voucher (OriBillNo) and its pay type, so that the PBoC can write
a 3208/3268 to finance or expect the agent bank's 2302.
"""

from __future__ import annotations

from mocks.books import Posting
from mocks.money import ZERO
from mocks.party import Party
from mocks.province import PAYEE_BANK_NO
from mocks.world import World

PAY_TYPES = {
    "5207": ("91", "实拨"),
    "5267": ("91", "专户拨款"),
    "5201": ("11", "直接支付"),
    "8202": ("12", "授权支付"),
}


class PayeeBank(Party):
    reads = ("2252",)

    def __init__(self, world: World, handle: str) -> None:
        super().__init__(world, handle)
        self.accounts = {p.account: p for p in world.province.payees if p.bank_no == PAYEE_BANK_NO}
        self.refunded: list[Posting] = []

    def received(self) -> list[Posting]:
        """Payments our customers received in this division, not yet sent back, by voucher."""
        back = {p.ref for p in self.refunded}
        return sorted(
            (
                p
                for p in self.world.ledger.postings
                if p.credit in self.accounts and p.ref.startswith(f"{self.adm}/") and p.ref not in back
            ),
            key=lambda p: p.ref,
        )

    async def refund(self, posting: Posting, reason: str = "账户名称不符") -> str:
        """Send `posting` back to its payer and file the 2252 with the PBoC."""
        _, vt_code, voucher_no = posting.ref.split("/")
        self.world.tips.send_back(posting.ref, posting.credit, posting.debit, posting.amount, reason=reason)
        self.refunded.append(posting)
        pay_type, pay_name = PAY_TYPES[vt_code]
        head = self.desk.header("2252")
        date = self.world.tips.date
        header = {
            **head,
            "OriBillNo": voucher_no,
            "OriginalVoucherNo": voucher_no,
            "PayTypeCode": pay_type,
            "PayTypeName": pay_name,
            "PayAmt": ZERO - posting.amount,
            "PayDictateNo": head["VoucherNo"][-8:],
            "PayMsgNo": "111",  # HVPS 111: a credit transfer
            "PayEntrustDate": date,
            "PaySndBnkNo": PAYEE_BANK_NO,
            "Remark": reason,
            "PayDate": date,
            "FundTypeCode": "1",
            "FundTypeName": "一般公共预算资金",
        }
        payee = self.accounts[posting.credit]
        detail = {
            "Id": "1",
            "VoucherBillId": head["Id"],
            "PayAcctNo": posting.debit,
            "PayAcctName": self.world.ledger.names[posting.debit],
            "PayAcctBankName": "国库" if vt_code in ("5207", "5267") else "代理银行",
            **payee.fields(),
            "PayAmt": ZERO - posting.amount,
            "Remark": reason,
            "bkyt": reason,
        }
        voucher = self.desk.compose("2252", header, [detail])
        await self.desk.issue(voucher, to=("001",), flow="收款行退款 2252→3208/2302")
        return voucher.voucher_no
