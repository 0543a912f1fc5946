"""What the engine yields while it runs; the CLI and the report writers only listen (STYLE §3)."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.outcomes import CheckResult


@dataclass(frozen=True)
class RunStarted:
    target: str
    checks: int
    areas: tuple[str, ...]
    seed: int


@dataclass(frozen=True)
class GroupStarted:
    area: str
    checks: int


@dataclass(frozen=True)
class CheckFinished:
    result: CheckResult
    soap_calls: int


@dataclass(frozen=True)
class GroupFinished:
    area: str
    results: tuple[CheckResult, ...]


@dataclass(frozen=True)
class RunFinished:
    report: dict  # the report.json document (conformance.report.build)


Event = RunStarted | GroupStarted | CheckFinished | GroupFinished | RunFinished
