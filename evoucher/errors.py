"""Errors raised by the voucher standard.

Every error carries the facts a person needs to act (which field, which rule, which value)
and the realware fault code it maps to, so the library can turn it into an `EVSnnn#message`
fault without guessing::

    EvoucherError(ValueError)            evs_code, message built from keyword fields
    ├── HostileInputError                DTD/entities, oversize, bad base64, bad GBK — refused before parsing
    ├── CodecError                       well-formed input that is not a Voucher / MOF document
    ├── FieldError                       one field breaks one rule (path, rule, value)
    │   └── ValidationFailed             several FieldErrors at once (.problems)
    ├── UnknownVoucherType               VtCode not in the registry
    ├── CryptoError                      SM2 key or signature encoding errors
    └── SealError                        seal structures that cannot be decoded or built
"""

from __future__ import annotations

# realware fault codes (reference §3)
EVS_PARAM = "EVS100"  # 参数不合法
EVS_YEAR = "EVS103"  # invalid business year
EVS_EMPTY = "EVS111"  # a parameter is empty
EVS_PERMISSION = "EVS112"  # voucher type not allowed for this cert
EVS_LOGIC = "EVS700"  # 业务逻辑不合法
EVS_UNDEFINED = "EVS999"


class EvoucherError(ValueError):
    """Base of all errors of the standard; `evs_code` is the realware fault it maps to."""

    evs_code: str = EVS_PARAM

    def __init__(self, message: str, *, evs_code: str | None = None) -> None:
        super().__init__(message)
        if evs_code is not None:
            self.evs_code = evs_code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def fault_string(self) -> str:
        """The realware wire form: `EVSnnn#message`."""
        return f"{self.evs_code}#{self.message}"


class HostileInputError(EvoucherError):
    """Input refused before any parsing work: DTDs, entities, oversize, bad base64 or GBK."""


class CodecError(EvoucherError):
    """Input that parses as XML but is not a Voucher or MOF document we can read."""


class FieldError(EvoucherError):
    """One field breaks one rule. `path` is e.g. `Voucher/PayAmt` or `Voucher/DetailList/Detail[2]/Id`."""

    def __init__(
        self,
        *,
        path: str,
        rule: str,
        value: str | None,
        detail: str = "",
        evs_code: str = EVS_PARAM,
        vt_code: str | None = None,
    ) -> None:
        self.path = path
        self.rule = rule
        self.value = value
        self.detail = detail
        self.vt_code = vt_code
        shown = "<missing>" if value is None else repr(value)
        where = f"{vt_code} " if vt_code else ""
        text = f"{where}{path}: {rule}" + (f" ({detail})" if detail else "") + f", got {shown}"
        super().__init__(text, evs_code=evs_code)

    @property
    def field(self) -> str:
        """The XML element name, last step of the path without an index."""
        return self.path.rsplit("/", 1)[-1].split("[", 1)[0]

    def to_json(self) -> dict[str, str | None]:
        return {
            "path": self.path,
            "field": self.field,
            "rule": self.rule,
            "value": self.value,
            "detail": self.detail,
            "evs_code": self.evs_code,
            "vt_code": self.vt_code,
            "message": self.message,
        }


class ValidationFailed(EvoucherError):
    """A voucher broke one or more rules; `problems` lists each as a FieldError."""

    def __init__(self, problems: list[FieldError]) -> None:
        if not problems:
            raise ValueError("ValidationFailed needs at least one problem")
        self.problems = list(problems)
        # business-logic violations outrank malformed parameters only when nothing is malformed
        code = EVS_PARAM if any(p.evs_code == EVS_PARAM for p in problems) else problems[0].evs_code
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(problems[0].message + more, evs_code=code)


class UnknownVoucherType(EvoucherError):
    """The VtCode is not in the registry."""

    def __init__(self, vt_code: str) -> None:
        self.vt_code = vt_code
        super().__init__(f"unknown voucher type VtCode={vt_code!r}", evs_code=EVS_PARAM)


class CryptoError(EvoucherError):
    """An SM2 key or signature that cannot be decoded."""


class SealError(EvoucherError):
    """A seal or signature structure that cannot be decoded or built."""
