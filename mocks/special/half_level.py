"""半级财政: a district with no treasury of its own (seed report: seven such districts).

The city treasury keeps a sub-account (库款户) for the district: it only pays out, and its money
comes only from city transfers (a city 5207 whose payee is the sub-account). The district's
vouchers carry its own AdmDivCode and reach the city treasury through a certificate for that
division; each payment is checked against the sub-account's balance less what is being paid
right now, so a payment beyond it is returned (库款户余额不足) rather than attempted.
"""

from __future__ import annotations

import threading
from decimal import Decimal

from mocks.books import Refused
from mocks.desk import Incoming
from mocks.money import ZERO
from mocks.party import Handler
from mocks.pboc import Pboc
from mocks.world import World


class HalfLevelTreasury(Pboc):
    def __init__(self, world: World, handle: str) -> None:
        super().__init__(world, handle)
        self._lock = threading.Lock()
        self._reserved: dict[str, Decimal] = {}

    def handlers(self) -> dict[str, Handler]:
        """Only payments and refunds: the district has no agent bank, quota or clearing of its own."""
        return {"5207": self.on_payment, "2252": self.on_payee_refund, **self.list_handlers()}

    def payment_check(self, item: Incoming) -> None:
        super().payment_check(item)
        account = self.division.treasury_account
        with self._lock:
            free = self.world.ledger.balance(account) - sum(self._reserved.values(), ZERO)
            if free < item.amount:
                raise Refused(f"库款户余额不足 {account} has {free}, needs {item.amount}")
            self._reserved[item.voucher_no] = item.amount

    async def move_money(self, item: Incoming):
        try:
            return await super().move_money(item)
        finally:
            with self._lock:
                self._reserved.pop(item.voucher_no, None)
