"""Operations on deliveries: send, read, sign for, refuse, return."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from evoucher.errors import EVS_EMPTY, EVS_PARAM
from voucherlib.errors import ArgumentError, LifecycleError, VoucherNotFound
from voucherlib.lifecycle import (
    DELIVERY_TABLE,
    READABLE,
    DeliveryEvent,
    DeliveryState,
    DocEvent,
    Refuse,
    Transition,
    apply_delivery,
    apply_doc,
)
from voucherlib.store._unit import UnitOfWork, utc_now
from voucherlib.store.base import (
    Actor,
    Delivered,
    Delivery,
    Org,
    Outcome,
    Voucher,
    VoucherRef,
)

MAX_READ, MAX_REASON = 100, 500


class DeliveryOps(UnitOfWork):
    """A delivery is one document sent to one destination org; its state is what peers report."""

    def send(
        self,
        actor: Actor,
        refs: Sequence[VoucherRef],
        dest: Org,
        *,
        full_signs: bool = False,
        operation: str | None = None,
    ) -> list[Outcome]:
        """Deliver each document to `dest`: the latest version, or with `full_signs` the newest complete."""
        operation = operation or ("sendVoucherFullSigns" if full_signs else "sendVoucher")
        self._begin(actor, operation)
        if dest == actor.org:
            raise ArgumentError(argument="desOrgType", rule="must differ from the sender", value=str(dest))
        outcomes = {}
        for ref in sorted(set(refs)):
            doc = self._owned(actor, ref, lambda d: DocEvent.SEND)
            current = self.tx.document(doc.key)  # _owned holds the row's lock
            deliveries = current.deliveries
            state = self._state(doc, deliveries)
            version = self._sendable(doc, current.stamped, newest_complete=full_signs)
            apply_doc(doc.key, DocEvent.SEND if version else DocEvent.SEND_INCOMPLETE, state)
            old = next((d for d in deliveries if d.dest == dest), None)
            revised = old is not None and old.version < version
            event = DeliveryEvent.RESEND_REVISED if revised else DeliveryEvent.SEND
            t = apply_delivery(doc.key, event, old.state if old else None)
            if not t.noop:
                at = utc_now()
                self.tx.put_delivery(
                    Delivery(doc.key, dest, DeliveryState.NOT_RECEIVED, version, full_signs, "", at, at)
                )
            detail = {"dest": str(dest), "full_signs": full_signs}
            self._log(actor, operation, doc.key, version, t, detail)
            outcomes[ref] = Outcome(doc.key, t, version, dest)
        return [outcomes[ref] for ref in refs]

    def read(
        self,
        actor: Actor,
        adm_div_code: str,
        st_year: int,
        vt_code: str,
        limit: int = MAX_READ,
        *,
        operation: str = "readVoucherAgain",
        unread_only: bool = False,
    ) -> list[Delivered]:
        """Hand over documents addressed to the caller that it has not signed for, marking them received.

        readVoucherAgain takes every such document; readVoucher (`unread_only`) only those never
        handed over since they were sent. Each hand-over is counted on the delivery.
        """
        self._begin(actor, operation)
        VoucherRef(adm_div_code, st_year, vt_code, "-")  # checks the arguments
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_READ:
            raise ArgumentError(argument="voucherCount", rule=f"1..{MAX_READ}", value=limit)
        keys = self.tx.inbox(actor.org, adm_div_code, st_year, vt_code, limit, unread_only=unread_only)
        handed = {}
        for key in sorted(keys):
            current = self.tx.document(key, lock=True)
            doc = current.voucher
            ready = [
                d
                for d in current.deliveries
                if actor.org.receives(d.dest) and d.state in READABLE and d.version >= doc.body_version
            ]
            if doc.discarded or not ready or (unread_only and ready[0].read_count):
                continue  # another process changed it since the inbox query
            d, at = ready[0], utc_now()
            counted = {"read_count": d.read_count + 1, "first_read_at": d.first_read_at or at}
            t = self._move(actor, operation, key, d, DeliveryEvent.READ, d.reason, **counted)
            received = dataclasses.replace(d, state=DeliveryState(int(t.after)), **counted)
            handed[key] = Delivered(received, self.tx.version(key, received.version))
        return [handed[key] for key in keys if key in handed]

    def confirm(
        self, actor: Actor, refs: Sequence[VoucherRef], *, operation: str = "confirmVoucher"
    ) -> list[Outcome]:
        """Sign for documents read earlier (签收成功)."""
        return self._answer(actor, refs, DeliveryEvent.CONFIRM, None, operation)

    def confirm_fail(
        self,
        actor: Actor,
        refs: Sequence[VoucherRef],
        reasons: Sequence[str],
        *,
        operation: str = "confirmVoucherFail",
    ) -> list[Outcome]:
        """Refuse to sign for documents (签收失败), one reason per number."""
        return self._answer(actor, refs, DeliveryEvent.CONFIRM_FAIL, reasons, operation)

    def return_vouchers(
        self,
        actor: Actor,
        refs: Sequence[VoucherRef],
        reasons: Sequence[str],
        *,
        operation: str = "returnVoucher",
    ) -> list[Outcome]:
        """Return documents to their sender (退回), one reason per number."""
        return self._answer(actor, refs, DeliveryEvent.RETURN, reasons, operation)

    def receive_failed(
        self,
        actor: Actor,
        refs: Sequence[VoucherRef],
        reasons: Sequence[str],
        *,
        operation: str = "receiveFailed",
    ) -> list[Outcome]:
        """Record that documents could not be handed to the caller (status 2 / 8)."""
        return self._answer(actor, refs, DeliveryEvent.RECEIVE_FAIL, reasons, operation)

    def _answer(self, actor, refs, event: DeliveryEvent, reasons, operation) -> list[Outcome]:
        self._begin(actor, operation)
        if reasons is not None:
            if len(reasons) != len(refs):
                raise ArgumentError(
                    argument="reasons", rule=f"one per voucher number ({len(refs)})", value=len(reasons)
                )
            for reason in reasons:
                if not reason or len(reason) > MAX_REASON:
                    raise ArgumentError(
                        argument="reasons",
                        rule=f"1..{MAX_REASON} characters",
                        value=reason,
                        evs_code=EVS_EMPTY if not reason else EVS_PARAM,
                    )
        why = dict(zip(refs, reasons or [""] * len(refs), strict=True))
        outcomes = {}
        for ref in sorted(set(refs)):
            doc, d = self._addressed(actor, ref, event)
            t = self._move(actor, operation, doc.key, d, event, why[ref])
            outcomes[ref] = Outcome(doc.key, t, d.version, d.dest)
        return [outcomes[ref] for ref in refs]

    def _move(
        self, actor, operation, key, d: Delivery, event: DeliveryEvent, reason: str, **counted
    ) -> Transition:
        """Apply `event` to delivery `d`; `counted` changes it even when the event is a repeat."""
        t = apply_delivery(key, event, d.state)
        if not t.noop or counted:
            after = DeliveryState(int(t.after))
            self.tx.put_delivery(
                dataclasses.replace(d, state=after, reason=reason, updated_at=utc_now(), **counted)
            )
        detail = {"dest": str(d.dest)} | ({"reason": reason} if reason else {})
        if counted:
            detail["read"] = counted["read_count"]  # the how-manyth hand-over this is
        self._log(actor, operation, key, d.version, t, detail)
        return t

    def _addressed(self, actor: Actor, ref: VoucherRef, event: DeliveryEvent) -> tuple[Voucher, Delivery]:
        """The document with these numbers sent to the caller; the one where `event` is legal first."""
        found = []
        for doc in self.tx.vouchers_of(ref, lock=True):
            found += [(doc, d) for d in self.tx.deliveries(doc.key, lock=True) if actor.org.receives(d.dest)]
        if not found:
            raise VoucherNotFound(ref, detail=f"no voucher with this number was sent to org {actor.org}")
        found.sort(key=lambda pair: isinstance(DELIVERY_TABLE[(event, pair[1].state)], Refuse))
        doc, d = found[0]
        gone = "the sender discarded it (已作废)" if doc.discarded else ""
        if d.version < doc.body_version:
            gone = "the sender replaced it since; read it again"
        if gone:
            raise LifecycleError(voucher=doc.key, event=event.value, state="superseded", rule=gone)
        return doc, d

    def _sendable(self, doc: Voucher, stamped: frozenset[str], *, newest_complete: bool) -> int:
        """The version to send: the latest if complete (`stamped` are its positions), or the newest
        complete one; 0 when none is."""
        if stamped >= set(doc.positions):
            return doc.version
        if newest_complete:
            for n in range(doc.version - 1, 0, -1):
                if self.tx.stamped(doc.key, n) >= set(doc.positions):
                    return n
        return 0
