"""The stamp-position parameter of signStampByNos/signByNos: which stamp or cert goes at which position.

`<MOF><Stamp No="{position}">{stampId or certId}</Stamp>…</MOF>`, GBK (reference §2). Other
public samples use `<Root>` as the root, so we read both and write `<MOF>`. It arrives as a SOAP
string or as bytes, so both are accepted.
"""

from __future__ import annotations

from collections.abc import Mapping

from evoucher.codec import identity, tree, writing
from evoucher.codec.safe import check_built, parse_document
from evoucher.errors import EVS_EMPTY, CodecError

MAX_STAMP_POSITIONS_BYTES = 64 * 1024  # a handful of positions; a template has fewer than ten


def _check_id(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CodecError(f"{where}: the stamp or cert id is missing or empty", evs_code=EVS_EMPTY)
    return value


def parse_stamp_positions(data: bytes | str) -> dict[str, str]:
    """Position id -> stamp id (or cert id, for a signature), in document order."""
    root, _ = parse_document(
        data, limit=MAX_STAMP_POSITIONS_BYTES, root=("MOF", "Root"), what="stamp positions"
    )
    tree.container(root, root.tag)
    positions: dict[str, str] = {}
    for i, element in enumerate(tree.repeated_children(root, root.tag, "Stamp"), 1):
        where = f"{root.tag}/Stamp[{i}]"
        value = tree.leaf(element, where, ("No",))
        position = identity.check("No", element.get("No"), f"{where}/@No")
        if position in positions:
            raise CodecError(f"{where}/@No: position {position!r} appears twice")
        positions[position] = _check_id(value, where)
    if not positions:
        raise CodecError(f"{root.tag}: no <Stamp> position given", evs_code=EVS_EMPTY)
    return positions


def build_stamp_positions(positions: Mapping[str, str]) -> bytes:
    """The canonical GBK form, root `<MOF>`, one `<Stamp>` per position in the given order."""
    if not isinstance(positions, Mapping) or not positions:
        raise CodecError(
            "stamp positions: expected a non-empty mapping of position -> id", evs_code=EVS_EMPTY
        )
    parts = [writing.declaration("GBK"), "<MOF>"]
    values = []
    for i, (position, value) in enumerate(positions.items(), 1):
        where = f"MOF/Stamp[{i}]"
        identity.check("No", position, f"{where}/@No")
        parts.append(f'<Stamp No="{position}">{writing.text(_check_id(value, where), where)}</Stamp>')
        values.append((where, value))
    parts.append("</MOF>")
    data = writing.encode("".join(parts), "GBK", values)
    check_built(data, MAX_STAMP_POSITIONS_BYTES, "stamp positions")
    return data
