"""Verdict words and the facts of one check's run: frozen data, rendered by the reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    NOT_APPLICABLE = "not applicable"
    ERROR = "error"  # the suite could not run the check: never counted as a pass
    WAIVED = "waived"  # failed, and a valid waiver covers it

    @property
    def blocking(self) -> bool:
        """Whether this outcome of a required check makes the run fail (exit 1)."""
        return self in (Outcome.FAILED, Outcome.ERROR)


@dataclass(frozen=True)
class Exchange:
    """One SOAP request and its response, as they crossed the wire (no private keys ever)."""

    operation: str
    service: str
    request: str
    status: int | None
    response: str
    ms: float

    def to_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "service": self.service,
            "http_status": self.status,
            "ms": round(self.ms, 2),
            "request": self.request,
            "response": self.response,
        }


@dataclass(frozen=True)
class CheckResult:
    check_id: str
    title: str
    area: str
    requirements: tuple[str, ...]
    outcome: Outcome
    message: str = ""
    broken: tuple[str, ...] = ()  # the requirement ids the failure breaks
    seconds: float = 0.0
    replay: str = ""
    evidence: tuple[Exchange, ...] = ()
    waiver: dict[str, str] | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check_id,
            "title": self.title,
            "area": self.area,
            "requirements": list(self.requirements),
            "outcome": self.outcome.value,
            "message": self.message,
            "broken_requirements": list(self.broken),
            "seconds": round(self.seconds, 3),
            "replay": self.replay,
            "waiver": self.waiver,
            "detail": self.detail,
            "evidence": [e.to_json() for e in self.evidence],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CheckResult:
        return cls(
            check_id=data["check"],
            title=data["title"],
            area=data["area"],
            requirements=tuple(data["requirements"]),
            outcome=Outcome(data["outcome"]),
            message=data["message"],
            broken=tuple(data["broken_requirements"]),
            seconds=data["seconds"],
            replay=data["replay"],
            waiver=data["waiver"],
            detail=data.get("detail", {}),
            evidence=tuple(
                Exchange(e["operation"], e["service"], e["request"], e["http_status"], e["response"], e["ms"])
                for e in data["evidence"]
            ),
        )
