"""Refusing hostile input before any parsing work, then parsing with a locked-down lxml parser.

Every document we read goes through `parse_document`: size limit, XML declaration and
encoding, strict decoding (bytes invalid in the encoding are named by offset), a byte scan
for DTDs, entity declarations and processing instructions, a count of the start tags and
attributes it could hold (work and memory grow with elements, not bytes: 8 MiB of `<a/>` is
1.6 million tree nodes), and only then lxml with entity resolution, network, DTD loading and
huge trees all switched off. Text needs no count of its own: it is bounded by the bytes, and
libxml2 without huge_tree refuses a single text node over 10 MB. The byte scan is sound for
GBK as well as UTF-8 because `<`, `!` and `?` (all below 0x40) never occur as a GBK trail byte.
"""

from __future__ import annotations

import binascii
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import pybase64
from lxml import etree

from evoucher.errors import EVS_EMPTY, CodecError, HostileInputError

MAX_VOUCHER_BYTES = 1024 * 1024  # one <Voucher>: real ones are a few KB, 100 details ~ 60 KB
MAX_MOF_BYTES = 16 * 1024 * 1024  # one MOF document of up to MAX_BODIES bodies
MAX_BODIES = 100  # readVoucherAgain reads at most 100 per call (reference §2)
# start tags and attributes per document: a 499-detail voucher has ~30,000 elements
MAX_ELEMENTS = 65_536
MAX_ATTRIBUTES = 65_536
# a MOF holds only envelopes (the vouchers inside are base64): per body its leaves and stamps
MAX_MOF_ELEMENTS = 2 + MAX_BODIES * 64
SCREENED_BYTES = 256 * 1024  # parse_until's screened bytes are remembered up to this size

# declared name (upper-cased) -> the codec we decode with and report
_ENCODINGS = {"GBK": "GBK", "CP936": "GBK", "GB2312": "GBK", "UTF-8": "UTF-8", "UTF8": "UTF-8"}
_PYTHON_CODEC = {"GBK": "gbk", "UTF-8": "utf-8"}
_BOM = b"\xef\xbb\xbf"
_S = rb"[ \t\r\n]"
_DECLARATION = re.compile(
    rb"<\?xml" + _S + rb"+version" + _S + rb"*=" + _S + rb"*([\"'])1\.[0-9]+\1"
    rb"(?:" + _S + rb"+encoding" + _S + rb"*=" + _S + rb"*([\"'])([A-Za-z][A-Za-z0-9._-]*)\2)?"
    rb"(?:" + _S + rb"+standalone" + _S + rb"*=" + _S + rb"*([\"'])(?:yes|no)\4)?" + _S + rb"*\?>"
)
_MARKUP_DECL = re.compile(rb"<!(?!--|\[CDATA\[)")  # DOCTYPE, ENTITY, ELEMENT, ATTLIST, ...
_PI = re.compile(rb"<\?")
# atomic group: comments are matched once, never re-tried (no backtracking on hostile input)
_FIRST_ELEMENT = re.compile(rb"(?>(?:[ \t\r\n]|<!--.*?-->)*)<([^ \t\r\n/>!?]+)", re.DOTALL)
_BLANK = re.compile(_S + rb"*\Z")
_B64_WS = str.maketrans("", "", " \t\r\n")
_B64_WS_BYTES = b" \t\r\n"
_B64_WS_LIST = tuple(bytes([c]) for c in _B64_WS_BYTES)
_B64_BAD = re.compile(r"[^A-Za-z0-9+/= \t\r\n]")
_B64_SHAPE = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_local = threading.local()


def detect_encoding(data: bytes) -> tuple[str, int]:
    """The encoding ("GBK" or "UTF-8") and the offset where the content after the declaration starts."""
    start = len(_BOM) if data.startswith(_BOM) else 0
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CodecError("UTF-16 documents are not supported: send GBK or UTF-8")
    if not data.startswith(b"<?xml", start):
        return "UTF-8", start  # no declaration: XML's default
    m = _DECLARATION.match(data, start)
    if m is None:
        raise CodecError(f"malformed XML declaration at byte {start}")
    declared = (m.group(3) or b"UTF-8").decode("ascii")
    encoding = _ENCODINGS.get(declared.upper())
    if encoding is None:
        raise CodecError(f"XML declaration: encoding {declared!r} is not supported: send GBK or UTF-8")
    if start and encoding != "UTF-8":
        raise CodecError(f"a UTF-8 byte-order mark contradicts the declared encoding {declared!r}")
    return encoding, m.end()


def decode(data: bytes, encoding: str, what: str) -> str:
    """Strictly decode; a byte sequence invalid in the encoding is refused with its offset."""
    try:
        return data.decode(_PYTHON_CODEC[encoding])
    except UnicodeDecodeError as e:
        bad = data[e.start : e.start + 2].hex(" ")
        raise HostileInputError(f"{what}: byte offset {e.start} ({bad}) is not valid {encoding}") from None


def scan(data: bytes, body_start: int, what: str) -> None:
    """Refuse DTDs, entity declarations and processing instructions, anywhere, even inside comments."""
    m = _MARKUP_DECL.search(data)
    if m is not None:
        snippet = data[m.start() : m.start() + 10].decode("ascii", "replace")
        raise HostileInputError(
            f"{what}: markup declaration {snippet!r} at byte offset {m.start()} "
            "(DOCTYPE/ENTITY are refused: no DTDs, no entities)"
        )
    m = _PI.search(data, body_start)
    if m is not None:
        raise HostileInputError(
            f"{what}: processing instruction at byte offset {m.start()} "
            "(only the XML declaration at the start is allowed)"
        )


def count_markup(data: bytes, *, max_elements: int, max_attributes: int, what: str) -> None:
    """Refuse a document that may hold more elements or attributes than allowed, before lxml builds them.

    Upper bounds counted in C over the bytes: every element starts with `<` not followed by `/`,
    `!` or `?`, and every attribute needs an `=`; `<` is never a GBK trail byte. Overcounting
    (a `<` inside a comment, an `=` in text) errs on the side of refusing. A document no longer
    than both limits holds at most that many of either, so it is not counted at all.
    """
    if len(data) <= min(max_elements, max_attributes):
        return
    elements = data.count(b"<")  # a bound already; the exact one only where it matters
    if elements > max_elements:
        elements -= data.count(b"</") + data.count(b"<!") + data.count(b"<?")
    if elements > max_elements:
        raise HostileInputError(f"{what}: up to {elements} elements, over the limit of {max_elements}")
    attributes = data.count(b"=")
    if attributes > max_attributes:
        raise HostileInputError(f"{what}: up to {attributes} attributes, over the limit of {max_attributes}")


def check_size(data: bytes | str, limit: int, what: str) -> None:
    if len(data) > limit:
        raise HostileInputError(f"{what}: {len(data)} bytes is over the limit of {limit} bytes")


def check_built(data: bytes, limit: int, what: str) -> None:
    """What we write must be readable by us: the same limits apply to output."""
    if len(data) > limit:
        raise CodecError(f"{what}: {len(data)} bytes is over the limit of {limit} bytes")


def _parser() -> etree.XMLParser:
    """One parser per thread (lxml parsers are not thread-safe); the input is always UTF-8 by now."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            encoding="utf-8",
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
        )
        _local.parser = parser
    return parser


def parse_document(
    data: bytes | str,
    *,
    limit: int,
    root: tuple[str, ...],
    what: str,
    max_elements: int = MAX_ELEMENTS,
    max_attributes: int = MAX_ATTRIBUTES,
) -> tuple[etree._Element, str]:
    """Check, then parse. Returns the root element and the encoding ("GBK"/"UTF-8"; "UTF-8" for str).

    `root` lists the accepted root tags as lxml names them (`{namespace}local` when namespaced).
    """
    expected = " or ".join(f"<{r}>" for r in root)
    if not isinstance(data, bytes | str):
        raise CodecError(f"{what}: expected bytes, got {type(data).__name__}")
    check_size(data, limit, what)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
        encoding, body_start = detect_encoding(data)
        encoding = "UTF-8"  # already decoded text: the declaration's name no longer applies
    else:
        encoding, body_start = detect_encoding(data)
    if _BLANK.match(data, body_start):
        raise CodecError(f"{what}: empty document", evs_code=EVS_EMPTY)
    screened = getattr(_local, "screened", None) == (data, max_elements, max_attributes)
    _local.screened = None
    if not screened:
        count_markup(data, max_elements=max_elements, max_attributes=max_attributes, what=what)
    if data.isascii():  # valid GBK and UTF-8 alike, and UTF-8 already (requests are mostly base64)
        utf8 = data
    else:
        text = decode(data, encoding, what)
        utf8 = data if encoding == "UTF-8" else text.encode("utf-8")
    if not screened:
        scan(data, body_start, what)
    first = _FIRST_ELEMENT.match(data, body_start)
    name = first.group(1).decode(_PYTHON_CODEC[encoding], "replace") if first else None
    # before parsing only the local name is known: compare it with the local part of each root
    if name is None or name.rpartition(":")[2] not in {r.rpartition("}")[2] for r in root}:
        raise CodecError(f"{what}: root element is {f'<{name}>' if name else 'missing'}, expected {expected}")
    try:
        element = etree.fromstring(utf8, _parser())
    except etree.XMLSyntaxError as e:
        line, column = e.position
        if "Excessive depth" in e.msg:
            raise HostileInputError(
                f"{what}: nesting too deep at line {line}, column {column} (libxml2 stops at 256 levels)"
            ) from None
        raise CodecError(f"{what}: not well-formed XML at line {line}, column {column}: {e.msg}") from None
    if element.tag not in root:  # a namespace, say: <Voucher xmlns="urn:x">
        raise CodecError(f"{what}: root element is <{element.tag}>, expected {expected}")
    return element, encoding


def parse_until(
    data: bytes, *, stop: tuple[str, ...], limit: int, what: str, chunk: int = 16 * 1024
) -> etree._Element | None:
    """The root as parsed up to the start of the first element at path `stop` below it, or None.

    For looking at a prologue (a SOAP Header and the name of the Body's first child) without
    paying for what follows: the byte-level refusals of `parse_document` run first, then lxml
    is fed `chunk` bytes at a time and stops as soon as an element opens whose tags from the
    root's child down are `stop` ("*" matches any tag); the elements before it are complete.
    None when the document ends or breaks before that: `parse_document` then says what is wrong.
    """
    check_size(data, limit, what)
    _, body_start = detect_encoding(data)
    count_markup(data, max_elements=MAX_ELEMENTS, max_attributes=MAX_ATTRIBUTES, what=what)
    scan(data, body_start, what)
    # the same bytes read whole next by this thread (a server's prologue, then its request) are
    # not counted and scanned again by `parse_document`; only up to SCREENED_BYTES are held
    _local.screened = (data, MAX_ELEMENTS, MAX_ATTRIBUTES) if len(data) <= SCREENED_BYTES else None
    parser = etree.XMLPullParser(
        events=("start",), resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    root = None
    try:
        for offset in range(0, len(data), chunk):
            parser.feed(data[offset : offset + chunk])
            for _, element in parser.read_events():
                if root is None:
                    root = element
                elif _at(element, root, stop):
                    return root
    except etree.XMLSyntaxError:
        return None
    return None


def _at(element: etree._Element, root: etree._Element, path: tuple[str, ...]) -> bool:
    """Whether `element` sits at `path` below `root`; looks up no further than the first mismatch."""
    for want in reversed(path):
        if element is None or element is root or want not in ("*", element.tag):
            return False
        element = element.getparent()
    return element is root


def decode_base64(text: str | None, where: str) -> bytes:
    """Canonical base64 (RFC 4648 alphabet, `=` padding, zero pad bits); spaces and line breaks ignored.

    Java's MIME encoders wrap lines at 76 characters, so ASCII whitespace is dropped first (when
    there is any). The check is pybase64's strict decode (the alphabet and padding rules of
    binascii's strict mode, with SIMD: 4 µs for 35 KB against binascii's 140 µs; a stamped MOF
    carries ~55 KB of base64 per voucher) plus the last quantum's pad bits; only refused input
    is scanned again, to say why.
    """
    text = text or ""
    try:
        compact = text.encode("ascii")
        if any(space in compact for space in _B64_WS_LIST):
            compact = compact.translate(None, _B64_WS_BYTES)
        if compact and not len(compact) % 4:
            data = pybase64.b64decode(compact, validate=True)
            last = 3 - compact.count(b"=", -2)  # bytes the final 4 characters carry
            if binascii.b2a_base64(data[-last:], newline=False) == compact[-4:]:
                return data
    except (UnicodeEncodeError, binascii.Error):
        pass
    _refuse_base64(text, where)


def _refuse_base64(text: str, where: str) -> NoReturn:
    """Raise the error that says why `text` is not canonical base64."""
    bad = _B64_BAD.search(text)
    if bad is not None:
        raise HostileInputError(
            f"{where}: character {bad.group()!r} at offset {bad.start()} is not in the base64 alphabet"
        )
    compact = text.translate(_B64_WS)
    if not compact:
        raise CodecError(f"{where}: empty, expected base64", evs_code=EVS_EMPTY)
    if len(compact) % 4 or not _B64_SHAPE.fullmatch(compact):
        raise HostileInputError(f"{where}: bad base64 padding ({len(compact)} characters)")
    raise HostileInputError(f"{where}: non-canonical base64 (padding bits are not zero)")


def encode_base64(data: bytes) -> str:
    """Base64 as we write it: one line, no whitespace."""
    return pybase64.b64encode(data).decode("ascii")


@contextmanager
def within(prefix: str) -> Iterator[None]:
    """Re-raise codec errors from a nested document with where it sat in the outer one."""
    try:
        yield
    except (HostileInputError, CodecError) as e:
        raise type(e)(f"{prefix}{e.message}", evs_code=e.evs_code) from e
