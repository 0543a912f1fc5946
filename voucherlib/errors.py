"""Errors of the reference voucher library.

Each names the voucher, the argument or rule, and the realware fault code, so the SOAP layer
turns it into an `EVSnnn#message` fault without guessing::

    EvoucherError(ValueError)                (evoucher.errors)
    └── VoucherlibError                      voucher, evs_code
        ├── ArgumentError                    argument, rule, value  (EVS100 / EVS103 / EVS111)
        ├── VoucherNotFound                  no such voucher for this party (EVS100)
        ├── PermissionDenied                 the voucher is not the caller's to act on (EVS112)
        ├── LifecycleError                   event, state, rule: refused by the state machine (EVS700)
        └── StoreUnavailable                 the database failed or holds no guoku store (EVS999)
"""

from __future__ import annotations

from evoucher.errors import EVS_LOGIC, EVS_PARAM, EVS_PERMISSION, EVS_UNDEFINED, EvoucherError


class VoucherlibError(EvoucherError):
    """Base of the library's errors; `voucher` is the key text (`adm/year/vt/no/flag`) or ""."""

    def __init__(self, message: str, *, voucher: object = "", evs_code: str | None = None) -> None:
        self.voucher = str(voucher) if voucher else ""
        text = f"{self.voucher}: {message}" if self.voucher else message
        super().__init__(text, evs_code=evs_code)


class ArgumentError(VoucherlibError):
    """One argument breaks one rule (`EVS111` when empty, `EVS103` for the year, else `EVS100`)."""

    def __init__(
        self, *, argument: str, rule: str, value: object, evs_code: str = EVS_PARAM, voucher: object = ""
    ) -> None:
        self.argument, self.rule, self.value = argument, rule, value
        super().__init__(f"{argument}: {rule}, got {value!r}", voucher=voucher, evs_code=evs_code)


class VoucherNotFound(VoucherlibError):
    """No voucher with this key, or none addressed to the calling organisation."""

    def __init__(self, voucher: object, *, detail: str = "no such voucher") -> None:
        self.argument = "VoucherNo"
        super().__init__(f"VoucherNo: {detail}", voucher=voucher, evs_code=EVS_PARAM)


class PermissionDenied(VoucherlibError):
    """The caller's organisation does not own the voucher it tries to change."""

    def __init__(self, voucher: object, *, org: object, owner: object) -> None:
        self.org, self.owner = str(org), str(owner)
        message = f"org {self.org} may not act on a voucher owned by {self.owner}"
        super().__init__(message, voucher=voucher, evs_code=EVS_PERMISSION)


class LifecycleError(VoucherlibError):
    """The state machine refuses `event` in `state`; `rule` says why in the library's words."""

    def __init__(self, *, voucher: object, event: str, state: str, rule: str, evs_code: str = EVS_LOGIC):
        self.event, self.state, self.rule = event, state, rule
        super().__init__(f"{event} refused in state {state}: {rule}", voucher=voucher, evs_code=evs_code)


class StoreUnavailable(VoucherlibError):
    """The database could not be reached or written, or holds no guoku store."""

    def __init__(self, message: str) -> None:
        super().__init__(message, evs_code=EVS_UNDEFINED)
