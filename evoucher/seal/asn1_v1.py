"""GM/T 0031-2014 (seal format v1, header.version 1 or 2) as asn1crypto classes.

v1 differs from v4 in more than the version number: dates are UTCTime, the cert list has no
type, the maker's signature sits in SES_SignInfo and covers DER SEQUENCE{SES_SealInfo, cert,
signatureAlgorithm}, and TBS_Sign carries the signer cert and a free-text BIT STRING timeInfo.
Types identical in both versions come from `asn1_v4`.
"""

# asn1crypto declares types through mutable class-level tables (_fields, _alternatives)
# ruff: noqa: RUF012

from __future__ import annotations

from asn1crypto import core

from evoucher.seal.asn1_v4 import (
    ExtensionDatas,
    SESCertInfoList,
    SESESPictrueInfo,
    SESHeader,
    SignAlgId,
)

__all__ = [
    "ExtensionDatas",
    "SESESPictrueInfo",
    "SESESPropertyInfo",
    "SESHeader",
    "SESSealInfo",
    "SESSignInfo",
    "SESSignature",
    "SESeal",
    "SealSignedPart",
    "TBSSign",
]


class SESESPropertyInfo(core.Sequence):
    """SES_ESPropertyInfo v1 (印章属性): type, name, certList of signer certs, UTCTime dates."""

    _fields = [
        ("type", core.Integer),
        ("name", core.UTF8String),
        ("cert_list", SESCertInfoList),
        ("create_date", core.UTCTime),
        ("valid_start", core.UTCTime),
        ("valid_end", core.UTCTime),
    ]


class SESSealInfo(core.Sequence):
    """SES_SealInfo v1 (印章信息): header, esID, property, picture, extDatas OPTIONAL."""

    _fields = [
        ("header", SESHeader),
        ("es_id", core.IA5String),
        ("property", SESESPropertyInfo),
        ("picture", SESESPictrueInfo),
        ("ext_datas", ExtensionDatas, {"optional": True}),
    ]


class SESSignInfo(core.Sequence):
    """SES_SignInfo (印章签名信息): maker cert, algorithm, signature over `SealSignedPart`."""

    _fields = [
        ("cert", core.OctetString),
        ("signature_algorithm", SignAlgId),
        ("sign_data", core.OctetBitString),
    ]


class SealSignedPart(core.Sequence):
    """The data the v1 maker signs: SEQUENCE{SES_SealInfo, cert, signatureAlgorithm}.

    Not named in the standard but fixed by it (verified on real files: SES_SealInfo alone does
    not verify). Build it from the original bytes of the parts, never a re-encoding.
    """

    _fields = [
        ("seal_info", SESSealInfo),
        ("cert", core.OctetString),
        ("signature_algorithm", SignAlgId),
    ]


class SESeal(core.Sequence):
    """SESeal v1 (电子印章数据): esealInfo and the maker's signInfo — two children, unlike v4."""

    _fields = [
        ("eseal_info", SESSealInfo),
        ("sign_info", SESSignInfo),
    ]


class TBSSign(core.Sequence):
    """TBS_Sign v1 (待电子签章数据): version, seal, timeInfo (free text), dataHash, propertyInfo,
    signer cert and algorithm."""

    _fields = [
        ("version", core.Integer),
        ("eseal", SESeal),
        ("time_info", core.OctetBitString),
        ("data_hash", core.OctetBitString),
        ("property_info", core.IA5String),
        ("cert", core.OctetString),
        ("signature_algorithm", SignAlgId),
    ]


class SESSignature(core.Sequence):
    """SES_Signature v1 (电子签章数据): TBS_Sign and the signer's signature over its DER."""

    _fields = [
        ("to_sign", TBSSign),
        ("signature", core.OctetBitString),
    ]
