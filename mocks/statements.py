"""The PBoC's side of reconciliation and reporting: statements out, the others' lists checked.

At the end of the day the treasury signs (签名, not 签章) and sends what its receipts say: 3503
quotas, 3504 clearing, 3505 实拨 and 3506 revenue refunds to finance, 3554 clearing to each agent
bank, and the daily reports 2206 (direct payments) and 3410 (spending by subject). The lists
that come back (5507-5510 from finance, 2507 from a bank) are compared with the same rows and
answered with a signed receipt carrying XCheckResult.
"""

from __future__ import annotations

from decimal import Decimal

from mocks.desk import Incoming
from mocks.money import ZERO, total
from mocks.party import Handler
from mocks.reconcile import (
    BANK_STATEMENT,
    BY_VT,
    CLEARING_KEY,
    STATEMENTS,
    Answering,
    Statement,
    compare,
    detail_rows,
    statement_rows,
)

FLOW = "对账 35xx/55xx/25xx"
REPORTS = "日报 2206/3410"


class Statements(Answering):
    """PBoC mixin; needs `division`, `banks()`, `receipts`, `payments` and the desk."""

    def list_handlers(self) -> dict[str, Handler]:
        return {vt: self.on_list for vt in ("5507", "5508", "5509", "5510", "2507")}

    def _period(self) -> dict[str, str]:
        day = f"{self.world.business_date:%Y%m%d}"
        return {
            **self.division.fields(),
            "BeginDate": day,
            "EndDate": day,
            "CheckDate": day,
            "ReportDate": day,
        }

    async def _send(self, vt_code: str, header: dict, details: list[dict], to: str, flow: str = FLOW) -> None:
        voucher = self.desk.compose(
            vt_code, {**self.desk.header(vt_code), **self._period(), **header}, details
        )
        await self.desk.issue(voucher, to=(to,), flow=flow)

    async def reconcile(self) -> None:
        """Send every statement that has rows, to finance and to each agent bank."""
        for statement in STATEMENTS:
            mine = self.my_rows(statement)
            if mine:
                details = detail_rows(statement, mine, statement.amount)
                await self._send(statement.vt_code, {"AllAmt": total(mine.values())}, details, "011")
        clearing = self.my_rows(BY_VT["3504"])
        for bank in self.banks():
            for pay_type in ("11", "12"):
                rows: dict[tuple[str, ...], Decimal] = {}
                for (bank_no, kind, sup, func), amount in clearing.items():
                    if bank_no == bank.bank_no and kind == pay_type:
                        rows[(sup, func)] = amount
                if rows:
                    header = {**bank.fields(), "PayTypeCode": pay_type, "AllAmt": total(rows.values())}
                    header["AllNum"] = len(rows)
                    await self._send("3554", header, detail_rows(BANK_STATEMENT, rows, "MonthAmt"), bank.code)

    async def report(self) -> None:
        """The daily reports: 2206 direct payments made, 3410 spending by function subject."""
        direct = [p for (vt, _), p in self.payments.items() if vt == "5201" and p.result.ok]
        if direct:
            details = [
                {
                    **p.voucher.details[0],
                    **p.voucher.header,
                    "Id": str(i),
                    "DayBillNo": str(i),
                    "PayDate": p.result.date,
                }
                for i, p in enumerate(direct, 1)
            ]
            for detail, payment in zip(details, direct, strict=True):
                detail["VoucherBillId"] = payment.voucher.header["Id"]
            amount = total(p.voucher.header["PayAmt"] for p in direct)
            header = {"PayAmt": amount, "PosAmt": amount, "NegAmt": ZERO, "PayTypeCode": "11"}
            await self._send("2206", header, details, "011", REPORTS)
        by_subject: dict[str, Decimal] = {}
        for kind in ("appropriation", "clearing"):
            for key, amount in self.my_rows(BY_VT["3505" if kind == "appropriation" else "3504"]).items():
                func = key[1] if kind == "appropriation" else key[3]
                by_subject[func] = by_subject.get(func, ZERO) + amount
        if by_subject:
            where = {"AdmDivCode": self.adm, "StYear": str(self.world.st_year)}
            details = [
                {"Id": str(i), **where, "BudgetSubjectCode": func, "PayAmt": amount, "MonthAmt": amount}
                for i, (func, amount) in enumerate(sorted(by_subject.items()), 1)
            ]
            await self._send("3410", {"SumMoney": total(by_subject.values())}, details, "011", REPORTS)

    async def on_list(self, item: Incoming) -> None:
        """A 55xx/2507 list: compare it with our rows and answer with XCheckResult."""
        if not await self.intake(item):
            return
        statement: Statement = BY_VT.get(item.vt_code) or BY_VT["3504"]
        mine = self.my_rows(statement)
        to = "011"
        if item.vt_code == "2507":  # one bank, the pay types it lists
            bank_no = item.voucher.details[0].get("PayBankNo", "")
            pay_types = {d.get("PayTypeCode") for d in item.voucher.details}
            mine = {k: v for k, v in mine.items() if k[0] == bank_no and k[1] in pay_types}
            to = next((b.code for b in self.banks() if b.bank_no == bank_no), "011")
        keys = CLEARING_KEY if item.vt_code == "2507" else statement.keys
        theirs = statement_rows(
            Statement("", "", "", keys, ""), item.voucher.details, statement.answer_amount
        )
        result, reason = compare(theirs, mine)
        differ = sum(1 for k in set(theirs) | set(mine) if theirs.get(k) != mine.get(k))
        answer = {"XCheckResult": result, "XCheckReason": reason, "XDiffNum": differ}
        self.receipts[(item.vt_code, item.voucher_no)] = await self.desk.answer(item, answer, to=(to,))
        self.journal.checked(self.handle, item.vt_code, item.voucher_no, result, reason)
