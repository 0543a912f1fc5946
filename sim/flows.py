"""The business types the model knows: who sends each voucher, who answers it, whether money moves.

Names are the flow names `mocks/` writes in its journal (so reference and model mode count into
the same rows), routes are the parties' roles as `mocks/` plays them (docs/flows.md): finance
sends 实拨, 直接支付, 专户 and 收入退付 to the PBoC, which pays through TIPS and answers with a
receipt; a budget unit sends 授权支付 to its agent bank; quota notices go to the PBoC and the
bank; each bank clears what it paid with a 2301 to the PBoC at the clearing time.
"""

from __future__ import annotations

from dataclasses import dataclass

AUTHORIZED, DIRECT = "12", "11"  # PayTypeCode, as mocks.finance names them


@dataclass(frozen=True)
class Route:
    name: str
    vt_code: str
    sender: str  # role: finance | pboc | bank | unit
    receivers: tuple[str, ...]
    pays: bool  # the receiver moves money (funds arrive when it answers)
    pay_type: str = ""  # the agent bank pays it and clears it later (11 direct, 12 authorized)
    monthly: bool = (
        False  # issued on the first working day of a month (and of the run), at the window's start
    )
    funded_first: bool = False  # the day's first is the city's transfer funding the district's sub-account


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
    )
}
CLEARING = "额度清算 2301/2302"
ROLES = ("finance", "pboc", "bank", "unit")
