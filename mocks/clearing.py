"""Clearing at the PBoC (额度清算): 2301 requests and 2302 refunds against the quota notices.

ITFE matches a quota notice with its clearing requests by summary (reference §8, registry rule
5106↔2301): the agent bank number in the header, then agency (SupDepCode) x function subject
(ExpFuncCode) x amount in the details. Quotas here are monthly plans, so a request is matched by
coverage rather than equality: each (bank, pay type, SupDepCode, ExpFuncCode) line of a 2301
must fit in what the 5106 (authorized, 12) or 5108 (direct, 11) notices of that bank left
unused; a 2302 gives back what an earlier 2301 used. Then TIPS moves the money (2201 treasury →
bank, 2202 bank → treasury), and the receipt goes to the bank with a full-signs copy to finance.
"""

from __future__ import annotations

from decimal import Decimal

from evoucher import registry
from mocks.books import Refused
from mocks.desk import Incoming
from mocks.money import money
from mocks.tips import TipsResult

_RULE = next(r for r in registry.MATCH_RULES if (r.left, r.right) == ("5106", "2301"))
BANK_FIELD = _RULE.header[0][1]  # PayBankNo
KEY_FIELDS = tuple(right for _, right in _RULE.detail[:-1])  # SupDepCode, ExpFuncCode
AMOUNT_FIELD = _RULE.detail[-1][1]  # PayAmt
Key = tuple[str, ...]


def clearing_lines(voucher) -> dict[Key, Decimal]:
    """(PayBankNo, PayTypeCode, SupDepCode, ExpFuncCode) -> amount of a 2301/2302, by summary key."""
    head = voucher.header
    lines: dict[Key, Decimal] = {}
    for detail in voucher.details:
        key = (head[BANK_FIELD], head["PayTypeCode"], *(detail[k] for k in KEY_FIELDS))
        lines[key] = lines.get(key, money(0)) + money(detail[AMOUNT_FIELD])
    return lines


class Clearing:
    """PBoC mixin; needs `quotas`, `banks()`, `tips`, `division`, `world`, `intake` and `send_receipt`."""

    def _book_clearing(self, item: Incoming) -> list[tuple[str, Key, Decimal]]:
        """Use (2301) or give back (2302) quota for every line, all or none; what was booked."""
        if item.fields.get(BANK_FIELD) not in {b.bank_no for b in self.banks()}:
            raise Refused(f"代理银行不存在 {BANK_FIELD} {item.fields.get(BANK_FIELD)}")
        booked: list[tuple[str, Key, Decimal]] = []
        try:
            for key, amount in clearing_lines(item.voucher).items():
                op = "use" if amount > 0 else "release"
                getattr(self.quotas, op)(key, abs(amount), ref=self.ref(item))
                booked.append((op, key, abs(amount)))
        except Refused:
            self._unbook(booked, self.ref(item))
            raise
        return booked

    def _unbook(self, booked: list[tuple[str, Key, Decimal]], ref: str) -> None:
        for op, key, amount in reversed(booked):
            (self.quotas.release if op == "use" else self.quotas.use)(key, amount, ref=f"{ref}/undo")

    async def settle_clearing(self, item: Incoming, bank) -> TipsResult:
        """Move the cleared money: 2201 treasury → bank for a 2301, 2202 back for a 2302."""
        treasury, amount = self.division.treasury_account, item.amount
        if amount > 0:
            return await self.tips.pay("2201", treasury, bank.settlement, amount, ref=self.ref(item))
        return await self.tips.pay("2202", bank.settlement, treasury, -amount, ref=self.ref(item))

    async def on_clearing(self, item: Incoming) -> None:
        booked: list[tuple[str, Key, Decimal]] = []
        if not await self.intake(item, lambda i: booked.extend(self._book_clearing(i))):
            return
        bank = next(b for b in self.banks() if b.bank_no == item.fields[BANK_FIELD])
        result = await self.settle_clearing(item, bank)
        if result.ok:  # the receipt reports the signed amount cleared (negative for a 2302)
            result = TipsResult(True, item.amount, result.business_no, result.date)
        else:
            self._unbook(booked, self.ref(item))
        await self.send_receipt(
            item,
            result,
            to=bank.code,
            copies=("011",),
            extra={"XPaySndBnkNo": f"011{self.adm}001"},  # the treasury's own CNAPS number
        )
