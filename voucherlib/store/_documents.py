"""Operations on documents: save, stamp, cancel a stamp, discard, print."""

from __future__ import annotations

from collections.abc import Sequence

from evoucher.crypto.sm3 import sm3_recent
from evoucher.errors import EVS_EMPTY
from voucherlib.errors import ArgumentError, VoucherNotFound
from voucherlib.lifecycle import DeliveryEvent, DeliveryState, DocEvent, apply_delivery, apply_doc
from voucherlib.store._sql import Document
from voucherlib.store._unit import UnitOfWork, utc_now
from voucherlib.store.base import Actor, Outcome, Stamp, Voucher, VoucherKey, VoucherRef


class DocumentOps(UnitOfWork):
    """Each save, stamp or cancel makes a new version; nothing stored is overwritten."""

    def save(
        self,
        actor: Actor,
        key: VoucherKey,
        body: bytes,
        *,
        positions: Sequence[str] = (),
        stamps: Sequence[Stamp] = (),
        operation: str = "writeVoucher",
    ) -> Outcome:
        """Store new bytes (and client-made stamps) as the next version; a receipt answers its voucher."""
        positions = self._check_save(actor, key, body, positions, stamps, operation)
        current = self.tx.document(key, lock=True, body=True)
        return self._save(actor, key, body, positions, stamps, operation, current)

    def keep(
        self,
        actor: Actor,
        key: VoucherKey,
        body: bytes,
        *,
        positions: Sequence[str] = (),
        stamps: Sequence[Stamp] = (),
        operation: str = "saveStampVoucher",
    ) -> list[Outcome]:
        """Save `body`, keeping the stamps already held when it is the latest version's bytes.

        New bytes (or a new or discarded document) are saved with `stamps`; the latest bytes again
        only add the stamps not held yet (one at a stamped position is the no-op 位置已签章), and bare
        bytes again change nothing. The choice is made under the document's lock, so two libraries
        writing one voucher at once lose no stamp (VL-STORE-004, VL-STORE-019).
        """
        if key.voucher_flag == 1:
            self.tx.voucher(key.ref.key(0), lock=True)  # the voucher before its receipt: one lock order
        current = self.tx.document(key, lock=True, body=True)
        if current is None or current.voucher.discarded or current.body != body:
            positions = self._check_save(actor, key, body, positions, stamps, operation)
            return [self._save(actor, key, body, positions, stamps, operation, current)]
        outcomes = []
        for stamp in stamps:
            outcome, current = self._stamp(actor, key, stamp, operation, current)
            outcomes.append(outcome)
        return outcomes

    def _check_save(
        self,
        actor: Actor,
        key: VoucherKey,
        body: bytes,
        positions: Sequence[str],
        stamps: Sequence[Stamp],
        operation: str,
    ) -> tuple[str, ...]:
        self._begin(actor, operation)
        positions = self._positions(key, positions, stamps)
        if not body:
            raise ArgumentError(
                argument="voucher", rule="must not be empty", value=b"", evs_code=EVS_EMPTY, voucher=key
            )
        if key.voucher_flag == 1:
            self._answer_voucher(actor, key)
        return positions

    def _save(
        self,
        actor: Actor,
        key: VoucherKey,
        body: bytes,
        positions: tuple[str, ...],
        stamps: Sequence[Stamp],
        operation: str,
        current: Document | None,
    ) -> Outcome:
        """Save under the lock taken by reading `current` (the document, or None when there is none)."""
        doc = self._mine(actor, current and current.voucher, key, allow_absent=True)
        deliveries = current.deliveries if current else []
        state = self._state(doc, deliveries)
        same = doc is not None and current.body == body and doc.positions == positions
        same = same and set(self.tx.stamps(key, doc.version)) == set(stamps)
        t = apply_doc(key, DocEvent.SAVE_SAME if same else DocEvent.SAVE, state)
        if not t.noop:
            version = self._new_version(actor, key, doc, operation, body=body)
            if doc:
                self.tx.remove_stamps(key, version)
            for stamp in stamps:
                self.tx.add_stamp(key, stamp, version)
            doc = self._put(
                doc, key, actor.org, positions, version=version, body_version=version, discarded=False
            )
        detail = {
            "positions": list(positions),
            "stamped": sorted(s.position for s in stamps),
            "sm3": sm3_recent(body).hex(),  # the stamps' checks hashed these bytes just before
        }
        return self._done(actor, operation, state, t, detail, doc, deliveries)

    def stamp(
        self, actor: Actor, key: VoucherKey, stamp: Stamp, *, operation: str = "signStampByNos"
    ) -> Outcome:
        """Add a stamp or signature at one configured position, as a new version."""
        return self._stamp(actor, key, stamp, operation, self.tx.document(key, lock=True))[0]

    def _stamp(
        self, actor: Actor, key: VoucherKey, stamp: Stamp, operation: str, current: Document | None
    ) -> tuple[Outcome, Document]:
        """Stamp under the lock taken by reading `current`; returns the document as it is after."""
        self._begin(actor, operation)
        doc = self._mine(actor, current and current.voucher, key)
        self._check_position(doc, stamp.position)
        state = self._state(doc, current.deliveries)
        t = apply_doc(
            key, DocEvent.STAMP_AGAIN if stamp.position in current.stamped else DocEvent.STAMP, state
        )
        if not t.noop:
            version = self._new_version(actor, key, doc, operation)
            self.tx.add_stamp(key, stamp, version)
            doc = self._put(doc, key, doc.owner, doc.positions, version=version)
        detail = {"position": stamp.position, "kind": stamp.kind, "stamp_cert": stamp.cert_id}
        outcome = self._done(actor, operation, state, t, detail, doc, current.deliveries)
        return outcome, current._replace(voucher=doc, stamped=current.stamped | {stamp.position})

    def cancel_stamp(
        self, actor: Actor, ref: VoucherRef, position: str, *, operation: str = "cancelStampWithPosition"
    ) -> Outcome:
        """Remove the stamp at `position` (撤销签章) as a new version."""
        self._begin(actor, operation)
        doc = self._owned(actor, ref, lambda d: DocEvent.CANCEL_STAMP)
        self._check_position(doc, position)
        state, deliveries = self._facts(doc)
        stamped = position in self.tx.stamped(doc.key, doc.version)
        t = apply_doc(doc.key, DocEvent.CANCEL_STAMP if stamped else DocEvent.CANCEL_UNSTAMPED, state)
        if not t.noop:
            version = self._new_version(actor, doc.key, doc, operation)
            self.tx.remove_stamps(doc.key, version, position)
            doc = self._put(doc, doc.key, doc.owner, doc.positions, version=version)
        return self._done(actor, operation, state, t, {"position": position}, doc, deliveries)

    def discard(
        self, actor: Actor, refs: Sequence[VoucherRef], *, operation: str = "discardVoucher"
    ) -> list[Outcome]:
        """Void the caller's documents (作废) unless a peer signed for them."""
        self._begin(actor, operation)
        outcomes = {}
        for ref in sorted(set(refs)):
            doc = self._owned(actor, ref, lambda d: DocEvent.DISCARD)
            state, deliveries = self._facts(doc)
            t = apply_doc(doc.key, DocEvent.DISCARD, state)
            if not t.noop:
                doc = self._put(doc, doc.key, doc.owner, doc.positions, discarded=True)
            outcomes[ref] = self._done(actor, operation, state, t, {}, doc, deliveries)
        return [outcomes[ref] for ref in refs]

    def record_print(self, actor: Actor, ref: VoucherRef, *, operation: str = "printVoucher") -> int:
        """Count one print of a document the caller owns or received; returns the new count."""
        self._begin(actor, operation)
        doc = self.visible(actor.org, ref)
        doc = self.tx.voucher(doc.key, lock=True)
        state, deliveries = self._facts(doc)
        t = apply_doc(doc.key, DocEvent.PRINT, state)
        doc = self._put(doc, doc.key, doc.owner, doc.positions, print_count=doc.print_count + 1)
        self._done(actor, operation, state, t, {"print_count": doc.print_count}, doc, deliveries)
        return doc.print_count

    def _answer_voucher(self, actor: Actor, key: VoucherKey) -> None:
        """A receipt may only be saved by an org that signed for the voucher it answers."""
        voucher = self.tx.voucher(key.ref.key(0), lock=True)
        if voucher is None:
            raise VoucherNotFound(key.ref.key(0), detail="a receipt needs its voucher in the library")
        states = [d.state for d in self.tx.deliveries(voucher.key) if actor.org.receives(d.dest)]
        state = DeliveryState.SIGNED if DeliveryState.SIGNED in states else next(iter(states), None)
        apply_delivery(voucher.key, DeliveryEvent.ANSWER, state)

    def _positions(
        self, key: VoucherKey, positions: Sequence[str], stamps: Sequence[Stamp]
    ) -> tuple[str, ...]:
        positions = tuple(positions)
        for position in positions:
            Stamp(position, "stamp", "-", b"-")  # checks the position id
        if len(set(positions)) != len(positions):
            raise ArgumentError(argument="positions", rule="no position twice", value=positions, voucher=key)
        wrong = [s.position for s in stamps if s.position not in positions]
        if wrong or len({s.position for s in stamps}) != len(stamps):
            raise ArgumentError(
                argument="stamps",
                rule=f"one per configured position {list(positions)}",
                value=[s.position for s in stamps],
                voucher=key,
            )
        return positions

    def _check_position(self, doc: Voucher, position: str) -> None:
        if position not in doc.positions:
            rule = f"one of the configured positions {list(doc.positions)}"
            raise ArgumentError(argument="stampPosition", rule=rule, value=position, voucher=doc.key)

    def _new_version(
        self, actor: Actor, key: VoucherKey, doc: Voucher | None, change: str, *, body=None
    ) -> int:
        n = doc.version + 1 if doc else 1
        body_version = n if body is not None else doc.body_version
        self.tx.add_version(key, n, body, body_version, change, actor.cert_id, utc_now())
        return n
