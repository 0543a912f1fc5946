"""The stamp-position parameter: <MOF> or <Root>, bytes or a SOAP string, one <Stamp> per position."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evoucher.codec import build_stamp_positions, parse_stamp_positions
from evoucher.errors import CodecError, FieldError

positions = st.dictionaries(
    st.from_regex(r"[A-Za-z0-9_.-]{1,16}", fullmatch=True),
    st.text(st.characters(codec="gbk", exclude_categories=("Cs", "Cc")), min_size=1).filter(str.strip),
    min_size=1,
    max_size=8,
)


@given(positions)
def test_round_trip(mapping):
    data = build_stamp_positions(mapping)
    assert parse_stamp_positions(data) == mapping
    assert list(parse_stamp_positions(data)) == list(mapping)
    assert parse_stamp_positions(data.decode("gbk")) == mapping


def test_canonical_form():
    assert build_stamp_positions({"rh_ywzqz": "S01", "rh_qm": "cert"}) == (
        b'<?xml version="1.0" encoding="GBK"?>\n'
        b'<MOF><Stamp No="rh_ywzqz">S01</Stamp><Stamp No="rh_qm">cert</Stamp></MOF>'
    )


def test_root_and_soap_string_as_other_systems_send_them():
    text = '<?xml version="1.0" encoding="GBK"?>\n<Root>\n  <Stamp No="rh_zqz">转讫章01</Stamp>\n</Root>'
    assert parse_stamp_positions(text) == {"rh_zqz": "转讫章01"}
    assert parse_stamp_positions(text.encode("gbk")) == {"rh_zqz": "转讫章01"}


@pytest.mark.parametrize(
    ("data", "match", "evs"),
    [
        (b"<MOF></MOF>", "MOF: no <Stamp> position given", "EVS111"),
        (b'<MOF><Stamp No="a"> </Stamp></MOF>', r"MOF/Stamp\[1\]: the stamp or cert id is missing", "EVS111"),
        (b"<MOF><Stamp>x</Stamp></MOF>", r"MOF/Stamp\[1\]/@No: missing or empty", "EVS111"),
        (
            b'<Root><Stamp No="a b">x</Stamp></Root>',
            r"Root/Stamp\[1\]/@No: must be a stamp position id",
            "EVS100",
        ),
        (
            b'<MOF><Stamp No="a">x</Stamp><Stamp No="a">y</Stamp></MOF>',
            r"Stamp\[2\]/@No: position 'a' appears twice",
            "EVS100",
        ),
        (b'<MOF><Stamp No="a" Id="1">x</Stamp></MOF>', r"\['Id'\] not allowed", "EVS100"),
        (b'<MOF><Sign No="a">x</Sign></MOF>', "only <Stamp>", "EVS100"),
        (
            b'<Stamps><Stamp No="a">x</Stamp></Stamps>',
            "root element is <Stamps>, expected <MOF> or <Root>",
            "EVS100",
        ),
    ],
)
def test_refusals(data, match, evs):
    with pytest.raises(CodecError, match=match) as e:
        parse_stamp_positions(data)
    assert e.value.evs_code == evs


@pytest.mark.parametrize(
    ("mapping", "error", "match"),
    [
        ({}, CodecError, "non-empty mapping"),
        ({"a b": "x"}, CodecError, "@No: must be a stamp position id"),
        ({"a": ""}, CodecError, "missing or empty"),
        ({"a": "€"}, FieldError, "representable in GBK"),
    ],
)
def test_build_refusals(mapping, error, match):
    with pytest.raises(error, match=match):
        build_stamp_positions(mapping)


def test_build_refuses_what_parse_would_refuse_as_oversize():
    with pytest.raises(CodecError, match="over the limit of 65536 bytes"):
        build_stamp_positions({f"p{i}": "x" * 100 for i in range(1000)})
