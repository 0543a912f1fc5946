"""The reference library's operations: `VoucherLibrary` is the SOAP router's handler.

One module per family of operations (reading, writing, stamping, sending, status, attachments,
exporting), each a table of functions `fn(call, **wire_arguments)`; `identity` decides who is
calling and what they may touch. Every refused call is written to the audit trail exactly once —
by the store when the refusal came from inside a transaction, here otherwise — and so is every
request of an identified caller refused before its operation ran; requests of nobody in
particular are counted. docs/library.md records the decisions (VL-LIB-nnn).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from evoucher.errors import EvoucherError
from evoucher.pki import Environment, load_environment
from voucherlib.errors import StoreUnavailable, VoucherlibError
from voucherlib.service import attachments, exporting, reading, sending, stamping, status, writing
from voucherlib.service.call import Call
from voucherlib.service.errors import AlreadyDone, CallerRefused
from voucherlib.service.identity import Caller, Identities, check_service
from voucherlib.service.revocation import CrlWatch
from voucherlib.settings import Settings
from voucherlib.soap import Refusal
from voucherlib.store import Actor, Store, open_store

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
    `resolve_caller`, `call` and `refused` are what `voucherlib.soap.create_soap_router` takes.
    """

    def __init__(self, settings: Settings, env: Environment | None = None) -> None:
        self.settings = settings
        env = env if env is not None else load_environment(settings.env_dir)
        self.revocations = CrlWatch(env, interval=settings.crl_refresh_seconds)
        self.identities = Identities(self.revocations)
        self.store: Store | None = None
        self._unidentified: Counter[str] = Counter()
        self._counting = threading.Lock()

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

    def resolve_caller(self, cert_id: str, cert_der: bytes | None, adm_div_code: str | None = None) -> Caller:
        return self.identities.resolve(cert_id, cert_der, adm_div_code)

    def call(self, service: str, operation: str, args: Mapping[str, Any], caller: Caller) -> Any:
        if self.store is None:
            raise StoreUnavailable("the voucher library is not open (no store)")
        call = Call(self.env, self.settings, self.store, caller, operation)
        try:
            check_service(caller, service)
            return HANDLERS[operation](call, **args)
        except EvoucherError as exc:
            if not (call.refusal_audited or isinstance(exc, AlreadyDone)):
                self._audit_refusal(call.actor, operation, exc)
            raise

    def refused(self, refusal: Refusal) -> None:
        """A request refused before its operation ran (the router's `on_refusal`, VL-LIB-062).

        An identified caller's attempt is audited: the request proved a certificate (or, with
        authentication off, named a certID) that resolves to a holder, or to one whose
        certificate the environment issued but no longer accepts (revoked, expired). Anything
        else — a malformed request, a bad CallerAuth signature, an unknown certID, a foreign
        certificate — proves nobody's identity and is only counted per stage (`unidentified`):
        storing it would let anyone fill the trail with durable writes.
        """
        caller = None
        if refusal.cert_id is not None and refusal.operation is not None and self.store is not None:
            try:
                caller = self.resolve_caller(refusal.cert_id, refusal.cert_der, refusal.adm_div_code)
            except CallerRefused as exc:
                caller = exc.caller
        if caller is None:
            with self._counting:
                self._unidentified[refusal.stage] += 1
            return
        self._audit_refusal(caller.actor, refusal.operation, refusal.error)

    def unidentified(self) -> dict[str, int]:
        """Refused requests of nobody in particular since the library started, per stage."""
        with self._counting:
            return dict(self._unidentified)

    def _audit_refusal(self, actor: Actor, operation: str, exc: Exception) -> None:
        """Write a refusal the store did not see; failing to audit never hides the refusal itself."""
        code, message = getattr(exc, "evs_code", None), getattr(exc, "message", str(exc))
        error = exc if isinstance(exc, VoucherlibError) else VoucherlibError(message, evs_code=code)
        try:
            self.store.atomic(lambda ops: ops.refused(actor, operation, error))
        except Exception:
            log.exception("could not audit the refusal of %s by %s", operation, actor.cert_id)


__all__ = ["HANDLERS", "Caller", "VoucherLibrary"]
