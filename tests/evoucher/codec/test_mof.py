"""The MOF envelope: round trips, foreign layouts, and every rule a VoucherBody must keep."""

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evoucher.codec import MAX_BODIES, MofBody, Stamp, build_mof, build_voucher, parse_mof, parse_voucher
from evoucher.errors import CodecError, FieldError, HostileInputError
from tests.evoucher.codec.strategies import details, fields

IDENTITY = {"AdmDivCode": "330100", "StYear": "2024", "VtCode": "5207", "VoucherNo": "A001"}
VOUCHER = build_voucher({"Id": "1", **IDENTITY, "PayAmt": "100.00"}, [{"Id": "1", "XpayAmt": ""}])
BODY = MofBody.of(parse_voucher(VOUCHER), stamps=(Stamp("rh_zqz", "stamp", b"\x30\x02\x05\x00"),))

identities = st.fixed_dictionaries(
    {
        "AdmDivCode": st.from_regex(r"[0-9]{6}", fullmatch=True),
        "StYear": st.from_regex(r"[0-9]{4}", fullmatch=True),
        "VtCode": st.sampled_from(["5207", "2301", "3208", "8202"]),
        "VoucherNo": st.from_regex(r"[0-9A-Za-z_-]{1,20}", fullmatch=True) | st.just("凭证01"),
    }
)
stamps = st.lists(
    st.builds(
        Stamp,
        st.from_regex(r"[A-Za-z0-9_.-]{1,12}", fullmatch=True),
        st.sampled_from(["stamp", "sign"]),
        st.binary(min_size=1, max_size=64),
    ),
    max_size=3,
    unique_by=lambda s: s.position,
)
texts = st.none() | st.text(
    st.characters(codec="gbk", exclude_categories=("Cs", "Cc")) | st.sampled_from("\r\n\t&<")
)


@st.composite
def bodies(draw):
    ident = draw(identities)
    header = {**draw(fields), **ident}
    data = build_voucher(header, draw(details), encoding=draw(st.sampled_from(["GBK", "UTF-8"])))
    return MofBody.of(
        parse_voucher(data),
        voucher_flag=draw(st.sampled_from([0, 1])),
        attach=draw(texts),
        return_reason=draw(texts),
        stamps=draw(stamps),
    )


@settings(max_examples=25)
@given(st.lists(bodies(), min_size=1, max_size=MAX_BODIES))
def test_mof_round_trip_is_exact(items):
    data = build_mof(items)
    assert parse_mof(data) == items
    assert build_mof(parse_mof(data)) == data


def test_a_full_mof_of_100_bodies():
    data = build_mof([BODY] * MAX_BODIES)
    assert parse_mof(data) == [BODY] * MAX_BODIES
    assert b"<VoucherCount>100</VoucherCount>" in data


def test_empty_mof_is_a_valid_read_result():
    assert parse_mof(build_mof([])) == []


def test_canonical_form_is_fixed():
    stamp = Stamp("rh_qm", "sign", b"\x01")
    data = build_mof([MofBody.of(parse_voucher(VOUCHER), voucher_flag=1, attach="SUCCESS", stamps=[stamp])])
    assert data.startswith(
        b'<?xml version="1.0" encoding="GBK"?>\n<MOF><VoucherCount>1</VoucherCount>'
        b'<VoucherBody AdmDivCode="330100" StYear="2024" VtCode="5207" VoucherNo="A001">'
        b"<VoucherFlag>1</VoucherFlag><Attach>SUCCESS</Attach><Voucher>"
    )
    assert data.endswith(
        b'</Voucher><Stamps><Stamp No="rh_qm" Type="sign">AQ==</Stamp></Stamps></VoucherBody></MOF>'
    )


def test_the_voucher_travels_byte_exact():
    pretty = VOUCHER.replace(b"<PayAmt>", b"\n  <PayAmt>")
    body = parse_mof(build_mof([MofBody.of(parse_voucher(pretty))]))[0]
    assert body.voucher == pretty and parse_voucher(body.voucher).to_bytes() == pretty


def _wrapped(data: bytes) -> str:
    return base64.encodebytes(data).decode().replace("\n", "\r\n")  # as Java's MIME encoders write it


# what another system sends: pretty-printed, Return_Reason present, base64 wrapped at 76 columns
FOREIGN = f"""<?xml version="1.0" encoding="GBK"?>
<MOF>
  <VoucherCount>1</VoucherCount>
  <VoucherBody AdmDivCode="330100" StYear="2024" VtCode="5207" VoucherNo="A001">
    <VoucherFlag>0</VoucherFlag>
    <Return_Reason></Return_Reason>
    <Attach>附加信息</Attach>
    <Voucher>{_wrapped(VOUCHER)}</Voucher>
  </VoucherBody>
</MOF>
""".encode("gbk")


def test_foreign_layout_is_read():
    [body] = parse_mof(FOREIGN)
    assert body.voucher == VOUCHER and body.return_reason == "" and body.attach == "附加信息"
    assert body.stamps == () and body.voucher_flag == 0


@pytest.mark.parametrize(
    ("old", "new", "match", "evs"),
    [
        (
            b'AdmDivCode="330100"',
            b'AdmDivCode="330200"',
            r"VoucherBody\[1\]/@AdmDivCode: '330200' does not match",
            "EVS100",
        ),
        (b'StYear="2024"', b'StYear="2023"', r"@StYear: '2023' does not match", "EVS100"),
        (b'VtCode="5207"', b'VtCode="5208"', r"@VtCode: '5208' does not match", "EVS100"),
        (b'VoucherNo="A001"', b'VoucherNo="A002"', r"@VoucherNo: 'A002' does not match", "EVS100"),
        (b'AdmDivCode="330100"', b'AdmDivCode="3301"', "@AdmDivCode: must be 6 digits", "EVS100"),
        (b'StYear="2024"', b'StYear=""', "@StYear: missing or empty", "EVS111"),
        (b' VtCode="5207"', b"", "@VtCode: missing or empty", "EVS111"),
        (b'VoucherNo="A001"', b'VoucherNo="A 01"', "@VoucherNo: must be 1-64 characters", "EVS100"),
        (
            b'VoucherNo="A001"',
            b'VoucherNo="A001" Extra="1"',
            r"attribute\(s\) \['Extra'\] not allowed",
            "EVS100",
        ),
        (
            b"<VoucherFlag>0</VoucherFlag>",
            b"<VoucherFlag>2</VoucherFlag>",
            "VoucherFlag: must be 0",
            "EVS100",
        ),
        (
            b"<VoucherFlag>0</VoucherFlag>",
            b"<VoucherFlag> 0</VoucherFlag>",
            "VoucherFlag: must be 0",
            "EVS100",
        ),
        (b"<VoucherFlag>0</VoucherFlag>", b"", "VoucherFlag: missing", "EVS111"),
        (
            b"<VoucherFlag>0</VoucherFlag>",
            b"<VoucherFlag>0</VoucherFlag><VoucherFlag>0</VoucherFlag>",
            "appears twice",
            "EVS100",
        ),
        (b"<Attach>", b"<Other/><Attach>", "element <Other> is not allowed", "EVS100"),
        (
            b"<VoucherCount>1</VoucherCount>",
            b"<VoucherCount>2</VoucherCount>",
            "says 2, but the document holds 1",
            "EVS100",
        ),
        (
            b"<VoucherCount>1</VoucherCount>",
            b"<VoucherCount>01</VoucherCount>",
            "must be a decimal number",
            "EVS100",
        ),
        (b"<VoucherCount>1</VoucherCount>", b"", "VoucherCount: missing", "EVS111"),
        (b"<MOF>", b"<MOF><Extra/>", "element <Extra> is not allowed", "EVS100"),
        (b"</VoucherBody>", b"</VoucherBody>text", "text 'text' after", "EVS100"),
    ],
)
def test_body_rules(old, new, match, evs):
    assert old in FOREIGN
    with pytest.raises(CodecError, match=match) as e:
        parse_mof(FOREIGN.replace(old, new, 1))
    assert e.value.evs_code == evs


def test_nesting_in_the_envelope_is_refused():
    with pytest.raises(HostileInputError, match=r"VoucherBody\[1\]/Attach/B: nesting too deep"):
        parse_mof(FOREIGN.replace(b"<Attach>", b"<Attach><B/>"))


def test_voucher_missing_an_identity_field_is_named():
    voucher = build_voucher({"AdmDivCode": "330100", "StYear": "2024", "VtCode": "5207"})
    body = MofBody("330100", "2024", "5207", "A001", 0, voucher)
    with pytest.raises(
        CodecError, match="@VoucherNo: 'A001' does not match the voucher: <VoucherNo> is missing"
    ):
        build_mof([body])


def test_errors_inside_the_carried_voucher_say_where():
    bad = VOUCHER.replace(b"<PayAmt>", b"<PayAmt><X/>")
    foreign = FOREIGN.replace(_wrapped(VOUCHER).encode(), base64.b64encode(bad))
    with pytest.raises(HostileInputError, match=r"^MOF/VoucherBody\[1\]/Voucher/PayAmt/X: nesting too deep"):
        parse_mof(foreign)


def test_stamp_rules():
    def with_stamps(xml: bytes) -> bytes:
        return FOREIGN.replace(b"</VoucherBody>", xml + b"</VoucherBody>")

    ok = b'<Stamp No="a" Type="stamp">AQ==</Stamp>'
    cases = [
        (b"<Stamps></Stamps>", "holds no <Stamp>"),
        (b"<Stamps>" + ok + ok + b"</Stamps>", "position 'a' is stamped twice"),
        (
            b'<Stamps><Stamp No="a" Type="seal">AQ==</Stamp></Stamps>',
            r"@Type: must be one of \('stamp', 'sign'\)",
        ),
        (b'<Stamps><Stamp Type="stamp">AQ==</Stamp></Stamps>', r"Stamp\[1\]/@No: missing"),
        (b'<Stamps><Stamp No="a" Type="stamp"></Stamp></Stamps>', "empty, expected base64"),
        (b'<Stamps><Stamp No="a" Type="stamp" Cert="x">AQ==</Stamp></Stamps>', r"\['Cert'\] not allowed"),
        (b"<Stamps><Seal/></Stamps>", "only <Stamp>"),
    ]
    for xml, match in cases:
        with pytest.raises(CodecError, match=match):
            parse_mof(with_stamps(xml))
    [body] = parse_mof(with_stamps(b"<Stamps>" + ok + b"</Stamps>"))
    assert body.stamps == (Stamp("a", "stamp", b"\x01"),)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"voucher_flag": True}, CodecError, "VoucherFlag: must be 0"),
        ({"voucher_flag": "0"}, CodecError, "VoucherFlag: must be 0"),
        ({"attach": 1}, CodecError, "Attach: must be text"),
        ({"attach": "\x00"}, FieldError, "XML 1.0 characters"),
        ({"return_reason": "€"}, FieldError, "representable in GBK"),
        ({"voucher": "text"}, CodecError, "Voucher: expected bytes"),
        ({"voucher": b"<Root/>"}, CodecError, r"^MOF/VoucherBody\[1\]/Voucher: root element is <Root>"),
        ({"stamps": ["x"]}, CodecError, "expected a Stamp"),
        ({"stamps": [Stamp("a", "stamp", b"")]}, CodecError, "stamp value is empty"),
    ],
)
def test_build_checks_the_same_rules(change, error, match):
    fields_ = {**BODY.__dict__, **change}
    with pytest.raises(error, match=match):
        build_mof([MofBody(**fields_)])


def test_build_refuses_too_many_bodies_and_non_bodies():
    with pytest.raises(CodecError, match="101 bodies, the limit is 100"):
        build_mof([BODY] * 101)
    with pytest.raises(CodecError, match="expected a MofBody"):
        build_mof([VOUCHER])


def test_stamps_given_as_a_list_are_kept_as_a_tuple():
    body = MofBody(**{**BODY.__dict__, "stamps": [Stamp("a", "sign", b"1")]})
    assert body.stamps == (Stamp("a", "sign", b"1"),) and hash(body)


def test_smaller_max_bodies_is_honoured():
    data = build_mof([BODY] * 3)
    assert len(parse_mof(data, max_bodies=3)) == 3
    with pytest.raises(HostileInputError, match="3 <VoucherBody> elements, the limit is 2"):
        parse_mof(data, max_bodies=2)


def test_a_read_body_hands_over_its_parsed_voucher_without_parsing_again():
    (body,) = parse_mof(build_mof([BODY]))
    first = body.parsed_voucher()
    assert first is body.parsed_voucher()  # parsed once, by parse_mof itself
    assert first == parse_voucher(VOUCHER) and body == BODY  # the cache is not part of equality


def test_a_replaced_voucher_is_parsed_afresh():
    import dataclasses

    other = build_voucher({"Id": "2", **IDENTITY, "PayAmt": "200.00"}, [{"Id": "1", "XpayAmt": ""}])
    changed = dataclasses.replace(BODY, voucher=other)
    assert changed.parsed_voucher().header["PayAmt"] == "200.00"
    assert BODY.parsed_voucher().header["PayAmt"] == "100.00"
