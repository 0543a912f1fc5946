"""Where exceptions become SOAP faults: the one boundary of the SOAP layer (VL-WIRE-030..033).

Anything carrying `.evs_code` and `.message` (evoucher.errors.EvoucherError and its
subclasses, voucherlib.errors, the service's own) becomes `EVSnnn#message`. Anything else is a
bug: it is logged with an incident id and the caller gets `EVS999#未定义错误 (incident …)`, never
the exception text. faultcode says whose fault it is: `soapenv:Client` for requests refused
before the handler ran, `soapenv:Server.userException` for the handler's refusals (as Axis
reports application exceptions), `soapenv:Server` for EVS999.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass

from evoucher.errors import EVS_UNDEFINED
from evoucher.interface import format_fault

log = logging.getLogger("voucherlib.soap")
_CODE = re.compile(r"EVS[0-9]{3}")


class RequestFault(Exception):
    """A request the SOAP layer itself refuses (bad envelope, unknown operation, bad argument)."""

    def __init__(self, evs_code: str, message: str) -> None:
        super().__init__(message)
        self.evs_code = evs_code
        self.message = message


@dataclass(frozen=True)
class Fault:
    evs_code: str
    message: str
    faultcode: str

    @property
    def faultstring(self) -> str:
        return format_fault(self.evs_code, self.message)


def to_fault(exc: BaseException, *, before_handler: bool, operation: str | None = None) -> Fault:
    """The fault for `exc`; `before_handler` tells the request's faults from the handler's."""
    code, message = getattr(exc, "evs_code", None), getattr(exc, "message", None)
    if isinstance(code, str) and _CODE.fullmatch(code) and isinstance(message, str):
        if code == EVS_UNDEFINED:
            return Fault(code, message, "soapenv:Server")
        return Fault(code, message, "soapenv:Client" if before_handler else "soapenv:Server.userException")
    incident = secrets.token_hex(4)
    log.error("incident %s in %s", incident, operation or "SOAP request", exc_info=exc)
    return Fault(EVS_UNDEFINED, f"未定义错误 (undefined error, incident {incident})", "soapenv:Server")
