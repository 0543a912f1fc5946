"""The parties' systems (finance, PBoC, agent bank, budget unit, payee bank) and the library client.

`VoucherLibraryClient` / `AsyncVoucherLibraryClient` reach any voucher library through its
wire interface only; `LibraryFault`, `TransportError` and `ResponseError` are what they raise.
"""

from mocks.client import AsyncVoucherLibraryClient, VoucherLibraryClient
from mocks.errors import LibraryError, LibraryFault, ResponseError, TransportError

__all__ = [
    "AsyncVoucherLibraryClient",
    "LibraryError",
    "LibraryFault",
    "ResponseError",
    "TransportError",
    "VoucherLibraryClient",
]
