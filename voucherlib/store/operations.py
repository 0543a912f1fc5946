"""`Operations`: every write the voucher library makes, over one transaction.

Each method checks the caller, asks `lifecycle` whether the event is legal, writes, and queues an
audit entry. A batch call is all-or-nothing: one refused voucher number refuses the call and
nothing of it is kept (the service answers with that voucher's fault). Idempotent repeats return
an `Outcome` whose transition has a `note` ("已发送", "成功签收", "位置已签章", ...) instead of failing.
"""

from __future__ import annotations

from voucherlib.store._attachments import AttachmentOps
from voucherlib.store._deliveries import DeliveryOps
from voucherlib.store._documents import DocumentOps


class Operations(DocumentOps, DeliveryOps, AttachmentOps):
    """The writes (and reads) available inside `Store.atomic`."""
