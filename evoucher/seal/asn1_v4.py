"""GB/T 38540-2020 (seal format v4) as asn1crypto classes, in the standard's order.

One class per ASN.1 type; field names are the standard's in snake_case (`eSealInfo` →
`e_seal_info`). The types shared with GM/T 0031 v1 (header, picture, extension data) live here
and `asn1_v1` reuses them. Parsed values keep their bytes: `.dump()` without `force` returns
exactly what was read, which is what hashing and verification must use.

Real-world tolerance is declared in the schema, not patched in later:
- a cert-list entry may be an IA5String instead of an OCTET STRING (dms360 writes "1");
- `SESeal` may carry ofdrw's "v5" `[0]` timeStamp after `signedValue`;
- picture types are free IA5String ("png", "ofd"); the model normalises them for display.

Importing this module registers the SM2/SM3 OIDs with asn1crypto (`crypto.oids`) so they print by name.
"""

# asn1crypto declares types through mutable class-level tables (_fields, _alternatives)
# ruff: noqa: RUF012

from __future__ import annotations

from asn1crypto import algos, core

from evoucher.crypto import oids

oids.register_with_asn1crypto()


class SignAlgId(algos.SignedDigestAlgorithmId):
    """A signature algorithm OID (`signAlgID`, `signatureAlgID`); SM2-with-SM3 prints as `sm2_sm3`."""


# ---------------------------------------------------------------- shared with v1 (GM/T 0031-2014)


class SESHeader(core.Sequence):
    """SES_Header (印章头): id "ES", format version (4; 1 or 2 in v1; ofdrw writes 5), vendor id."""

    _fields = [
        ("id", core.IA5String),
        ("version", core.Integer),
        ("vid", core.IA5String),
    ]


class SESESPictrueInfo(core.Sequence):
    """SES_ESPictrueInfo (印章图像数据; the standard's spelling): type, image bytes, size in mm."""

    _fields = [
        ("type", core.IA5String),
        ("data", core.OctetString),
        ("width", core.Integer),
        ("height", core.Integer),
    ]


class ExtData(core.Sequence):
    """ExtData (自定义数据项): extnID, critical DEFAULT FALSE, extnValue (as X.509 Extension)."""

    _fields = [
        ("extn_id", core.ObjectIdentifier),
        ("critical", core.Boolean, {"default": False}),
        ("extn_value", core.OctetString),
    ]


class ExtensionDatas(core.SequenceOf):
    """ExtensionDatas (自定义数据): SEQUENCE OF ExtData."""

    _child_spec = ExtData


class CertEntry(core.Choice):
    """One cert-list entry: a DER X.509 certificate in an OCTET STRING.

    The IA5String alternative is a tolerated deviation (dms360 writes the text "1"); it can
    never match a signer certificate, and the model reports it.
    """

    _alternatives = [
        ("cert", core.OctetString),
        ("text", core.IA5String),
    ]


class SESCertInfoList(core.SequenceOf):
    """certs (certListType 1): SEQUENCE OF cert OCTET STRING."""

    _child_spec = CertEntry


class CertDigestObj(core.Sequence):
    """CertDigestObj: digest algorithm name and the digest of one signer certificate."""

    _fields = [
        ("type", core.PrintableString),
        ("value", core.OctetString),
    ]


class SESCertDigestList(core.SequenceOf):
    """certDigestList (certListType 2): SEQUENCE OF CertDigestObj."""

    _child_spec = CertDigestObj


CERT_LIST_CERTS = 1
CERT_LIST_DIGESTS = 2


def _cert_list_spec(info: SESESPropertyInfo) -> tuple[type[core.Asn1Value], None]:
    """SES_CertList (CHOICE): untagged, both alternatives are SEQUENCE OF, so certListType decides."""
    kind = info["cert_list_type"].native
    return (SESCertDigestList if kind == CERT_LIST_DIGESTS else SESCertInfoList), None


# ---------------------------------------------------------------- v4 seal (电子印章数据)


class SESESPropertyInfo(core.Sequence):
    """SES_ESPropertyInfo v4 (印章属性): type, name, certListType, SES_CertList, GeneralizedTime dates."""

    _fields = [
        ("type", core.Integer),
        ("name", core.UTF8String),
        ("cert_list_type", core.Integer),
        ("cert_list", SESCertInfoList),
        ("create_date", core.GeneralizedTime),
        ("valid_start", core.GeneralizedTime),
        ("valid_end", core.GeneralizedTime),
    ]
    _spec_callbacks = {"cert_list": _cert_list_spec}


class SESSealInfo(core.Sequence):
    """SES_SealInfo v4 (印章信息): header, esID, property, picture, extDatas OPTIONAL (untagged)."""

    _fields = [
        ("header", SESHeader),
        ("es_id", core.IA5String),
        ("property", SESESPropertyInfo),
        ("picture", SESESPictrueInfo),
        ("ext_datas", ExtensionDatas, {"optional": True}),
    ]


class SESeal(core.Sequence):
    """SES_Seal v4 (电子印章数据): seal info signed by the maker (制章者) with `cert`.

    The signature covers the original DER of `e_seal_info`. `time_stamp` is ofdrw's "v5"
    extension, not part of GB/T 38540.
    """

    _fields = [
        ("e_seal_info", SESSealInfo),
        ("cert", core.OctetString),
        ("sign_alg_id", SignAlgId),
        ("signed_value", core.OctetBitString),
        ("time_stamp", core.OctetBitString, {"explicit": 0, "optional": True}),
    ]


# ---------------------------------------------------------------- v4 signature (电子签章数据)


class TBSSign(core.Sequence):
    """TBS_Sign v4 (签章信息): the bytes the signer signs; dataHash is SM3 of the signed data."""

    _fields = [
        ("version", core.Integer),
        ("eseal", SESeal),
        ("time_info", core.GeneralizedTime),
        ("data_hash", core.OctetBitString),
        ("property_info", core.IA5String),
        ("ext_datas", ExtensionDatas, {"explicit": 0, "optional": True}),
    ]


class SESSignature(core.Sequence):
    """SES_Signature v4 (电子签章数据): TBS_Sign, signer cert, algorithm, signature, [0] timeStamp."""

    _fields = [
        ("to_sign", TBSSign),
        ("cert", core.OctetString),
        ("signature_alg_id", SignAlgId),
        ("signature", core.OctetBitString),
        ("time_stamp", core.OctetBitString, {"explicit": 0, "optional": True}),
    ]
