"""The <Voucher> document: byte-exact parsing, the canonical form, field changes, re-encoding."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evoucher.codec import Voucher, build_voucher, parse_voucher, reencode, with_fields
from evoucher.errors import CodecError, FieldError, HostileInputError
from tests.evoucher.codec.strategies import details, fields

HEADER = {"Id": "1", "AdmDivCode": "330100", "StYear": "2024", "VtCode": "5207", "VoucherNo": "A001"}

# a voucher as another system might write it: pretty-printed, a comment, CDATA, GB2312 declared
PRETTY = """<?xml version="1.0" encoding="GB2312"?>
<Voucher>
  <!-- 实拨拨款凭证 -->
  <VtCode>5207</VtCode>
  <VoucherNo>A001</VoucherNo>
  <PayeeAcctName><![CDATA[浙江省<财政>厅]]></PayeeAcctName>
  <Remark/>
  <DetailList>
    <Detail><Id>1</Id><XpayAmt>1.00</XpayAmt></Detail>
  </DetailList>
</Voucher>
""".encode("gbk")


@given(fields, details, st.sampled_from(["GBK", "UTF-8"]))
def test_build_parse_round_trip_is_byte_exact(header, rows, encoding):
    data = build_voucher(header, rows, encoding=encoding)
    voucher = parse_voucher(data)
    assert voucher.to_bytes() == data
    assert dict(voucher.header) == header
    assert [dict(d) for d in voucher.details] == (rows or [])
    assert voucher.has_detail_list == (rows is not None)
    assert voucher.encoding == encoding
    assert (
        build_voucher(voucher.header, voucher.details if rows is not None else None, encoding=encoding)
        == data
    )


@given(fields, details)
def test_reencoding_keeps_content(header, rows):
    gbk = parse_voucher(build_voucher(header, rows))
    utf8 = parse_voucher(reencode(gbk, "UTF-8"))
    assert utf8.encoding == "UTF-8"
    assert (utf8.header, utf8.details, utf8.has_detail_list) == (gbk.header, gbk.details, gbk.has_detail_list)
    assert reencode(utf8, "GBK") == gbk.to_bytes()


def test_canonical_form_is_fixed():
    data = build_voucher({"VtCode": "5207", "Remark": ""}, [{"Id": "1"}])
    assert data == (
        b'<?xml version="1.0" encoding="GBK"?>\n'
        b"<Voucher><VtCode>5207</VtCode><Remark></Remark>"
        b"<DetailList><Detail><Id>1</Id></Detail></DetailList></Voucher>"
    )
    assert build_voucher({}, []).endswith(b"<Voucher><DetailList></DetailList></Voucher>")
    assert b"DetailList" not in build_voucher({"A": "1"})


def test_foreign_layout_is_read_and_kept_byte_exact():
    voucher = parse_voucher(PRETTY)
    assert voucher.raw == PRETTY and voucher.to_bytes() == PRETTY
    assert voucher.encoding == "GBK"
    assert dict(voucher.header) == {
        "VtCode": "5207",
        "VoucherNo": "A001",
        "PayeeAcctName": "浙江省<财政>厅",
        "Remark": "",
    }
    assert [dict(d) for d in voucher.details] == [{"Id": "1", "XpayAmt": "1.00"}]
    assert voucher.vt_code == "5207" and voucher.voucher_no == "A001"
    assert voucher.adm_div_code == "" and voucher.st_year == ""


def test_properties_read_the_header():
    voucher = parse_voucher(build_voucher(HEADER))
    assert (voucher.adm_div_code, voucher.st_year, voucher.vt_code, voucher.voucher_no) == (
        "330100",
        "2024",
        "5207",
        "A001",
    )
    assert isinstance(voucher, Voucher) and hash(voucher) == hash(parse_voucher(build_voucher(HEADER)))


def test_without_declaration_is_utf8():
    voucher = parse_voucher("<Voucher><A>中</A></Voucher>".encode())
    assert voucher.encoding == "UTF-8" and voucher.header["A"] == "中"


def test_with_fields_replaces_in_place_and_appends():
    voucher = parse_voucher(build_voucher(HEADER, [{"Id": "1", "XpayAmt": ""}, {"Id": "2"}]))
    receipt = parse_voucher(
        with_fields(voucher, {"VoucherNo": "A001", "XPayDate": "20240102"}, {1: {"X": "y"}})
    )
    assert list(receipt.header) == [*HEADER, "XPayDate"]
    assert [dict(d) for d in receipt.details] == [{"Id": "1", "XpayAmt": ""}, {"Id": "2", "X": "y"}]
    assert parse_voucher(with_fields(voucher, encoding="UTF-8")).encoding == "UTF-8"


@pytest.mark.parametrize("index", [2, -1, "0"])
def test_with_fields_refuses_a_missing_detail(index):
    voucher = parse_voucher(build_voucher(HEADER, [{"Id": "1"}, {"Id": "2"}]))
    with pytest.raises(FieldError, match="Detail") as e:
        with_fields(voucher, details={index: {"X": "1"}})
    assert e.value.evs_code == "EVS100"


def test_with_fields_refuses_details_when_there_is_no_detail_list():
    with pytest.raises(FieldError, match="0 details"):
        with_fields(parse_voucher(build_voucher(HEADER)), details={0: {"X": "1"}})


@pytest.mark.parametrize(
    ("header", "rows", "path", "rule"),
    [
        ({"1A": "x"}, None, "Voucher/1A", "element name"),
        ({"a:b": "x"}, None, "Voucher/a:b", "element name"),
        ({"A": "\x01"}, None, "Voucher/A", "XML 1.0 characters"),
        ({"A": "\ud800"}, None, "Voucher/A", "XML 1.0 characters"),
        ({"A": "€"}, None, "Voucher/A", "representable in GBK"),
        ({"A": "1"}, [{"B": "😀"}], "Voucher/DetailList/Detail[1]/B", "representable in GBK"),
        ({"DetailList": ""}, None, "Voucher/DetailList", "details"),
        ({"A": 1}, None, "Voucher/A", "text value"),
    ],
)
def test_build_names_the_bad_field(header, rows, path, rule):
    with pytest.raises(FieldError) as e:
        build_voucher(header, rows)
    assert e.value.path == path and rule in e.value.rule and e.value.evs_code == "EVS100"


def test_utf8_carries_what_gbk_cannot():
    voucher = parse_voucher(build_voucher({"A": "€😀"}, encoding="utf8"))
    assert voucher.header["A"] == "€😀"
    with pytest.raises(FieldError, match="representable in GBK"):
        reencode(voucher, "GBK")


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (({"A": "1"},), {"encoding": "GB18030"}, "not supported"),
        (([("A", "1")],), {}, "header: expected a mapping"),
        (({"A": "1"}, {"B": "2"}), {}, "details: expected a sequence"),
        (({"A": "1"}, ["B"]), {}, r"Detail\[1\]: expected a mapping"),
        (({"A": "x" * 1024 * 1024},), {}, "over the limit"),
    ],
)
def test_build_refuses_bad_arguments(args, kwargs, match):
    with pytest.raises(CodecError, match=match):
        build_voucher(*args, **kwargs)


@pytest.mark.parametrize(
    ("data", "error", "match"),
    [
        (b"<Voucher><A>1</A><A>2</A></Voucher>", CodecError, r"Voucher/A\[2\]: the element appears twice"),
        (
            b"<Voucher><DetailList/><DetailList/></Voucher>",
            CodecError,
            r"Voucher/DetailList\[2\]: the element appears twice",
        ),
        (b"<Voucher><DetailList><Row/></DetailList></Voucher>", CodecError, "only <Detail>"),
        (b'<Voucher><A b="1">1</A></Voucher>', CodecError, "Voucher/A/@b: attributes are not allowed"),
        (b'<Voucher xmlns="urn:x"><A>1</A></Voucher>', CodecError, "root element is <{urn:x}Voucher>"),
        (b'<x:Voucher xmlns:x="urn:x"/>', CodecError, "root element is <{urn:x}Voucher>"),
        (b"<Voucher>text<A>1</A></Voucher>", CodecError, "Voucher: text 'text' is not allowed"),
        (
            b"<Voucher><A>1</A>tail</Voucher>",
            CodecError,
            "Voucher/A: text 'tail' after the element is not allowed",
        ),
        (
            b"<Voucher><DetailList><Detail><A><B/></A></Detail></DetailList></Voucher>",
            HostileInputError,
            "Voucher/DetailList/Detail/A/B: nesting too deep",
        ),
        (
            b"<Voucher><DetailList>x<Detail/></DetailList></Voucher>",
            CodecError,
            "Voucher/DetailList: text 'x'",
        ),
        (
            b"<Voucher><DetailList><Detail>y</Detail></DetailList></Voucher>",
            CodecError,
            "Detail: text 'y' is",
        ),
        (
            b'<Voucher><DetailList><Detail Id="1"/></DetailList></Voucher>',
            CodecError,
            "Detail/@Id: attributes",
        ),
        (
            b"<Voucher><DetailList><Detail><A/><A/></Detail></DetailList></Voucher>",
            CodecError,
            "appears twice",
        ),
        (
            b'<Voucher><x:A xmlns:x="urn:x">1</x:A></Voucher>',
            CodecError,
            "element name '{urn:x}A' is not allowed",
        ),
        (b"<Voucher><A>1</B></Voucher>", CodecError, "not well-formed XML at line 1"),
        (b"<Voucher><A>&nbsp;</A></Voucher>", CodecError, "not well-formed"),
        (
            b'<?xml version="1.0" encoding="GB18030"?><Voucher/>',
            CodecError,
            "^XML declaration: encoding 'GB18030' is not supported",
        ),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?><Voucher/>', CodecError, "not supported"),
        (b'<?xml version="1.0" encoding=GBK?><Voucher/>', CodecError, "malformed XML declaration"),
        (b'\xef\xbb\xbf<?xml version="1.0" encoding="GBK"?><Voucher/>', CodecError, "byte-order mark"),
        ("<Voucher/>".encode("utf-16"), CodecError, "UTF-16"),
        (b"   ", CodecError, "empty document"),
        ("<Voucher/>", CodecError, "expected bytes"),
    ],
)
def test_parse_refuses_what_is_not_a_voucher(data, error, match):
    with pytest.raises(error, match=match):
        parse_voucher(data)


def test_utf8_bom_is_accepted():
    data = b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?><Voucher><A>1</A></Voucher>'
    assert parse_voucher(data).header == {"A": "1"}
