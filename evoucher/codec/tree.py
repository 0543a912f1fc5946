"""Walking a parsed tree strictly: known children only, no stray text, no unexpected attributes.

Each document we read has a fixed, shallow shape; anything outside it is refused with its path
rather than ignored, so that no part of an accepted document goes unread. An element below a
leaf is refused as too-deep nesting (libxml2 itself stops at 256 levels while parsing).
"""

from __future__ import annotations

from lxml import etree

from evoucher.errors import CodecError, HostileInputError

_WS = " \t\r\n"


def _stray(text: str | None) -> str:
    return (text or "").strip(_WS)[:20]


def check_element(element: etree._Element, where: str, attributes: tuple[str, ...] = ()) -> None:
    """No attributes other than `attributes`, and only whitespace after the element."""
    extra = sorted(set(element.attrib) - set(attributes))
    if extra:
        raise CodecError(f"{where}: attribute(s) {extra} not allowed")
    if _stray(element.tail):
        raise CodecError(f"{where}: text {_stray(element.tail)!r} after the element is not allowed")


def container(element: etree._Element, where: str, attributes: tuple[str, ...] = ()) -> None:
    """An element that holds elements: whitespace only between them."""
    check_element(element, where, attributes)
    if _stray(element.text):
        raise CodecError(f"{where}: text {_stray(element.text)!r} is not allowed here")


def leaf(element: etree._Element, where: str, attributes: tuple[str, ...] = ()) -> str:
    """An element that holds text only; its text, "" when empty."""
    check_element(element, where, attributes)
    if len(element):
        raise HostileInputError(f"{where}/{element[0].tag}: nesting too deep ({where} holds text only)")
    return element.text or ""


def unique_children(
    parent: etree._Element, where: str, allowed: tuple[str, ...]
) -> dict[str, etree._Element]:
    """The children by name, each at most once, none outside `allowed`."""
    found: dict[str, etree._Element] = {}
    for child in parent:
        if child.tag not in allowed:
            raise CodecError(f"{where}: element <{child.tag}> is not allowed (expected {', '.join(allowed)})")
        if child.tag in found:
            raise CodecError(f"{where}/{child.tag}: appears twice")
        found[child.tag] = child
    return found


def repeated_children(parent: etree._Element, where: str, tag: str) -> list[etree._Element]:
    """The children, all named `tag`."""
    for child in parent:
        if child.tag != tag:
            raise CodecError(f"{where}: element <{child.tag}> is not allowed (only <{tag}>)")
    return list(parent)
