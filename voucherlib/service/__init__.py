"""The reference library's operations: `VoucherLibrary` is the SOAP router's handler.

One module per family of operations (reading, writing, stamping, sending, status, attachments,
exporting), each a table of functions `fn(call, **wire_arguments)`; `identity` decides who is
calling and what they may touch. Every refused call is written to the audit trail exactly once —
by the store when the refusal came from inside a transaction, here otherwise. docs/library.md
records the decisions (VL-LIB-nnn).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from evoucher.errors import EvoucherError
from evoucher.pki import Environment, load_environment
from voucherlib.errors import StoreUnavailable, VoucherlibError
from voucherlib.service import attachments, exporting, reading, sending, stamping, status, writing
from voucherlib.service.call import Call
from voucherlib.service.errors import AlreadyDone
from voucherlib.service.identity import Caller, Identities, check_service
from voucherlib.service.revocation import CrlWatch
from voucherlib.settings import Settings
from voucherlib.store import Store, open_store

log = logging.getLogger("voucherlib.service")

HANDLERS: dict[str, Callable[..., Any]] = {
    **reading.OPERATIONS,
    **writing.OPERATIONS,
    **stamping.OPERATIONS,
    **sending.OPERATIONS,
    **status.OPERATIONS,
    **attachments.OPERATIONS,
    **exporting.OPERATIONS,
}


class VoucherLibrary:
    """Serves every catalogue operation over one environment and one store.

    `open()` connects the store (the app's lifespan does it), `close()` releases it;
    `resolve_caller` and `call` are what `voucherlib.soap.create_soap_router` takes.
    """

    def __init__(self, settings: Settings, env: Environment | None = None) -> None:
        self.settings = settings
        env = env if env is not None else load_environment(settings.env_dir)
        self.revocations = CrlWatch(env, interval=settings.crl_refresh_seconds)
        self.identities = Identities(self.revocations)
        self.store: Store | None = None

    @property
    def env(self) -> Environment:
        """The environment, with its CRLs as last re-read (VL-LIB-001)."""
        return self.revocations.current().env

    def open(self) -> None:
        if self.store is None:
            self.store = open_store(self.settings.db_url)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None

    def resolve_caller(self, cert_id: str, cert_der: bytes | None) -> Caller:
        return self.identities.resolve(cert_id, cert_der)

    def call(self, service: str, operation: str, args: Mapping[str, Any], caller: Caller) -> Any:
        if self.store is None:
            raise StoreUnavailable("the voucher library is not open (no store)")
        call = Call(self.env, self.settings, self.store, caller, operation)
        try:
            check_service(caller, service)
            return HANDLERS[operation](call, **args)
        except EvoucherError as exc:
            if not (call.refusal_audited or isinstance(exc, AlreadyDone)):
                self._audit_refusal(call, exc)
            raise

    def _audit_refusal(self, call: Call, exc: EvoucherError) -> None:
        """Write a refusal the store did not see; failing to audit never hides the refusal itself."""
        error = (
            exc if isinstance(exc, VoucherlibError) else VoucherlibError(exc.message, evs_code=exc.evs_code)
        )
        try:
            self.store.atomic(lambda ops: ops.refused(call.actor, call.operation, error))
        except Exception:
            log.exception("could not audit the refusal of %s by %s", call.operation, call.caller.cert_id)


__all__ = ["HANDLERS", "Caller", "VoucherLibrary"]
