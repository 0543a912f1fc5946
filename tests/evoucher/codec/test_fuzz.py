"""Random byte mutations: the codec either reads the input or raises an EvoucherError, nothing else."""

import base64

from hypothesis import given, settings
from hypothesis import strategies as st

from evoucher.codec import (
    MofBody,
    Stamp,
    build_mof,
    build_voucher,
    parse_mof,
    parse_stamp_positions,
    parse_voucher,
)
from evoucher.errors import EvoucherError

HEADER = {"AdmDivCode": "330100", "StYear": "2024", "VtCode": "5207", "VoucherNo": "A001", "PayAmt": "1.00"}
VOUCHERS = [
    build_voucher({**HEADER, "PayeeAcctName": "浙江省财政厅 & <x>"}, [{"Id": "1", "XpayAmt": ""}] * 2),
    build_voucher(HEADER, encoding="UTF-8"),
    b'<?xml version="1.0" encoding="GB2312"?>\n<Voucher>\n <!-- c -->\n <A><![CDATA[x]]></A>\n</Voucher>\n',
]
MOF = build_mof(
    [
        MofBody.of(
            parse_voucher(VOUCHERS[0]),
            voucher_flag=1,
            attach="SUCCESS",
            stamps=[Stamp("p", "stamp", b"\x30")],
        ),
        MofBody.of(parse_voucher(VOUCHERS[1]), return_reason="退回"),
    ]
)
INTERESTING = b"<>/&;=\"'?!-[]\x00\x80\x81\xff\xd6\xd0 \r\nAZaz09+"

mutation = st.tuples(
    st.sampled_from(["flip", "insert", "delete", "truncate", "splice"]),
    st.floats(0, 1, exclude_max=True),
    st.sampled_from(INTERESTING) | st.integers(0, 255),
    st.binary(max_size=12),
)


def mutate(data: bytes, mutations) -> bytes:
    for op, where, byte, chunk in mutations:
        i = int(where * len(data)) if data else 0
        if op == "flip":
            data = data[:i] + bytes([byte]) + data[i + 1 :]
        elif op == "insert":
            data = data[:i] + bytes([byte]) + data[i:]
        elif op == "delete":
            data = data[:i] + data[i + 1 :]
        elif op == "truncate":
            data = data[:i]
        else:
            data = data[:i] + chunk + data[i:]
    return data


def reads_or_refuses(parse, data):
    """The parse result, or None after checking the refusal is a well-formed realware fault."""
    try:
        return parse(data)
    except EvoucherError as e:
        assert e.fault_string().startswith(("EVS100#", "EVS111#")) and len(e.message) > 10
        return None


@settings(max_examples=200)
@given(st.sampled_from(VOUCHERS), st.lists(mutation, min_size=1, max_size=4))
def test_voucher_mutations(data, mutations):
    mutated = mutate(data, mutations)
    voucher = reads_or_refuses(parse_voucher, mutated)
    assert voucher is None or voucher.to_bytes() == mutated


@settings(max_examples=200)
@given(st.lists(mutation, min_size=1, max_size=4))
def test_mof_mutations(mutations):
    bodies = reads_or_refuses(parse_mof, mutate(MOF, mutations))
    for body in bodies or ():
        assert parse_voucher(body.voucher).voucher_no == body.voucher_no


@settings(max_examples=200)
@given(st.sampled_from(VOUCHERS), st.lists(mutation, min_size=1, max_size=4))
def test_mutated_voucher_inside_a_well_formed_mof(data, mutations):
    carried = base64.b64encode(mutate(data, mutations))
    reads_or_refuses(parse_mof, MOF.replace(base64.b64encode(VOUCHERS[0]), carried))


@settings(max_examples=200)
@given(st.lists(mutation, min_size=1, max_size=4))
def test_stamp_position_mutations(mutations):
    data = mutate(
        b'<?xml version="1.0" encoding="GBK"?>\n<MOF><Stamp No="rh_zqz">\xd6\xd0</Stamp></MOF>', mutations
    )
    reads_or_refuses(parse_stamp_positions, data)
