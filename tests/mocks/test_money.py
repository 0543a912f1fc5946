"""Money is two-place Decimal, built from text or integers; floats and sub-cent amounts are refused."""

from decimal import Decimal

import pytest

from mocks.money import fmt, money, total


def test_money_from_text_int_and_decimal_has_two_places():
    assert money("12.5") == Decimal("12.50") and str(money("12.5")) == "12.50"
    assert money(3) == Decimal("3.00")
    assert money(Decimal("-0.01")) == Decimal("-0.01")


@pytest.mark.parametrize("bad", [0.1, True, "12.345", "abc", "NaN", "Infinity", None])
def test_money_refuses_what_would_lose_or_invent_cents(bad):
    with pytest.raises(ValueError, match="money"):
        money(bad)


def test_fmt_is_the_voucher_form_and_total_is_exact():
    assert fmt(Decimal("1234567.8")) == "1234567.80"
    assert total(["0.10"] * 10) == Decimal("1.00")  # a float sum would give 0.9999999999999999
    assert total([]) == Decimal("0.00")
