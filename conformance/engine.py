"""Run checks against a target and yield events; never prints, exits or formats (STYLE §3).

`run(config)` loads the environment, selects the checks, runs each in its own `Ctx` and turns
whatever it raised into an outcome at this one boundary: a `Failure` is FAILED (naming the
requirement it breaks), `Skipped` SKIPPED, `NotApplicable` (or a profile / undeclared feature)
NOT APPLICABLE, an answer the interface does not allow FAILED, and anything else ERROR: the
harness could not judge, which is never a pass. A valid waiver turns FAILED into WAIVED.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shlex
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from conformance import catalogue
from conformance.context import Ctx, Target
from conformance.declaration import Declaration
from conformance.events import CheckFinished, Event, GroupFinished, GroupStarted, RunFinished, RunStarted
from conformance.failures import Failure, NotApplicable, Skipped
from conformance.outcomes import CheckResult, Outcome
from conformance.report import build
from conformance.waivers import Waiver
from evoucher.pki import load_environment
from mocks import ResponseError, TransportError


@dataclass(frozen=True)
class Config:
    target: str
    env_dir: Path
    declaration: Declaration = field(default_factory=Declaration)
    only: tuple[str, ...] = ()
    seed: int = 0
    waivers: tuple[Waiver, ...] = ()
    business_date: dt.date | None = None
    run_tag: str | None = None  # 6 digits making voucher numbers unique; default from the clock
    timeout: float = 30.0
    declaration_file: Path | None = None  # for the replay command


def replay_command(config: Config, check_id: str) -> str:
    parts = [
        "guoku",
        "certify",
        "--target",
        config.target,
        "--env",
        str(config.env_dir),
        "--profile",
        config.declaration.profile,
        "--only",
        check_id,
        "--seed",
        str(config.seed),
    ]
    if config.declaration_file:
        parts += ["--declare", str(config.declaration_file)]
    return shlex.join(parts)


def _judge(check: catalogue.Check, target: Target) -> tuple[Outcome, str, tuple[str, ...], Ctx | None]:
    declaration = target.declaration
    if target.profile not in check.profiles:
        return Outcome.NOT_APPLICABLE, f"not part of interface profile {target.profile}", (), None
    undeclared = sorted(f for f in check.needs if not declaration.has(f))
    if undeclared:
        return Outcome.NOT_APPLICABLE, f"the declaration does not claim {', '.join(undeclared)}", (), None
    ctx = Ctx(target, check.id)
    try:
        check.run(ctx)
        return Outcome.PASSED, "", (), ctx
    except Failure as failure:
        broken = failure.broken or check.requirements
        return Outcome.FAILED, failure.message, broken, ctx
    except Skipped as exc:
        return Outcome.SKIPPED, str(exc), (), ctx
    except NotApplicable as exc:
        return Outcome.NOT_APPLICABLE, str(exc), (), ctx
    except ResponseError as exc:
        return Outcome.FAILED, f"an answer the interface does not allow: {exc}", ("VL-WIRE-004",), ctx
    except TransportError as exc:
        if exc.status_code is not None:
            return Outcome.FAILED, f"no SOAP answer: {exc}", ("VL-WIRE-007",), ctx
        return Outcome.ERROR, f"the target did not answer: {exc}", (), ctx
    except Exception as exc:  # the harness's fault: reported, never a pass, never aborts the run
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return (
            Outcome.ERROR,
            f"harness error {type(exc).__name__}: {exc} ({where.filename}:{where.lineno})",
            (),
            ctx,
        )
    finally:
        ctx.close()


def execute(check: catalogue.Check, target: Target, config: Config) -> tuple[CheckResult, int]:
    started = time.perf_counter()
    outcome, message, broken, ctx = _judge(check, target)
    waiver = None
    if outcome is Outcome.FAILED:
        today = dt.date.today()
        match = next((w for w in config.waivers if w.check == check.id and not w.expired(today)), None)
        if match is not None:
            outcome, waiver = Outcome.WAIVED, match.to_json()
    result = CheckResult(
        check_id=check.id,
        title=check.title,
        area=check.area,
        requirements=check.requirements,
        outcome=outcome,
        message=message,
        broken=broken,
        seconds=time.perf_counter() - started,
        replay=replay_command(config, check.id)
        if outcome in (Outcome.FAILED, Outcome.ERROR, Outcome.WAIVED)
        else "",
        evidence=tuple(ctx.recorder.kept) if ctx else (),
        waiver=waiver,
        detail=ctx.notes if ctx else {},
    )
    return result, ctx.recorder.calls if ctx else 0


def run(config: Config) -> Iterator[Event]:
    """Yield RunStarted, then per area GroupStarted, CheckFinished…, GroupFinished, and RunFinished."""
    checks = catalogue.select(catalogue.load(), config.only)  # KeyError: an unknown --only name
    env = load_environment(config.env_dir)
    target = Target(
        url=config.target,
        env=env,
        declaration=config.declaration,
        seed=config.seed,
        run_tag=config.run_tag or f"{int(time.time()) % 1_000_000:06d}",
        business_date=config.business_date or dt.date.today(),
        timeout=config.timeout,
    )
    started, wall = dt.datetime.now(dt.UTC), time.perf_counter()
    areas = tuple(dict.fromkeys(c.area for c in checks.values()))
    yield RunStarted(config.target, len(checks), areas, config.seed)
    results: list[CheckResult] = []
    calls = 0
    try:
        for area, group in itertools.groupby(checks.values(), key=lambda c: c.area):
            members = list(group)
            yield GroupStarted(area, len(members))
            done = []
            for check in members:
                result, n = execute(check, target, config)
                calls += n
                done.append(result)
                yield CheckFinished(result, n)
            results.extend(done)
            yield GroupFinished(area, tuple(done))
    finally:
        target.transport.close()
    yield RunFinished(
        build(
            config=config,
            env=env,
            run_tag=target.run_tag,
            results=results,
            started=started,
            seconds=time.perf_counter() - wall,
            soap_calls=calls,
        )
    )
