"""The wire catalogue (evoucher.interface): invariants, fault codec, and docs/wire.md agreeing with it."""

from __future__ import annotations

import pathlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evoucher.interface import (
    OPERATIONS,
    PROFILES,
    SERVICES,
    VoucherStatus,
    format_fault,
    is_bank_org_type,
    is_idempotent_success,
    operations_for,
    parse_fault,
)
from voucherlib.soap import build_wsdl

DOCS = pathlib.Path(__file__).resolve().parents[3] / "docs" / "wire.md"
ABBREVIATIONS = {
    "AsspFinanceService": "F",
    "AsspCBankService": "C",
    "AsspPBankService": "P",
    "AsspEStampService": "E",
}


def test_every_operation_starts_with_certid_and_names_are_unique():
    assert all(op.params[0].name == "certID" for op in OPERATIONS)
    assert len({op.name for op in OPERATIONS}) == len({op.py_name for op in OPERATIONS}) == len(OPERATIONS)
    for op in OPERATIONS:
        assert len({p.py_name for p in op.params}) == len(op.params), op.name


def test_profile_1_0_is_2_0_without_the_combined_and_batch_operations():
    for service in SERVICES:
        v1 = {op.name for op in operations_for(service, "1.0")}
        v2 = {op.name for op in operations_for(service, "2.0")}
        assert v1 <= v2
        assert all(
            n.startswith("batch") or n.endswith("AndSend") or n == "saveAndSendVoucher" for n in v2 - v1
        )
        assert not any(n.startswith("batch") or n.endswith("AndSend") for n in v1)


def test_status_codes_are_minus_one_to_fourteen_with_their_voucher_flag():
    assert [s.value for s in VoucherStatus] == list(range(-1, 15))
    assert {s.value for s in VoucherStatus if s.flag == 1} == {6, 7, 8, 9, 10, 11, 14}
    assert {s.value for s in VoucherStatus if s.bounced} == {2, 4, 5, 8, 10, 11}
    assert VoucherStatus(13).zh == "本方未发送"


@given(code=st.integers(0, 999).map(lambda n: f"EVS{n:03d}"), message=st.text())
def test_parse_fault_reads_what_format_fault_writes(code, message):
    assert parse_fault(format_fault(code, message)) == (code, message)
    assert parse_fault(f"com.realware.EvoucherException: {format_fault(code, message)}") == (code, message)


def test_fault_codec_edges():
    assert parse_fault("NullPointerException") == (None, "NullPointerException")
    with pytest.raises(ValueError, match="code must be EVS followed by 3 digits, got 'E100'"):
        format_fault("E100", "x")


def test_idempotent_success_phrases():
    assert is_idempotent_success("凭证 A1 rh_ywzqz 位置已签章")
    assert is_idempotent_success("凭证已发送，无需重新发送")
    assert not is_idempotent_success("凭证不存在")
    assert is_idempotent_success("凭证已退回或已作废", "returnVoucher")
    assert not is_idempotent_success("凭证已退回或已作废", "confirmVoucher")


def test_bank_org_types_are_other_three_digit_codes():
    assert is_bank_org_type("102") and is_bank_org_type("313")
    assert not any(is_bank_org_type(c) for c in ("001", "011", "999", "1020", "10a"))


def test_build_wsdl_checks_its_arguments():
    with pytest.raises(ValueError, match="service must be one of"):
        build_wsdl("OCXService", "2.0", "http://x")
    with pytest.raises(ValueError, match="profile must be one of"):
        build_wsdl("AsspCBankService", "3.0", "http://x")
    assert set(PROFILES) == {"1.0", "2.0"}


def _row(op) -> str:
    args = ", ".join(p.name if p.type == "string" else f"{p.name}:{p.type}" for p in op.params)
    services = "".join(abbr for name, abbr in ABBREVIATIONS.items() if name in op.services)
    profiles = " ".join(sorted(op.profiles))
    return f"| `{op.name}` | {args} | {op.returns} | {profiles} | {services} | {op.section} | {op.meaning} |"


def test_docs_operation_table_is_the_catalogue():
    rows = [
        line for line in DOCS.read_text(encoding="utf-8").splitlines() if re.match(r"\| `[a-zA-Z]+` \|", line)
    ]
    assert rows == [_row(op) for op in OPERATIONS]
