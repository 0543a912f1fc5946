"""The parties' systems (finance, PBoC, agent bank, budget unit, payee bank) and the library client.

`VoucherLibraryClient` / `AsyncVoucherLibraryClient` reach any voucher library through its
wire interface only, in either dialect (`wire=` one of `WIRES`: "literal", "encoded");
`LibraryFault`, `TransportError` and `ResponseError` are what they raise.
The parties and the business day (`run_business_day`, `Day`, `open_world`, the party classes,
`check_world`) are imported on first use, so code that needs only the client stays light.
"""

from importlib import import_module
from typing import Any

from mocks.client import WIRES, AsyncVoucherLibraryClient, VoucherLibraryClient, Wire
from mocks.errors import LibraryError, LibraryFault, ResponseError, TransportError

_LAZY = {
    "AgentBank": "mocks.agent_bank",
    "BudgetUnit": "mocks.budget_unit",
    "Day": "mocks.day",
    "DayConfig": "mocks.engine",
    "DayReport": "mocks.report",
    "Finance": "mocks.finance",
    "PayeeBank": "mocks.payee_bank",
    "Pboc": "mocks.pboc",
    "Tips": "mocks.tips",
    "TipsConfig": "mocks.tips",
    "Verdict": "mocks.invariants",
    "World": "mocks.world",
    "cast": "mocks.cast",
    "check_world": "mocks.invariants",
    "open_world": "mocks.world",
    "run_business_day": "mocks.engine",
}

__all__ = [
    "AsyncVoucherLibraryClient",
    "LibraryError",
    "LibraryFault",
    "ResponseError",
    "TransportError",
    "WIRES",
    "VoucherLibraryClient",
    "Wire",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'mocks' has no attribute {name!r}")
