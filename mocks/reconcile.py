"""Reconciliation (对账) and daily reports: statements from the receipts each side holds, compared.

Both sides of a statement hold the same receipts (the PBoC wrote them, finance and the bank read
them), so one function turns a set of receipts into the rows of a statement, and each side
compares the other's rows with its own. The PBoC signs and sends 3503 (quotas), 3504 (clearing),
3505 (实拨) and 3506 (revenue refunds) to finance and 3554 to each agent bank; finance answers
with the statement's receipt (XCheckResult 0 相符 / 1 不符) and its own list as 5510, 5507, 5508
or 5509; a bank answers 3554 likewise and with 2507. Daily reports 2206 and 3410 are signed,
not stamped, and answered with a signed receipt (reference §4, §8).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from evoucher.codec import Voucher
from mocks.desk import Incoming
from mocks.money import ZERO, money, total
from mocks.party import Handler

Key = tuple[str, ...]
CLEARING_KEY = ("PayBankNo", "PayTypeCode", "SupDepCode", "ExpFuncCode")


@dataclass(frozen=True)
class Statement:
    kind: str
    vt_code: str  # what the PBoC sends
    answer: str  # the counter-party's own list (55xx / 25xx)
    keys: tuple[str, ...]
    amount: str  # detail amount field of the statement
    answer_amount: str = "PayAmt"


STATEMENTS = (
    Statement("quota", "3503", "5510", CLEARING_KEY, "ClearAmt", "ClearAmt"),
    Statement("clearing", "3504", "5507", CLEARING_KEY, "PayAmt"),
    Statement("appropriation", "3505", "5508", ("AgencyCode", "ExpFuncCode", "PayeeAcctNo"), "PayAmt"),
    Statement("revenue_refund", "3506", "5509", ("PayeeAcctNo",), "PayAmt"),
)
BANK_STATEMENT = Statement("clearing", "3554", "2507", ("SupDepCode", "ExpFuncCode"), "MonthAmt")
BY_VT = {s.vt_code: s for s in STATEMENTS} | {s.answer: s for s in STATEMENTS}


def _paid(receipt: Voucher) -> bool:
    value = receipt.header.get("XPayAmt") or receipt.header.get("XpayAmt") or ""
    return bool(value) and money(value) != 0


def rows(kind: str, receipts: Iterable[Voucher], bank_no_of: Mapping[str, str]) -> dict[Key, Decimal]:
    """Statement rows of `kind` (key -> amount) from receipts; `bank_no_of` maps a bank code to its number."""
    out: dict[Key, Decimal] = {}

    def add(key: Key, amount: str) -> None:
        out[key] = out.get(key, ZERO) + money(amount)

    for r in receipts:
        head, vt = r.header, r.vt_code
        if kind == "quota" and vt in ("5106", "5108", "5253", "5351"):
            pay_type = head.get("PayTypeCode") or ("12" if vt in ("5106", "5351") else "11")
            code = head.get("PayBankCode", "")
            bank = head.get("PayBankNo") or head.get("PayeeAcctBankNo") or bank_no_of.get(code, code)
            for d in r.details:
                add((bank, pay_type, d["SupDepCode"], d["ExpFuncCode"]), d.get("PlanAmt") or d["PayAmt"])
        elif kind == "clearing" and vt in ("2301", "2302") and _paid(r):
            for d in r.details:
                add((head["PayBankNo"], head["PayTypeCode"], d["SupDepCode"], d["ExpFuncCode"]), d["PayAmt"])
        elif kind == "appropriation" and vt == "5207" and _paid(r):
            for d in r.details:
                add((d["AgencyCode"], d["ExpFuncCode"], head["PayeeAcctNo"]), d["PayAmt"])
        elif kind == "revenue_refund" and vt == "5209" and _paid(r):
            add((head["PayeeAcctNo"],), head["PayAmt"])
    return {key: amount for key, amount in out.items() if amount != 0 or kind == "quota"}


def compare(theirs: Mapping[Key, Decimal], mine: Mapping[Key, Decimal]) -> tuple[int, str]:
    """(XCheckResult, XCheckReason): 0 相符 when every key has the same amount, else 1 with the count."""
    differ = [k for k in set(theirs) | set(mine) if theirs.get(k, ZERO) != mine.get(k, ZERO)]
    return (0, "相符") if not differ else (1, f"不符 {len(differ)} 项")


def statement_rows(
    statement: Statement, items: Iterable[Mapping[str, str]], amount: str
) -> dict[Key, Decimal]:
    out: dict[Key, Decimal] = {}
    for d in items:
        key = tuple(d.get(k, "") for k in statement.keys)
        out[key] = out.get(key, ZERO) + money(d[amount])
    return out


def detail_rows(statement: Statement, data: Mapping[Key, Decimal], amount: str) -> list[dict]:
    return [
        {"Id": str(i), **dict(zip(statement.keys, key, strict=True)), amount: value}
        for i, (key, value) in enumerate(sorted(data.items()), 1)
    ]


class Answering:
    """Shared by the parties that answer statements: they hold receipts and know their bank numbers."""

    receipts: dict[tuple[str, str], Voucher]

    def bank_numbers(self) -> dict[str, str]:
        return {b.code: b.bank_no for b in self.world.province.banks.values() if b.adm_div_code == self.adm}

    def my_rows(self, statement: Statement) -> dict[Key, Decimal]:
        return rows(statement.kind, self.receipts.values(), self.bank_numbers())

    async def check_statement(self, item: Incoming, statement: Statement, mine: Mapping[Key, Decimal]) -> int:
        """Sign for a statement and send its receipt: XCheckResult overall and per line."""
        await self.desk.accept([item])
        theirs = statement_rows(statement, item.voucher.details, statement.amount)
        result, reason = compare(theirs, mine)
        lines = {}
        for i, detail in enumerate(item.voucher.details):
            key, amount = statement_rows(statement, [detail], statement.amount).popitem()
            own = mine.get(key, ZERO)
            lines[i] = {
                "XCheckResult": int(own != amount),
                "XCurFinReckMoney": own,
                "XDiffMoney": amount - own,
            }
        await self.desk.answer(item, {"XCheckResult": result, "XCheckReason": reason}, lines, to=("001",))
        self.journal.checked(self.handle, item.vt_code, item.voucher_no, result, reason)
        return result

    async def send_list(
        self, statement: Statement, details: list[dict], header: Mapping[str, object]
    ) -> None:
        """Our own list (55xx / 25xx) for the PBoC to check against its books."""
        if not details:
            return
        amounts = [d[statement.answer_amount] for d in details]
        head = {
            **self.desk.header(statement.answer),
            **header,
            "AllAmt": total(amounts),
            "AllNum": len(details),
        }
        voucher = self.desk.compose(statement.answer, head, details)
        await self.desk.issue(voucher, to=("001",), flow="对账 35xx/55xx/25xx")


class FinanceAnswers(Answering):
    """Finance: answers 3503-3506 with a receipt and 5510/5507/5508/5509; signs for daily reports."""

    def answer_handlers(self) -> dict[str, Handler]:
        handlers: dict[str, Handler] = {s.vt_code: self.on_statement for s in STATEMENTS}
        return {**handlers, "2206": self.on_report, "3410": self.on_report}

    async def on_statement(self, item: Incoming) -> None:
        statement = BY_VT[item.vt_code]
        mine = self.my_rows(statement)
        await self.check_statement(item, statement, mine)
        await self.send_list(
            statement, detail_rows(statement, mine, statement.answer_amount), self.division.fields()
        )

    async def on_report(self, item: Incoming) -> None:
        await self.desk.accept([item])
        await self.desk.answer(item, {}, to=("001",))


class BankAnswers(Answering):
    """An agent bank: answers 3554 (its clearing, per pay type) with a receipt and a 2507."""

    def bank_handlers(self) -> dict[str, Handler]:
        return {"3554": self.on_bank_statement}

    async def on_bank_statement(self, item: Incoming) -> None:
        pay_type = item.fields.get("PayTypeCode", "")
        clearing = {
            key: amount
            for key, amount in self.my_rows(BY_VT["3504"]).items()
            if key[0] == self.bank.bank_no and key[1] == pay_type
        }
        await self.check_statement(
            item, BANK_STATEMENT, {key[2:]: amount for key, amount in clearing.items()}
        )
        division = self.world.province.divisions[self.adm]
        details = detail_rows(BY_VT["3504"], clearing, "PayAmt")
        await self.send_list(BANK_STATEMENT, details, {**division.fields(), **self.bank.fields()})
