"""The shapes of registry entries: voucher types, their fields, stamp positions and rules.

Frozen dataclasses of facts; everything else in the registry (validation, XSD, samples,
strategies, docs) reads these and never keeps a second copy of a fact.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What a field holds, as the TSV classifies tags by name."""

    CODE = "code"
    AMOUNT = "amount"
    DATE = "date"
    ACCOUNT = "account"
    BANKNO = "bankno"
    TEXT = "text"
    COUNT = "count"
    ID = "id"
    FLAG = "flag"


class Role(StrEnum):
    """A party kind; `org_type` is the realware org-type code used in send calls."""

    FINANCE = "finance"
    PBOC = "pboc"
    AGENT_BANK = "agent_bank"
    PAYEE_BANK = "payee_bank"
    BUDGET_UNIT = "budget_unit"
    CENTER = "center"

    @property
    def org_type(self) -> str | None:
        """011 finance, 001 PBoC, a 3-digit bank category for banks (102 by default), 999 center.

        Budget units have no realware org type (ITFE never sees them talk to the library);
        an environment assigns theirs.
        """
        return _ORG_TYPES[self]


_ORG_TYPES = {
    Role.FINANCE: "011",
    Role.PBOC: "001",
    Role.AGENT_BANK: "102",
    Role.PAYEE_BANK: "102",
    Role.BUDGET_UNIT: None,
    Role.CENTER: "999",
}


class Business(StrEnum):
    """Business lines of reference §5 (values keep the standard's Chinese words)."""

    APPROPRIATION = "实拨"
    QUOTA = "额度"
    DIRECT_PAYMENT = "直接支付"
    AUTHORIZED_PAYMENT = "授权支付"
    CLEARING = "清算"
    REFUND = "退款"
    ADJUSTMENT = "调整"
    REVENUE_REFUND = "收入退付"
    SPECIAL_ACCOUNT = "专户"
    AGENT_TREASURY = "代理金库"
    RECONCILIATION = "对账"
    REPORT = "报表"
    BASE_DATA = "基础数据"
    REVENUE = "收入"
    INTERBANK = "往来"


class Sign(StrEnum):
    """Sign rule on an amount: the header total, or every detail amount."""

    POSITIVE = "positive"
    NEGATIVE = "negative"
    ZERO = "zero"
    NONZERO = "nonzero"
    NON_NEGATIVE = "non_negative"
    NON_POSITIVE = "non_positive"


class Origin(StrEnum):
    """Where a field comes from: the ITFE table, the common header of reference §6, or us."""

    ITFE = "itfe"
    COMMON = "common"
    COMPLETED = "completed"


@dataclass(frozen=True)
class Rule:
    """One checkable rule: a stable id, what it requires, and the realware fault it maps to.

    `itfe` says how ITFE's own check differs, when we deliberately deviate from it.
    """

    id: str
    description: str
    evs_code: str
    itfe: str = ""


@dataclass(frozen=True)
class FieldSpec:
    """One XML element of a voucher header or detail.

    `max_len` is in GBK bytes; `max_len_origin` says whether ITFE enforces it or it is our
    bound. `rules` are the ids of the value rules applied to a non-empty value, in order.
    `carried` marks an X* field the issuer itself fills (so it may be non-empty on a voucher).
    """

    name: str
    zh_name: str
    kind: Kind
    max_len: int
    mandatory: bool
    rules: tuple[str, ...] = ()
    receipt_only: bool = False
    receipt_mandatory: bool = False
    carried: bool = False
    values: tuple[str, ...] = ()
    digits: tuple[int, int] | None = None
    origin: Origin = Origin.ITFE
    itfe_required: str = ""
    max_len_origin: str = "itfe"
    v2_only: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class StampPosition:
    """A place on a voucher or receipt where one party applies a stamp (签章) or signature (签名).

    `on` is "voucher", "receipt" (a successful receipt) or "failed_receipt" (a receipt reporting
    a failed payment, which carries the 附件章 instead of the 转讫章).
    """

    id: str
    name: str
    stamp_type: str
    role: Role
    on: str

    @property
    def kind(self) -> str:
        """'sign' for a signature position (type ending in qm), else 'stamp'."""
        return "sign" if self.stamp_type.endswith("qm") else "stamp"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "kind": self.kind}


@dataclass(frozen=True)
class VoucherType:
    """One VtCode with everything the standard says about it (see docs/registry.md)."""

    vt_code: str
    zh_name: str
    en_name: str
    sender: Role | None
    receivers: tuple[Role, ...]
    business: Business
    has_detail_list: bool
    profiles: tuple[str, ...]
    header: tuple[FieldSpec, ...] = ()
    detail: tuple[FieldSpec, ...] = ()
    name_only: bool = False
    total: tuple[str, str | None] | None = None
    sign: Sign | None = None
    detail_sign: Sign | None = None
    min_details: int = 1
    max_details: int = 499
    refuse_single_zero: bool = False
    positions: tuple[StampPosition, ...] = ()
    replaces: str | None = None
    replaced_by: str | None = None
    note: str = ""
    deviations: tuple[str, ...] = field(default=())

    def field(self, name: str, *, detail: bool = False) -> FieldSpec:
        """The header (or detail) field spec named `name`; KeyError if the type has none."""
        for spec in self.detail if detail else self.header:
            if spec.name == name:
                return spec
        raise KeyError(f"{self.vt_code} has no {'detail' if detail else 'header'} field {name!r}")

    def has_field(self, name: str, *, detail: bool = False) -> bool:
        return any(spec.name == name for spec in (self.detail if detail else self.header))

    @property
    def stamp_positions(self) -> tuple[StampPosition, ...]:
        """Positions stamped or signed on the voucher itself (VoucherFlag=0)."""
        return tuple(p for p in self.positions if p.on == "voucher")

    @property
    def receipt_stamp_positions(self) -> tuple[StampPosition, ...]:
        """Positions on a successful receipt (VoucherFlag=1)."""
        return tuple(p for p in self.positions if p.on == "receipt")

    @property
    def failed_receipt_stamp_positions(self) -> tuple[StampPosition, ...]:
        """Positions on a receipt that reports a failed payment (附件章/退票)."""
        return tuple(p for p in self.positions if p.on == "failed_receipt")

    def positions_for(self, voucher_flag: int, *, failed: bool = False) -> tuple[StampPosition, ...]:
        """The positions a complete voucher (0) or receipt (1) carries."""
        if voucher_flag == 0:
            return self.stamp_positions
        return self.failed_receipt_stamp_positions if failed else self.receipt_stamp_positions

    def in_profile(self, profile: str) -> bool:
        return profile in self.profiles

    def to_json(self) -> dict[str, Any]:
        """Every fact of the entry as JSON-ready data (enums become their values)."""
        data = asdict(self)
        data["header"] = [spec.to_json() for spec in self.header]
        data["detail"] = [spec.to_json() for spec in self.detail]
        data["positions"] = [p.to_json() for p in self.positions]
        return data
