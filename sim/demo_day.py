"""The demo's business day on the simulated clock: `mocks.day`'s phases at their hours, the parties
cycling in between (what `guoku demo` runs against the embedded library).

The phases are those of `mocks.day.PHASES`, with their special cases (a payment to a closed
account, one beyond quota, refunds, a bounced revenue refund, 专户, 代理金库, 半级财政,
reconciliation). Each starts at its hour, or once the previous phase has settled if that is
later. It runs for real, charged to the library like any party's cycle. Then the parties work on
their polling cycles (`small-province`'s clock) until the day is quiet: nobody busy, nothing new
to read. A sweep asks every party after its outstanding vouchers, as `Day.settle` does. The
report is `mocks.report.DayReport`, so the summary, flow table and invariants read as before.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Generator

import httpx

from evoucher.pki import Environment
from mocks.day import PHASES
from mocks.engine import Audit, DayConfig
from mocks.journal import Listener
from mocks.report import DayReport
from sim.calendar import DAY
from sim.core import Simulation
from sim.reference import ReferenceBackend
from sim.scenario import load

# when each phase of mocks.day.PHASES is due (minutes after midnight): plans at opening, payments
# through the morning, intraday clearing, refunds and adjustments in the afternoon, the day's
# clearing at ITFE's 18:00, reconciliation after it
HOURS = (510, 540, 570, 600, 630, 840, 870, 900, 930, 960, 1080, 1140)
QUIET_CHECK = 5.0  # simulated minutes between looks at whether the day has settled


def simulate_business_day(
    base_url: str,
    env: Environment,
    config: DayConfig | None = None,
    *,
    target: str = "",
    listener: Listener | None = None,
    audit: Audit | None = None,
    transport: Callable[[], httpx.AsyncBaseTransport] | None = None,
) -> DayReport:
    """`mocks.engine.run_business_day`'s day, its phases on the simulated clock of `small-province`."""
    started, config = time.perf_counter(), config or DayConfig()
    province = load("small-province")
    late = 23 * 60 + 50  # everyone works until the day is settled (reconciliation runs after 19:00)
    scenario = dataclasses.replace(
        province,
        flows=(),
        clock={**province.clock, "close": late, "finance_until": late, "day_cut": late},
        calendar={**province.calendar, "every_day_working": True},  # the demo's date is today's
    )
    sim = Simulation(scenario, seed=config.seed, start=config.business_date, days=1)
    tips = dataclasses.replace(config.tips, seed=config.tips.seed or config.seed)
    backend = ReferenceBackend(
        sim, base_url, env, profile=config.profile, listener=listener, transport=transport,
        run_tag=config.run_tag, tips=tips, scripted=True,
    )  # fmt: skip
    results: list[tuple[str, int, float]] = []
    sim.env.process(_script(sim, backend, results))
    sim.run(backend)
    report = backend.finish(audit, started)
    return dataclasses.replace(report, target=target or base_url, phases=results)


def _script(sim: Simulation, backend: ReferenceBackend, results: list) -> Generator:
    say, records = backend.journal.say, backend.journal.records
    for i, ((title, act), at) in enumerate(zip(PHASES, HOURS, strict=True), 1):
        if sim.env.now < at:
            yield sim.env.timeout(at - sim.env.now)
        before, wall = len(records), time.perf_counter()
        say(f"[{i:>2}/{len(PHASES)}] {title} … (from {_clock(sim.env.now)}, simulated)")
        yield from backend.charged(lambda act=act: act(backend.day))
        while True:
            yield sim.env.timeout(QUIET_CHECK)
            if backend.quiet():
                found = yield from backend.charged(lambda: _sweep(backend))
                if not found and backend.quiet():
                    break
        results.append((title, len(records) - before, round(time.perf_counter() - wall, 2)))
        say(f"        {len(records) - before} vouchers sent, settled by {_clock(sim.env.now)} (simulated)")


async def _sweep(backend: ReferenceBackend) -> int:
    return sum(await asyncio.gather(*(s.poll_returns() for s in backend.day.systems)))


def _clock(t: float) -> str:
    minutes = int(t % DAY)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
