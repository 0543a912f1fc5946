"""Validation policies for seals and stamps: data, not flags scattered through the verifier.

Real seals depart from the standard (raw r‖s signatures, BER, v1 structures in 2.0 traffic, a
maker certificate that expired before the seal was used); a policy says which departures are
tolerated and what is required (a chain to trust anchors, revocation, the signed data). Two
presets: `DEFAULT` accepts what real, verifiable seals do and reports each tolerance as a
WARNING check; `STRICT` is GB/T 38540 read literally plus a full PKI check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from evoucher.crypto.sm2 import DEFAULT_ID, SignatureForm
from evoucher.errors import SealError

ValidationTime = Literal["signing", "now"] | datetime


class NotAllowed(SealError):
    """Something readable and genuine that the policy refuses (raw r‖s, BER, v1 under 2.0)."""


@dataclass(frozen=True)
class SealPolicy:
    """What a verifier accepts and requires.

    validation_time: "signing" checks certificates and the seal's validity window at the stamp's
        TBS_Sign.timeInfo (for a bare SES_Seal: its createDate, when the maker signed); "now"
        uses the clock; a datetime pins it. `verify_*(at=...)` overrides this.
    """

    name: str = "default"
    accept_raw_signature: bool = True  # 64-byte r‖s inside the BIT STRING (Shandong)
    accept_ber_signature: bool = True  # non-minimal SEQUENCE{r, s} encodings
    profile: Literal["1.0", "2.0"] = "2.0"
    accept_v1_under_2_0: bool = True  # GM/T 0031 v1 seals in 2.0 traffic (always accepted under 1.0)
    validation_time: ValidationTime = "signing"
    require_chain: bool = False  # with no trust anchors, INDETERMINATE instead of a WARNING
    require_revocation: bool = False  # without a covering CRL, INDETERMINATE instead of SKIPPED
    require_signed_data: bool = False  # a stamp verified without its data: INDETERMINATE
    tolerate_expired_maker: bool = True  # maker cert expired by signing, valid at createDate (Yunnan)
    signer_id: bytes = DEFAULT_ID  # SM2 user ID for the Z value; every real seal uses the default

    def check_version(self, version: int) -> None:
        """Raise NotAllowed for a v1 seal under the 2.0 profile unless it is accepted."""
        if version == 1 and self.profile == "2.0" and not self.accept_v1_under_2_0:
            raise NotAllowed(f"policy {self.name!r} refuses GM/T 0031 v1 structures under the 2.0 profile")

    def check_signature_form(self, form: SignatureForm, *, what: str) -> None:
        """Raise NotAllowed for a raw r‖s or BER signature value the policy does not accept."""
        if (form == "raw" and not self.accept_raw_signature) or (
            form == "ber" and not self.accept_ber_signature
        ):
            raise NotAllowed(
                f"policy {self.name!r} refuses a {form} {what} value (DER SEQUENCE{{r, s}} required)"
            )


DEFAULT = SealPolicy()

STRICT = SealPolicy(
    name="strict",
    accept_raw_signature=False,
    accept_ber_signature=False,
    accept_v1_under_2_0=False,
    require_chain=True,
    require_revocation=True,
    require_signed_data=True,
    tolerate_expired_maker=False,
)

PRESETS = {p.name: p for p in (DEFAULT, STRICT)}
