"""Refusals the service layer adds to the store's (voucherlib.errors), each naming the voucher::

VoucherlibError                 (voucherlib.errors)
├── NotPermitted                the certificate may not do this (EVS112) or the AdmDivCode is unknown (EVS004)
│   └── CallerRefused           not let in at all; `caller` is who the certificate proves, if anyone
├── Unacceptable                the voucher or its stamps break a rule of the standard (EVS100 / EVS700)
│   └── StampRejected           a stamp failed verification on arrival (EVS700), with its SealReport
└── AlreadyDone                 the call repeated finished work: EVS700 whose text holds the ITFE
                                phrase (位置已签章, 已发送, 重复发送, 成功签收) clients treat as success
"""

from __future__ import annotations

from evoucher.errors import EVS_LOGIC, EVS_PERMISSION
from evoucher.verdict import SealReport
from voucherlib.errors import VoucherlibError


class NotPermitted(VoucherlibError):
    """Who is asking is wrong: certificate, org type, AdmDivCode, VtCode or stamp position."""

    def __init__(self, message: str, *, voucher: object = "", evs_code: str = EVS_PERMISSION) -> None:
        super().__init__(message, voucher=voucher, evs_code=evs_code)


class CallerRefused(NotPermitted):
    """The caller was not let in. `caller` is set when the certificate is the environment's own
    (revoked or expired, say), so the attempt can be audited under its holder; None when nobody
    is identified (an unknown certID, a foreign CA, a certificate naming another certID)."""

    def __init__(self, message: str, *, caller: object | None = None) -> None:
        self.caller = caller
        super().__init__(message)


class Unacceptable(VoucherlibError):
    """What was sent is wrong: a field, a MOF attribute, a route, a stamp's kind or position."""

    def __init__(self, message: str, *, voucher: object = "", evs_code: str = EVS_LOGIC) -> None:
        super().__init__(message, voucher=voucher, evs_code=evs_code)


class StampRejected(Unacceptable):
    """A stamp or signature did not verify (tampered voucher, moved stamp, foreign signer, v4 under 1.0)."""

    def __init__(self, *, voucher: object, position: str, why: str, report: SealReport | None = None) -> None:
        self.position, self.report = position, report
        super().__init__(f"stamp at position {position} rejected: {why}", voucher=voucher)


class AlreadyDone(VoucherlibError):
    """Nothing changed because everything asked for was already done; `note` is the ITFE phrase."""

    def __init__(self, *, voucher: object, note: str, what: str) -> None:
        self.note = note
        super().__init__(f"{note} ({what}; nothing changed)", voucher=voucher, evs_code=EVS_LOGIC)
