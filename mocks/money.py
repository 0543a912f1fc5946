"""Money as `decimal.Decimal` with exactly two places: what vouchers carry and books hold.

Floats never enter: an amount is built from text, an int or a Decimal, and one that needs more
than two places is refused rather than rounded, so nothing is lost between voucher and ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: str | int | Decimal) -> Decimal:
    """`value` as a two-place Decimal; ValueError for floats, bools, junk or sub-cent amounts."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError(f"money: expected str, int or Decimal, got {type(value).__name__} {value!r}")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError(f"money: {value!r} is not an amount") from None
    if not amount.is_finite():
        raise ValueError(f"money: {value!r} is not a finite amount")
    exact = amount.quantize(CENT)
    if exact != amount:
        raise ValueError(f"money: {value!r} has more than two decimal places")
    return exact


def fmt(amount: Decimal) -> str:
    """The voucher form: optional sign, digits, exactly two decimals (`-12.50`)."""
    return f"{money(amount):.2f}"


def total(amounts: Iterable[Decimal]) -> Decimal:
    """Exact sum of two-place amounts (an empty sum is 0.00)."""
    return money(sum((money(a) for a in amounts), ZERO))
