"""The `<Voucher>` document: parsed into ordered fields, kept byte-exact, built in one canonical form.

A voucher is flat: header fields, then an optional `DetailList` of `Detail` rows of fields.
Stamps hash the exact bytes carried, so a parsed voucher keeps its input (`raw`) and hands
it back unchanged; building (and changing fields, re-encoding) always writes the canonical form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from lxml import etree

from evoucher.codec import writing
from evoucher.codec.safe import MAX_VOUCHER_BYTES, check_built, parse_document
from evoucher.errors import CodecError, FieldError, HostileInputError

_NOTHING: Mapping = MappingProxyType({})


@dataclass(frozen=True)
class Voucher:
    """A parsed voucher: its fields in document order, and the exact bytes it was read from."""

    vt_code: str
    header: Mapping[str, str] = field(hash=False)
    details: tuple[Mapping[str, str], ...] = field(hash=False)
    encoding: str
    raw: bytes = field(repr=False)
    has_detail_list: bool

    def to_bytes(self) -> bytes:
        """The bytes this voucher was parsed from, unchanged (stamps hash exactly these)."""
        return self.raw

    @property
    def voucher_no(self) -> str:
        return self.header.get("VoucherNo", "")

    @property
    def adm_div_code(self) -> str:
        return self.header.get("AdmDivCode", "")

    @property
    def st_year(self) -> str:
        return self.header.get("StYear", "")


# The shape is checked by a few XPath queries run in C; Python only locates what they find.
_TOO_DEEP = etree.XPath("/*/*[not(self::DetailList)]/* | /*/DetailList/*/*/*")
_NOT_DETAIL = etree.XPath("/*/DetailList/*[not(self::Detail)]")
_ATTRIBUTE = etree.XPath("//@*")
_STRAY_TEXT = etree.XPath("(/* | /*/DetailList | /*/DetailList/Detail)/text()[normalize-space()]")


def _path(element: etree._Element) -> str:
    return element.getroottree().getpath(element).lstrip("/")


def _check_shape(root: etree._Element) -> None:
    """Voucher/field or Voucher/DetailList/Detail/field, nothing else: no attributes, no stray text."""
    deep = _TOO_DEEP(root)
    if deep:
        raise HostileInputError(
            f"{_path(deep[0])}: nesting too deep (a field holds text only; "
            "a Voucher is at most Voucher/DetailList/Detail/field)"
        )
    other = _NOT_DETAIL(root)
    if other:
        raise CodecError(f"{_path(other[0])}: only <Detail> is allowed in a DetailList")
    attribute = _ATTRIBUTE(root)
    if attribute:
        raise CodecError(
            f"{_path(attribute[0].getparent())}/@{attribute[0].attrname}: attributes are not allowed"
        )
    text = _STRAY_TEXT(root)
    if text:
        where = "after the element " if text[0].is_tail else ""
        raise CodecError(f"{_path(text[0].getparent())}: text {text[0].strip()[:20]!r} {where}is not allowed")


def _fields(parent: etree._Element, names: list[str]) -> dict[str, str]:
    """Tag -> text of the children (which are leaves by now); a repeated tag is refused."""
    values = {child.tag: child.text or "" for child in parent}
    if len(values) != len(parent):
        seen: set[str] = set()
        for child in parent:
            if child.tag in seen:
                raise CodecError(f"{_path(child)}: the element appears twice")
            seen.add(child.tag)
    names.extend(values)
    return values


def parse_voucher(data: bytes) -> Voucher:
    """Parse one `<Voucher>` document (GBK or UTF-8); hostile or malformed input is refused."""
    if not isinstance(data, bytes):
        raise CodecError(f"Voucher: expected bytes, got {type(data).__name__}")
    root, encoding = parse_document(data, limit=MAX_VOUCHER_BYTES, root=("Voucher",), what="Voucher")
    _check_shape(root)
    names: list[str] = []
    header = _fields(root, names)
    detail_list = root.find("DetailList")
    details = ()
    if detail_list is not None:
        del header["DetailList"]
        names.remove("DetailList")
        details = tuple(MappingProxyType(_fields(detail, names)) for detail in detail_list)
    if not writing.all_names(names):
        bad = next(e for e in root.iter() if not isinstance(e.tag, str) or not writing.NAME.fullmatch(e.tag))
        raise CodecError(f"{_path(bad)}: element name {bad.tag!r} is not allowed (plain ASCII, no namespace)")
    return Voucher(
        vt_code=header.get("VtCode", ""),
        header=MappingProxyType(header),
        details=details,
        encoding=encoding,
        raw=data,
        has_detail_list=detail_list is not None,
    )


def build_voucher(
    header: Mapping[str, str],
    details: Sequence[Mapping[str, str]] | None = None,
    *,
    encoding: str = "GBK",
) -> bytes:
    """The canonical `<Voucher>`: declaration and a newline, then the elements with no whitespace.

    Header fields in the given order, then `<DetailList>` (omitted when `details` is None,
    empty when it is empty). Empty values are written `<X></X>`.
    """
    encoding = writing.canonical_encoding(encoding)
    if not isinstance(header, Mapping):
        raise CodecError(f"Voucher header: expected a mapping, got {type(header).__name__}")
    flat = isinstance(details, Mapping | str | bytes)
    if details is not None and (flat or not isinstance(details, Sequence)):
        raise CodecError(f"Voucher details: expected a sequence of mappings, got {type(details).__name__}")
    if "DetailList" in header:
        raise FieldError(path="Voucher/DetailList", rule="given as `details`, not in the header", value="")
    rows = [("Voucher", header)]
    for i, row in enumerate(details or (), 1):
        if not isinstance(row, Mapping):
            raise CodecError(f"Voucher/DetailList/Detail[{i}]: expected a mapping, got {type(row).__name__}")
        rows.append((f"Voucher/DetailList/Detail[{i}]", row))
    parts = [writing.declaration(encoding), "<Voucher>", writing.elements(header, "Voucher")]
    if details is not None:
        parts.append("<DetailList>")
        parts.extend(f"<Detail>{writing.elements(row, path)}</Detail>" for path, row in rows[1:])
        parts.append("</DetailList>")
    parts.append("</Voucher>")
    values = ((f"{path}/{name}", value) for path, fields in rows for name, value in fields.items())
    data = writing.encode("".join(parts), encoding, values)
    check_built(data, MAX_VOUCHER_BYTES, "Voucher")
    return data


def with_fields(
    voucher: Voucher,
    header: Mapping[str, str] = _NOTHING,
    details: Mapping[int, Mapping[str, str]] = _NOTHING,
    *,
    encoding: str | None = None,
) -> bytes:
    """A new canonical voucher with fields set (e.g. a receipt's X* fields).

    Existing fields keep their place and take the new value; new fields are appended.
    `details` is keyed by 0-based index into `voucher.details`.
    """
    new_header = {**voucher.header, **header}
    rows = [dict(row) for row in voucher.details]
    for index, changes in details.items():
        if not voucher.has_detail_list or not isinstance(index, int) or not 0 <= index < len(rows):
            raise FieldError(
                path=f"Voucher/DetailList/Detail[{index + 1 if isinstance(index, int) else index}]",
                rule="an existing detail (0-based index into voucher.details)",
                value=str(index),
                detail=f"the voucher has {len(rows)} details",
            )
        rows[index].update(changes)
    return build_voucher(
        new_header,
        rows if voucher.has_detail_list else None,
        encoding=voucher.encoding if encoding is None else encoding,
    )


def reencode(voucher: Voucher, encoding: str) -> bytes:
    """The same fields in the canonical form of another encoding (GBK <-> UTF-8)."""
    return with_fields(voucher, encoding=encoding)
