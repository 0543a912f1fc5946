"""A party's desk at the voucher library: issue, read, sign for, return and answer vouchers.

Everything goes through the SOAP client, as any realware client does: a voucher is built from
the registry's fields, stamped client-side at the positions the registry gives the party's role
(the OCX way: `stamp_body`, then `saveStampVoucher` or `saveSignVoucher`), then sent to each
org type. A receipt is the voucher again with its X fields filled, stamped at the receipt (or
failed-receipt) positions. Only operations of both profiles are used, so the parties work
against a 1.0 library too.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from evoucher import registry
from evoucher.codec import MofBody, Voucher, build_mof, parse_mof, parse_voucher
from evoucher.interface import CBANK, FINANCE, PBANK
from evoucher.registry import Role
from evoucher.seal.policy import DEFAULT
from evoucher.stamp import stamp_body, verify_body
from mocks.client import AsyncVoucherLibraryClient
from mocks.errors import LibraryError, LibraryFault
from mocks.journal import FAILED, Answer, Record
from mocks.money import money
from mocks.retry import RetryingClient
from mocks.vouchers import Values, amount_of, compose, receipt
from mocks.world import World

SERVICE_OF_ROLE = {"finance": FINANCE, "pboc": CBANK}  # banks and budget units: AsspPBankService
MAX_REASON = 50  # ITFE cuts return reasons to 50 characters


@dataclass(frozen=True)
class Incoming:
    """A voucher (flag 0) or receipt (flag 1) read from the library."""

    body: MofBody
    voucher: Voucher

    @property
    def vt_code(self) -> str:
        return self.body.vt_code

    @property
    def voucher_no(self) -> str:
        return self.body.voucher_no

    @property
    def is_receipt(self) -> bool:
        return self.body.voucher_flag == 1

    @property
    def failed(self) -> bool:
        """A receipt reporting a failed payment: XPayAmt 0.00 (ITFE's 退票; it carries the 附件章)."""
        paid = self.voucher.header.get("XPayAmt") or self.voucher.header.get("XpayAmt")
        return self.is_receipt and bool(paid) and money(paid) == 0

    @property
    def amount(self) -> Decimal:
        return amount_of(self.voucher)

    @property
    def fields(self) -> Mapping[str, str]:
        return self.voucher.header


class Desk:
    """One party's connection to the library, under the party's own certificate."""

    def __init__(self, world: World, handle: str) -> None:
        self.world = world
        self.party = world.env.party(handle)
        self.handle, self.role = handle, Role(self.party.role)
        self.org_type, self.adm = self.party.org_type, self.party.adm_div_code
        retry = {"retry": world.retry} if world.retry else {}
        self.client = (RetryingClient if world.retry else AsyncVoucherLibraryClient)(
            world.base_url,
            service=SERVICE_OF_ROLE.get(self.party.role, PBANK),
            cert_id=self.party.cert_id,
            key=self.party.org.key,
            cert_der=self.party.org.cert.dump(),
            transport=world.transport() if world.transport else None,
            timeout=world.timeout,
            wire=world.wire,
            **retry,
        )
        self._serial = itertools.count(1)

    # ------------------------------------------------------------------ writing

    def header(self, vt_code: str) -> dict[str, str]:
        """The common header of a new voucher: a fresh VoucherNo unique to this party and run."""
        nn = self.party.cert_id.rsplit("-", 1)[1]
        serial = next(self._serial)
        number = f"{self.org_type}{nn}{self.world.run_tag}{serial:04d}"
        if vt_code == "5209" and self.world.profile == "1.0":  # the old spec: exactly 8 digits
            number = f"{self.world.run_tag[-4:]}{serial:04d}"
        date = self.world.business_date
        return {
            "Id": f"{self.adm}{number}",
            "AdmDivCode": self.adm,
            "StYear": str(date.year),
            "VtCode": vt_code,
            "VouDate": f"{date:%Y%m%d}",
            "VoucherNo": number,
        }

    def compose(self, vt_code: str, header: Values, details: Sequence[Values] | None = None) -> Voucher:
        return compose(
            vt_code, header, details, business_date=self.world.business_date, profile=self.world.profile
        )

    def _stamped(self, body: MofBody, *, failed: bool = False) -> MofBody:
        positions = registry.get(body.vt_code).positions_for(body.voucher_flag, failed=failed)
        at = datetime.now(UTC)
        for position in (p for p in positions if p.role is self.role):
            holder = self.party.signer(position.stamp_type)
            seal = (
                self.party.seal(position.stamp_type, self.world.seal_version)
                if position.kind == "stamp"
                else None
            )
            body = stamp_body(
                body, position.id, seal=seal, key=holder.key, cert=holder.cert, kind=position.kind, at=at
            )
        return body

    async def _save_and_send(self, body: MofBody, to: Sequence[str], copies: Sequence[str] = ()) -> None:
        args = (self.adm, self.world.st_year, body.vt_code)
        save = self.client.save_sign_voucher
        if any(s.kind == "stamp" for s in body.stamps):
            save = self.client.save_stamp_voucher
        await save(*args, build_mof([body]))
        for dest, send in [(d, self.client.send_voucher) for d in to] + [
            (d, self.client.send_voucher_full_signs) for d in copies
        ]:
            await send(self.adm, self.org_type, dest, self.world.st_year, body.vt_code, [body.voucher_no])
            self.world.journal.sending(self.adm, body.vt_code, dest)  # after the send: then it is there

    async def issue(self, voucher: Voucher, *, to: Sequence[str], flow: str) -> bool:
        """Stamp (or sign), store and send a voucher we made; the journal records it either way."""
        record = Record(
            flow, voucher.vt_code, self.adm, voucher.voucher_no, self.handle, tuple(to), amount_of(voucher)
        )
        self.world.journal.sent(record)
        try:
            await self._save_and_send(self._stamped(MofBody.of(voucher)), to)
        except LibraryError as exc:
            self.world.journal.settle(*record.key, FAILED, f"library refused: {exc}")
            return False
        return True

    # ------------------------------------------------------------------ reading and answering

    async def inbox(self, vt_code: str) -> list[Incoming]:
        """Vouchers and receipts of `vt_code` addressed to us and not yet signed for."""
        data = await self.client.read_voucher_again(self.adm, self.world.st_year, vt_code, 100)
        if not data:
            return []
        return [Incoming(body, parse_voucher(body.voucher)) for body in parse_mof(data)]

    def problems(self, item: Incoming) -> list[str]:
        """What is wrong with an incoming document: its fields, then its stamps and signatures."""
        found = [
            str(p)
            for p in registry.validate(
                item.voucher,
                business_date=self.world.business_date,
                voucher_flag=item.body.voucher_flag,
                profile=self.world.profile,
            )
        ]
        positions = registry.get(item.vt_code).positions_for(item.body.voucher_flag, failed=item.failed)
        reports = verify_body(
            item.body,
            trust_anchors=self.world.env.trust_anchors,
            crls=self.world.env.crls,
            policy=dataclasses.replace(DEFAULT, profile=self.world.profile),
            required_positions=[p.id for p in positions],
        )
        found += [f"stamp: {r.failure_msg}" for r in reports if not r.passed]
        return found

    async def accept(self, items: Sequence[Incoming]) -> None:
        """Sign for (签收) documents read earlier."""
        for vt_code in dict.fromkeys(i.vt_code for i in items):
            nos = [i.voucher_no for i in items if i.vt_code == vt_code]
            await self.client.confirm_voucher(self.adm, self.world.st_year, vt_code, nos)

    async def reject(self, item: Incoming, reason: str, *, signed_for: bool) -> None:
        """Return (退回) a voucher; one not yet signed for is first refused (签收失败), as ITFE does."""
        args = (self.adm, self.world.st_year, item.vt_code, [item.voucher_no])
        self.world.journal.returning(self.adm, item.vt_code, item.voucher_no, self.handle, reason)
        reason = reason[:MAX_REASON]
        if not signed_for:
            await self.client.confirm_voucher_fail(*args, [reason])
        try:
            await self.client.return_voucher(*args, [reason])
        except LibraryFault as fault:
            if not fault.is_idempotent_success:
                raise

    async def answer(
        self,
        item: Incoming,
        header: Values,
        details: Mapping[int, Values] | None = None,
        *,
        to: Sequence[str],
        copies: Sequence[str] = (),
        failed: bool = False,
    ) -> Voucher:
        """Send the receipt of `item`: X fields filled, stamped, to `to` (and full-signs `copies`)."""
        voucher = receipt(
            item.voucher, header, details, business_date=self.world.business_date, profile=self.world.profile
        )
        body = MofBody.of(voucher, voucher_flag=1, attach="FAILED" if failed else "SUCCESS")
        await self._save_and_send(self._stamped(body, failed=failed), to, copies)
        answer = Answer(self.adm, item.vt_code, item.voucher_no, self.handle, (*to, *copies), failed)
        self.world.journal.answered(answer)
        return voucher

    async def statuses(self, vt_code: str, nos: Sequence[str], dest: str) -> dict[str, tuple[int, str]]:
        return await self.client.query_voucher_status_by_org_type(
            self.adm, self.world.st_year, vt_code, list(nos), dest
        )

    async def aclose(self) -> None:
        await self.client.aclose()
