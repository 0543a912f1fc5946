"""The realware voucher-library wire interface as data: services, operations, status and fault codes.

One source of truth for everything that speaks the interface: the SOAP server and its WSDL,
the client in `mocks`, the conformance suite and the load tests all read this table; none
keeps a second copy. Facts come from reference/realware-interface.md §1–§3 and §10; where the
public record is silent the decision is taken here and written down in docs/wire.md.

Profile rule (VL-WIRE-010): "1.0" lacks the combined write-and-send operations
(`...AndSend`, `saveAndSendVoucher`) and every `batch...` query, which the 2017 interface
document (3.1.5, 3.1.6, 3.1.8, 3.2.2, 3.2.3) lists as additions; `writeVoucher`, which that same
document already calls "不建议使用", predates them and stays in both profiles.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

from lxml import etree

from evoucher.codec.safe import parse_document, parse_until
from evoucher.errors import (
    EVS_EMPTY,
    EVS_LOGIC,
    EVS_PARAM,
    EVS_PERMISSION,
    EVS_UNDEFINED,
    EVS_YEAR,
    CodecError,
)

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"  # SOAP 1.1, the only version realware speaks
XSI = "http://www.w3.org/2001/XMLSchema-instance"
# Namespace of the operation wrapper elements (VL-WIRE-002); parameters themselves are unqualified.
NAMESPACE = "urn:guoku:realware:evoucher"
APACHE_SOAP = "http://xml.apache.org/xml-soap"  # home of Axis's Map / mapItem types

Profile = Literal["1.0", "2.0"]
PROFILES: tuple[Profile, ...] = ("1.0", "2.0")
XsdType = Literal["string", "int", "base64Binary", "ArrayOf_xsd_string"]
# StatusMap is an apachesoap:Map on the wire whose values are [code:int, description:string]
ReturnType = Literal["void", "int", "base64Binary", "Map", "StatusMap"]

# ---------------------------------------------------------------- services and org types

ORG_PBOC = "001"  # 人民银行 / 国库
ORG_FINANCE = "011"  # 财政
ORG_CENTER = "999"  # "center" destination (`,<vt>sendtype=center,`)
ORG_TYPES = {
    ORG_PBOC: "人民银行/国库 PBoC treasury",
    ORG_FINANCE: "财政 finance bureau",
    ORG_CENTER: "center",
}
_BANK_TYPE = re.compile(r"[0-9]{3}")


def is_bank_org_type(code: str) -> bool:
    """An agent bank's org type is its 3-digit bank category code (行别代码, e.g. 102)."""
    return bool(_BANK_TYPE.fullmatch(code)) and code not in ORG_TYPES


@dataclass(frozen=True)
class Service:
    """One SOAP endpoint; `org_type` is None where the caller's certificate decides it."""

    name: str
    org_type: str | None
    meaning: str

    @property
    def path(self) -> str:
        return f"/realware/services/{self.name}"


FINANCE, CBANK, PBANK, ESTAMP = (
    "AsspFinanceService",
    "AsspCBankService",
    "AsspPBankService",
    "AsspEStampService",
)
SERVICES: dict[str, Service] = {
    s.name: s
    for s in (
        Service(FINANCE, ORG_FINANCE, "finance bureaus (财政)"),
        Service(CBANK, ORG_PBOC, "the PBoC treasury (人行/国库)"),
        Service(PBANK, None, "agent banks (代理银行); org type = the caller's 3-digit bank type"),
        Service(ESTAMP, None, "server-side seals and signatures (电子印章), used by every party and the OCX"),
    )
}
_PARTIES = frozenset({FINANCE, CBANK, PBANK})
_EVERYWHERE = _PARTIES | {ESTAMP}

# ---------------------------------------------------------------- operations


@functools.lru_cache(maxsize=512)
def snake_case(name: str) -> str:
    """Python name of a wire name: `certID` -> `cert_id`, `exportPDF` -> `export_pdf` (remembered:
    servers ask for every argument of every call)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


@dataclass(frozen=True)
class Param:
    name: str
    type: XsdType

    @property
    def py_name(self) -> str:
        return snake_case(self.name)


@dataclass(frozen=True)
class Operation:
    """One SOAP operation: parameters in wire order, what it returns, where and when it is offered."""

    name: str
    params: tuple[Param, ...]
    returns: ReturnType
    services: frozenset[str]
    profiles: frozenset[str]
    meaning: str
    section: str = ""  # numbering of the 2017 interface document, where known

    @property
    def py_name(self) -> str:
        return snake_case(self.name)


def _p(spec: str) -> tuple[Param, ...]:
    """`"certID admDivCode stYear:int"` -> Params; types: s (default), int, b64, arr (string array)."""
    kinds = {"s": "string", "int": "int", "b64": "base64Binary", "arr": "ArrayOf_xsd_string"}
    out = []
    for word in spec.split():
        name, _, kind = word.partition(":")
        out.append(Param(name, kinds[kind or "s"]))  # type: ignore[arg-type]
    return tuple(out)


_HEAD = "certID admDivCode stYear:int vtCode "  # the common first four arguments
_BOTH = frozenset(PROFILES)
_V2 = frozenset({"2.0"})


def _op(
    name: str,
    params: str,
    returns: ReturnType,
    meaning: str,
    *,
    services: frozenset[str] = _PARTIES,
    profiles: frozenset[str] = _BOTH,
    section: str = "",
) -> Operation:
    return Operation(name, _p(params), returns, services, profiles, meaning, section)


OPERATIONS: tuple[Operation, ...] = (
    # writes: store vouchers stamped or signed by the client, or have the server stamp or sign
    _op("saveStampVoucher", _HEAD + "voucherMessage:b64", "void",
        "store a MOF whose voucher was stamped client-side (OCX)", services=_EVERYWHERE, section="3.1.1"),
    _op("saveSignVoucher", _HEAD + "voucherMessage:b64", "void",
        "store a MOF whose voucher was signed client-side", services=_EVERYWHERE, section="3.1.2"),
    _op("signStampByNos", _HEAD + "voucherMessage:b64 stamp", "void",
        "server stamps (签章) at the positions of the stamp XML; stored, not sent",
        services=_EVERYWHERE, section="3.1.3"),
    _op("signByNos", _HEAD + "voucherMessage:b64 signPosition", "void",
        "server signs (签名) at the positions of the position XML; stored, not sent",
        services=_EVERYWHERE, section="3.1.4"),
    _op("signStampByNosAndSend", _HEAD + "voucherMessage:b64 stamp srcOrgType decOrgType", "Map",
        "stamp at the given positions and send, in one call", profiles=_V2, section="3.1.5"),
    _op("signByNosAndSend", _HEAD + "voucherMessage:b64 signPosition srcOrgType decOrgType", "void",
        "sign at the given positions and send, in one call (self-generated reports)",
        profiles=_V2, section="3.1.6"),
    _op("writeVoucher", _HEAD + "voucherMessage:b64 srcOrgType decOrgType", "Map",
        "write and send with a server stamp (不建议使用)", section="3.1.7"),
    _op("saveAndSendVoucher", _HEAD + "voucherMessage:b64 srcOrgType decOrgType", "Map",
        "write and send with a server signature (不建议使用)", profiles=_V2, section="3.1.8"),
    _op("signWithoutPosition", _HEAD + "voucherMessage:b64", "base64Binary",
        "signature without a position; returns the signed message (GBK)", services=_EVERYWHERE),
    _op("cancelStampWithPosition", _HEAD + "voucherNo stampPosition", "void",
        "undo the stamp at one position (撤销签章)", services=_EVERYWHERE),
    # reading and answering vouchers addressed to the caller
    _op("readVoucherAgain", _HEAD + "voucherCount:int", "base64Binary",
        "read up to voucherCount (≤100) vouchers not yet signed for (未签收), as one MOF", section="3.2.1"),
    _op("readVoucher", _HEAD + "voucherCount:int", "base64Binary",
        "read up to voucherCount (≤100) vouchers never read before, as one MOF"),
    _op("confirmVoucher", _HEAD + "voucherNos:arr", "void", "sign for (签收) received vouchers"),
    _op("confirmVoucherFail", _HEAD + "voucherNos:arr errMsgs:arr", "void",
        "refuse to sign for received vouchers (签收失败), one reason each"),
    _op("returnVoucher", _HEAD + "voucherNos:arr reasons:arr", "void",
        "return (退回) vouchers after a business rejection, one reason each"),
    _op("discardVoucher", _HEAD + "voucherNos:arr", "void", "void (作废) vouchers we sent"),
    # sending stored vouchers
    _op("sendVoucher", "certID admDivCode srcOrgType decOrgType stYear:int vtCode voucherNos:arr", "void",
        "send stored, stamped vouchers or receipts to one org type"),
    _op("sendVoucherFullSigns", "certID admDivCode srcOrgType decOrgType stYear:int vtCode voucherNos:arr",
        "void", "send the version carrying all signatures (发送全版本凭证), e.g. a receipt copy"),
    # status and template queries
    _op("queryVoucherStatusByOrgType", _HEAD + "voucherNos:arr decOrgType", "StatusMap",
        "status per voucher at one receiving org type"),
    _op("batchQuerySentVoucherStatus", _HEAD + "voucherNos:arr", "StatusMap",
        "status of sent receipts", profiles=_V2),
    _op("batchQueryAllVoucherStatus", _HEAD + "voucherNos:arr", "StatusMap",
        "status of any vouchers (13 = not sent)", profiles=_V2, section="3.2.2"),
    _op("batchQueryVoucherNosByBackStatus", _HEAD + "decOrgType", "StatusMap",
        "vouchers that bounced at decOrgType (接收失败/签收失败/签收退回) with their status",
        profiles=_V2, section="3.2.3"),
    _op("queryStampPositionWithName", _HEAD.rstrip(), "Map",
        "stamp positions of the voucher template: position id -> name",
        services=_EVERYWHERE, section="3.2.4"),
    _op("queryVoucherPrintCount", _HEAD + "voucherNo", "int", "how many times a voucher was printed"),
    _op("queryVoucherType", "certID admDivCode stYear:int", "Map",
        "voucher types the caller may use: VtCode -> name"),
    _op("exportPDF", _HEAD + "pageNo:int voucherNo", "base64Binary", "PDF of one copy (联) of a voucher"),
    # attachment channel (绿色通道)
    _op("sendData", "certID admDivCode srcOrgType decOrgType stYear:int data:b64", "void",
        "send one attachment block (≤3 MB, a base64 File document)"),
    _op("getData", "certID stYear:int admDivCode", "base64Binary", "fetch the next attachment block"),
)  # fmt: skip
OPERATION_BY_NAME: dict[str, Operation] = {op.name: op for op in OPERATIONS}


def operations_for(service: str, profile: str) -> tuple[Operation, ...]:
    """The operations one endpoint offers under one profile, in catalogue order."""
    return tuple(op for op in OPERATIONS if service in op.services and profile in op.profiles)


# ---------------------------------------------------------------- voucher status codes


class VoucherStatus(IntEnum):
    """Element [0] of a status query's value; `flag` is the VoucherFlag it describes (None: either)."""

    zh: str
    en: str
    flag: int | None

    def __new__(cls, value: int, zh: str, en: str, flag: int | None) -> VoucherStatus:
        member = int.__new__(cls, value)
        member._value_ = value
        member.zh, member.en, member.flag = zh, en, flag
        return member

    NOT_FOUND = -1, "凭证不存在", "voucher not found", None
    NOT_RECEIVED = 0, "对方未接收", "sent voucher: peer has not received it", 0
    RECEIVED = 1, "对方接收成功", "sent voucher: peer received it", 0
    RECEIVE_FAILED = 2, "对方接收失败", "sent voucher: peer failed to receive it", 0
    SIGNED = 3, "对方签收成功", "sent voucher: peer signed for it", 0
    SIGN_FAILED = 4, "对方签收失败", "sent voucher: peer refused to sign for it", 0
    RETURNED = 5, "对方已退回", "sent voucher: peer returned it", 0
    RECEIPT_NOT_RECEIVED = 6, "回单对方未接收", "receipt: peer has not received it", 1
    RECEIPT_RECEIVED = 7, "回单对方接收成功", "receipt: peer received it", 1
    RECEIPT_RECEIVE_FAILED = 8, "回单对方接收失败", "receipt: peer failed to receive it", 1
    RECEIPT_SIGNED = 9, "回单对方签收成功", "receipt: peer signed for it", 1
    RECEIPT_SIGN_FAILED = 10, "回单对方签收失败", "receipt: peer refused to sign for it", 1
    RECEIPT_RETURNED = 11, "回单对方已退回", "receipt: peer returned it", 1
    RECEIPT_ARRIVED = 12, "已收到对方回单", "sent voucher: the peer's receipt has arrived", 0
    NOT_SENT = 13, "本方未发送", "sent voucher: not sent by us", 0
    RECEIPT_NOT_SENT = 14, "回单本方未发送", "receipt: not sent by us", 1

    @property
    def bounced(self) -> bool:
        """Receive failed, sign-for failed or returned: what batchQueryVoucherNosByBackStatus lists."""
        return self in _BOUNCED


_BOUNCED = frozenset({2, 4, 5, 8, 10, 11})

# ---------------------------------------------------------------- faults

EVS_INIT, EVS_NO_LOCAL_QUEUE, EVS_NO_REMOTE_QUEUE, EVS_ADMDIV = "EVS001", "EVS002", "EVS003", "EVS004"
FAULT_CODES: dict[str, str] = {
    EVS_INIT: "系统控制参数初始化错误 (system control parameters failed to initialise)",
    EVS_NO_LOCAL_QUEUE: "本地队列未配置 (local queue not configured)",
    EVS_NO_REMOTE_QUEUE: "远程队列不可用 (remote queue unavailable)",
    EVS_ADMDIV: "获取行政区划失败 (AdmDivCode lookup failed)",
    EVS_PARAM: "参数不合法 (invalid parameter)",
    EVS_YEAR: "业务年度不合法 (invalid business year)",
    EVS_EMPTY: "参数为空 (a parameter is empty)",
    EVS_PERMISSION: "证书无此凭证类型权限 (no permission for this cert id)",
    EVS_LOGIC: "业务逻辑不合法 (business-logic violation)",
    EVS_UNDEFINED: "未定义错误 (undefined error)",
}
_FAULT = re.compile(r"(EVS[0-9]{3})#(.*)", re.DOTALL)

# Faults whose message contains one of these mean "already done" (ITFE treats them as success).
IDEMPOTENT_SUCCESS_PHRASES: tuple[str, ...] = (
    "位置已签章", "位置已盖章", "已发送", "最大版本号凭证已签收", "无需重新发送", "成功签收", "重复发送",
)  # fmt: skip
IDEMPOTENT_SUCCESS_BY_OPERATION: dict[str, tuple[str, ...]] = {"returnVoucher": ("已退回或",)}


def format_fault(code: str, message: str) -> str:
    """The faultstring realware sends: `EVSnnn#message`."""
    if not re.fullmatch(r"EVS[0-9]{3}", code):
        raise ValueError(f"format_fault: code must be EVS followed by 3 digits, got {code!r}")
    return f"{code}#{message}"


def parse_fault(text: str) -> tuple[str | None, str]:
    """(evs_code, message) of a faultstring; finds the code after a Java exception prefix too.

    Axis puts `exception.toString()` into the faultstring, so `com.x.Err: EVS100#...` is read as
    EVS100. Text with no `EVSnnn#` gives (None, text).
    """
    m = _FAULT.search(text)
    if m is None:
        return None, text
    return m.group(1), m.group(2)


def is_idempotent_success(message: str, operation: str | None = None) -> bool:
    """Whether a fault message means the work was already done (e.g. 位置已签章, 重复发送)."""
    phrases = IDEMPOTENT_SUCCESS_PHRASES + IDEMPOTENT_SUCCESS_BY_OPERATION.get(operation or "", ())
    return any(p in message for p in phrases)


# ---------------------------------------------------------------- reading an envelope

_ENVELOPE = f"{{{SOAP_ENV}}}Envelope"


def read_envelope(data: bytes, *, limit: int, what: str) -> etree._Element:
    """A SOAP 1.1 Envelope, read through the codec's hostile-input refusals (EVS100/EVS111 errors).

    parse_document compares only the local name before parsing (SOAP lets every sender pick its
    own prefix: soapenv:, soap-env:, S:, none); the namespace is checked once lxml has parsed it.
    """
    envelope = parse_document(data, limit=limit, root=(_ENVELOPE,), what=what)[0]
    if envelope.tag != _ENVELOPE:  # an unqualified <Envelope> matched the local name
        raise CodecError(f"{what}: root element is <{envelope.tag}>, expected <{_ENVELOPE}> (SOAP 1.1)")
    return envelope


def read_envelope_prologue(
    data: bytes, *, limit: int, what: str
) -> tuple[etree._Element | None, etree._Element | None]:
    """The soap:Header (or None) and the Body's first element (or None), as far as it was read:
    its tag and attributes, not its content.

    So that a server can check who is calling, and for what, before it pays for what they sent;
    the hostile-input refusals of `read_envelope` apply. A document that breaks or ends before
    its Body's first element is read whole by `read_envelope`, which names the fault.
    """
    envelope = parse_until(data, stop=(f"{{{SOAP_ENV}}}Body", "*"), limit=limit, what=what)
    if envelope is None or envelope.tag != _ENVELOPE:
        envelope = read_envelope(data, limit=limit, what=what)
    parts = [child for child in envelope if isinstance(child.tag, str)]
    header = parts[0] if parts and parts[0].tag == f"{{{SOAP_ENV}}}Header" else None
    body = parts[-1] if parts and parts[-1].tag == f"{{{SOAP_ENV}}}Body" else None
    first = next((child for child in body if isinstance(child.tag, str)), None) if body is not None else None
    return header, first
