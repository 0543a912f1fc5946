"""The common shape of a v4 SES_Signature, read straight from its DER.

Nearly every stamp is a GB/T 38540 SES_Signature with no timeStamp and no extDatas, a
GeneralizedTime `YYYYMMDDHHMMSSZ`, SM2-with-SM3 and unpadded bit strings. asn1crypto takes ~50 µs
to hand over its fields, a third of a stamp's verification besides SM2; walking the TLV headers
takes a few. `read` returns the fields only for exactly that shape, in minimal DER with nothing
after it, and None for anything else, which `seal.model` then reads with asn1crypto as before:
so every refusal, and every unusual but accepted form, still comes from one place. A property
test holds the two readers to the same answer on mutated stamps.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from asn1crypto import core

from evoucher.crypto import oids

SM2_WITH_SM3 = core.ObjectIdentifier(oids.SM2_WITH_SM3).contents  # the OID's contents octets
_SEQUENCE, _INTEGER, _BIT_STRING, _OCTET_STRING, _OID = 0x30, 0x02, 0x03, 0x04, 0x06
_IA5_STRING, _GENERALIZED_TIME = 0x16, 0x18


class Fields(NamedTuple):
    tbs: bytes  # TBS_Sign, header included: what the signer signed
    eseal: bytes  # the embedded SESeal, header included
    time_info: str
    signing_time: datetime
    data_hash: bytes
    property_info: str
    cert: bytes
    signature: bytes


Span = tuple[int, int, int]  # where an element starts, where its contents start, where it ends


def _element(der: bytes, at: int, tag: int) -> Span | None:
    """The span of the element at `at` if it has `tag` and a minimal DER length."""
    if at + 2 > len(der) or der[at] != tag:
        return None
    first = der[at + 1]
    if first < 0x80:
        start, length = at + 2, first
    else:
        octets = first & 0x7F
        start = at + 2 + octets
        if not 1 <= octets <= 3 or start > len(der) or der[at + 2] == 0:
            return None
        length = int.from_bytes(der[at + 2 : start], "big")
        if length < 0x80:
            return None
    end = start + length
    return (at, start, end) if end <= len(der) else None


def _children(der: bytes, parent: Span, tags: tuple[int, ...]) -> list[Span] | None:
    """The spans of the elements that fill `parent`'s contents, which must have exactly `tags`."""
    _, at, end = parent
    found = []
    for tag in tags:
        element = _element(der, at, tag)
        if element is None or element[2] > end:
            return None
        found.append(element)
        at = element[2]
    return found if at == end else None


def _contents(der: bytes, span: Span) -> bytes:
    return der[span[1] : span[2]]


def _whole(der: bytes, span: Span) -> bytes:
    return der[span[0] : span[2]]


def _unpadded(der: bytes, span: Span) -> bytes | None:
    """A BIT STRING's bits when they fill whole bytes (no unused bits)."""
    bits = _contents(der, span)
    return bits[1:] if bits[:1] == b"\x00" else None


def _time(text: bytes) -> datetime | None:
    if len(text) != 15 or text[14:] != b"Z" or not text[:14].isdigit():
        return None
    digits = text.decode("ascii")
    try:
        return datetime(*(int(digits[i:j]) for i, j in ((0, 4), (4, 6), (6, 8), (8, 10), (10, 12), (12, 14))),
                        tzinfo=UTC)  # fmt: skip
    except ValueError:
        return None


def read(der: bytes) -> Fields | None:
    """The fields of a plain v4 SES_Signature (see the module), or None for any other input."""
    top = _element(der, 0, _SEQUENCE)
    if top is None or top[2] != len(der):
        return None
    parts = _children(der, top, (_SEQUENCE, _OCTET_STRING, _OID, _BIT_STRING))
    if parts is None or _contents(der, parts[2]) != SM2_WITH_SM3:
        return None
    to_sign, cert, _, signature = parts
    tbs = _children(der, to_sign, (_INTEGER, _SEQUENCE, _GENERALIZED_TIME, _BIT_STRING, _IA5_STRING))
    if tbs is None:
        return None
    _, eseal, when, data_hash, property_info = tbs
    time_info, text = _contents(der, when), _contents(der, property_info)
    signing_time = _time(time_info)
    hashed, signed = _unpadded(der, data_hash), _unpadded(der, signature)
    if signing_time is None or hashed is None or signed is None or not text.isascii():
        return None
    return Fields(
        tbs=_whole(der, to_sign),
        eseal=_whole(der, eseal),
        time_info=time_info.decode("ascii"),
        signing_time=signing_time,
        data_hash=hashed,
        property_info=text.decode("ascii"),
        cert=_contents(der, cert),
        signature=signed,
    )
