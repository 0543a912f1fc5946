"""The lifecycle tables against the reference (§3 status codes, §7 ITFE flows), written out by hand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voucherlib.errors import LifecycleError
from voucherlib.lifecycle import (
    DELIVERY_TABLE,
    DOC_TABLE,
    STATUS_TEXT,
    DeliveryEvent,
    DeliveryState,
    DocEvent,
    DocState,
    Go,
    Noop,
    Refuse,
    apply_delivery,
    apply_doc,
    doc_state,
    most_urgent,
    status_code,
)

S, E = DeliveryState, DeliveryEvent
KEY = "330100/2024/5207/SB0001/0"


def test_tables_are_total():
    assert {(e, s) for e in DocEvent for s in DocState} == set(DOC_TABLE)
    assert {(e, s) for e in DeliveryEvent for s in (None, *DeliveryState)} == set(DELIVERY_TABLE)


@pytest.mark.parametrize(
    ("event", "state", "after"),
    [
        (E.SEND, None, S.NOT_RECEIVED),
        (E.READ, S.NOT_RECEIVED, S.RECEIVED),
        (E.CONFIRM, S.RECEIVED, S.SIGNED),  # ITFE confirms right after parsing
        (E.CONFIRM_FAIL, S.RECEIVED, S.SIGN_FAILED),  # "报文不规范"
        (E.RETURN, S.SIGN_FAILED, S.RETURNED),  # ITFE: confirmVoucherFail, then returnVoucher
        (E.RETURN, S.SIGNED, S.RETURNED),  # 未勾兑 vouchers returned at 18:30 after sign-for
        (E.SEND, S.SIGN_FAILED, S.NOT_RECEIVED),  # ITFE re-send flag 1: resend after a failure
        (E.SEND, S.RECEIVE_FAILED, S.NOT_RECEIVED),
        (E.RESEND_REVISED, S.RETURNED, S.NOT_RECEIVED),  # flag 2: discard, then resend
        (E.RECEIVE_FAIL, S.NOT_RECEIVED, S.RECEIVE_FAILED),
        (E.ANSWER, S.SIGNED, S.SIGNED),
    ],
)
def test_delivery_moves(event, state, after):
    t = apply_delivery(KEY, event, state)
    assert not t.noop and t.after == str(int(after))


@pytest.mark.parametrize(
    ("event", "state", "note"),
    [
        (E.SEND, S.NOT_RECEIVED, "已发送"),
        (E.SEND, S.SIGNED, "重复发送"),
        (E.CONFIRM, S.SIGNED, "成功签收"),
        (E.RETURN, S.RETURNED, "已退回"),  # ITFE treats "已退回或..." as success
        (E.READ, S.RECEIVED, "再次读取"),  # readVoucherAgain hands unsigned-for vouchers out again
    ],
)
def test_idempotent_repeats_are_noops(event, state, note):
    t = apply_delivery(KEY, event, state)
    assert t.noop and t.note == note and t.before == t.after


@pytest.mark.parametrize(
    ("event", "state", "evs"),
    [
        (E.CONFIRM, S.NOT_RECEIVED, "EVS700"),  # confirming a voucher never read
        (E.CONFIRM, S.RETURNED, "EVS700"),
        (E.CONFIRM_FAIL, S.SIGNED, "EVS700"),
        (E.SEND, S.RETURNED, "EVS700"),  # must be discarded and saved again first
        (E.RESEND_REVISED, S.SIGNED, "EVS700"),
        (E.ANSWER, S.RECEIVED, "EVS700"),  # a receipt before signing for the voucher
        (E.CONFIRM, None, "EVS100"),
    ],
)
def test_delivery_refusals(event, state, evs):
    with pytest.raises(LifecycleError) as refused:
        apply_delivery(KEY, event, state)
    assert refused.value.evs_code == evs and refused.value.fault_string().startswith(
        f"{evs}#{KEY}: {event.value}"
    )


@pytest.mark.parametrize(
    ("event", "state", "rule"),
    [
        (DocEvent.SAVE, DocState.ABSENT, Go),
        (DocEvent.SAVE, DocState.SENT, Refuse),
        (DocEvent.SAVE, DocState.DISCARDED, Go),  # re-save after discard
        (DocEvent.STAMP, DocState.DRAFT, Go),
        (DocEvent.STAMP, DocState.SENT, Refuse),
        (DocEvent.STAMP_AGAIN, DocState.SIGNED_FOR, Noop),  # "位置已签章"
        (DocEvent.DISCARD, DocState.RETURNED, Go),
        (DocEvent.DISCARD, DocState.SIGNED_FOR, Refuse),  # what a peer accepted is not voided
        (DocEvent.DISCARD, DocState.DISCARDED, Noop),
        (DocEvent.SEND_INCOMPLETE, DocState.DRAFT, Refuse),  # the multi-position rule
        (DocEvent.SEND, DocState.DISCARDED, Refuse),
        (DocEvent.PRINT, DocState.ABSENT, Refuse),
    ],
)
def test_document_rules(event, state, rule):
    assert isinstance(DOC_TABLE[(event, state)], rule)


def test_document_refusal_names_voucher_event_and_state():
    with pytest.raises(LifecycleError) as refused:
        apply_doc(KEY, DocEvent.DISCARD, DocState.SIGNED_FOR)
    assert (refused.value.voucher, refused.value.event, refused.value.state) == (KEY, "discard", "signed-for")
    assert apply_doc(KEY, DocEvent.DISCARD, DocState.DISCARDED).note == "已作废"


def test_doc_state_priority():
    assert doc_state(exists=False, discarded=False, deliveries=[]) is DocState.ABSENT
    assert doc_state(exists=True, discarded=True, deliveries=[S.SIGNED]) is DocState.DISCARDED
    assert doc_state(exists=True, discarded=False, deliveries=[S.RETURNED, S.SIGNED]) is DocState.SIGNED_FOR
    assert doc_state(exists=True, discarded=False, deliveries=[S.RETURNED, S.RECEIVED]) is DocState.SENT
    assert (
        doc_state(exists=True, discarded=False, deliveries=[S.RETURNED, S.SIGN_FAILED]) is DocState.RETURNED
    )
    assert doc_state(exists=True, discarded=False, deliveries=[S.SIGN_FAILED]) is DocState.DRAFT


def test_status_codes_follow_reference_section_3():
    assert [status_code(0, s) for s in S] == [0, 1, 2, 3, 4, 5]
    assert [status_code(1, s) for s in S] == [6, 7, 8, 9, 10, 11]
    assert (status_code(0, None), status_code(1, None)) == (13, 14)
    assert status_code(0, S.SIGNED, receipt_back=True) == 12
    assert status_code(1, S.SIGNED, receipt_back=True) == 9
    assert status_code(0, S.RECEIVED, receipt_back=True) == 1
    assert set(STATUS_TEXT) == set(range(-1, 15))


@given(st.lists(st.sampled_from([*range(0, 15)]), min_size=1))
def test_most_urgent_prefers_trouble(codes):
    top = most_urgent(codes)
    assert top in codes
    base = {c: (c - 6 if 6 <= c <= 11 else c) for c in codes}
    if any(base[c] == 5 for c in codes):
        assert base[top] == 5
    elif any(base[c] in (2, 4) for c in codes):
        assert base[top] in (2, 4)


def test_most_urgent_of_nothing_is_not_found():
    assert most_urgent([]) == -1
