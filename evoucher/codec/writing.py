"""Writing XML in our one canonical form: escaping, names, the declaration, encoding.

Everything we build goes through here, so that what we write is exactly what our parser reads
back: `\\r` in text and tab/newline in attributes become character references (a parser would
normalise them away otherwise), and a value that is not XML text, or that the target encoding
cannot carry, is refused with the path of its field instead of being replaced.

Checks run in bulk over the whole document (a voucher has hundreds of fields); only when they
find something do we go field by field to name it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from evoucher.errors import CodecError, FieldError

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")  # element names: ASCII, no namespace prefix
_NAME_LINES = re.compile(f"(?:{NAME.pattern}\n)*")
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# C0 controls other than tab, LF, CR; in GBK and UTF-8 these bytes only ever stand for themselves
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r")
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
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


def all_names(names: Iterable[str]) -> bool:
    """Whether every name is a valid element name (one regex run for a whole voucher)."""
    return _NAME_LINES.fullmatch("".join(f"{name}\n" for name in names)) is not None


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


def _escape(value: str) -> str:
    """Element content: & < > and CR as references (str.replace: far faster than translate on CJK)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def text(value: str, path: str) -> str:
    """Element content, checked and escaped."""
    _check_chars(value, path)
    return _escape(value)


def attr(value: str, path: str) -> str:
    """Attribute value (for double quotes), checked and escaped."""
    _check_chars(value, path)
    return value.translate(_ATTR)


def element(name: str, value: str, path: str) -> str:
    return f"<{name}>{text(value, path)}</{name}>"


def elements(fields: Mapping[str, str], path: str) -> str:
    """`<name>value</name>` for each field. Names and types are checked here, characters by `encode`.

    All values are escaped in one pass, joined by NUL (which no valid value contains).
    """
    names, values = list(fields), list(fields.values())
    if all(type(v) is str for v in values) and all_names(names):
        escaped = _escape("\0".join(values)).split("\0")
        if len(escaped) == len(values):
            return "".join([f"<{name}>{value}</{name}>" for name, value in zip(names, escaped, strict=True)])
    return "".join(element(check_name(n, f"{path}/{n}"), v, f"{path}/{n}") for n, v in fields.items())


def encode(document: str, encoding: str, values: Iterable[tuple[str, str]]) -> bytes:
    """Encode the document, refusing characters XML 1.0 forbids or the encoding cannot carry.

    `values` are the (path, value) pairs written into it, searched only to name the culprit.
    """
    try:
        data = document.encode(_CODEC[encoding])
        if (
            not data.translate(None, _NOT_CONTROL)
            and b"\xef\xbf\xbe" not in data
            and b"\xef\xbf\xbf" not in data
        ):
            return data
    except UnicodeEncodeError:
        data = None
    for path, value in values:
        _check_chars(value, path)
        try:
            value.encode(_CODEC[encoding])
        except UnicodeEncodeError as e:
            raise FieldError(
                path=path,
                rule=f"representable in {encoding}",
                value=value,
                detail=f"U+{ord(value[e.start]):04X} at index {e.start}",
            ) from None
    if data is None:  # something outside `values` cannot be encoded: a caller forgot to list it
        raise CodecError(f"document cannot be encoded in {encoding}")
    return data  # U+FFFE/FFFF bytes that were really two GBK characters
