"""代理金库: a commercial bank plays the treasury of a district (seed report: ten such districts).

It speaks to the library as org type 001, like a treasury, but keeps the treasury account on
its own books: payments and clearing move money there directly, without TIPS (ITFE skips the
TIPS step for such a treasury and parses the clearing receipts locally, reference §8). A clearing
it cannot make is answered with XPayAmt 0.00, and the agent bank reads XPayAmt ≠ 0 as cleared
(41 清算成功) and 0.00 as not (42 清算失败), sending the payments again in its next clearing.
"""

from __future__ import annotations

import itertools

from mocks.books import Refused
from mocks.desk import Incoming
from mocks.money import ZERO
from mocks.pboc import Pboc
from mocks.province import Bank
from mocks.tips import TipsResult
from mocks.world import World


class AgentTreasury(Pboc):
    def __init__(self, world: World, handle: str) -> None:
        super().__init__(world, handle)
        self._serial = itertools.count(1)

    def _local(self, debit: str, credit: str, item: Incoming) -> TipsResult:
        date = self.tips.date
        try:
            self.world.ledger.transfer(
                debit, credit, abs(item.amount), ref=self.ref(item), memo="代理金库记账"
            )
        except Refused as refusal:
            return TipsResult(False, ZERO, "", date, refusal.reason[:40])
        return TipsResult(True, abs(item.amount), f"DL{date[2:]}{next(self._serial):06d}", date)

    async def settle_clearing(self, item: Incoming, bank: Bank) -> TipsResult:
        treasury = self.division.treasury_account
        if item.amount > 0:
            return self._local(treasury, bank.settlement, item)
        return self._local(bank.settlement, treasury, item)

    async def move_money(self, item: Incoming) -> TipsResult:
        if item.vt_code in ("5201", "5267"):
            return await super().move_money(item)
        payee = item.fields["PayeeAcctNo"]
        if payee in self.tips.config.closed_accounts:
            return TipsResult(False, ZERO, "", self.tips.date, "收款账户已销户")
        return self._local(self._payer(item), payee, item)
