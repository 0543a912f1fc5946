"""The pool: every voucher of a run built, stamped and its SOAP requests signed before the run.

A case is one business item of a flow — one voucher for a 1.0 client, a batch of `batch`
vouchers for a 2.0 client — carried through its lifecycle in stages, one stage per party turn:

    sender    write + send (1.0: saveStampVoucher, sendVoucher; 2.0: signStampByNosAndSend),
              then a status query (the voucher is 0 未接收 or 1 接收 at the receiver)
    receiver  readVoucher (what is pending), then confirmVoucher and the receipt written and
              sent back — or confirmVoucherFail + returnVoucher for the share it returns
    sender    status query (12 已收到对方回单, or 5 已退回), readVoucherAgain (its inbox, as ITFE
              reads it), confirmVoucher of the receipt

Every request of a case is known before the run, so each is built and CallerAuth-signed here
(with the party's certificate, `mocks` client) and the generator only sends bytes while it
measures. Stamps are client-side (the OCX's work) under 1.0 with v1 seals; the 2.0 client has
the library stamp with v4 seals through the combined operation, as a 2.0 ITFE does.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from evoucher import registry
from evoucher.codec import MofBody, Voucher, build_mof, parse_voucher, with_fields
from evoucher.codec.stamps_xml import build_stamp_positions
from evoucher.interface import CBANK, FINANCE, PBANK, SERVICES, VoucherStatus
from evoucher.pki import Environment
from evoucher.stamp import stamp_body
from loadtests.mix import Flow, Mix
from mocks.client import VoucherLibraryClient

SERVICE_OF_ROLE = {"finance": FINANCE, "pboc": CBANK}  # banks, budget units: AsspPBankService
RETURN_REASON = "收款人账号错误"
READ_COUNT = 100  # what ITFE asks for; the library's limit

# Effects of an acknowledged step on the sender's view of the voucher at the receiver (VL-LIB-035).
SENT, CONFIRMED, REFUSED, RETURNED, RECEIPTED = "sent", "confirmed", "refused", "returned", "receipted"
STATUS_AFTER: dict[str, frozenset[int]] = {
    SENT: frozenset({VoucherStatus.NOT_RECEIVED, VoucherStatus.RECEIVED}),
    CONFIRMED: frozenset({VoucherStatus.SIGNED}),
    REFUSED: frozenset({VoucherStatus.SIGN_FAILED}),
    RETURNED: frozenset({VoucherStatus.RETURNED}),
    RECEIPTED: frozenset({VoucherStatus.RECEIPT_ARRIVED}),
}


@dataclass(frozen=True)
class Step:
    """One prepared SOAP call. `effect` is what it does to `nos` (None: nothing the sender sees);
    `expect` the statuses a status query must answer, by VoucherNo."""

    operation: str
    path: str
    body: bytes
    args: tuple
    effect: str | None = None
    nos: tuple[str, ...] = ()
    expect: dict[str, frozenset[int]] | None = None


@dataclass(frozen=True)
class Stage:
    role: str
    party: str  # handle
    steps: tuple[Step, ...]


@dataclass
class Case:
    id: int
    vt_code: str
    sender: str  # handle
    receiver: str  # handle
    dest_org: str  # receiver's org type
    nos: tuple[str, ...]
    returned: tuple[str, ...]
    stages: tuple[Stage, ...] = field(default=())

    @property
    def steps(self) -> list[Step]:
        return [s for stage in self.stages for s in stage.steps]


def party_for(env: Environment, role: str, adm_div_code: str) -> str:
    """The handle of the one party of `role` in `adm_div_code` (the one a voucher is routed to)."""
    found = env.find(role=role, adm_div_code=adm_div_code)
    if not found:
        raise ValueError(f"environment {env.root} has no {role} party in AdmDivCode {adm_div_code}")
    return found[0].handle


def party_client(
    env: Environment, handle: str, base_url: str = "http://unused", **options
) -> VoucherLibraryClient:
    """`handle`'s client, signing as its organisation; the pool only uses it to build requests."""
    party = env.party(handle)
    return VoucherLibraryClient(
        base_url, service=SERVICE_OF_ROLE.get(party.role, PBANK), cert_id=party.cert_id,
        key=party.org.key, cert_der=party.org.cert.dump(), **options,
    )  # fmt: skip


class _Templates:
    """Per VtCode: the registry's sample voucher and the X fields of its sample receipt."""

    def __init__(self, business_date: dt.date, profile: str) -> None:
        self.date, self.profile = business_date, profile
        self._cache: dict[str, tuple[Voucher, dict, dict]] = {}

    def get(self, vt_code: str) -> tuple[Voucher, dict, dict]:
        if vt_code not in self._cache:
            vt = registry.get(vt_code)
            args = {"seed": 1, "business_date": self.date, "profile": self.profile}
            sample = parse_voucher(registry.sample(vt_code, **args))
            filled = parse_voucher(registry.sample(vt_code, receipt=True, **args))
            x_head = {
                s.name: filled.header[s.name] for s in vt.header if s.receipt_only and s.name in filled.header
            }
            x_rows = {
                i: {s.name: row[s.name] for s in vt.detail if s.receipt_only and s.name in row}
                for i, row in enumerate(filled.details[: len(sample.details)])
            }
            self._cache[vt_code] = (sample, x_head, x_rows)
        return self._cache[vt_code]


class PoolBuilder:
    """Builds cases of one mix for one client profile; numbers are unique to `tag` and `worker`.

    `calls` is the generation whose operations the client uses (default: the profile's): a "1.0"
    client of a 2.0 library makes one call per step but stamps with v4 seals, as
    `guoku load calibrate` does to time the single operations on either library.
    """

    def __init__(
        self, env: Environment, mix: Mix, profile: str, *, business_date: dt.date, tag: str, worker: int = 0,
        seed: int = 1, calls: str | None = None,
    ) -> None:  # fmt: skip
        self.env, self.mix, self.profile = env, mix, profile
        self.calls = calls or profile
        self.batch = mix.batch_for(self.calls)
        self.seal_version = 4 if profile == "2.0" else 1
        self.templates = _Templates(business_date, profile)
        self.prefix = f"L{tag}{worker}"
        self.seed, self.worker = seed, worker
        self.random = random.Random(f"{seed}/{worker}")
        self.year = business_date.year
        self._serial = 0
        self._clients: dict[str, VoucherLibraryClient] = {}
        self.now: Callable[[], float] = time.time

    def client(self, handle: str) -> VoucherLibraryClient:
        if handle not in self._clients:
            self._clients[handle] = party_client(self.env, handle)
        return self._clients[handle]

    def step(self, handle: str, operation: str, *args, **facts) -> Step:
        client = self.client(handle)
        body = client.envelope(operation, *args, now=self.now())
        return Step(operation, SERVICES[client.service].path, body, args, **facts)

    def cases(self, count: int, *, first: int = 0) -> Iterator[Case]:
        """Cases `first` .. `first + count - 1` (their VoucherNos too): chunks can be built apart."""
        flows, weights = self.mix.flows, [f.weight for f in self.mix.flows]
        self._serial = first * self.batch
        self.random.seed(f"{self.seed}/{self.worker}/{first}")
        for i in range(first, first + count):
            yield self.case(i, self.random.choices(flows, weights)[0])

    # ------------------------------------------------------------------ one case

    def _voucher_no(self) -> str:
        self._serial += 1
        return f"{self.prefix}{self._serial:06d}"

    def _body(self, vt_code: str, no: str, *, receipt: bool) -> MofBody:
        sample, x_head, x_rows = self.templates.get(vt_code)
        fields = {"AdmDivCode": self.mix.adm_div_code, "VoucherNo": no}
        if "Id" in sample.header:
            fields["Id"] = f"{self.mix.adm_div_code}{no}"
        voucher = parse_voucher(with_fields(sample, fields))
        if not receipt:
            return MofBody.of(voucher)
        return MofBody.of(
            parse_voucher(with_fields(voucher, x_head, x_rows)), voucher_flag=1, attach="SUCCESS"
        )

    def _stamped(self, body: MofBody, handle: str) -> MofBody:
        party = self.env.party(handle)
        for position in self._positions(body, party.role):
            holder = party.signer(position.stamp_type)
            seal = party.seal(position.stamp_type, self.seal_version) if position.kind == "stamp" else None
            body = stamp_body(
                body, position.id, seal=seal, key=holder.key, cert=holder.cert, kind=position.kind
            )
        return body

    @staticmethod
    def _positions(body: MofBody, role: str) -> list:
        return [
            p for p in registry.get(body.vt_code).positions_for(body.voucher_flag) if p.role.value == role
        ]

    def _positions_xml(self, body: MofBody, handle: str) -> str:
        party = self.env.party(handle)
        positions = {p.id: party.cert_id for p in self._positions(body, party.role)}
        return build_stamp_positions(positions).decode("gbk")

    def case(self, case_id: int, flow: Flow) -> Case:
        sender = party_for(self.env, flow.sender, self.mix.adm_div_code)
        receiver = party_for(self.env, flow.to, self.mix.adm_div_code)
        src, dst = self.env.party(sender).org_type, self.env.party(receiver).org_type
        nos = tuple(self._voucher_no() for _ in range(self.batch))
        returned = tuple(n for n in nos if self.random.random() < self.mix.return_share)
        kept = [n for n in nos if n not in returned]
        case = Case(case_id, flow.vt_code, sender, receiver, dst, nos, returned)
        head = (self.mix.adm_div_code, self.year, flow.vt_code)
        if self.calls == "1.0":
            stages = self._stages_1(case, head, src, dst, kept)
        else:
            stages = self._stages_2(case, head, src, dst, kept)
        case.stages = tuple(stages)
        return case

    def _answer_steps(self, case: Case, head: tuple, kept: list[str]) -> list[Step]:
        steps = []
        if kept:
            steps.append(
                self.step(case.receiver, "confirmVoucher", *head, kept, effect=CONFIRMED, nos=tuple(kept))
            )
        if case.returned:
            reasons = [RETURN_REASON] * len(case.returned)
            steps += [
                self.step(case.receiver, "confirmVoucherFail", *head, list(case.returned), reasons,
                          effect=REFUSED, nos=case.returned),
                self.step(case.receiver, "returnVoucher", *head, list(case.returned), reasons,
                          effect=RETURNED, nos=case.returned),
            ]  # fmt: skip
        return steps

    def _final_expect(self, case: Case) -> dict[str, frozenset[int]]:
        return {n: STATUS_AFTER[RETURNED if n in case.returned else RECEIPTED] for n in case.nos}

    def _stages_1(self, case: Case, head: tuple, src: str, dst: str, kept: list[str]) -> list[Stage]:
        """A 1.0 client: one voucher, one call per step, stamps applied client-side (v1 seals)."""
        (no,) = case.nos
        adm, year, vt = head
        mof = build_mof([self._stamped(self._body(vt, no, receipt=False), case.sender)])
        sender = [
            self.step(case.sender, "saveStampVoucher", *head, mof),
            self.step(case.sender, "sendVoucher", adm, src, dst, year, vt, [no], effect=SENT, nos=(no,)),
            self.step(case.sender, "queryVoucherStatusByOrgType", *head, [no], dst,
                      expect={no: STATUS_AFTER[SENT]}),
        ]  # fmt: skip
        receiver = [
            self.step(case.receiver, "readVoucher", *head, READ_COUNT),
            *self._answer_steps(case, head, kept),
        ]
        if kept:
            receipt = build_mof([self._stamped(self._body(vt, no, receipt=True), case.receiver)])
            receiver += [
                self.step(case.receiver, "saveStampVoucher", *head, receipt),
                self.step(
                    case.receiver, "sendVoucher", adm, dst, src, year, vt, [no], effect=RECEIPTED, nos=(no,)
                ),
            ]
        back = [self.step(case.sender, "queryVoucherStatusByOrgType", *head, [no], dst,
                          expect=self._final_expect(case))]  # fmt: skip
        if kept:
            back += [
                self.step(case.sender, "readVoucherAgain", *head, READ_COUNT),
                self.step(case.sender, "confirmVoucher", *head, [no]),
            ]
        return self._three(case, sender, receiver, back)

    def _stages_2(self, case: Case, head: tuple, src: str, dst: str, kept: list[str]) -> list[Stage]:
        """A 2.0 client: a batch per call, the library stamping with v4 seals (combined operations)."""
        vt = head[2]
        bodies = [self._body(vt, n, receipt=False) for n in case.nos]
        sender = [
            self.step(case.sender, "signStampByNosAndSend", *head, build_mof(bodies),
                      self._positions_xml(bodies[0], case.sender), src, dst,
                      effect=SENT, nos=case.nos, expect={n: STATUS_AFTER[SENT] for n in case.nos}),
        ]  # fmt: skip
        receiver = [
            self.step(case.receiver, "readVoucher", *head, READ_COUNT),
            *self._answer_steps(case, head, kept),
        ]
        if kept:
            receipts = [self._body(vt, n, receipt=True) for n in kept]
            receiver.append(
                self.step(case.receiver, "signStampByNosAndSend", *head, build_mof(receipts),
                          self._positions_xml(receipts[0], case.receiver), dst, src,
                          effect=RECEIPTED, nos=tuple(kept))
            )  # fmt: skip
        back = [self.step(case.sender, "batchQueryAllVoucherStatus", *head, list(case.nos),
                          expect=self._final_expect(case))]  # fmt: skip
        if kept:
            back += [
                self.step(case.sender, "readVoucherAgain", *head, READ_COUNT),
                self.step(case.sender, "confirmVoucher", *head, kept),
            ]
        return self._three(case, sender, receiver, back)

    def _three(self, case: Case, sender: list, receiver: list, back: list) -> list[Stage]:
        s, r = self.env.party(case.sender), self.env.party(case.receiver)
        return [
            Stage(s.role, case.sender, tuple(sender)),
            Stage(r.role, case.receiver, tuple(receiver)),
            Stage(s.role, case.sender, tuple(back)),
        ]



class Resigner:
    """Signs a prepared step again, now: for runs longer than CallerAuth's freshness window."""

    def __init__(self, env_dir: str) -> None:
        from evoucher.pki import load_environment

        self.env = load_environment(env_dir)
        self._clients: dict[str, VoucherLibraryClient] = {}

    def envelope(self, handle: str, step: Step) -> bytes:
        if handle not in self._clients:
            self._clients[handle] = party_client(self.env, handle)
        return self._clients[handle].envelope(step.operation, *step.args)
