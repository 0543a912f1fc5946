"""The parties' 应急预案 for a library that is down for a while: retry with backoff, resend as is.

A call that got no answer (connection refused, reset, timed out, an HTTP error page) or an
EVS999 (the library's store restarting) is sent again, the same operation with the same
arguments under a fresh CallerAuth nonce, after a pause that doubles from `first_pause` to
`max_pause`, until `deadline` seconds have passed since the first try; then the last error is
raised as before. Resending is safe because the library's operations are idempotent: a
repeat of work the lost attempt already did is a plain success (重复保存) or an
idempotent-success fault (已发送, 成功签收, …, VL-WIRE-033), which after a resend means
"done" and is returned as success. Any other fault is the library's answer and is raised at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from evoucher.errors import EVS_UNDEFINED
from evoucher.interface import Operation
from mocks.client import AsyncVoucherLibraryClient
from mocks.errors import LibraryError, LibraryFault, TransportError

GATEWAY_ERRORS = frozenset({502, 503, 504})  # a proxy in front of a library that is down


@dataclass(frozen=True)
class RetryPolicy:
    deadline: float = 60.0  # seconds one call keeps trying
    first_pause: float = 0.1
    max_pause: float = 5.0

    def __post_init__(self) -> None:
        if not 0 < self.first_pause <= self.max_pause or self.deadline < 0:
            raise ValueError(f"RetryPolicy: need 0 < first_pause <= max_pause and deadline >= 0, got {self}")

    def pauses(self) -> Iterator[float]:
        pause = self.first_pause
        while True:
            yield pause
            pause = min(pause * 2, self.max_pause)


def worth_retrying(error: LibraryError) -> bool:
    """No answer from the library, or its store failing: the outage the policy waits out."""
    if isinstance(error, TransportError):
        return error.status_code is None or error.status_code in GATEWAY_ERRORS
    return isinstance(error, LibraryFault) and error.evs_code == EVS_UNDEFINED


class RetryingClient(AsyncVoucherLibraryClient):
    """An async client that waits out a library outage under `retry` (see the module docstring).

    `retries` counts the calls sent again, `recovered` those a resend found already done.
    """

    def __init__(self, *args: Any, retry: RetryPolicy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry = retry
        self.retries = 0
        self.recovered = 0

    async def _invoke(self, op: Operation, values: list[Any]) -> Any:
        deadline = time.monotonic() + self.retry.deadline
        pauses = self.retry.pauses()
        resent = False
        while True:
            try:
                return await super()._invoke(op, values)
            except LibraryError as error:
                if resent and isinstance(error, LibraryFault) and error.is_idempotent_success:
                    self.recovered += 1  # the lost attempt had done it
                    return None
                pause = next(pauses)
                if not worth_retrying(error) or time.monotonic() + pause > deadline:
                    raise
            await asyncio.sleep(pause)
            self.retries += 1
            resent = True
