"""The voucher lifecycle as data: which event is legal in which state (no I/O).

Two machines, because realware reports two kinds of fact (reference §3):

- a **document** (a voucher, VoucherFlag=0, or a receipt, VoucherFlag=1) is written, stamped,
  discarded; its `DocState` is derived from its discarded flag and its deliveries;
- a **delivery** of a document to one destination org has the six states the status queries
  report (0..5 for a voucher, 6..11 for a receipt).

Each table maps (event, state) to `Go(after)`, `Noop(note)` or `Refuse(rule, evs_code)`. Noops are
the idempotent repeats ITFE treats as success ("已发送", "成功签收", "位置已签章", ...): the
service answers them like realware instead of faulting. Facts a guard would need (is the position
already stamped? is there a newer version?) are folded into the event, so the tables are total.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from evoucher.errors import EVS_LOGIC, EVS_PARAM
from voucherlib.errors import LifecycleError


class DeliveryState(IntEnum):
    """A delivery's state; the status code is this value (+6 for a receipt)."""

    NOT_RECEIVED = 0
    RECEIVED = 1
    RECEIVE_FAILED = 2
    SIGNED = 3
    SIGN_FAILED = 4
    RETURNED = 5


class DocState(StrEnum):
    ABSENT = "absent"
    DRAFT = "draft"  # never sent, or every delivery failed: may be rewritten and stamped
    SENT = "sent"  # some delivery not yet received or received but not signed for
    SIGNED_FOR = "signed-for"  # some peer signed for it: what was accepted is frozen
    RETURNED = "returned"  # some peer returned it: discard, re-save, re-send
    DISCARDED = "discarded"


class DocEvent(StrEnum):
    SAVE = "save"  # new bytes (writeVoucher, saveStampVoucher, a receipt fill)
    SAVE_SAME = "save-same"  # the latest version's bytes and stamps again
    STAMP = "stamp"  # a stamp or signature at an unstamped position
    STAMP_AGAIN = "stamp-again"  # the position is already stamped
    CANCEL_STAMP = "cancel-stamp"
    CANCEL_UNSTAMPED = "cancel-unstamped"  # the position carries no stamp
    DISCARD = "discard"
    PRINT = "print"
    SEND = "send"  # every configured position is stamped
    SEND_INCOMPLETE = "send-incomplete"


class DeliveryEvent(StrEnum):
    SEND = "send"
    RESEND_REVISED = "resend-revised"  # the document has a newer version than the one delivered
    READ = "read"  # readVoucherAgain
    RECEIVE_FAIL = "receive-fail"  # the library could not hand the document over
    CONFIRM = "confirm"  # confirmVoucher (签收成功)
    CONFIRM_FAIL = "confirm-fail"  # confirmVoucherFail (签收失败)
    RETURN = "return"  # returnVoucher (退回)
    ANSWER = "answer"  # the recipient saves its receipt of this voucher


@dataclass(frozen=True)
class Go:
    after: object


@dataclass(frozen=True)
class Noop:
    note: str


@dataclass(frozen=True)
class Refuse:
    rule: str
    evs_code: str = EVS_LOGIC


Rule = Go | Noop | Refuse
D, S = DocState, DeliveryState
LIVE_DOCS = (D.DRAFT, D.SENT, D.SIGNED_FOR, D.RETURNED)
_NOT_FOUND = Refuse("no such voucher", EVS_PARAM)
_DISCARDED = Refuse("the voucher was discarded (已作废)")
_FROZEN = Refuse("the voucher was sent; discard it before changing it")
_ACCEPTED = Refuse("a peer signed for the voucher; it can no longer change (已签收)")
_RETURNED = Refuse("the voucher was returned (已退回); discard it, save it again, then send it")


def _doc_rows(event, draft: Rule, sent: Rule, signed: Rule, returned: Rule, gone: Rule, absent=_NOT_FOUND):
    """One event's row, in the order draft, sent, signed-for, returned, discarded, absent."""
    states = (D.DRAFT, D.SENT, D.SIGNED_FOR, D.RETURNED, D.DISCARDED, D.ABSENT)
    return {
        (event, s): rule
        for s, rule in zip(states, (draft, sent, signed, returned, gone, absent), strict=True)
    }


_again = Noop("位置已签章")
DOC_TABLE: dict[tuple[DocEvent, DocState], Rule] = {
    **_doc_rows(DocEvent.SAVE, Go(D.DRAFT), _FROZEN, _ACCEPTED, _RETURNED, Go(D.DRAFT), Go(D.DRAFT)),
    **_doc_rows(DocEvent.SAVE_SAME, *[Noop("重复保存")] * 4, Go(D.DRAFT)),
    **_doc_rows(DocEvent.STAMP, Go(D.DRAFT), _FROZEN, _ACCEPTED, _RETURNED, _DISCARDED),
    **_doc_rows(DocEvent.STAMP_AGAIN, _again, _again, _again, _again, _DISCARDED),
    **_doc_rows(DocEvent.CANCEL_STAMP, Go(D.DRAFT), _FROZEN, _ACCEPTED, _RETURNED, _DISCARDED),
    **_doc_rows(DocEvent.CANCEL_UNSTAMPED, *[Noop("位置未签章")] * 4, _DISCARDED),
    **_doc_rows(
        DocEvent.DISCARD, Go(D.DISCARDED), Go(D.DISCARDED), _ACCEPTED, Go(D.DISCARDED), Noop("已作废")
    ),
    **_doc_rows(DocEvent.PRINT, Go(D.DRAFT), Go(D.SENT), Go(D.SIGNED_FOR), Go(D.RETURNED), Go(D.DISCARDED)),
    **_doc_rows(DocEvent.SEND, Go(D.SENT), Go(D.SENT), Go(D.SIGNED_FOR), Go(D.RETURNED), _DISCARDED),
    **_doc_rows(DocEvent.SEND_INCOMPLETE, *[Refuse("not every stamp position is stamped")] * 4, _DISCARDED),
}

_sent = Noop("已发送")
# no refusal may hold an IDEMPOTENT_SUCCESS_PHRASES phrase (成功签收...): clients read those as success
_signed_for = Refuse("already signed for (已签收): a voucher signed for cannot be refused")
_unread = Refuse("the voucher was never read (readVoucherAgain) by this org")
_not_addressed = Refuse("the voucher was not sent to this org", EVS_PARAM)
DELIVERY_TABLE: dict[tuple[DeliveryEvent, DeliveryState | None], Rule] = {}
for _event, _row in {
    # states: not sent, 0 not received, 1 received, 2 receive failed, 3 signed, 4 sign failed, 5 returned
    DeliveryEvent.SEND: (Go(S.NOT_RECEIVED), _sent, _sent, Go(S.NOT_RECEIVED), Noop("重复发送"),
                         Go(S.NOT_RECEIVED), _RETURNED),
    DeliveryEvent.RESEND_REVISED: (Go(S.NOT_RECEIVED), Go(S.NOT_RECEIVED), Go(S.NOT_RECEIVED),
                                   Go(S.NOT_RECEIVED), _ACCEPTED, Go(S.NOT_RECEIVED), Go(S.NOT_RECEIVED)),
    DeliveryEvent.READ: (_not_addressed, Go(S.RECEIVED), Noop("再次读取"), Go(S.RECEIVED),
                         Refuse("already signed for"), Refuse("sign-for failed"), Refuse("returned")),
    DeliveryEvent.RECEIVE_FAIL: (_not_addressed, Go(S.RECEIVE_FAILED), Go(S.RECEIVE_FAILED),
                                 Noop("接收失败"), Refuse("already signed for"), Refuse("sign-for failed"),
                                 Refuse("returned")),
    DeliveryEvent.CONFIRM: (_not_addressed, _unread, Go(S.SIGNED), Refuse("receive failed; read it again"),
                            Noop("成功签收"), Refuse("sign-for already failed (签收失败)"),
                            Refuse("already returned (已退回)")),
    DeliveryEvent.CONFIRM_FAIL: (_not_addressed, _unread, Go(S.SIGN_FAILED), Go(S.SIGN_FAILED),
                                 _signed_for, Noop("已签收失败"), Noop("已退回")),
    DeliveryEvent.RETURN: (_not_addressed, _unread, Go(S.RETURNED), Go(S.RETURNED), Go(S.RETURNED),
                           Go(S.RETURNED), Noop("已退回")),
    DeliveryEvent.ANSWER: (_not_addressed, *[Refuse("a receipt needs the voucher signed for first")] * 3,
                           Go(S.SIGNED), *[Refuse("a receipt needs the voucher signed for first")] * 2),
}.items():  # fmt: skip
    for _state, _rule in zip((None, *DeliveryState), _row, strict=True):
        DELIVERY_TABLE[(_event, _state)] = _rule


@dataclass(frozen=True)
class Transition:
    """What an event did: `note` is set (and before == after) for an idempotent repeat."""

    event: str
    before: str
    after: str
    note: str = ""

    @property
    def noop(self) -> bool:
        return bool(self.note)


def _apply(rule: Rule, voucher: object, event: str, before: str, show) -> Transition:
    if isinstance(rule, Refuse):
        raise LifecycleError(
            voucher=voucher, event=event, state=before, rule=rule.rule, evs_code=rule.evs_code
        )
    if isinstance(rule, Noop):
        return Transition(event, before, before, rule.note)
    return Transition(event, before, show(rule.after))


def apply_doc(voucher: object, event: DocEvent, state: DocState) -> Transition:
    """The document transition for `event`, or LifecycleError naming the voucher and the rule."""
    return _apply(DOC_TABLE[(event, state)], voucher, event.value, state.value, lambda s: s.value)


def apply_delivery(voucher: object, event: DeliveryEvent, state: DeliveryState | None) -> Transition:
    """The delivery transition; states are shown as their voucher status codes (13 = not sent)."""
    rule = DELIVERY_TABLE[(event, state)]
    return _apply(
        rule, voucher, event.value, "13" if state is None else str(int(state)), lambda s: str(int(s))
    )


def doc_state(*, exists: bool, discarded: bool, deliveries: Iterable[DeliveryState]) -> DocState:
    """Derive a document's state: discarded, then signed-for, sent, returned, draft."""
    if not exists:
        return D.ABSENT
    if discarded:
        return D.DISCARDED
    states = set(deliveries)
    if S.SIGNED in states:
        return D.SIGNED_FOR
    if states & {S.NOT_RECEIVED, S.RECEIVED}:
        return D.SENT
    return D.RETURNED if S.RETURNED in states else D.DRAFT


READABLE = (S.NOT_RECEIVED, S.RECEIVED, S.RECEIVE_FAILED)  # what readVoucherAgain hands out
BOUNCED = (S.RECEIVE_FAILED, S.SIGN_FAILED, S.RETURNED)  # batchQueryVoucherNosByBackStatus
NOT_FOUND, RECEIPT_BACK = -1, 12
STATUS_TEXT = {
    -1: "凭证不存在",
    0: "对方未接收",
    1: "对方已接收",
    2: "对方接收失败",
    3: "对方签收成功",
    4: "对方签收失败",
    5: "对方已退回",
    12: "已收到对方回单",
    13: "本方未发送",
    14: "回单本方未发送",
    **{code + 6: "回单" + text for code, text in ((0, "对方未接收"), (1, "对方已接收"), (2, "对方接收失败"),
                                                (3, "对方签收成功"), (4, "对方签收失败"), (5, "对方已退回"))},
}  # fmt: skip


def status_code(flag: int, state: DeliveryState | None, *, receipt_back: bool = False) -> int:
    """The realware status code of one delivery of a voucher (flag 0) or receipt (flag 1)."""
    if state is None:
        return 14 if flag else 13
    if not flag and state is S.SIGNED and receipt_back:
        return RECEIPT_BACK
    return int(state) + (6 if flag else 0)


# when one document went to several orgs, report the delivery that most needs attention
_URGENCY = [5, 4, 2, 0, 1, 3, 12, 13, 14, -1]


def most_urgent(codes: Iterable[int]) -> int:
    """Fold several deliveries' codes into one: returned before failed before pending before done."""
    ranked = sorted(codes, key=lambda c: _URGENCY.index(c - 6 if 6 <= c <= 11 else c))
    return ranked[0] if ranked else NOT_FOUND
