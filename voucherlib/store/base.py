"""What the store holds, as frozen records, and the protocol a database backend implements.

A document is identified by `VoucherKey` (AdmDivCode, StYear, VtCode, VoucherNo, VoucherFlag): the
receipt (VoucherFlag=1) is a separate document with the voucher's numbers, linked by `VoucherRef`
(the key without the flag). Only what breaks a key is checked here; per-type field rules belong to
the voucher-type registry in `evoucher`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from evoucher.errors import EVS_EMPTY, EVS_YEAR
from voucherlib.errors import ArgumentError
from voucherlib.lifecycle import DeliveryState, Transition

T = TypeVar("T")
MAX_BLOCK = 3 * 1024 * 1024  # attachment block size (reference §2)
_ADM = re.compile(r"\d{6}")
_VT = re.compile(r"[0-9A-Za-z]{4}")
_TOKEN = re.compile(r"[^\s/:]{1,64}")  # voucher numbers, org ids, positions: no separators


def _need(argument: str, value: object, pattern: re.Pattern, rule: str, voucher: object = "") -> None:
    if value is None or value == "":
        raise ArgumentError(argument=argument, rule="must not be empty", value=value, evs_code=EVS_EMPTY)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ArgumentError(argument=argument, rule=rule, value=value, voucher=voucher)


def _check_scope(adm_div_code: str, st_year: int) -> None:
    _need("AdmDivCode", adm_div_code, _ADM, "a 6-digit administrative division code")
    if isinstance(st_year, bool) or not isinstance(st_year, int) or not 2000 <= st_year <= 2099:
        raise ArgumentError(
            argument="StYear", rule="a business year 2000..2099", value=st_year, evs_code=EVS_YEAR
        )


@dataclass(frozen=True, order=True)
class Org:
    """A party: org type (011 finance, 001 PBoC, a bank category such as 102); id where a type is shared."""

    type: str
    id: str = ""

    def __post_init__(self) -> None:
        _need("OrgType", self.type, _TOKEN, "an org type code without '/', ':' or spaces")
        if self.id:
            _need("OrgId", self.id, _TOKEN, "an org id without '/', ':' or spaces")

    def __str__(self) -> str:
        return f"{self.type}:{self.id}" if self.id else self.type

    def receives(self, dest: Org) -> bool:
        """Is a delivery to `dest` for this org? An id-less destination means any org of the type."""
        return dest.type == self.type and dest.id in ("", self.id)


@dataclass(frozen=True)
class Actor:
    """Who calls: the certificate id and the organisation it belongs to."""

    cert_id: str
    org: Org

    def __post_init__(self) -> None:
        _need("certID", self.cert_id, re.compile(r"\S{1,128}"), "a certificate id without spaces")


@dataclass(frozen=True, order=True)
class VoucherRef:
    """A voucher's numbers without the flag: what batch operations such as confirmVoucher name."""

    adm_div_code: str
    st_year: int
    vt_code: str
    voucher_no: str

    def __post_init__(self) -> None:
        _check_scope(self.adm_div_code, self.st_year)
        _need("VtCode", self.vt_code, _VT, "a 4-character voucher type code")
        _need("VoucherNo", self.voucher_no, _TOKEN, "1..64 characters without '/', ':' or spaces", self)

    def __str__(self) -> str:
        return f"{self.adm_div_code}/{self.st_year}/{self.vt_code}/{self.voucher_no}"

    def key(self, flag: int) -> VoucherKey:
        return VoucherKey(self.adm_div_code, self.st_year, self.vt_code, self.voucher_no, flag)

    @classmethod
    def batch(
        cls, adm_div_code: str, st_year: int, vt_code: str, voucher_nos: Sequence[str]
    ) -> list[VoucherRef]:
        """The refs of one realware batch call (adm, year, vt, String[] nos)."""
        if not voucher_nos:
            raise ArgumentError(argument="voucherNos", rule="at least one", value=[], evs_code=EVS_EMPTY)
        return [cls(adm_div_code, st_year, vt_code, no) for no in voucher_nos]


@dataclass(frozen=True, order=True)
class VoucherKey(VoucherRef):
    """One document: VoucherFlag 0 is the voucher (发送单), 1 its receipt (回单)."""

    voucher_flag: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.voucher_flag not in (0, 1) or isinstance(self.voucher_flag, bool):
            raise ArgumentError(argument="VoucherFlag", rule="0 or 1", value=self.voucher_flag, voucher=self)

    def __str__(self) -> str:
        return f"{self.ref}/{self.voucher_flag}"

    @property
    def ref(self) -> VoucherRef:
        return VoucherRef(self.adm_div_code, self.st_year, self.vt_code, self.voucher_no)

    @classmethod
    def parse(cls, text: str) -> VoucherKey:
        """Read `AdmDivCode/StYear/VtCode/VoucherNo/VoucherFlag`, the form audit entries use."""
        parts = text.split("/")
        if len(parts) != 5 or not parts[1].isdigit() or parts[4] not in ("0", "1"):
            raise ArgumentError(
                argument="voucher", rule="AdmDivCode/StYear/VtCode/VoucherNo/VoucherFlag", value=text
            )
        return cls(parts[0], int(parts[1]), parts[2], parts[3], int(parts[4]))


@dataclass(frozen=True)
class Stamp:
    """A stamp (签章, `kind="stamp"`) or signature (签名, `kind="sign"`) at one position."""

    position: str
    kind: str
    cert_id: str
    data: bytes

    def __post_init__(self) -> None:
        _need("stampPosition", self.position, _TOKEN, "a position id without '/', ':' or spaces")
        if self.kind not in ("stamp", "sign"):
            raise ArgumentError(argument="kind", rule="'stamp' or 'sign'", value=self.kind)
        if not self.data:
            raise ArgumentError(argument="stamp", rule="must not be empty", value=b"", evs_code=EVS_EMPTY)


@dataclass(frozen=True)
class Voucher:
    """A document's current facts; its contents are in its versions."""

    key: VoucherKey
    owner: Org
    positions: tuple[str, ...]  # configured stamp positions (the type's template)
    version: int  # latest version
    body_version: int  # the version that last changed the bytes: older deliveries are superseded
    discarded: bool
    print_count: int
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class Version:
    """The bytes and the stamps of one version; each save, stamp or cancel makes a new one."""

    key: VoucherKey
    version: int
    body: bytes
    stamps: tuple[Stamp, ...]
    change: str  # the operation that made it
    actor: str
    at: str

    @property
    def stamped(self) -> frozenset[str]:
        return frozenset(s.position for s in self.stamps)

    def complete(self, positions: Sequence[str]) -> bool:
        """All configured positions carry a stamp or signature (the multi-position rule)."""
        return self.stamped >= set(positions)


@dataclass(frozen=True)
class Delivery:
    """A document sent to one destination org, the version sent and where it stands."""

    key: VoucherKey
    dest: Org
    state: DeliveryState
    version: int
    full_signs: bool
    reason: str  # the failure or return reason given by the recipient
    sent_at: str
    updated_at: str
    read_count: int = 0  # hand-overs to the recipient since it was (re)sent: readVoucher takes 0 only
    first_read_at: str = ""


@dataclass(frozen=True)
class Delivered:
    """What readVoucher / readVoucherAgain hand over: the delivery and the version it carries."""

    delivery: Delivery
    version: Version


@dataclass(frozen=True)
class Outcome:
    """What one operation did to one document (and delivery, if any)."""

    key: VoucherKey
    transition: Transition
    version: int
    dest: Org | None = None

    @property
    def noop(self) -> bool:
        return self.transition.noop


@dataclass(frozen=True)
class Status:
    """A status query's answer for one voucher number: realware code (-1..14) and its text."""

    ref: VoucherRef
    code: int
    text: str
    key: VoucherKey | None = None
    dest: Org | None = None


@dataclass(frozen=True)
class AttachmentBlock:
    """One block of a file sent over sendData/getData (the 绿色通道), 1-based `block_no`."""

    adm_div_code: str
    st_year: int
    src_org_type: str
    dest_org_type: str
    file_name: str
    block_count: int
    block_no: int
    vt_code: str
    voucher_no: str
    attach: str
    data: bytes

    def __post_init__(self) -> None:
        _check_scope(self.adm_div_code, self.st_year)
        Org(self.src_org_type), Org(self.dest_org_type)  # validates the type codes
        if self.vt_code:
            _need("VtCode", self.vt_code, _VT, "a 4-character voucher type code")
        if self.voucher_no:
            _need("VoucherNo", self.voucher_no, _TOKEN, "1..64 characters without '/', ':' or spaces")
        _need(
            "FileName",
            self.file_name,
            re.compile(r"[^/\\\x00]{1,200}"),
            "a file name without path separators",
        )
        if not 1 <= self.block_no <= self.block_count:
            raise ArgumentError(
                argument="AfewBlock", rule=f"1..FileBlockCount={self.block_count}", value=self.block_no
            )
        if len(self.data) > MAX_BLOCK:
            raise ArgumentError(argument="FileData", rule=f"at most {MAX_BLOCK} bytes", value=len(self.data))


class Backend(Protocol):
    """A database under the store: runs one unit of work per transaction (or savepoint)."""

    def execute(self, work: Callable[..., T], *, write: bool = True) -> T:
        """Run `work(tx)` in a transaction; return only after a write committed durably."""
        ...

    def close(self) -> None: ...
