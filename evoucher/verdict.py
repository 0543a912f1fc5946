"""Verdict words for seals and stamps, after ETSI EN 319 102-1 (as pyHanko's AdES report).

An `Indication` says PASSED, FAILED or INDETERMINATE; a sub-indication says why, and each
member knows its indication (`Failed.HASH_FAILURE.indication is Indication.FAILED`). FAILED
means the seal is proven bad; INDETERMINATE means it cannot be proven good with what was given
(no trust anchor, no CRL, no signed data, a certificate outside its validity).

`SealReport` is a frozen record of facts, JSON-ready, that the seal verifier returns: a bad
seal is a result, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any


class Indication(Enum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    INDETERMINATE = "INDETERMINATE"


class Failed(Enum):
    """Why a seal or stamp is proven bad."""

    HASH_FAILURE = "HASH_FAILURE"  # dataHash != SM3(data)
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"  # an SM2 signature does not verify
    FORMAT_FAILURE = "FORMAT_FAILURE"  # not a decodable SES_Seal / SES_Signature
    REVOKED = "REVOKED"
    SIGNER_NOT_IN_SEAL = "SIGNER_NOT_IN_SEAL"  # signer cert not in the seal's certList
    WRONG_POSITION = "WRONG_POSITION"  # propertyInfo: other VoucherFlag or stamp position
    WRONG_VOUCHER = "WRONG_VOUCHER"  # propertyInfo: another voucher
    WRONG_SEAL_TYPE = "WRONG_SEAL_TYPE"  # right position, wrong kind of seal (a 公章 at a 转讫章 position)
    NOT_ALLOWED = "NOT_ALLOWED"  # the policy refuses what it sees (raw r‖s, BER, v1, algorithm)
    # a required position carries no stamp or signature; ETSI judges signatures that exist, so
    # it has no word for one that does not: ours, named like theirs
    STAMP_MISSING = "STAMP_MISSING"

    @property
    def indication(self) -> Indication:
        return Indication.FAILED


class Indeterminate(Enum):
    """Why a seal or stamp cannot be proven good with what was given."""

    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    EXPIRED = "EXPIRED"  # a certificate expired before the validation time
    NOT_YET_VALID = "NOT_YET_VALID"
    SEAL_EXPIRED = "SEAL_EXPIRED"  # after the seal's validEnd
    SEAL_NOT_YET_VALID = "SEAL_NOT_YET_VALID"  # before the seal's validStart
    TRY_LATER = "TRY_LATER"  # no revocation information from the issuer
    REVOCATION_OUT_OF_BOUNDS = "REVOCATION_OUT_OF_BOUNDS_NO_POE"  # CRL does not cover the time
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"  # dataHash present, no data given

    @property
    def indication(self) -> Indication:
        return Indication.INDETERMINATE


SubIndication = Failed | Indeterminate


class Outcome(Enum):
    """The result of one check inside a report."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    WARNING = "WARNING"


@dataclass(frozen=True)
class Check:
    """One named check, its outcome, and what it found (or the sub-indication it raised)."""

    name: str
    outcome: Outcome
    detail: str = ""
    sub_indication: SubIndication | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "outcome": self.outcome.value,
            "detail": self.detail,
            "subindication": self.sub_indication.value if self.sub_indication else None,
        }


@dataclass(frozen=True)
class CertSummary:
    """What a person needs to recognise a certificate."""

    subject: str
    issuer: str
    serial: str  # hex
    not_before: datetime
    not_after: datetime

    def to_json(self) -> dict[str, str]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "serial": self.serial,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
        }


@dataclass(frozen=True)
class SealReport:
    """The verdict on one SES_Seal or SES_Signature, with every check that led to it.

    `intact` (dataHash matches the data; None when no data was compared) is kept apart from
    `valid` (every SM2 signature verifies), so "someone changed the voucher" and "someone
    forged the signature" stay distinguishable.
    """

    indication: Indication
    sub_indication: SubIndication | None
    kind: str  # "seal" or "signature"
    version: int | None  # structural: 1 (GM/T 0031) or 4 (GB/T 38540)
    intact: bool | None
    valid: bool
    policy: str
    checks: tuple[Check, ...] = ()
    validation_time: datetime | None = None
    signing_time: datetime | None = None
    maker: CertSummary | None = None
    signer: CertSummary | None = None
    es_id: str | None = None
    seal_name: str | None = None
    failure_msg: str | None = None
    position: str | None = None  # the stamp position judged, when the report is about a voucher's

    @property
    def passed(self) -> bool:
        return self.indication is Indication.PASSED

    def check(self, name: str) -> Check:
        """The check called `name`; KeyError if it did not run."""
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        def when(t: datetime | None) -> str | None:
            return t.isoformat() if t else None

        return {
            "indication": self.indication.value,
            "subindication": self.sub_indication.value if self.sub_indication else None,
            "kind": self.kind,
            "version": self.version,
            "intact": self.intact,
            "valid": self.valid,
            "policy": self.policy,
            "validation_time": when(self.validation_time),
            "signing_time": when(self.signing_time),
            "es_id": self.es_id,
            "seal_name": self.seal_name,
            "maker": self.maker.to_json() if self.maker else None,
            "signer": self.signer.to_json() if self.signer else None,
            "failure_msg": self.failure_msg,
            "position": self.position,
            "checks": [c.to_json() for c in self.checks],
        }
