"""Hostile input: refused with HostileInputError naming what and where, before lxml sees a byte."""

import base64

import pytest
from lxml import etree

from evoucher.codec import (
    MAX_MOF_BYTES,
    MAX_VOUCHER_BYTES,
    MofBody,
    build_mof,
    build_voucher,
    parse_file_block,
    parse_mof,
    parse_stamp_positions,
    parse_voucher,
    safe,
)
from evoucher.errors import CodecError, HostileInputError

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Voucher><Remark>&lol3;</Remark></Voucher>"""
XXE_FILE = b'<?xml version="1.0"?><!DOCTYPE v [<!ENTITY x SYSTEM "file:///etc/passwd">]><Voucher><A>&x;</A></Voucher>'
XXE_URL = b'<!DOCTYPE v [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]><Voucher><A>&x;</A></Voucher>'
EXTERNAL_DTD = (
    b'<?xml version="1.0" encoding="GBK"?><!DOCTYPE Voucher SYSTEM "http://127.0.0.1:9/v.dtd"><Voucher/>'
)
PARAMETER_ENTITY = b'<!DOCTYPE v [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p"> %p;]><Voucher/>'
DTD_IN_COMMENT = b"<Voucher><!-- <!DOCTYPE x> --><A>1</A></Voucher>"
GOOD = build_voucher({"AdmDivCode": "330100", "StYear": "2024", "VtCode": "5207", "VoucherNo": "A1"})

VOUCHER_VECTORS = [
    (BILLION_LAUGHS, "markup declaration '<!DOCTYPE ' at byte offset 22"),
    (XXE_FILE, "markup declaration '<!DOCTYPE ' at byte offset 21"),
    (XXE_URL, "markup declaration '<!DOCTYPE ' at byte offset 0"),
    (EXTERNAL_DTD, "markup declaration '<!DOCTYPE ' at byte offset 36"),
    (PARAMETER_ENTITY, "<!DOCTYPE"),
    (DTD_IN_COMMENT, "byte offset 14"),
    (b"<!ENTITY x 'y'><Voucher/>", "'<!ENTITY x' at byte offset 0"),
    (
        b'<?xml version="1.0"?><?xml-stylesheet href="x"?><Voucher/>',
        "processing instruction at byte offset 21",
    ),
    (b"<Voucher><A><?php x ?></A></Voucher>", "processing instruction at byte offset 12"),
    (
        b'<?xml version="1.0" encoding="GBK"?>\n<Voucher><A>\xd6\xd0\xff\xfe</A></Voucher>',
        r"byte offset 51 \(ff fe\) is not valid GBK",
    ),
    (
        b'<?xml version="1.0" encoding="GBK"?><Voucher><A>\x81</A></Voucher>',
        r"byte offset 48 \(81 3c\) is not valid GBK",
    ),
    (b"<Voucher><A>\xd6\xd0</A></Voucher>", r"byte offset 12 \(d6 d0\) is not valid UTF-8"),
    (b"<Voucher><A>" + b"x" * MAX_VOUCHER_BYTES + b"</A></Voucher>", "over the limit of 1048576 bytes"),
    (b"<Voucher><A><B><C/></B></A></Voucher>", "Voucher/A/B: nesting too deep"),
    (b"<Voucher>" + b"<A>" * 10000 + b"</A>" * 10000 + b"</Voucher>", "Voucher: nesting too deep at line 1"),
]


@pytest.fixture
def no_parser(monkeypatch):
    """Fail the test if lxml is asked to parse anything."""

    def refuse(*args, **kwargs):
        raise AssertionError("lxml was called on hostile input")

    monkeypatch.setattr(etree, "fromstring", refuse)


@pytest.mark.parametrize(("data", "match"), VOUCHER_VECTORS[:13])
def test_refused_before_parsing(no_parser, data, match):
    with pytest.raises(HostileInputError, match=match) as e:
        parse_voucher(data)
    assert e.value.evs_code == "EVS100" and e.value.fault_string().startswith("EVS100#Voucher")


@pytest.mark.parametrize(("data", "match"), VOUCHER_VECTORS)
def test_refused(data, match):
    with pytest.raises(HostileInputError, match=match):
        parse_voucher(data)


def _mof_with(voucher_b64: bytes) -> bytes:
    good = build_mof([MofBody.of(parse_voucher(GOOD))])
    return good.replace(base64.b64encode(GOOD), voucher_b64)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (_mof_with(base64.b64encode(BILLION_LAUGHS)), r"MOF/VoucherBody\[1\]/Voucher: markup declaration"),
        (_mof_with(base64.b64encode(XXE_FILE)), r"VoucherBody\[1\]/Voucher: markup declaration"),
        (_mof_with(b"PFZv!WNoZXI+"), r"Voucher: character '!' at offset 4 is not in the base64 alphabet"),
        (_mof_with(b"PFZvdWNoZXI+\xff\xfe"), r"MOF: byte offset \d+ \(ff fe\) is not valid GBK"),
        (_mof_with(b"PFZvdWNoZXI"), "bad base64 padding"),
        (_mof_with(b"PFZvdWNoZXI+="), "bad base64 padding"),
        (_mof_with(b"PA==PA=="), "bad base64 padding"),
        (_mof_with(b"PB=="), "non-canonical base64"),
        (build_mof([]).replace(b"<MOF>", b"<!DOCTYPE MOF SYSTEM 'x.dtd'><MOF>"), "markup declaration"),
        (b"<MOF>" + b" " * MAX_MOF_BYTES + b"</MOF>", "over the limit of 16777216 bytes"),
        (b"<MOF><VoucherCount>101</VoucherCount>" + b"<VoucherBody/>" * 101 + b"</MOF>", "101 <VoucherBody>"),
    ],
)
def test_mof_vectors(data, match):
    with pytest.raises(HostileInputError, match=match):
        parse_mof(data)


def test_base64_wrapped_by_java_is_accepted():
    wrapped = base64.encodebytes(GOOD).replace(b"\n", b"\r\n ")
    assert parse_mof(_mof_with(wrapped))[0].voucher == GOOD


@pytest.mark.parametrize(
    ("data", "error", "match"),
    [
        (b"<Voucher/>", CodecError, "root element is <Voucher>, expected <MOF>"),
        (
            build_mof([]).replace(b"<VoucherCount>0", b"<VoucherCount>1"),
            CodecError,
            "says 1, but the document holds 0",
        ),
    ],
)
def test_mof_structure(data, error, match):
    with pytest.raises(error, match=match):
        parse_mof(data)


def test_stamp_positions_and_file_blocks_are_guarded_too():
    with pytest.raises(HostileInputError, match="markup declaration"):
        parse_stamp_positions(
            '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><MOF><Stamp No="a">&x;</Stamp></MOF>'
        )
    with pytest.raises(HostileInputError, match="over the limit"):
        parse_stamp_positions("<MOF>" + " " * 65536 + "</MOF>")
    with pytest.raises(HostileInputError, match="markup declaration"):
        parse_file_block(base64.b64encode(XXE_FILE.replace(b"Voucher", b"File")))
    with pytest.raises(HostileInputError, match="not in the base64 alphabet"):
        parse_file_block("中文".encode())


def test_wrong_root_refused_before_parsing(no_parser):
    with pytest.raises(CodecError, match="root element is <MOF>, expected <Voucher>"):
        parse_voucher(b'<?xml version="1.0" encoding="GBK"?>\n<!-- x --><MOF/>')
    with pytest.raises(CodecError, match="root element is missing"):
        parse_voucher(b"<!-- only a comment -->")


@pytest.mark.parametrize(
    ("parse", "data", "match"),
    [
        (
            parse_voucher,
            b"<Voucher>" + b"<a/>" * 70_000 + b"</Voucher>",
            "up to 70001 elements, over the limit of 65536",
        ),
        (
            parse_voucher,
            b"<Voucher " + b'a="1" ' * 70_000 + b"/>",
            "up to 70000 attributes, over the limit of 65536",
        ),
        (
            parse_mof,
            b"<MOF><VoucherCount>0</VoucherCount>" + b"<a/>" * 7_000 + b"</MOF>",
            "MOF: up to 7002 elements",
        ),
        (
            parse_mof,
            b'<?xml version="1.0" encoding="GBK"?>\n<MOF>' + b"<x></x>" * 1_450_000 + b"</MOF>",
            "over the limit of 6402",
        ),
    ],
)
def test_elements_and_attributes_are_counted_before_parsing(no_parser, parse, data, match):
    """Work grows with elements, not bytes: 1.45 million empty elements fit in 10 MB."""
    with pytest.raises(HostileInputError, match=match) as e:
        parse(data)
    assert e.value.evs_code == "EVS100"


def test_a_legitimate_large_voucher_is_under_the_element_limit():
    """499 details (the registry's most) of 60 fields each stay under MAX_ELEMENTS and MAX_VOUCHER_BYTES."""
    fields = "".join(f"<F{j}>1</F{j}>" for j in range(60))
    details = f"<Detail>{fields}</Detail>" * 499
    data = f"<Voucher><AdmDivCode>330100</AdmDivCode><DetailList>{details}</DetailList></Voucher>".encode()
    assert parse_voucher(data).header["AdmDivCode"] == "330100"


def test_a_prologue_read_vouches_only_for_the_very_bytes_it_screened():
    """A server reads a request's prologue, then the request: the second read skips the byte
    checks for the same bytes only, never for other bytes of the same length."""
    good = b"<Voucher><A>1</A><!-- a remark  --></Voucher>"
    hostile = b"<Voucher><A>1</A><!DOCTYPE Voucher></Voucher>"
    assert len(good) == len(hostile)
    for data in (good, hostile):
        safe.parse_until(good, stop=("A",), limit=1024, what="Voucher")
        if data is hostile:
            with pytest.raises(HostileInputError, match="markup declaration '<!DOCTYPE '"):
                safe.parse_document(data, limit=1024, root=("Voucher",), what="Voucher")
        else:
            assert (
                safe.parse_document(data, limit=1024, root=("Voucher",), what="Voucher")[0].tag == "Voucher"
            )
