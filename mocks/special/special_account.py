"""The special-account clearing bank (专户清算行): it holds the finance bureaus' 财政专户.

It does not talk to the voucher library: the registry routes 5267 from finance to the PBoC,
which hands the payment on through TIPS, as it hands a 5201 to the agent bank. The bank's books
decide: a payment from an account it does not hold, beyond the account's balance, or to a
closed account fails, and nothing moves. Each payment is executed at most once.
"""

from __future__ import annotations

import itertools
import threading

from evoucher.codec import Voucher
from mocks.books import Refused
from mocks.money import ZERO, money
from mocks.pboc import SPECIAL_BANK
from mocks.tips import TipsResult
from mocks.world import World

NAME = "中国银行浙江省分行（专户清算行）"


class SpecialAccountBank:
    def __init__(self, world: World) -> None:
        self.world = world
        self.accounts = {d.special_account for d in world.province.divisions.values()}
        self.executed: dict[str, TipsResult] = {}
        self._lock = threading.Lock()
        self._serial = itertools.count(1)
        world.parties[SPECIAL_BANK] = self

    def execute(self, ref: str, voucher: Voucher) -> TipsResult:
        """Pay a 5267 from the special account it names; the same payment again answers as before."""
        head, date = voucher.header, self.world.tips.date
        with self._lock:
            if ref in self.executed:
                return self.executed[ref]
            amount = money(head["PayAmt"])
            try:
                if head.get("PayAcctNo") not in self.accounts:
                    raise Refused(f"非本行专户 {head.get('PayAcctNo')}")
                if head["PayeeAcctNo"] in self.world.tips.config.closed_accounts:
                    raise Refused("收款账户已销户")
                self.world.ledger.transfer(
                    head["PayAcctNo"], head["PayeeAcctNo"], amount, ref=ref, memo="专户拨款"
                )
                result = TipsResult(True, amount, f"ZH{date[2:]}{next(self._serial):06d}", date)
            except Refused as refusal:
                result = TipsResult(False, ZERO, "", date, refusal.reason[:40])
            self.executed[ref] = result
            return result

    async def aclose(self) -> None:
        """Nothing to close: the bank has no library connection."""
