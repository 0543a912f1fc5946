"""Making seals (电子印章) and stamps (电子签章): the creation half of GB/T 38540 and GM/T 0031.

A seal is made once by a seal maker (制章者) and names the certificates allowed to use it; a
stamp is one use of a seal by one of those signers over some data. What is signed differs by
version, and the verifier must find exactly these bytes:

- v4 seal: the maker signs DER(SES_SealInfo); v4 stamp: the signer signs DER(TBS_Sign).
- v1 seal: the maker signs DER SEQUENCE{SES_SealInfo, cert, signatureAlgorithm}; v1 stamp: the
  signer signs DER(TBS_Sign), which itself carries the signer cert and algorithm.

Seals are signed with the deterministic nonce of the test PKI (a seeded environment is
byte-identical); stamps use a fresh random nonce. The property `type` follows GM/T 0031 in both
versions (`seal.model.UNIT_SEAL`, `PERSONAL_SEAL`). v1 timeInfo (free text in the standard) is
written as ISO 8601 in UTC, `YYYY-MM-DDTHH:MM:SSZ`: unambiguous, and the form `seal.model` reads
besides ofdrw's "yyyy-MM-dd HH:mm:ss".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from asn1crypto import x509

from evoucher.crypto import sm2
from evoucher.crypto.oids import SM2_WITH_SM3
from evoucher.crypto.sm3 import sm3
from evoucher.errors import SealError
from evoucher.pki.keys import sign_deterministic
from evoucher.pki.x509 import certificate_public_key
from evoucher.seal import asn1_v1, asn1_v4, model
from evoucher.seal.binding import SealKind, check_seal_kind
from evoucher.seal.model import UNIT_SEAL

V1_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
DEFAULT_VID = "GUOKU"


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise SealError("seal and stamp times must be timezone-aware")
    return at.astimezone(UTC).replace(microsecond=0)


def _cert_der(cert: x509.Certificate | bytes) -> bytes:
    return cert if isinstance(cert, bytes) else cert.dump()


def make_seal(
    *,
    version: int = 4,
    es_id: str,
    name: str,
    seal_type: int = UNIT_SEAL,
    signer_certs: Sequence[x509.Certificate | bytes],
    picture: bytes,
    picture_type: str = "PNG",
    picture_mm: tuple[int, int] = (42, 42),
    maker_key: sm2.PrivateKey,
    maker_cert: x509.Certificate,
    valid_start: datetime,
    valid_end: datetime,
    created: datetime | None = None,
    vid: str = DEFAULT_VID,
) -> bytes:
    """DER of a seal (v4 GB/T 38540 or v1 GM/T 0031) signed by the maker; `signer_certs` may use it."""
    if version not in (1, 4):
        raise SealError(f"seal version must be 1 (GM/T 0031) or 4 (GB/T 38540), got {version}")
    if certificate_public_key(maker_cert) != maker_key.public_key:
        raise SealError("seal maker key does not match the maker certificate")
    if not signer_certs:
        raise SealError("a seal needs at least one signer certificate in its certList")
    start, end = _utc(valid_start), _utc(valid_end)
    if end <= start:
        raise SealError(f"seal validity ends ({end:%Y-%m-%d}) before it starts ({start:%Y-%m-%d})")
    asn1 = asn1_v4 if version == 4 else asn1_v1
    property_fields = {
        "type": seal_type,
        "name": name,
        "cert_list": [asn1_v4.CertEntry(name="cert", value=_cert_der(c)) for c in signer_certs],
        "create_date": _utc(created or valid_start),
        "valid_start": start,
        "valid_end": end,
    }
    if version == 4:
        property_fields["cert_list_type"] = asn1_v4.CERT_LIST_CERTS
    seal_info = asn1.SESSealInfo(
        {
            "header": {"id": "ES", "version": version, "vid": vid},
            "es_id": es_id,
            "property": asn1.SESESPropertyInfo(property_fields),
            "picture": {
                "type": picture_type,
                "data": picture,
                "width": picture_mm[0],
                "height": picture_mm[1],
            },
        }
    )
    maker_der = maker_cert.dump()
    if version == 4:
        signed = sign_deterministic(maker_key, seal_info.dump())
        return asn1_v4.SESeal(
            {"e_seal_info": seal_info, "cert": maker_der, "sign_alg_id": SM2_WITH_SM3, "signed_value": signed}
        ).dump()
    signed_part = asn1_v1.SealSignedPart(
        {"seal_info": seal_info, "cert": maker_der, "signature_algorithm": SM2_WITH_SM3}
    )
    sign_info = {
        "cert": maker_der,
        "signature_algorithm": SM2_WITH_SM3,
        "sign_data": sign_deterministic(maker_key, signed_part.dump()),
    }
    return asn1_v1.SESeal({"eseal_info": seal_info, "sign_info": sign_info}).dump()


def _seal_to_apply(seal: bytes) -> tuple[int, asn1_v4.SESeal | asn1_v1.SESeal, list[bytes]]:
    """(version as `seal.model` tells it, the parsed SESeal to embed, its certList certificates)."""

    def parse(der: bytes) -> tuple[int, asn1_v4.SESeal | asn1_v1.SESeal, list[bytes]]:
        version = model.structure_version(der, "SES_Seal")
        parsed = (asn1_v4 if version == 4 else asn1_v1).SESeal.load(der)
        info = parsed["e_seal_info"] if version == 4 else parsed["eseal_info"]
        return version, parsed, [e.chosen.native for e in info["property"]["cert_list"] if e.name == "cert"]

    return model.decode("SES_Seal", seal, parse)


def make_signature(
    seal: bytes,
    signer_key: sm2.PrivateKey,
    signer_cert: x509.Certificate,
    data: bytes,
    property_info: str,
    *,
    at: datetime,
    seal_kind: SealKind | None = None,
) -> bytes:
    """DER SES_Signature (the seal's version) with dataHash = SM3(data) and this propertyInfo.

    Refuses a key that does not match `signer_cert`, a cert that is not in the seal's certList,
    or (given `seal_kind`, what the position takes) a seal of another kind: such a stamp could
    never verify.
    """
    if certificate_public_key(signer_cert) != signer_key.public_key:
        raise SealError("signer key does not match the signer certificate")
    version, eseal, signer_certs = _seal_to_apply(seal)
    if seal_kind is not None:
        prop = eseal["e_seal_info" if version == 4 else "eseal_info"]["property"]
        check_seal_kind(seal_kind, prop["type"].native, prop["name"].native)
    cert_der = signer_cert.dump()
    if cert_der not in signer_certs:
        raise SealError("signer certificate is not in the seal's certList")
    when = _utc(at)
    if version == 4:
        tbs = asn1_v4.TBSSign(
            {
                "version": 4,
                "eseal": eseal,
                "time_info": when,
                "data_hash": sm3(data),
                "property_info": property_info,
            }
        )
        signature = sm2.sign(signer_key, tbs.dump())
        return asn1_v4.SESSignature(
            {"to_sign": tbs, "cert": cert_der, "signature_alg_id": SM2_WITH_SM3, "signature": signature}
        ).dump()
    tbs = asn1_v1.TBSSign(
        {
            "version": eseal["eseal_info"]["header"]["version"].native,
            "eseal": eseal,
            "time_info": when.strftime(V1_TIME_FORMAT).encode(),
            "data_hash": sm3(data),
            "property_info": property_info,
            "cert": cert_der,
            "signature_algorithm": SM2_WITH_SM3,
        }
    )
    return asn1_v1.SESSignature({"to_sign": tbs, "signature": sm2.sign(signer_key, tbs.dump())}).dump()
