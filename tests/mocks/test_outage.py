"""The library goes away in the middle of a day (the seed's 应急预案): the parties wait it out with
backoff, resend what got no answer, pay nothing twice, and the backlog drains (issue 12).

The outage sits between the parties and the library, as a network or a restarting library
would look to them: first some calls reach the library and do their work but their answers
are lost, then every connection is refused for a while.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
import pytest

from guoku.commands.demo import embedded_library
from mocks.day import PHASES
from mocks.errors import LibraryFault, TransportError
from mocks.invariants import check_world
from mocks.retry import RetryingClient, RetryPolicy, worth_retrying
from mocks.tips import TipsConfig
from mocks.world import open_world

from .conftest import play

OUTAGE_PHASE = 3  # 直接支付 5201 via TIPS 5104: payments, receipts and TIPS in flight
LOST_ANSWERS = 8
DOWN_SECONDS = 1.5


@dataclass
class Outage:
    lose: int = 0  # the next calls to lose their answers (the library did the work)
    down_until: float = 0.0
    lost: int = 0
    refused: int = 0


class Flaky(httpx.AsyncBaseTransport):
    """The parties' way to the library, through `outage`."""

    def __init__(self, outage: Outage) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.outage = outage

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        outage = self.outage
        if time.monotonic() < outage.down_until:
            outage.refused += 1
            raise httpx.ConnectError("the library is down (test outage)", request=request)
        response = await self.inner.handle_async_request(request)
        if outage.lose > 0:
            outage.lose -= 1
            outage.lost += 1
            await response.aread()
            await response.aclose()
            if outage.lose == 0:
                outage.down_until = time.monotonic() + DOWN_SECONDS
            raise httpx.ReadError("connection lost before the answer (test outage)", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_a_library_outage_mid_day_is_waited_out_and_every_invariant_holds(env, env_dir, tmp_path):
    outage = Outage()
    title, act = PHASES[OUTAGE_PHASE]

    async def with_outage(day) -> None:
        outage.lose = LOST_ANSWERS
        await act(day)

    phases = [*PHASES[:OUTAGE_PHASE], (title, with_outage), *PHASES[OUTAGE_PHASE + 1 :]]
    with embedded_library(env_dir, f"sqlite:///{tmp_path / 'library.db'}") as (url, library):
        world = open_world(
            url, env, tips=TipsConfig(latency=0.0), run_tag="000002", transport=lambda: Flaky(outage),
            retry=RetryPolicy(deadline=30, first_pause=0.05, max_pause=0.4),
        )  # fmt: skip
        day = play(world, phases)
        audit = library.store.verify_audit()
    verdicts = check_world(world, audit=(audit.intact, audit.problem))
    assert [v.name for v in verdicts if not v.ok] == [], [v.failures for v in verdicts if not v.ok]
    assert outage.lost == LOST_ANSWERS and outage.refused > 0
    given_up = [r for r in world.journal.records.values() if "library refused" in r.detail]
    assert given_up == []  # without the retries, vouchers issued during the outage end FAILED
    clients = [s.desk.client for s in day.systems]
    assert all(isinstance(c, RetryingClient) for c in clients)
    assert sum(c.retries for c in clients) >= LOST_ANSWERS


@pytest.mark.parametrize(
    ("error", "worth"),
    [
        (TransportError("ConnectError", operation="sendVoucher"), True),
        (LibraryFault("EVS999", "未定义错误 (undefined error, incident 1)", "sendVoucher"), True),
        (LibraryFault("EVS700", "the voucher was returned (已退回)", "sendVoucher"), False),
        (LibraryFault("EVS112", "CallerAuth header: missing", "sendVoucher"), False),
    ],
)
def test_only_an_outage_is_waited_out(error, worth):
    assert worth_retrying(error) is worth


def test_a_policy_checks_its_arguments_and_backs_off_to_its_cap():
    with pytest.raises(ValueError, match="first_pause"):
        RetryPolicy(first_pause=0)
    pauses = RetryPolicy(first_pause=0.1, max_pause=0.5).pauses()
    assert [next(pauses) for _ in range(5)] == [0.1, 0.2, 0.4, 0.5, 0.5]
