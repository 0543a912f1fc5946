"""A signature (签名) on a voucher: the signer's SM2 signature and certificate, no seal.

Voucher signature positions carry this DER structure of ours (docs/pki.md), the bare analogue
of an SES_Signature; `seal.verify.verify_bare_signature` judges it with the stamp's checks minus
the seal's::

    VoucherSignature ::= SEQUENCE {
        toSign    TBSVoucherSign,
        signature BIT STRING }        -- SM2-with-SM3, default ID, over DER(toSign)
    TBSVoucherSign ::= SEQUENCE {
        propertyInfo IA5String,       -- as for a stamp (seal.binding)
        signingTime  GeneralizedTime,
        dataHash     OCTET STRING,    -- SM3 of the signed data (the voucher bytes)
        cert         OCTET STRING }   -- the signer's DER X.509 certificate

`BareSignature` names its parts as `model.Signature` does, so `seal.integrity` checks either.
"""

# asn1crypto declares types through mutable class-level tables
# ruff: noqa: RUF012

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import core, x509

from evoucher.crypto import oids, sm2
from evoucher.crypto.sm3 import sm3
from evoucher.seal import model


class TBSVoucherSign(core.Sequence):
    _fields = [
        ("property_info", core.IA5String),
        ("signing_time", core.GeneralizedTime),
        ("data_hash", core.OctetString),
        ("cert", core.OctetString),
    ]


class VoucherSignature(core.Sequence):
    _fields = [("to_sign", TBSVoucherSign), ("signature", core.OctetBitString)]


@dataclass(frozen=True)
class BareSignature:
    """A decoded VoucherSignature that keeps the original bytes of what was signed."""

    der: bytes
    property_info: str
    signing_time: datetime
    data_hash: bytes
    signer_cert: bytes
    signature: bytes
    tbs_bytes: bytes  # exactly what the signer signed
    signature_algorithm: str = oids.SM2_WITH_SM3  # fixed by the structure


def _load(der: bytes) -> BareSignature:
    sig = VoucherSignature.load(der, strict=True)
    tbs = sig["to_sign"]
    return BareSignature(
        der=der,
        property_info=tbs["property_info"].native,
        signing_time=tbs["signing_time"].native,
        data_hash=tbs["data_hash"].native,
        signer_cert=tbs["cert"].native,
        signature=sig["signature"].native,
        tbs_bytes=tbs.dump(),
    )


def load_bare_signature(der: bytes) -> BareSignature:
    """Decode a VoucherSignature; SealError if it is not one."""
    return model.decode("VoucherSignature", der, _load)


def make_bare_signature(
    key: sm2.PrivateKey, cert: x509.Certificate, data: bytes, property_info: str, *, at: datetime
) -> bytes:
    """DER VoucherSignature: the signer's SM2 signature over SM3(data), propertyInfo and time."""
    tbs = TBSVoucherSign(
        {
            "property_info": property_info,
            "signing_time": at.astimezone(UTC).replace(microsecond=0),
            "data_hash": sm3(data),
            "cert": cert.dump(),
        }
    )
    return VoucherSignature({"to_sign": tbs, "signature": sm2.sign(key, tbs.dump())}).dump()
