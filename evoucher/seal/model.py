"""Decoded seals and signatures that keep the original bytes of every signed part.

`load(der)` tells an SES_Seal from an SES_Signature and v1 from v4 by the STRUCTURE (the
SESeal / SES_Signature child count: 2 = GM/T 0031 v1, 4 or more = GB/T 38540 v4), not by
header.version, which ofdrw sets to 5. Everything hashed or verified later comes from
`signed_bytes` / `tbs_bytes`: the bytes as received, never a re-encoding.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from asn1crypto import core, parser

from evoucher.crypto import oids
from evoucher.errors import HostileInputError, SealError
from evoucher.seal import _plain_v4, asn1_v1, asn1_v4

T = TypeVar("T")

# SES_ESPropertyInfo.type, GM/T 0031's values (GB/T 38540 leaves them open; we use the same)
UNIT_SEAL = 1  # 单位印章
PERSONAL_SEAL = 2  # 个人印章

MAX_BYTES = 4 * 1024 * 1024  # a seal with a large picture is ~100 KiB; refuse anything absurd
REMEMBERED_SEAL_BYTES = 64 * 1024  # larger seals are parsed each time (see _embedded_seal)
PICTURE_TYPES = ("GIF", "PNG", "JPG", "BMP", "SVG", "OFD")  # the standard's five, and OFD as seen


class SealExpired(SealError):
    """The validation time is after the seal's validEnd."""


class SealNotYetValid(SealError):
    """The validation time is before the seal's validStart."""


@dataclass(frozen=True)
class Seal:
    """An electronic seal (SES_Seal): who made it, whom it authorises, and the maker's signature."""

    version: int  # 1 or 4, from the structure
    header_version: int
    der: bytes
    vid: str
    es_id: str
    seal_type: int
    name: str
    create_date: datetime
    valid_start: datetime
    valid_end: datetime
    signer_certs: tuple[bytes, ...]  # DER certificates from certList (type 1)
    cert_digests: tuple[tuple[str, bytes], ...]  # (algorithm, digest) from certList (type 2)
    picture_type: str  # as written
    picture: bytes
    picture_size_mm: tuple[int, int]
    maker_cert: bytes
    signature_algorithm: str  # dotted OID
    signed_value: bytes
    signed_bytes: bytes  # exactly what the maker signed
    extensions: tuple[tuple[str, bool, bytes], ...]  # SES_SealInfo.extDatas: (extnID, critical, value)
    deviations: tuple[str, ...]  # tolerated departures from the standard

    @property
    def picture_format(self) -> str | None:
        """The picture type normalised to upper case, None when it is none of the known ones."""
        upper = self.picture_type.upper()
        return upper if upper in PICTURE_TYPES else None

    def check_valid_at(self, at: datetime) -> None:
        """Raise SealNotYetValid / SealExpired unless validStart <= at <= validEnd."""
        if at < self.valid_start:
            raise SealNotYetValid(f"seal not valid before {self.valid_start.isoformat()}")
        if at > self.valid_end:
            raise SealExpired(f"seal expired {self.valid_end.isoformat()}")


@dataclass(frozen=True)
class Signature:
    """An electronic stamp (SES_Signature): a seal applied to data at a time by a signer."""

    version: int
    der: bytes
    seal: Seal
    time_info: str  # as written (GeneralizedTime text in v4, free text in v1)
    signing_time: datetime | None  # None when timeInfo cannot be read as a time
    data_hash: bytes
    property_info: str
    signer_cert: bytes
    signature_algorithm: str
    signature: bytes
    tbs_bytes: bytes  # exactly what the signer signed
    extensions: tuple[tuple[str, bool, bytes], ...]  # v4 TBS_Sign.extDatas
    has_time_stamp: bool


def _children(der: bytes) -> list[tuple[int, int, bytes]]:
    """(class, tag, contents) of each element of a constructed value, from the TLV headers only."""
    _, method, _, _, contents, _ = parser.parse(der, strict=True)
    if method != 1:
        raise SealError("expected a SEQUENCE, found a primitive value")
    found = []
    while contents:
        cls, _, tag, header, inner, trailer = parser.parse(contents)
        found.append((cls, tag, inner))
        contents = contents[len(header) + len(inner) + len(trailer) :]
    return found


def _utc(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _seal_parts(seal: asn1_v4.SESeal | asn1_v1.SESeal, version: int) -> Seal:
    if version == 4:
        info, cert, alg, value = seal["e_seal_info"], seal["cert"], seal["sign_alg_id"], seal["signed_value"]
        signed = info.dump()
    else:
        info, sign_info = seal["eseal_info"], seal["sign_info"]
        cert, alg, value = sign_info["cert"], sign_info["signature_algorithm"], sign_info["sign_data"]
        signed = asn1_v1.SealSignedPart(contents=info.dump() + cert.dump() + alg.dump()).dump()
    prop, picture = info["property"], info["picture"]
    cert_list = prop["cert_list"]
    deviations = []
    certs, digests = [], []
    if isinstance(cert_list, asn1_v4.SESCertDigestList):
        digests = [(d["type"].native, d["value"].native) for d in cert_list]
    else:
        for entry in cert_list:
            if entry.name == "cert":
                certs.append(entry.chosen.native)
            else:
                deviations.append(f"certList entry is an IA5String {entry.native!r}, not a certificate")
    picture_type = picture["type"].native
    if picture_type.upper() == "OFD":
        deviations.append(f"picture type {picture_type!r}: an OFD image, not in the standard")
    elif picture_type.upper() in PICTURE_TYPES and picture_type not in PICTURE_TYPES:
        deviations.append(f"picture type {picture_type!r} is not in upper case")
    elif picture_type not in PICTURE_TYPES:
        deviations.append(f"picture type {picture_type!r} is not one of {', '.join(PICTURE_TYPES[:5])}")
    header = info["header"]
    return Seal(
        version=version,
        header_version=header["version"].native,
        der=seal.dump(),
        vid=header["vid"].native,
        es_id=info["es_id"].native,
        seal_type=prop["type"].native,
        name=prop["name"].native,
        create_date=_utc(prop["create_date"].native),
        valid_start=_utc(prop["valid_start"].native),
        valid_end=_utc(prop["valid_end"].native),
        signer_certs=tuple(certs),
        cert_digests=tuple(digests),
        picture_type=picture_type,
        picture=picture["data"].native,
        picture_size_mm=(picture["width"].native, picture["height"].native),
        maker_cert=cert.native,
        signature_algorithm=alg.dotted,
        signed_value=value.native,
        signed_bytes=signed,
        extensions=_extensions(info["ext_datas"]),
        deviations=tuple(deviations),
    )


_TEXT_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}")


def _free_text_time(raw: bytes) -> tuple[str, datetime | None]:
    """v1 timeInfo: free text; we read ISO 8601 and "yyyy-MM-dd HH:mm:ss" (taken as UTC)."""
    text = raw.decode("ascii", errors="replace").strip()
    if not _TEXT_TIME.match(text):
        return text, None
    try:
        return text, _utc(datetime.fromisoformat(text))
    except ValueError:
        return text, None


def decode(what: str, der: bytes, build: Callable[[bytes], T]) -> T:
    """`build(der)` for input within MAX_BYTES; decoder errors become a SealError naming `what`."""
    if len(der) > MAX_BYTES:
        raise HostileInputError(f"{what} of {len(der)} bytes exceeds {MAX_BYTES}")
    try:
        return build(der)
    except SealError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError) as exc:
        raise SealError(f"{what} cannot be decoded: {exc}") from None


def structure_version(der: bytes, what: str = "SES_Seal") -> int:
    """1 or 4 from the number of children of an SESeal or SES_Signature (the one place that decides)."""
    n = len(_children(der))
    if n == 2:
        return 1
    if n >= 4:
        return 4
    raise SealError(f"{what} has {n} elements; v1 has 2, v4 has 4 or 5")


def _extensions(value: asn1_v4.ExtensionDatas) -> tuple[tuple[str, bool, bytes], ...]:
    """(extnID, critical, extnValue) of each ExtData; an absent OPTIONAL gives ()."""
    return tuple((e["extn_id"].dotted, e["critical"].native, e["extn_value"].native) for e in value)


def _load_seal(der: bytes) -> Seal:
    version = structure_version(der, "SES_Seal")
    cls = asn1_v4.SESeal if version == 4 else asn1_v1.SESeal
    seal = cls.load(der, strict=True)
    return _seal_parts(seal, version)


@functools.lru_cache(maxsize=128)
def _embedded_seal(der: bytes, version: int) -> Seal:
    """The Seal of a stamp's embedded SESeal, remembered: every stamp made with a seal carries it
    byte for byte. Only seals up to REMEMBERED_SEAL_BYTES are kept, so at most ~8 MiB is held."""
    cls = asn1_v4.SESeal if version == 4 else asn1_v1.SESeal
    return _seal_parts(cls.load(der, strict=True), version)


def _seal_of(eseal: asn1_v4.SESeal | asn1_v1.SESeal, version: int) -> Seal:
    der = eseal.dump()  # the bytes as received (asn1crypto keeps them for a parsed value)
    if len(der) <= REMEMBERED_SEAL_BYTES:
        return _embedded_seal(der, version)
    return _seal_parts(eseal, version)


def _load_signature(der: bytes) -> Signature:
    plain = _plain_v4.read(der)
    if plain is not None and len(plain.eseal) <= REMEMBERED_SEAL_BYTES:
        return Signature(
            version=4,
            der=der,
            seal=_embedded_seal(plain.eseal, 4),
            time_info=plain.time_info,
            signing_time=plain.signing_time,
            data_hash=plain.data_hash,
            property_info=plain.property_info,
            signer_cert=plain.cert,
            signature_algorithm=oids.SM2_WITH_SM3,
            signature=plain.signature,
            tbs_bytes=plain.tbs,
            extensions=(),
            has_time_stamp=False,
        )
    return _load_asn1_signature(der)


def _load_asn1_signature(der: bytes) -> Signature:
    """Any SES_Signature, through asn1crypto (`_plain_v4` reads the usual one faster)."""
    version = structure_version(der, "SES_Signature")
    cls = asn1_v4.SESSignature if version == 4 else asn1_v1.SESSignature
    sig = cls.load(der, strict=True)
    tbs = sig["to_sign"]
    seal = _seal_of(tbs["eseal"], version)
    if version == 4:
        when = tbs["time_info"]
        text, signing_time = str(when.contents.decode("ascii")), _utc(when.native)
        cert, alg, value = sig["cert"], sig["signature_alg_id"], sig["signature"]
        has_ts = sig["time_stamp"].native is not None
    else:
        text, signing_time = _free_text_time(tbs["time_info"].native)
        cert, alg, value = tbs["cert"], tbs["signature_algorithm"], sig["signature"]
        has_ts = False
    return Signature(
        version=version,
        der=der,
        seal=seal,
        time_info=text,
        signing_time=signing_time,
        data_hash=tbs["data_hash"].native,
        property_info=tbs["property_info"].native,
        signer_cert=cert.native,
        signature_algorithm=alg.dotted,
        signature=value.native,
        tbs_bytes=tbs.dump(),
        extensions=_extensions(tbs["ext_datas"]) if version == 4 else (),
        has_time_stamp=has_ts,
    )


def load_seal(der: bytes) -> Seal:
    """Decode an SES_Seal (v1 or v4); SealError if it is not one."""
    return decode("SES_Seal", der, _load_seal)


def load_signature(der: bytes) -> Signature:
    """Decode an SES_Signature (v1 or v4); SealError if it is not one."""
    return decode("SES_Signature", der, _load_signature)


def is_signature(der: bytes) -> bool:
    """True for an SES_Signature (its first element, TBS_Sign, starts with INTEGER version);
    False for an SES_Seal (whose first element starts with a SEQUENCE, the header)."""
    try:
        first = _children(der)[0][2]
        cls, _, tag, _, _, _ = parser.parse(first)
    except (ValueError, TypeError, IndexError) as exc:
        raise SealError(f"neither SES_Seal nor SES_Signature: {exc}") from None
    return (cls, tag) == (0, core.Integer.tag)


def load(der: bytes) -> Seal | Signature:
    """Decode whichever of SES_Seal or SES_Signature `der` holds."""
    return load_signature(der) if decode("seal or signature", der, is_signature) else load_seal(der)
