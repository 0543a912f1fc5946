"""Matching between types: summary (5106/5108 against 2301/5201/5351/5253) and full-element (8207)."""

import datetime as dt

import pytest

from evoucher.codec import build_voucher, parse_voucher
from evoucher.registry.generate import sample
from evoucher.registry.matching import MATCH_RULES, match_rule, match_vouchers

DAY = dt.date(2024, 3, 20)


def quota(code: str = "5106", seed: int = 1):
    return parse_voucher(sample(code, seed=seed, business_date=DAY))


def answer(left, right_code: str, *, split: int = 1, change: dict | None = None):
    """Right-side voucher(s) built from the left one so that they match; `split` spreads the details."""
    rule = match_rule(left.vt_code, right_code)
    (_, bank), (_, right_total) = rule.header
    keys = rule.detail
    base = dict(parse_voucher(sample(right_code, seed=2, business_date=DAY)).header)
    rows = [{"Id": str(i + 1), **{r: d[lf] for lf, r in keys}} for i, d in enumerate(left.details)]
    groups = [rows[i::split] for i in range(split)]
    out = []
    for n, group in enumerate(groups):
        amount = sum(float(r[keys[2][1]]) for r in group)
        header = {**base, bank: left.header["PayBankNo"], right_total: f"{amount:.2f}", "VoucherNo": f"R{n}"}
        header.update(change or {})
        out.append(parse_voucher(build_voucher(header, group)))
    return out


@pytest.mark.parametrize("rule", [r for r in MATCH_RULES if r.kind == "summary"], ids=lambda r: r.id)
def test_a_right_side_built_from_the_quota_matches(rule):
    left = quota(rule.left)
    assert match_vouchers(left, answer(left, rule.right)[0]) == []


def test_several_right_vouchers_are_summed():
    left = quota("5106", seed=4)
    assert len(left.details) >= 2
    assert match_vouchers(left, answer(left, "2301", split=2)) == []


def test_header_mismatches_name_the_left_field():
    left = quota()
    found = match_vouchers(left, answer(left, "2301", change={"PayBankNo": "999999999999", "PayAmt": "1.00"}))
    assert [(p.path, p.rule, p.evs_code) for p in found] == [
        ("Voucher/PayBankNo", "match.header", "EVS700"),
        ("Voucher/PlanAmt", "match.header", "EVS700"),
    ]
    assert "999999999999" in found[0].detail


def test_detail_mismatches_and_counts():
    left = quota("5106", seed=4)
    right = answer(left, "2301")[0]
    rows = [dict(r) for r in right.details]
    rows[0]["ExpFuncCode"] = "2010101"
    changed = parse_voucher(build_voucher(dict(right.header), rows))
    found = [(p.path, p.rule) for p in match_vouchers(left, changed)]
    assert found == [("Voucher/DetailList/Detail[1]", "match.detail"), ("Voucher/DetailList", "match.detail")]
    shorter = parse_voucher(build_voucher({**right.header}, rows[1:]))
    # the header total still agrees; the missing line is a count and a key without partner
    found = [(p.path, p.rule) for p in match_vouchers(left, shorter)]
    assert found == [
        ("Voucher/DetailList", "match.detail_count"),
        ("Voucher/DetailList/Detail[1]", "match.detail"),
    ]


def test_full_element_matching_of_a_batch_detail():
    single = parse_voucher(sample("5201", seed=3, business_date=DAY))
    left = parse_voucher(build_voucher({**single.header, "BusinessTypeCode": "4"}, list(single.details)))
    base = parse_voucher(sample("8207", seed=3, business_date=DAY))
    shared_header = {
        k: v for k, v in left.header.items() if k in base.header and not k.startswith(("X", "Hold"))
    }
    header = {
        **base.header,
        **{k: v for k, v in shared_header.items() if k not in ("Id", "VtCode", "VoucherNo", "VouDate")},
        "OriginalVtCode": "5201",
        "OriginalVoucherNo": left.voucher_no,
        "SumAmt": left.header["PayAmt"],
        "BusinessTypeCode": "4",
    }
    rows = []
    for mine, theirs in zip(left.details, [base.details[0]] * len(left.details), strict=True):
        rows.append({**theirs, **{k: v for k, v in mine.items() if k in theirs and k not in ("Id",)}})
    batch = parse_voucher(build_voucher(header, rows))
    assert match_vouchers(left, batch) == []
    rows[0] = {**rows[0], "PayeeAcctNo": "999"}
    found = match_vouchers(left, parse_voucher(build_voucher({**header, "SumAmt": "0.01"}, rows)))
    assert [(p.path, p.rule) for p in found] == [
        ("Voucher/PayAmt", "match.header"),
        ("Voucher/DetailList/Detail[1]/PayeeAcctNo", "match.detail"),
    ]


def test_unknown_pairs_and_bad_arguments():
    with pytest.raises(KeyError):
        match_rule("5207", "2301")
    left = quota()
    with pytest.raises(ValueError, match="right"):
        match_vouchers(left, [])
    with pytest.raises(ValueError, match="single VtCode"):
        match_vouchers(left, [answer(left, "2301")[0], parse_voucher(sample("5351", business_date=DAY))])
