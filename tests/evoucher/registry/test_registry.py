"""The registry's content: every ITFE code with its fields, the catalogue, profiles, stamps, rules."""

import json
from pathlib import Path

import pytest

from evoucher import registry
from evoucher.errors import EVS_LOGIC, EVS_PARAM, EVS_YEAR, UnknownVoucherType
from evoucher.registry import Kind, Origin, Role
from evoucher.registry.stamps import STAMP_TYPES

ROOT = Path(__file__).resolve().parents[3]
FACTS = json.loads((ROOT / "evoucher" / "registry" / "fields.json").read_text(encoding="utf-8"))
CENTRAL = ["5207", "3208", "5106", "5108", "5201", "8202", "8207", "2301", "2302", "5253", "5351"]
CENTRAL += ["2252", "2203", "5209", "3210", "3251", "5267", "3268", "3209", "5551", "5552", "3501"]
CENTRAL += ["3502", "3507", "5507", "2507", "3401", "3402", "3410", "4004", "4005", "5951"]
COMMON = ("Id", "AdmDivCode", "StYear", "VtCode", "VouDate", "VoucherNo")


def test_every_itfe_code_is_registered_with_every_itfe_field():
    assert len(FACTS["types"]) == 88
    for code, parts in FACTS["types"].items():
        vt = registry.get(code)
        assert not vt.name_only
        for part in ("header", "detail"):
            names = [f.name for f in getattr(vt, part)]
            assert len(names) == len(set(names)), (code, part)
            for fact in parts[part]:
                spec = vt.field(fact["name"], detail=part == "detail")
                assert (spec.kind.value, spec.zh_name, spec.receipt_only) == (
                    fact["kind"],
                    fact["zh"] or spec.zh_name,
                    fact["receipt_only"],
                )
                if fact["max_len"]:
                    assert spec.max_len == fact["max_len"] and spec.max_len_origin == "itfe"


def test_itfe_fields_keep_their_spellings():
    assert registry.get("5207").has_field("XpayAmt", detail=True)
    assert registry.get("2306").has_field("XPayamt")
    assert registry.get("3403").has_field("AGencyName")
    assert registry.get("8202").has_field("TaxayerID") and registry.get("8202").has_field(
        "AcessAuthGroupCode"
    )


def test_name_only_codes_of_the_catalogue():
    for code in ("2003", "3515", "5515"):
        vt = registry.get(code)
        assert vt.name_only and vt.zh_name and not vt.header
    assert registry.codes(full_only=True) == tuple(sorted(FACTS["types"]))
    assert len(registry.all_types()) == 91


def test_unknown_codes_raise_evs100():
    with pytest.raises(UnknownVoucherType) as info:
        registry.get("9999")
    assert info.value.evs_code == EVS_PARAM


@pytest.mark.parametrize("code", CENTRAL)
def test_central_types_have_full_field_lists(code):
    vt = registry.get(code)
    assert tuple(f.name for f in vt.header[:6]) == COMMON
    assert len(vt.header) > 8 or code in ("4004", "5551", "5552")
    assert bool(vt.detail) == vt.has_detail_list
    assert vt.sender is not None and vt.receivers


def test_partial_types_are_completed_and_marked():
    for code in ("5551", "5552", "5553", "5287"):
        vt = registry.get(code)
        completed = [f.name for f in vt.header + vt.detail if f.origin is Origin.COMPLETED]
        assert completed and vt.has_detail_list and vt.total and vt.total[1]
        assert all(f.origin is not Origin.COMPLETED for f in vt.header if f.name in ("AllAmt", "TreCode"))
    assert registry.get("5552").sign == "negative" and registry.get("5551").sign == "positive"


def test_common_header_added_where_itfe_does_not_read_it():
    vt = registry.get("5108")
    assert vt.field("AdmDivCode").origin is Origin.COMMON and vt.field("AdmDivCode").mandatory
    assert vt.field("PayAmt").origin is Origin.ITFE


def test_mandatory_policy():
    vt = registry.get("5207")
    assert vt.field("PayeeAcctNo").mandatory  # ITFE Y
    assert not vt.field("AgencyName").mandatory  # ITFE Y only on the Ningbo node
    assert vt.field("AgencyName", detail=True).mandatory  # the default path
    assert vt.field("Id", detail=True).mandatory
    assert registry.get("3208").field("PayAmt").mandatory  # a total with a sign rule
    assert not registry.get("2301").field("PayDate", detail=True).mandatory  # Shanghai only


def test_receipt_fields():
    vt = registry.get("5207")
    assert {f.name for f in vt.header if f.receipt_mandatory} == {"XPayAmt", "XPayDate", "XAgentBusinessNo"}
    assert not any(f.receipt_mandatory for f in vt.detail)
    assert {f.name for f in registry.get("2301").header if f.receipt_mandatory} == {"XClearDate", "XPayAmt"}
    assert registry.get("2507").field("XCheckResult").receipt_mandatory
    assert all(f.carried for f in registry.get("3210").header if f.receipt_only)
    assert not any(
        f.mandatory for vt in registry.all_types() for f in vt.header + vt.detail if f.receipt_only
    )


def test_profiles_and_replacement_codes():
    pairs = {"3251": "3210", "3453": "3404", "3454": "3405", "3455": "3406"}
    for old, new in pairs.items():
        assert registry.get(old).profiles == ("1.0",) and registry.get(old).replaced_by == new
        assert registry.get(new).profiles == ("2.0",) and registry.get(new).replaces == old
    assert "3251" not in registry.codes(profile="2.0") and "3210" in registry.codes(profile="2.0")
    assert "5207" in registry.codes(profile="1.0") and "5207" in registry.codes(profile="2.0")


def test_stamp_positions():
    vt = registry.get("5207")
    assert [p.id for p in vt.stamp_positions] == ["cz_gz", "cz_jzysz", "cz_fhysz"]
    assert [p.id for p in vt.receipt_stamp_positions] == ["rh_zqz", "rh_gz"]
    assert [p.id for p in vt.positions_for(1, failed=True)] == ["rh_fjz"]
    assert vt.positions_for(0) == vt.stamp_positions
    assert all(p.role is Role.FINANCE and p.kind == "stamp" for p in vt.stamp_positions)
    for code in ("3401", "3501", "4004", "3208"):  # PBoC reports, reconciliations, notices: signed
        report = registry.get(code)
        assert report.positions and all(p.kind == "sign" for p in report.positions)
    # an answer is signed by whoever received the voucher
    assert [p.id for p in registry.get("3502").receipt_stamp_positions] == ["yh_qm"]


def test_every_position_is_well_formed():
    for vt in registry.all_types():
        if vt.name_only:
            continue
        assert vt.stamp_positions, vt.vt_code
        ids = [(p.on, p.id) for p in vt.positions]
        assert len(ids) == len(set(ids))
        for p in vt.positions:
            assert p.stamp_type in STAMP_TYPES and p.on in ("voucher", "receipt", "failed_receipt")
            assert p.id.endswith("_" + p.stamp_type)
            assert p.role == vt.sender if p.on == "voucher" else p.role in vt.receivers


def test_rules_are_catalogued_with_fault_codes():
    for rule in registry.RULES.values():
        assert rule.evs_code in (EVS_PARAM, EVS_YEAR, EVS_LOGIC) and rule.description
    assert registry.RULES["year.st_year"].evs_code == EVS_YEAR
    assert registry.RULES["amount.total"].evs_code == EVS_LOGIC
    assert registry.RULES["code.business_type"].itfe  # a recorded deviation from ITFE
    for vt in registry.all_types():
        for spec in vt.header + vt.detail:
            assert set(spec.rules) <= set(registry.RULES), (vt.vt_code, spec.name)
        if vt.sign:
            assert vt.total, vt.vt_code


def test_kinds_carry_their_format_rules():
    vt = registry.get("2301")
    assert "format.bank_no" in vt.field("PayBankNo").rules
    assert "format.amount" in vt.field("PayAmt").rules
    assert "format.tre_code" in vt.field("TreCode").rules
    assert registry.get("8207").field("PayBankCode").digits == (12, 12)
    assert registry.get("2252").field("PaySndBnkNo").rules[-1] == "format.digits"
    assert registry.get("5207").field("PayTypeCode").values[:2] == ("91", "002")
    assert {f.kind for vt in registry.all_types() for f in vt.header} == set(Kind)


def test_roles_have_org_types():
    assert (Role.FINANCE.org_type, Role.PBOC.org_type, Role.CENTER.org_type) == ("011", "001", "999")
    assert Role.AGENT_BANK.org_type == "102" and Role.BUDGET_UNIT.org_type is None


def test_to_json_round_trips_through_json():
    data = json.loads(json.dumps(registry.get("5207").to_json(), ensure_ascii=False))
    assert data["vt_code"] == "5207" and data["sender"] == "finance"
    assert data["header"][0]["name"] == "Id" and data["positions"][0]["kind"] == "stamp"
