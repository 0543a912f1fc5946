"""The MOF envelope: up to 100 `VoucherBody`s, each a base64 `<Voucher>` with its flag, notes and stamps.

The library never carries a voucher raw: reads return, and writes send, a GBK MOF document
(reference §2). The voucher inside stays byte-exact (stamps hash it); the envelope is ours to
canonicalise. Where the record is silent (stamps next to `<Voucher>`) docs/codec.md decides.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from evoucher.codec import identity, tree, writing
from evoucher.codec.safe import (
    MAX_BODIES,
    MAX_MOF_BYTES,
    MAX_MOF_ELEMENTS,
    check_built,
    check_size,
    decode_base64,
    encode_base64,
    parse_document,
    within,
)
from evoucher.codec.voucher import Voucher, parse_voucher
from evoucher.errors import EVS_EMPTY, CodecError, HostileInputError

STAMP_KINDS = ("stamp", "sign")  # 签章: a SES_Signature; 签名: a bare SM2 signature blob
# VoucherBody attribute -> MofBody field; the voucher's own header must agree with each
_ATTRIBUTES = {
    "AdmDivCode": "adm_div_code",
    "StYear": "st_year",
    "VtCode": "vt_code",
    "VoucherNo": "voucher_no",
}
_FLAG_RULE = "must be 0 (voucher) or 1 (receipt)"
_BODY_LEAVES = ("VoucherFlag", "Return_Reason", "Attach", "Voucher")


@dataclass(frozen=True)
class Stamp:
    """A stamp (签章) or signature (签名) at one position, travelling next to `<Voucher>`."""

    position: str
    kind: str
    value: bytes


# body -> its parsed voucher, for as long as the body lives (equal bodies carry equal bytes)
_PARSED: weakref.WeakKeyDictionary[MofBody, Voucher] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class MofBody:
    """One `VoucherBody`: its attributes, flag, notes, the exact voucher bytes and the stamps."""

    adm_div_code: str
    st_year: str
    vt_code: str
    voucher_no: str
    voucher_flag: int
    voucher: bytes
    attach: str | None = None
    return_reason: str | None = None
    stamps: tuple[Stamp, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "stamps", tuple(self.stamps))

    def parsed_voucher(self) -> Voucher:
        """`voucher` parsed, once: parse_mof and `of` already hold it, so readers do not parse again.

        The parse is remembered beside the body, not in it: equality, `vars()` and
        `dataclasses.replace` (which may change `voucher`) never see it.
        """
        try:
            parsed = _PARSED.get(self)
        except TypeError:  # a body being checked may hold unhashable junk
            return parse_voucher(self.voucher)
        if parsed is None:
            parsed = _PARSED[self] = parse_voucher(self.voucher)
        return parsed

    @classmethod
    def of(
        cls,
        voucher: Voucher,
        *,
        voucher_flag: int = 0,
        attach: str | None = None,
        return_reason: str | None = None,
        stamps: Sequence[Stamp] = (),
    ) -> MofBody:
        """A body carrying `voucher`, its attributes taken from the voucher's own header."""
        body = cls(
            adm_div_code=voucher.adm_div_code,
            st_year=voucher.st_year,
            vt_code=voucher.vt_code,
            voucher_no=voucher.voucher_no,
            voucher_flag=voucher_flag,
            voucher=voucher.raw,
            attach=attach,
            return_reason=return_reason,
            stamps=tuple(stamps),
        )
        _PARSED[body] = voucher
        return body


def _check_stamps(stamps: tuple[Stamp, ...], where: str) -> None:
    seen: set[str] = set()
    for i, stamp in enumerate(stamps, 1):
        at = f"{where}/Stamps/Stamp[{i}]"
        if not isinstance(stamp, Stamp):
            raise CodecError(f"{at}: expected a Stamp, got {type(stamp).__name__}")
        identity.check("No", stamp.position, f"{at}/@No")
        if stamp.kind not in STAMP_KINDS:
            raise CodecError(f"{at}/@Type: must be one of {STAMP_KINDS}, got {stamp.kind!r}")
        if not isinstance(stamp.value, bytes) or not stamp.value:
            raise CodecError(f"{at}: the stamp value is empty or not bytes", evs_code=EVS_EMPTY)
        if stamp.position in seen:
            raise CodecError(f"{at}/@No: position {stamp.position!r} is stamped twice in one body")
        seen.add(stamp.position)


def _check_body(body: MofBody, where: str) -> None:
    """Everything a body must satisfy, read or written: one rule set for parse_mof and build_mof."""
    for name, attribute in _ATTRIBUTES.items():
        identity.check(name, getattr(body, attribute), f"{where}/@{name}")
    if type(body.voucher_flag) is not int or body.voucher_flag not in (0, 1):
        raise CodecError(
            f"{where}/VoucherFlag: must be 0 (voucher) or 1 (receipt), got {body.voucher_flag!r}"
        )
    for name, value in (("Attach", body.attach), ("Return_Reason", body.return_reason)):
        if value is not None and not isinstance(value, str):
            raise CodecError(f"{where}/{name}: must be text or None, got {type(value).__name__}")
    _check_stamps(body.stamps, where)
    if not isinstance(body.voucher, bytes):
        raise CodecError(f"{where}/Voucher: expected bytes, got {type(body.voucher).__name__}")
    with within(f"{where}/"):
        voucher = body.parsed_voucher()
    for name, attribute in _ATTRIBUTES.items():
        own = voucher.header.get(name)
        if own != getattr(body, attribute):
            shown = "is missing" if own is None else f"says {own!r}"
            claimed = getattr(body, attribute)
            raise CodecError(f"{where}/@{name}: {claimed!r} does not match the voucher: <{name}> {shown}")


def _read_body(element: etree._Element, where: str) -> MofBody:
    tree.container(element, where, tuple(_ATTRIBUTES))
    parts = tree.unique_children(element, where, (*_BODY_LEAVES, "Stamps"))
    texts = {name: tree.leaf(parts[name], f"{where}/{name}") for name in _BODY_LEAVES if name in parts}
    if "VoucherFlag" not in texts or "Voucher" not in texts:
        missing = "VoucherFlag" if "VoucherFlag" not in texts else "Voucher"
        raise CodecError(f"{where}/{missing}: missing", evs_code=EVS_EMPTY)
    flag = texts["VoucherFlag"]
    if flag not in ("0", "1"):
        raise CodecError(f"{where}/VoucherFlag: {_FLAG_RULE}, got {flag[:20]!r}")
    stamps = ()
    if "Stamps" in parts:
        stamps = _read_stamps(parts["Stamps"], f"{where}/Stamps")
    return MofBody(
        **{attribute: element.get(name) for name, attribute in _ATTRIBUTES.items()},
        voucher_flag=int(flag),
        voucher=decode_base64(texts["Voucher"], f"{where}/Voucher"),
        attach=texts.get("Attach"),
        return_reason=texts.get("Return_Reason"),
        stamps=stamps,
    )


def _read_stamps(element: etree._Element, where: str) -> tuple[Stamp, ...]:
    tree.container(element, where)
    stamps = []
    for i, child in enumerate(tree.repeated_children(element, where, "Stamp"), 1):
        at = f"{where}/Stamp[{i}]"
        value = tree.leaf(child, at, ("No", "Type"))
        stamps.append(Stamp(child.get("No"), child.get("Type"), decode_base64(value, at)))
    if not stamps:
        raise CodecError(
            f"{where}: holds no <Stamp> (leave <Stamps> out when there are none)", evs_code=EVS_EMPTY
        )
    return tuple(stamps)


def parse_mof(data: bytes, *, max_bodies: int = MAX_BODIES) -> list[MofBody]:
    """Read a MOF document; every body is checked, including its voucher, before any is returned."""
    if not isinstance(data, bytes):
        raise CodecError(f"MOF: expected bytes, got {type(data).__name__}")
    check_size(data, MAX_MOF_BYTES, "MOF")
    seen = data.count(b"<VoucherBody")
    if seen > max_bodies:
        raise HostileInputError(f"MOF: {seen} <VoucherBody> elements, the limit is {max_bodies}")
    root, _ = parse_document(
        data,
        limit=MAX_MOF_BYTES,
        root=("MOF",),
        what="MOF",
        max_elements=MAX_MOF_ELEMENTS,
        max_attributes=MAX_MOF_ELEMENTS,
    )
    tree.container(root, "MOF")
    count_elements = [child for child in root if child.tag == "VoucherCount"]
    if len(count_elements) != 1:
        problem = "missing" if not count_elements else "appears more than once"
        raise CodecError(f"MOF/VoucherCount: {problem}", evs_code=EVS_EMPTY if not count_elements else None)
    count_element = count_elements[0]
    bodies = [child for child in root if child is not count_element]
    for child in bodies:
        if child.tag != "VoucherBody":
            raise CodecError(f"MOF: element <{child.tag}> is not allowed (only VoucherCount, VoucherBody)")
    count = identity.check_count(
        tree.leaf(count_element, "MOF/VoucherCount"), "MOF/VoucherCount", low=0, high=max_bodies
    )
    if count != len(bodies):
        raise CodecError(f"MOF/VoucherCount: says {count}, but the document holds {len(bodies)} VoucherBody")
    result = []
    for i, element in enumerate(bodies, 1):
        body = _read_body(element, f"MOF/VoucherBody[{i}]")
        _check_body(body, f"MOF/VoucherBody[{i}]")
        result.append(body)
    return result


def build_mof(bodies: Sequence[MofBody]) -> bytes:
    """The canonical GBK MOF: declaration and a newline, then no whitespace; single-line base64."""
    if len(bodies) > MAX_BODIES:
        raise CodecError(f"MOF: {len(bodies)} bodies, the limit is {MAX_BODIES}")
    parts = [writing.declaration("GBK"), f"<MOF><VoucherCount>{len(bodies)}</VoucherCount>"]
    values: list[tuple[str, str]] = []
    for i, body in enumerate(bodies, 1):
        where = f"MOF/VoucherBody[{i}]"
        if not isinstance(body, MofBody):
            raise CodecError(f"{where}: expected a MofBody, got {type(body).__name__}")
        _check_body(body, where)
        attributes = " ".join(
            f'{name}="{writing.attr(getattr(body, attribute), f"{where}/@{name}")}"'
            for name, attribute in _ATTRIBUTES.items()
        )
        parts.append(f"<VoucherBody {attributes}><VoucherFlag>{body.voucher_flag}</VoucherFlag>")
        values.append((f"{where}/@VoucherNo", body.voucher_no))
        for name, value in (("Return_Reason", body.return_reason), ("Attach", body.attach)):
            if value is not None:
                parts.append(writing.element(name, value, f"{where}/{name}"))
                values.append((f"{where}/{name}", value))
        parts.append(f"<Voucher>{encode_base64(body.voucher)}</Voucher>")
        if body.stamps:
            parts.append("<Stamps>")
            parts.extend(
                f'<Stamp No="{s.position}" Type="{s.kind}">{encode_base64(s.value)}</Stamp>'
                for s in body.stamps
            )
            parts.append("</Stamps>")
        parts.append("</VoucherBody>")
    parts.append("</MOF>")
    data = writing.encode("".join(parts), "GBK", values)
    check_built(data, MAX_MOF_BYTES, "MOF")
    return data
