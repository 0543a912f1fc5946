"""The verifier's machinery: run checks, turn each error into its sub-indication, build the report.

This and `seal.verify` / `seal._chain` are the verify side, the one place where errors become
verdicts (STYLE §1). Each check runs in a `with run.check(name) as step:` block; a typed error
raised inside records a FAILED check with the sub-indication `SUB_INDICATIONS` maps it to, and
the block may instead `note`, `warn` or `skip`. The verdict is the first FAILED sub-indication,
else the first INDETERMINATE, else PASSED.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from evoucher.errors import CryptoError, EvoucherError, SealError
from evoucher.seal import certs, integrity, model
from evoucher.seal.binding import WrongPosition, WrongSealType, WrongVoucher
from evoucher.seal.policy import NotAllowed, SealPolicy
from evoucher.verdict import Check, Failed, Indeterminate, Indication, Outcome, SealReport, SubIndication

# `sub_indication` walks each error's MRO, so a subclass maps as its nearest listed base
SUB_INDICATIONS: dict[type[Exception], SubIndication] = {
    integrity.HashMismatch: Failed.HASH_FAILURE,
    integrity.SignatureInvalid: Failed.SIG_CRYPTO_FAILURE,
    CryptoError: Failed.SIG_CRYPTO_FAILURE,  # e.g. a certificate point not on the curve
    integrity.UnsupportedAlgorithm: Failed.NOT_ALLOWED,
    NotAllowed: Failed.NOT_ALLOWED,
    integrity.SignerNotInSeal: Failed.SIGNER_NOT_IN_SEAL,
    WrongVoucher: Failed.WRONG_VOUCHER,
    WrongPosition: Failed.WRONG_POSITION,
    WrongSealType: Failed.WRONG_SEAL_TYPE,
    certs.CertRevoked: Failed.REVOKED,
    certs.CertExpired: Indeterminate.EXPIRED,
    certs.CertNotYetValid: Indeterminate.NOT_YET_VALID,
    certs.ChainNotFound: Indeterminate.NO_CERTIFICATE_CHAIN_FOUND,
    certs.RevocationUnavailable: Indeterminate.TRY_LATER,
    certs.RevocationOutOfBounds: Indeterminate.REVOCATION_OUT_OF_BOUNDS,
    model.SealExpired: Indeterminate.SEAL_EXPIRED,
    model.SealNotYetValid: Indeterminate.SEAL_NOT_YET_VALID,
    integrity.SignedDataNotFound: Indeterminate.SIGNED_DATA_NOT_FOUND,
    SealError: Failed.FORMAT_FAILURE,  # undecodable structures and certificates
    EvoucherError: Failed.FORMAT_FAILURE,  # e.g. HostileInputError for oversize input
}


def sub_indication(exc: Exception) -> SubIndication:
    """The sub-indication of the nearest mapped class in the error's MRO."""
    return next(SUB_INDICATIONS[cls] for cls in type(exc).__mro__ if cls in SUB_INDICATIONS)


class Step:
    """The check being run; the block says `warn`/`skip`/`note`, an error means failure.

    A context manager of its own (not `contextlib.contextmanager`): a stamp runs ~30 checks, and a
    generator per check was a tenth of a stamp's verification time.
    """

    def __init__(self, run: Run, name: str) -> None:
        self.outcome, self.detail = Outcome.PASSED, ""
        self._run, self._name = run, name

    def note(self, detail: str) -> None:
        self.detail = detail

    def warn(self, detail: str) -> None:
        self.outcome, self.detail = Outcome.WARNING, detail

    def skip(self, detail: str) -> None:
        self.outcome, self.detail = Outcome.SKIPPED, detail

    def __enter__(self) -> Step:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> bool:
        if exc is None:
            self._run.checks.append(Check(self._name, self.outcome, self.detail))
            return False
        if isinstance(exc, EvoucherError):
            self._run.checks.append(Check(self._name, Outcome.FAILED, str(exc), sub_indication(exc)))
            return True  # recorded: the verification goes on with the next check
        return False


@dataclass
class Run:
    """The checks of one verification, in the order they ran."""

    policy: SealPolicy
    checks: list[Check] = field(default_factory=list)

    def check(self, name: str) -> Step:
        """`with run.check(name) as step:` records the check when the block ends."""
        return Step(self, name)

    def ok(self, name: str) -> bool:
        """True when the check ran and did not fail (SKIPPED counts as not failed)."""
        return any(c.name == name and c.outcome is not Outcome.FAILED for c in self.checks)

    def skip(self, name: str, because: str) -> None:
        self.checks.append(Check(name, Outcome.SKIPPED, f"not checked: {because}"))

    def fail(self, name: str, detail: str, sub: SubIndication) -> None:
        """Record a failure no error stands for (a stamp that is not there at all)."""
        self.checks.append(Check(name, Outcome.FAILED, detail, sub))

    def report(self, kind: str, *, signatures: tuple[str, ...], **facts: object) -> SealReport:
        """The verdict; `valid` means each of the named signature checks ran and did not fail."""
        failed = [c for c in self.checks if c.sub_indication is not None]
        decisive = next((c for c in failed if c.sub_indication.indication is Indication.FAILED), None)
        decisive = decisive or (failed[0] if failed else None)
        hashed = next((c for c in self.checks if c.name == "data-hash"), None)
        return SealReport(
            indication=decisive.sub_indication.indication if decisive else Indication.PASSED,
            sub_indication=decisive.sub_indication if decisive else None,
            kind=kind,
            intact=_intact(hashed),
            valid=bool(signatures) and all(self.ok(name) for name in signatures),
            policy=self.policy.name,
            checks=tuple(self.checks),
            failure_msg=f"{decisive.name}: {decisive.detail}" if decisive else None,
            **facts,
        )


def _intact(hashed: Check | None) -> bool | None:
    """True/False when the data was compared with dataHash, None when it was not."""
    if hashed is None or hashed.outcome is Outcome.SKIPPED:
        return None
    if hashed.sub_indication is None:
        return True
    return False if hashed.sub_indication is Failed.HASH_FAILURE else None


def validation_time(policy: SealPolicy, at: datetime | None, signing: datetime | None) -> datetime | None:
    """`at`, else the policy's: "now", the signing time ("signing") or a datetime (naive means UTC)."""
    chosen = at if at is not None else policy.validation_time
    if chosen == "now":
        return datetime.now(UTC)
    if chosen == "signing":
        return signing
    return chosen if chosen.tzinfo else chosen.replace(tzinfo=UTC)
