"""The realware SOAP wire interface of the reference library: WSDL, envelopes, faults, router.

`create_soap_router(handler, profile=..., auth=...)` is the entry point; the operations
themselves are the catalogue in `evoucher.interface`, and docs/wire.md records the decisions.
"""

from voucherlib.soap.envelope import DEFAULT_MAX_REQUEST_BYTES
from voucherlib.soap.router import (
    SOAP_PREFIX,
    AuthMode,
    Refusal,
    SoapHandler,
    create_soap_router,
    post_endpoint,
)
from voucherlib.soap.wsdl import build_wsdl

__all__ = [
    "DEFAULT_MAX_REQUEST_BYTES",
    "SOAP_PREFIX",
    "AuthMode",
    "Refusal",
    "SoapHandler",
    "build_wsdl",
    "create_soap_router",
    "post_endpoint",
]
