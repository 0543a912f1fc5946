"""The `<Voucher>` document: parsed into ordered fields, kept byte-exact, built in one canonical form.

A voucher is flat: header fields, then an optional `DetailList` of `Detail` rows of fields.
Stamps hash the exact bytes carried, so a parsed voucher keeps its input (`raw`) and hands
it back unchanged; building (and changing fields, re-encoding) always writes the canonical form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from lxml import etree

from evoucher.codec import tree, writing
from evoucher.codec.safe import MAX_VOUCHER_BYTES, parse_document
from evoucher.errors import CodecError, FieldError

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


def _named(element: etree._Element, path: str) -> None:
    if not isinstance(element.tag, str) or not writing.NAME.fullmatch(element.tag):
        raise CodecError(f"{path}: element name {element.tag!r} is not allowed (plain ASCII, no namespace)")


def _fields(children: Iterable[etree._Element], path: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for child in children:
        where = f"{path}/{child.tag}"
        _named(child, where)
        value = tree.leaf(child, where)
        if child.tag in values:
            raise CodecError(f"{where}: the field appears twice")
        values[child.tag] = value
    return values


def _details(detail_list: etree._Element) -> tuple[Mapping[str, str], ...]:
    tree.container(detail_list, "Voucher/DetailList")
    rows = []
    for i, detail in enumerate(tree.repeated_children(detail_list, "Voucher/DetailList", "Detail"), 1):
        path = f"Voucher/DetailList/Detail[{i}]"
        tree.container(detail, path)
        rows.append(MappingProxyType(_fields(detail, path)))
    return tuple(rows)


def parse_voucher(data: bytes) -> Voucher:
    """Parse one `<Voucher>` document (GBK or UTF-8); hostile or malformed input is refused."""
    if not isinstance(data, bytes):
        raise CodecError(f"Voucher: expected bytes, got {type(data).__name__}")
    root, encoding = parse_document(data, limit=MAX_VOUCHER_BYTES, root=("Voucher",), what="Voucher")
    _named(root, "Voucher")
    tree.container(root, "Voucher")
    details: tuple[Mapping[str, str], ...] | None = None
    header_fields = []
    for child in root:
        if child.tag != "DetailList":
            header_fields.append(child)
        elif details is not None:
            raise CodecError("Voucher/DetailList: appears twice")
        else:
            details = _details(child)
    header = _fields(header_fields, "Voucher")
    return Voucher(
        vt_code=header.get("VtCode", ""),
        header=MappingProxyType(header),
        details=details or (),
        encoding=encoding,
        raw=data,
        has_detail_list=details is not None,
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
    parts = [writing.declaration(encoding), "<Voucher>"]
    values: list[tuple[str, str]] = []

    def put(fields: Mapping[str, str], path: str) -> None:
        for name, value in fields.items():
            where = f"{path}/{name}"
            writing.check_name(name, where)
            parts.append(writing.element(name, value, where))
            values.append((where, value))

    if "DetailList" in header:
        raise FieldError(path="Voucher/DetailList", rule="given as `details`, not in the header", value="")
    put(header, "Voucher")
    if details is not None:
        parts.append("<DetailList>")
        for i, row in enumerate(details, 1):
            if not isinstance(row, Mapping):
                got = type(row).__name__
                raise CodecError(f"Voucher/DetailList/Detail[{i}]: expected a mapping, got {got}")
            parts.append("<Detail>")
            put(row, f"Voucher/DetailList/Detail[{i}]")
            parts.append("</Detail>")
        parts.append("</DetailList>")
    parts.append("</Voucher>")
    data = writing.encode("".join(parts), encoding, values)
    if len(data) > MAX_VOUCHER_BYTES:
        raise CodecError(f"Voucher: {len(data)} bytes is over the limit of {MAX_VOUCHER_BYTES} bytes")
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
