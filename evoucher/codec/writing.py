"""Writing XML in our one canonical form: escaping, names, the declaration, encoding.

Everything we build goes through here, so that what we write is exactly what our parser reads
back: `\\r` in text and tab/newline in attributes become character references (a parser would
normalise them away otherwise), and a value that the target encoding cannot carry is refused
with the path of its field instead of being replaced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from evoucher.errors import CodecError, FieldError

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")  # element names: ASCII, no namespace prefix
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
)
ENCODINGS = ("GBK", "UTF-8")
_CODEC = {"GBK": "gbk", "UTF-8": "utf-8"}


def canonical_encoding(encoding: str) -> str:
    """ "GBK" or "UTF-8" from any spelling of them; anything else is refused."""
    name = str(encoding).upper().replace("_", "-")
    name = {"UTF8": "UTF-8"}.get(name, name)
    if name not in ENCODINGS:
        raise CodecError(f"encoding {encoding!r} is not supported: use 'GBK' or 'UTF-8'")
    return name


def declaration(encoding: str) -> str:
    return f'<?xml version="1.0" encoding="{encoding}"?>\n'


def check_name(name: str, path: str) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise FieldError(path=path, rule="element name [A-Za-z_][A-Za-z0-9_.-]*", value=str(name))
    return name


def _check_chars(value: str, path: str) -> None:
    if not isinstance(value, str):
        raise FieldError(path=path, rule="text value", value=repr(value), detail=type(value).__name__)
    bad = _NOT_XML_CHAR.search(value)
    if bad is not None:
        raise FieldError(
            path=path,
            rule="XML 1.0 characters only",
            value=value,
            detail=f"U+{ord(bad.group()):04X} at index {bad.start()}",
        )


def text(value: str, path: str) -> str:
    """Element content, escaped."""
    _check_chars(value, path)
    return value.translate(_TEXT)


def attr(value: str, path: str) -> str:
    """Attribute value (for double quotes), escaped."""
    _check_chars(value, path)
    return value.translate(_ATTR)


def element(name: str, value: str, path: str) -> str:
    return f"<{name}>{text(value, path)}</{name}>"


def encode(document: str, encoding: str, values: Iterable[tuple[str, str]]) -> bytes:
    """Encode the document; if it cannot be, name the first (path, value) that the encoding cannot carry."""
    try:
        return document.encode(_CODEC[encoding])
    except UnicodeEncodeError:
        for path, value in values:
            try:
                value.encode(_CODEC[encoding])
            except UnicodeEncodeError as e:
                raise FieldError(
                    path=path,
                    rule=f"representable in {encoding}",
                    value=value,
                    detail=f"U+{ord(value[e.start]):04X} at index {e.start}",
                ) from None
        raise
