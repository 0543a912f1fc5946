"""What a check works with: the target, the parties of its environment, and the expectation helpers.

The suite acts as every party of the environment the target was configured with (`--env`), with
their certificates and seals, through `mocks.VoucherLibraryClient` only. Each check gets a fresh
`Ctx`: its own recorder (the SOAP evidence), its own random stream (from the run's seed and the
check id, so `--only CHECK --seed N` replays it) and voucher numbers unique to the run.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance.declaration import Declaration
from conformance.evidence import Recorder, RecordingTransport
from conformance.failures import NotRefused, Refused, Skipped, WrongFault
from evoucher import registry
from evoucher.codec import MofBody, Voucher, build_mof, parse_voucher, with_fields
from evoucher.interface import CBANK, FINANCE, ORG_FINANCE, ORG_PBOC, PBANK
from evoucher.pki import Environment, Holder, Party
from evoucher.stamp import stamp_body
from mocks import LibraryFault, VoucherLibraryClient

SEAL_VERSION = {"2.0": 4, "1.0": 1}
ROLES = ("finance", "pboc", "agent_bank", "budget_unit", "payee_bank")


def service_of(party: Party) -> str:
    return {ORG_FINANCE: FINANCE, ORG_PBOC: CBANK}.get(party.org_type, PBANK)


@dataclass
class Target:
    """The library under test and everything the run shares between checks."""

    url: str
    env: Environment
    declaration: Declaration
    seed: int = 0
    run_tag: str = "000000"
    business_date: dt.date = field(default_factory=dt.date.today)
    timeout: float = 30.0
    numbers: itertools.count = field(default_factory=lambda: itertools.count(1))
    cache: dict[str, Any] = field(default_factory=dict)  # results shared by checks (the business day)
    transport: httpx.HTTPTransport = field(default_factory=httpx.HTTPTransport)  # one pool for the run

    @property
    def profile(self) -> str:
        return self.declaration.profile

    @property
    def st_year(self) -> int:
        return self.business_date.year

    def division(self) -> str:
        """The AdmDivCode with the most kinds of party: where the checks play."""
        best = max(
            sorted({p.adm_div_code for p in self.env.parties}),
            key=lambda adm: len({p.role for p in self.env.parties if p.adm_div_code == adm}),
        )
        return best


class Ctx:
    """One check's view of the target."""

    def __init__(self, target: Target, check_id: str) -> None:
        self.target, self.check_id = target, check_id
        self.env, self.profile = target.env, target.profile
        self.recorder = Recorder()
        self.rng = random.Random(target.seed * 1_000_003 + zlib.crc32(check_id.encode()))
        self.adm = target.division()
        self.year = target.st_year
        self._clients: list[VoucherLibraryClient] = []
        self.notes: dict[str, Any] = {}

    # ------------------------------------------------------------ parties and clients

    def party(self, role: str, nth: int = 0, *, adm: str | None = None) -> Party:
        found = self.env.find(role=role, adm_div_code=adm or self.adm)
        if len(found) <= nth:
            raise Skipped(f"the environment has no {'second ' if nth else ''}{role} in {adm or self.adm}")
        return found[nth]

    def client(
        self,
        who: Party | str,
        *,
        service: str | None = None,
        holder: Holder | None = None,
        signed: bool = True,
        wire: str = "literal",
    ) -> VoucherLibraryClient:
        """A client acting as `who` (a party or handle) on its service, signing as `holder` (its org)."""
        party = self.env.party(who) if isinstance(who, str) else who
        holder = holder or party.org
        keys = {"key": holder.key, "cert_der": holder.cert.dump()} if signed else {}
        client = VoucherLibraryClient(
            self.target.url,
            service=service or service_of(party),
            cert_id=holder.cert_id,
            transport=RecordingTransport(self.recorder, self.target.transport),
            timeout=self.target.timeout,
            wire=wire,
            **keys,
        )
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()

    # ------------------------------------------------------------ vouchers

    def voucher_no(self, vt_code: str = "") -> str:
        serial = next(self.target.numbers)
        if vt_code == "5209" and self.profile == "1.0":
            return f"{self.target.run_tag[-3:]}{serial:05d}"  # format.voucher_no_v1: 8 digits
        return f"9{self.target.run_tag}{serial:05d}"

    def voucher(
        self, vt_code: str = "5207", *, receipt: bool = False, encoding: str = "GBK", **fields: str
    ) -> Voucher:
        """A valid voucher of the registry in the checks' AdmDivCode, with a fresh number and `fields`."""
        sample = parse_voucher(
            registry.sample(
                vt_code,
                receipt=receipt,
                seed=self.rng.randrange(1 << 30),
                business_date=self.target.business_date,
                profile=self.profile,
                encoding=encoding,
            )
        )
        values = {"AdmDivCode": self.adm, "StYear": str(self.year), "VoucherNo": self.voucher_no(vt_code)}
        return parse_voucher(with_fields(sample, {**values, **fields}))

    def stamped(
        self,
        who: Party,
        body: MofBody,
        *positions: str,
        version: int | None = None,
        holder: Holder | None = None,
    ) -> MofBody:
        """`body` stamped client-side (as the OCX does) by `who` at `positions`, with its seals."""
        for position_id in positions:
            position = self.env.position(body.vt_code, position_id)
            signer = holder or who.signer(position.stamp_type)
            seal = (
                who.seal(position.stamp_type, version or SEAL_VERSION[self.profile])
                if position.kind == "stamp"
                else None
            )
            body = stamp_body(
                body, position_id, seal=seal, key=signer.key, cert=signer.cert, kind=position.kind
            )
        return body

    def positions(self, vt_code: str, flag: int = 0, *, failed: bool = False) -> tuple[str, ...]:
        return tuple(p.id for p in self.env.positions_for(vt_code, flag, failed=failed))

    # ------------------------------------------------------------ expectations

    def refuses(
        self,
        evs: str | set[str],
        call: Callable[..., Any],
        *args: Any,
        why: str,
        requirement: str | None = None,
    ) -> LibraryFault:
        """`call(*args)` must fail with a fault of code `evs` (one of a set); the fault is returned."""
        expected = {evs} if isinstance(evs, str) else set(evs)
        operation = getattr(call, "__name__", "call")
        try:
            call(*args)
        except LibraryFault as fault:
            if fault.evs_code not in expected:
                raise WrongFault(
                    operation=fault.operation,
                    expected="/".join(sorted(expected)),
                    got=fault.evs_code,
                    message=fault.message,
                    requirement=requirement,
                ) from None
            return fault
        raise NotRefused(
            operation=operation, expected="/".join(sorted(expected)), why=why, requirement=requirement
        )

    def accepts(
        self,
        call: Callable[..., Any],
        *args: Any,
        why: str,
        requirement: str | None = None,
        idempotent_ok: bool = False,
    ) -> Any:
        """`call(*args)` must succeed (or answer an idempotent-success phrase when `idempotent_ok`)."""
        try:
            return call(*args)
        except LibraryFault as fault:
            if idempotent_ok and fault.is_idempotent_success:
                return None
            raise Refused(
                operation=fault.operation,
                evs_code=fault.evs_code,
                message=fault.message,
                why=why,
                requirement=requirement,
            ) from None


def mof(*bodies: MofBody) -> bytes:
    return build_mof(list(bodies))
