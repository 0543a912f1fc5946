"""Errors of the voucher-library client; each carries the operation and the httpx request::

    LibraryError(Exception)          operation, request, response
    ├── LibraryFault                 the library answered with a SOAP fault: evs_code, message, faultcode
    ├── TransportError               no SOAP answer: network failure, timeout, or an HTTP error page
    └── ResponseError                an answer that is not the SOAP the interface defines

A `LibraryFault` whose message says the work was already done (位置已签章, 重复发送, …) is
`is_idempotent_success`; callers that retry decide with that, as ITFE does.
"""

from __future__ import annotations

import httpx

from evoucher.interface import is_idempotent_success


class LibraryError(Exception):
    def __init__(
        self,
        text: str,
        *,
        operation: str,
        request: httpx.Request | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(f"{operation}: {text}")
        self.operation = operation
        self.request = request
        self.response = response


class LibraryFault(LibraryError):
    """A SOAP fault; `evs_code` is None when the faultstring carries no `EVSnnn#`."""

    def __init__(
        self,
        evs_code: str | None,
        message: str,
        operation: str,
        *,
        faultcode: str = "",
        request: httpx.Request | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        text = f"{evs_code}#{message}" if evs_code else f"fault without EVS code: {message}"
        super().__init__(text, operation=operation, request=request, response=response)
        self.evs_code = evs_code
        self.message = message
        self.faultcode = faultcode

    @property
    def is_idempotent_success(self) -> bool:
        return is_idempotent_success(self.message, self.operation)


class TransportError(LibraryError):
    """The call got no SOAP answer; `status_code` is None when no HTTP response arrived at all."""

    def __init__(
        self,
        text: str,
        *,
        operation: str,
        request: httpx.Request | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(text, operation=operation, request=request, response=response)
        self.status_code = None if response is None else response.status_code


class ResponseError(LibraryError):
    """A SOAP answer the interface does not allow (wrong wrapper, bad base64, malformed Map, …)."""
