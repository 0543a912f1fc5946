"""Run one business day against a voucher library by URL and report on it: what `guoku demo` calls.

The engine only collects facts and emits progress lines through `listener`; the CLI prints,
writes files and chooses the exit code. Whoever starts the library may also judge its audit
trail (`audit`), which the parties, reaching the library only by SOAP, cannot see.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from evoucher.pki import Environment
from mocks.client import Wire
from mocks.day import Day
from mocks.errors import LibraryError, LibraryFault, TransportError
from mocks.invariants import check_world
from mocks.journal import Journal, Listener
from mocks.report import DayReport, flow_lines, money_facts
from mocks.tips import TipsConfig
from mocks.world import open_world

Audit = Callable[[], tuple[bool | None, str]]


@dataclass(frozen=True)
class DayConfig:
    seed: int = 7
    profile: str = "2.0"
    tips: TipsConfig = field(default_factory=lambda: TipsConfig(latency=0.002))
    business_date: dt.date | None = None
    run_tag: str | None = None  # 6 digits; default: from the clock, so reruns on one library do not collide
    wire: Wire = "literal"  # "encoded": every party speaks Axis 1 rpc/encoded (docs/wire.md VL-WIRE-003)


def _stopped(journal: Journal, what: str, base_url: str, exc: LibraryError) -> None:
    """A refusal or outage no party can work around: one line in the report (a failed invariant)."""
    if isinstance(exc, TransportError) and exc.status_code is None:
        why = f"the library at {base_url} is unreachable ({exc})"
    elif isinstance(exc, LibraryFault):
        why = f"the library refused {exc}"
    else:
        why = f"the library failed: {exc}"
    journal.problems.append(f"{what}: {why}")
    journal.say(f"{what}: {why}")


def run_business_day(
    base_url: str,
    env: Environment,
    config: DayConfig = DayConfig(),
    *,
    target: str = "",
    listener: Listener | None = None,
    audit: Audit | None = None,
    transport: Callable[[], httpx.AsyncBaseTransport] | None = None,
) -> DayReport:
    """Play the day, check every invariant, and return the report (files are the caller's)."""
    started = time.perf_counter()
    tips = dataclasses.replace(config.tips, seed=config.tips.seed or config.seed)
    world = open_world(
        base_url,
        env,
        tips=tips,
        business_date=config.business_date,
        profile=config.profile,
        run_tag=config.run_tag or f"{int(time.time()) % 1_000_000:06d}",
        journal=Journal(listener),
        transport=transport,
        wire=config.wire,
    )
    if not world.province.divisions:
        raise ValueError(f"environment {env.root} has no division with both a finance bureau and a treasury")
    day = Day(world, seed=config.seed)

    async def play() -> list:
        try:
            try:
                await day.run()
            except LibraryError as exc:
                _stopped(world.journal, "the day stopped", base_url, exc)
            world.journal.say("status board: asking the library about every voucher …")
            try:
                return await day.board()
            except LibraryError as exc:
                _stopped(world.journal, "no status board", base_url, exc)
                return []
        finally:
            await day.aclose()

    board = asyncio.run(play())
    verdicts = check_world(world, audit=audit() if audit else (None, "not checked (the library is not ours)"))
    return DayReport(
        target=target or base_url,
        profile=config.profile,
        seed=config.seed,
        business_date=f"{world.business_date:%Y-%m-%d}",
        seconds=time.perf_counter() - started,
        phases=[(p.title, p.sent, round(p.seconds, 2)) for p in day.phases],
        flows=flow_lines(world.journal),
        money=money_facts(world.ledger.balances(), world.ledger.names, world.opening_total),
        verdicts=verdicts,
        board=board,
    )
