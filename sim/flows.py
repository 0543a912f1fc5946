"""The business types the model knows: who sends each voucher, who answers it, whether money moves.

Rows are the flow names `mocks/` writes in its journal (so reference and model mode count into
the same rows), routes are the parties' roles as `mocks/` plays them (docs/flows.md): finance
sends 实拨, 直接支付, 专户 and 收入退付 to the PBoC, which pays through TIPS and answers with a
receipt; a budget unit sends 授权支付 to its agent bank; quota notices go to the PBoC and the
bank; each bank clears what it paid with a 2301 to the PBoC at the clearing time.

The rest follows from what a party holds, as in `mocks/`: a payee's bank returns a payment with a
2252 to the PBoC, which answers it and, for its own 实拨 or 专户 payment, tells finance with a
3208 or 3268 (a `follow`-up document the receiver issues when it handles the first); money an
agent bank paid goes back to that bank, whose next clearing carries a 2302 (`clears_back`).
An authorized payment beyond what is left of the month's quota (`refused`) is returned by the
agent bank; finance then issues a supplementary 5106 (追加用款计划) to the PBoC and the bank, and
once the bank has signed for it the unit applies again. Reconciliation and daily reports
(`books`) are as many documents as the PBoC's books have kinds of rows: 3503-3506 to finance, a
3554 per agent bank and pay type cleared, each answered with a receipt and the other side's list
(5507-5510, 2507); 2206 and 3410 to finance. Several routes can count into one row (`row`): the
three kinds of refund are one business type.
"""

from __future__ import annotations

from dataclasses import dataclass

AUTHORIZED, DIRECT = "12", "11"  # PayTypeCode, as mocks.finance names them
REFUND = "收款行退款 2252→3208/2302"
STATEMENTS = "对账 35xx/55xx/25xx"
REPORTS = "日报 2206/3410"
BEYOND = "授权支付 超额度 8202"


@dataclass(frozen=True)
class Route:
    name: str
    vt_code: str
    sender: str  # role: finance | pboc | bank | unit | payee (the payee's bank)
    receivers: tuple[str, ...]
    pays: bool  # the receiver moves money (funds arrive when it answers)
    pay_type: str = ""  # the agent bank pays it and clears it later (11 direct, 12 authorized)
    # issued on the first working day of a month (and of the run), at the window's start
    monthly: bool = False
    funded_first: bool = False  # the day's first is the city's transfer funding the district's sub-account
    counted: str = ""  # the row it is counted in, when not its own name
    follow: str = ""  # the route of the document issued when the receiver handles this one
    follow_at: str = ""  # the receiver whose handling issues it (default: the first)
    follow_by: str = ""  # who issues it (default: that receiver; a unit: the first one banking there)
    refused: bool = False  # beyond the month's quota: the receiver returns it (退回)
    clears_back: bool = False  # the money goes back to the agent bank: a 2302 at its next clearing
    later: bool = False  # never on a run's first day: it returns a payment of an earlier day
    returns: tuple[str, ...] = ()  # a refund: the VtCodes of the payments it may return
    books: str = ""  # statements | reports: one per kind of row in the PBoC's books (not per application)
    signed: bool = False  # signed, not stamped (saveSignVoucher): notices, statements, lists, reports
    internal: bool = False  # only ever a follow-up or a part of `books`; not a scenario's flow

    @property
    def row(self) -> str:
        return self.counted or self.name


def _refund(name: str, returns: tuple[str, ...], **how: object) -> Route:
    """A payee bank's 2252 returning a payment of an earlier day (one of `returns`) to the PBoC."""
    return Route(name, "2252", "payee", ("pboc",), False, counted=REFUND, later=True, returns=returns, **how)


ROUTES = {
    r.name: r
    for r in (
        Route("额度通知 5106/5108", "5106", "finance", ("pboc", "bank"), False, monthly=True),
        Route("实拨 5207", "5207", "finance", ("pboc",), True),
        Route("半级财政 5207", "5207", "finance", ("pboc",), True, funded_first=True),
        Route("专户 5267/3268", "5267", "finance", ("pboc",), True),
        Route("直接支付 5201", "5201", "finance", ("pboc",), True, DIRECT),
        Route("授权支付 8202", "8202", "unit", ("bank",), True, AUTHORIZED),
        Route("收入退付 5209/3210", "5209", "finance", ("pboc",), True),
        Route("额度清算 2301/2302", "2301", "bank", ("pboc",), True),
        _refund("退款 实拨 2252→3208", ("5207",), follow="退款通知 3208"),
        _refund("退款 专户 2252→3268", ("5267",), follow="退款通知 3268"),
        _refund("退款 代理行 2252→2302", ("5201", "8202"), clears_back=True),
        Route(
            "退款通知 3208", "3208", "pboc", ("finance",), False, counted=REFUND, signed=True, internal=True
        ),
        Route(
            "退款通知 3268",
            "3268",
            "pboc",
            ("finance",),
            False,
            counted="专户 5267/3268",
            signed=True,
            internal=True,
        ),
        Route(
            STATEMENTS,
            "3503",
            "pboc",
            ("finance",),
            False,
            follow="对账 55xx",
            books="statements",
            signed=True,
        ),
        Route(
            "对账 3554",
            "3554",
            "pboc",
            ("bank",),
            False,
            counted=STATEMENTS,
            follow="对账 2507",
            signed=True,
            internal=True,
        ),
        Route(
            "对账 55xx", "5507", "finance", ("pboc",), False, counted=STATEMENTS, signed=True, internal=True
        ),
        Route("对账 2507", "2507", "bank", ("pboc",), False, counted=STATEMENTS, signed=True, internal=True),
        Route(REPORTS, "2206", "pboc", ("finance",), False, books="reports", signed=True),
        Route(
            BEYOND,
            "8202",
            "unit",
            ("bank",),
            False,
            counted="授权支付 8202",
            refused=True,
            follow="追加 5106",
            follow_by="finance",
        ),
        Route(
            "追加 5106",
            "5106",
            "finance",
            ("pboc", "bank"),
            False,
            counted="额度通知 5106/5108",
            follow="授权支付 8202",  # the same payment again: an ordinary one
            follow_at="bank",
            follow_by="unit",
            internal=True,
        ),
    )
}
CLEARING = "额度清算 2301/2302"
ROLES = ("finance", "pboc", "bank", "unit", "payee")

# What the PBoC's books hold once it has answered a route's document (not failed, not returned):
# the statements (3503 quotas, 3504 clearing, 3505 实拨, 3506 revenue refunds) and the reports
# (2206 direct payments, 3410 spending by subject) it will have rows for (mocks.statements).
BOOKS = {
    "额度通知 5106/5108": ("3503",),
    "追加 5106": ("3503",),
    "实拨 5207": ("3505", "3410"),
    "半级财政 5207": ("3505", "3410"),
    "收入退付 5209/3210": ("3506",),
    "直接支付 5201": ("2206",),
    CLEARING: ("3504", "3410"),
}
BOOK_KINDS = {"statements": ("3503", "3504", "3505", "3506"), "reports": ("2206", "3410")}
