"""A budget unit (预算单位) online in the library: applies for authorized payments (8202).

Finance drafts the voucher from its chart (the unit's classifications, zero-balance account and
agent bank); the unit seals it with its official seal (公章) and its bookkeeper's personal seal
(私章), and sends it to its agent bank, whose receipt tells whether the payment was made.
"""

from __future__ import annotations

from decimal import Decimal

from mocks.desk import Incoming
from mocks.money import money
from mocks.party import Party
from mocks.province import Line, Payee
from mocks.world import World


class BudgetUnit(Party):
    reads = ("8202",)

    def __init__(self, world: World, handle: str) -> None:
        super().__init__(world, handle)
        self.agency = next(a for a in world.province.agencies if a.unit == handle)
        self.paid: dict[str, Decimal] = {}  # VoucherNo -> XPayAmt of the bank's receipt

    async def apply(self, line: Line, payee: Payee, amount: Decimal) -> str:
        """Send one authorized payment of `amount` to `payee`, on budget line `line`."""
        division = self.world.province.divisions[self.adm]
        finance = self.world.parties[division.finance]
        fields = finance.draft_authorized(self.agency, line, payee, amount)
        head = self.desk.header("8202")
        detail = {**fields, "Id": "1", "VoucherBillId": head["Id"], "VoucherBillNo": head["VoucherNo"]}
        voucher = self.desk.compose("8202", {**fields, **head}, [detail])
        bank = self.world.province.banks[self.agency.bank or ""]
        await self.desk.issue(voucher, to=(bank.code,), flow="授权支付 8202")
        return voucher.voucher_no

    async def on_receipt(self, item: Incoming) -> None:
        await super().on_receipt(item)
        self.paid[item.voucher_no] = money(item.fields.get("XPayAmt") or "0")
