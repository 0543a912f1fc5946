"""Operations on attachment blocks (sendData/getData): a queue per destination org type."""

from __future__ import annotations

from voucherlib.errors import LifecycleError, PermissionDenied
from voucherlib.lifecycle import Transition
from voucherlib.store._unit import UnitOfWork, utc_now
from voucherlib.store.base import Actor, AttachmentBlock


class AttachmentOps(UnitOfWork):
    """A block is queued once for an org type and taken once by it, oldest first."""

    def put_block(self, actor: Actor, block: AttachmentBlock, *, operation: str = "sendData") -> Transition:
        """Queue one file block for the destination org type; the same block again is a no-op."""
        self._begin(actor, operation)
        if block.src_org_type != actor.org.type:
            raise PermissionDenied("", org=actor.org, owner=block.src_org_type)
        old = self.tx.attachment(block)
        if old is not None and not old[1] and old[0] != block.data:
            raise LifecycleError(
                voucher="",
                event="send-block",
                state="queued",
                rule=f"block {block.block_no} of {block.file_name} is queued with other data",
            )
        t = Transition("send-block", "absent", "queued", "重复发送" if old and not old[1] else "")
        if not t.noop:
            self.tx.put_attachment(block, utc_now())
        detail = {
            "file": block.file_name,
            "block": f"{block.block_no}/{block.block_count}",
            "dest": block.dest_org_type,
        }
        self._log(
            actor, operation, block.voucher_no and f"{block.vt_code}/{block.voucher_no}", None, t, detail
        )
        return t

    def take_block(
        self, actor: Actor, adm_div_code: str, st_year: int, *, operation: str = "getData"
    ) -> AttachmentBlock | None:
        """The oldest block addressed to the caller's org type, marked taken; None when there is none."""
        self._begin(actor, operation)
        block = self.tx.take_attachment(actor.org.type, adm_div_code, st_year)
        if block is not None:
            t = Transition("take-block", "queued", "taken")
            detail = {"file": block.file_name, "block": f"{block.block_no}/{block.block_count}"}
            self._log(actor, operation, "", None, t, detail)
        return block
