"""One operation in progress: the library's parts, the caller, and the checks every family shares.

A `Call` is made per request by `VoucherLibrary.call`; the family modules (reading, writing, …)
are functions of it and the wire arguments. It knows whether a refusal was already written to
the audit trail by the store, so the library audits every other refusal exactly once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from evoucher import registry
from evoucher.errors import EVS_YEAR
from evoucher.interface import is_idempotent_success
from evoucher.pki import Environment
from voucherlib.errors import ArgumentError
from voucherlib.service import identity
from voucherlib.service.errors import AlreadyDone, NotPermitted
from voucherlib.service.identity import Caller
from voucherlib.settings import Settings
from voucherlib.store import Actor, Operations, Org, Outcome, Queries, Store, VoucherRef
from voucherlib.store.api import REFUSALS

T = TypeVar("T")


@dataclass
class Call:
    env: Environment
    settings: Settings
    store: Store
    caller: Caller
    operation: str
    refusal_audited: bool = False

    @property
    def actor(self) -> Actor:
        return self.caller.actor

    @property
    def org(self) -> Org:
        return self.caller.org

    @property
    def profile(self) -> str:
        return self.settings.profile

    def today(self) -> dt.date:
        return self.settings.today()

    def scope(
        self, adm_div_code: str, st_year: int, vt_code: str | None = None
    ) -> registry.VoucherType | None:
        """Check the common arguments: AdmDivCode (EVS004/EVS112), year (EVS103), VtCode (EVS100/EVS112)."""
        VoucherRef(adm_div_code, st_year, vt_code or "0000", "-")  # forms: 6 digits, 2000..2099, 4 chars
        business_year = self.today().year
        if st_year > business_year:
            rule = f"a business year not after {business_year}"
            raise ArgumentError(argument="stYear", rule=rule, value=st_year, evs_code=EVS_YEAR)
        identity.check_adm_div(self.env, self.caller, adm_div_code)
        return None if vt_code is None else identity.check_vt_code(self.env, self.caller, vt_code)

    def refs(
        self, adm_div_code: str, st_year: int, vt_code: str, voucher_nos: Sequence[str]
    ) -> list[VoucherRef]:
        return VoucherRef.batch(adm_div_code, st_year, vt_code, voucher_nos)

    def check_src(self, src_org_type: str) -> None:
        """srcOrgType is who sends: the caller's own org type (EVS112 otherwise)."""
        identity.check_org_type("srcOrgType", src_org_type)
        if src_org_type != self.caller.party.org_type:
            raise NotPermitted(f"srcOrgType {src_org_type} is not the org type of {self.caller}")

    def recipient(self, vt: registry.VoucherType, adm_div_code: str, dec_org_type: str) -> Org:
        return identity.recipient(self.env, vt, adm_div_code, dec_org_type)

    def addressed(self, refs: list[VoucherRef], *, owned_too: bool = False) -> None:
        self.read(lambda q: identity.check_addressed(q, self.org, refs, owned_too=owned_too))

    def write(self, work: Callable[[Operations], T]) -> T:
        """`store.atomic(work)`, noting whether the store audited a refusal (it does once an op began)."""
        units: list[Operations] = []

        def unit(ops: Operations) -> T:
            units.append(ops)
            return work(ops)

        try:
            return self.store.atomic(unit)
        except REFUSALS:
            self.refusal_audited = bool(units and units[-1].calls)
            raise

    def read(self, work: Callable[[Queries], T]) -> T:
        return self.store.query(work)

    def settle(self, outcomes: Iterable[Outcome | None], what: str) -> None:
        """Answer a call that changed nothing like realware: EVS700 with ITFE's phrase (VL-LIB-030).

        Only when every step was an idempotent repeat and the phrase is one the client's
        `is_idempotent_success` recognises for this operation; other repeats are plain successes.
        """
        outcomes = [o for o in outcomes if o is not None]
        if not outcomes or not all(o.noop for o in outcomes):
            return
        for outcome in reversed(outcomes):
            if is_idempotent_success(outcome.transition.note, self.operation):
                raise AlreadyDone(voucher=outcome.key, note=outcome.transition.note, what=what)
