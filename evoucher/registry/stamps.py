"""Stamp and signature layouts: which party stamps or signs where, on vouchers and receipts.

The public record (reference §4) gives the stamp types and a few habits: finance stamps its
payment vouchers with its official seal and personal seals; the PBoC stamps a processed
receipt with its 转讫章 and 公章, and a failed-payment receipt with the 附件章 (退票); reports,
reconciliations and PBoC-generated notices are signed, not stamped. The layouts below turn
those habits into tables; the position ids (`rh_zqz`, ...) follow ITFE's `rh_ywzqz` pattern:
a party prefix (cz finance, rh PBoC, yh agent bank, skh payee bank, dw budget unit) and the
stamp type. These are our decisions, documented in docs/registry.md.
"""

from __future__ import annotations

from evoucher.registry.model import Role, StampPosition

# stamp type code -> Chinese name (reference §4; a type ending in qm is a signature)
STAMP_TYPES = {
    "zqz": "转讫章",
    "gz": "公章",
    "jzysz": "记账员私章",
    "fhysz": "复核员私章",
    "jzyqm": "记账员签名",
    "fhyqm": "复核员签名",
    "fjz": "附件章",
    "ywzyz": "业务专用章",
    "sz": "私章",
    "qm": "签名",
}

PREFIX = {
    Role.FINANCE: ("cz", "财政"),
    Role.PBOC: ("rh", "人行"),
    Role.AGENT_BANK: ("yh", "代理银行"),
    Role.PAYEE_BANK: ("skh", "收款行"),
    Role.BUDGET_UNIT: ("dw", "预算单位"),
}

_F, _P, _B, _RB, _U = Role.FINANCE, Role.PBOC, Role.AGENT_BANK, Role.PAYEE_BANK, Role.BUDGET_UNIT
_PBOC_RECEIPT = (("receipt", _P, "zqz"), ("receipt", _P, "gz"), ("failed_receipt", _P, "fjz"))

# layout -> (on, role, stamp type) in stamping order
LAYOUTS: dict[str, tuple[tuple[str, Role, str], ...]] = {
    # finance pays through the PBoC: official and personal seals; PBoC 转讫章 + 公章 on the receipt
    "finance_payment": (
        ("voucher", _F, "gz"),
        ("voucher", _F, "jzysz"),
        ("voucher", _F, "fhysz"),
        *_PBOC_RECEIPT,
    ),
    # quota notices and adjustments move no money: finance 公章, PBoC 业务专用章 on the receipt
    "finance_notice": (("voucher", _F, "gz"), ("receipt", _P, "ywzyz")),
    # agent-bank clearing requests: the bank's business seal and personal seal
    "bank_clearing": (("voucher", _B, "ywzyz"), ("voucher", _B, "jzysz"), *_PBOC_RECEIPT),
    "payee_bank": (("voucher", _RB, "ywzyz"), ("receipt", _P, "gz")),
    # a budget unit's authorized payment, processed by its agent bank
    "unit_payment": (
        ("voucher", _U, "gz"),
        ("voucher", _U, "sz"),
        ("receipt", _B, "zqz"),
        ("failed_receipt", _B, "fjz"),
    ),
    # self-generated reports, reconciliations and notices are signed; the answer is signed too
    "pboc_signed": (("voucher", _P, "jzyqm"), ("voucher", _P, "fhyqm"), ("receipt", _F, "qm")),
    "finance_signed": (("voucher", _F, "qm"), ("receipt", _P, "qm")),
    "bank_signed": (("voucher", _B, "qm"), ("receipt", _P, "qm")),
    "none": (),
}


def positions(layout: str, receivers: tuple[Role, ...]) -> tuple[StampPosition, ...]:
    """The positions of a layout for a type sent to `receivers`."""
    out: list[StampPosition] = []
    for on, role, stamp_type in LAYOUTS[layout]:
        signers = (role,)
        if on != "voucher" and receivers and role not in receivers:
            signers = receivers  # the receipt comes from whoever received the voucher
        for who in signers:
            prefix, party = PREFIX[who]
            out.append(
                StampPosition(
                    id=f"{prefix}_{stamp_type}",
                    name=f"{party}{STAMP_TYPES[stamp_type]}",
                    stamp_type=stamp_type,
                    role=who,
                    on=on,
                )
            )
    return tuple(out)
