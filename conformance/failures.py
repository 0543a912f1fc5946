"""What a check raises: a typed failure of the target, or a reason it did not run.

    ConformanceError(Exception)
    ├── Failure(AssertionError)     the target broke a requirement (outcome FAILED)
    │   ├── WrongFault              refused with another EVS code than the one required
    │   ├── NotRefused              accepted what it must refuse
    │   ├── Refused                 refused what it must accept
    │   ├── WrongStatus             a status query answered another code
    │   ├── WrongAnswer             a returned value breaks the contract
    │   └── StampInvalid            a stamp the target made does not verify independently
    ├── Skipped                     the check could not run here (outcome SKIPPED, with reason)
    └── NotApplicable               the vendor's declaration excludes it (outcome NOT_APPLICABLE)

Anything else a check raises is the harness's fault: outcome ERROR, never a pass (STYLE §3).
Fields are keyword-only and the message is built from them.
"""

from __future__ import annotations


class ConformanceError(Exception):
    """Base of everything a check raises on purpose."""


class Failure(ConformanceError, AssertionError):
    """The target broke a requirement; `requirement` names the id (or ids) when a check covers several."""

    def __init__(self, message: str, *, requirement: str | tuple[str, ...] | None = None) -> None:
        super().__init__(message)
        self.requirement = requirement

    @property
    def broken(self) -> tuple[str, ...]:
        if self.requirement is None:
            return ()
        return (self.requirement,) if isinstance(self.requirement, str) else tuple(self.requirement)

    @property
    def message(self) -> str:
        return str(self.args[0])


class WrongFault(Failure):
    def __init__(
        self,
        *,
        operation: str,
        expected: str,
        got: str | None,
        message: str = "",
        requirement: str | None = None,
    ) -> None:
        self.operation, self.expected, self.got = operation, expected, got
        super().__init__(
            f"{operation}: expected a {expected} fault, got {got or 'a fault without an EVS code'}"
            + (f" ({message[:200]})" if message else ""),
            requirement=requirement,
        )


class NotRefused(Failure):
    def __init__(self, *, operation: str, expected: str, why: str, requirement: str | None = None) -> None:
        self.operation, self.expected = operation, expected
        super().__init__(
            f"{operation}: accepted {why}; a {expected} fault is required", requirement=requirement
        )


class Refused(Failure):
    def __init__(
        self, *, operation: str, evs_code: str | None, message: str, why: str, requirement: str | None = None
    ) -> None:
        self.operation, self.evs_code = operation, evs_code
        super().__init__(f"{operation}: refused {why}: {evs_code}#{message[:300]}", requirement=requirement)


class WrongStatus(Failure):
    def __init__(
        self,
        *,
        voucher_no: str,
        operation: str,
        expected: int | set[int],
        got: int,
        when: str,
        requirement: str | None = None,
    ) -> None:
        self.voucher_no, self.expected, self.got = voucher_no, expected, got
        want = expected if isinstance(expected, int) else " or ".join(map(str, sorted(expected)))
        super().__init__(
            f"{operation} for {voucher_no} {when}: expected status {want}, got {got}", requirement=requirement
        )


class WrongAnswer(Failure):
    def __init__(self, *, operation: str, expected: str, got: object, requirement: str | None = None) -> None:
        self.operation = operation
        super().__init__(f"{operation}: expected {expected}, got {str(got)[:300]}", requirement=requirement)


class StampInvalid(Failure):
    def __init__(
        self, *, voucher_no: str, position: str, verdict: str, requirement: str | None = None
    ) -> None:
        self.voucher_no, self.position, self.verdict = voucher_no, position, verdict
        super().__init__(
            f"stamp at {position} of {voucher_no} made by the target does not verify: {verdict}",
            requirement=requirement,
        )


class Skipped(ConformanceError):
    """The check could not run against this target or environment; the reason is reported."""


class NotApplicable(ConformanceError):
    """The vendor's declaration says the check's feature is not implemented."""
