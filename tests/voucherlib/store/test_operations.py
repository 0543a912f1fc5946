"""The realware operations through the public Store API, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest

from voucherlib.errors import ArgumentError, LifecycleError, PermissionDenied, VoucherNotFound
from voucherlib.lifecycle import DeliveryState
from voucherlib.store import AttachmentBlock, Org, VoucherKey, VoucherRef

from .helpers import BANK, FINANCE, KEY, PBOC, POSITIONS, code, seal, sent, signed_for, write_stamped

RECEIPT = KEY.ref.key(1)


def read(store, who, key=KEY):
    return store.atomic(lambda ops: ops.read(who, key.adm_div_code, key.st_year, key.vt_code))


def test_save_stamp_and_versions_keep_every_state(store):
    write_stamped(store)
    versions = store.query(lambda q: q.versions(KEY))
    assert [v.version for v in versions] == [1, 2, 3]
    assert [sorted(v.stamped) for v in versions] == [[], ["cz_gz"], ["cz_gz", "cz_sz"]]
    assert all(v.body == b"<Voucher/>" for v in versions)
    again = store.atomic(
        lambda ops: ops.save(FINANCE, KEY, b"<Voucher/>", positions=POSITIONS, stamps=versions[2].stamps)
    )
    assert again.noop and again.transition.note == "重复保存" and again.version == 3
    new = store.atomic(lambda ops: ops.save(FINANCE, KEY, b"<Voucher v='2'/>", positions=POSITIONS))
    assert new.version == 4 and store.query(lambda q: q.version(KEY)).stamps == ()
    assert store.query(lambda q: q.version(KEY, 3)).stamped == {"cz_gz", "cz_sz"}  # nothing earlier lost


def test_stamping_is_idempotent_and_checked(store):
    store.atomic(lambda ops: ops.save(FINANCE, KEY, b"<Voucher/>", positions=POSITIONS))
    store.atomic(lambda ops: ops.stamp(FINANCE, KEY, seal("cz_gz")))
    again = store.atomic(lambda ops: ops.stamp(FINANCE, KEY, seal("cz_gz", "other")))
    assert again.transition.note == "位置已签章" and again.version == 2
    with pytest.raises(ArgumentError) as bad:
        store.atomic(lambda ops: ops.stamp(FINANCE, KEY, seal("rh_zqz")))
    assert (
        bad.value.evs_code == "EVS100"
        and bad.value.argument == "stampPosition"
        and str(KEY) in str(bad.value)
    )
    with pytest.raises(PermissionDenied) as theirs:
        store.atomic(lambda ops: ops.stamp(PBOC, KEY, seal("cz_sz")))
    assert theirs.value.fault_string().startswith(f"EVS112#{KEY}")
    with pytest.raises(VoucherNotFound) as missing:
        store.atomic(lambda ops: ops.stamp(FINANCE, KEY.ref.key(1), seal("cz_sz")))
    assert missing.value.evs_code == "EVS100"


def test_keep_adds_stamps_to_the_latest_bytes_and_saves_new_ones(store):
    def keep(body, *stamps):
        return store.atomic(lambda ops: ops.keep(FINANCE, KEY, body, positions=POSITIONS, stamps=stamps))

    [first] = keep(b"<Voucher/>", seal("cz_gz"))
    assert (first.version, first.transition.event) == (1, "save")
    [added] = keep(b"<Voucher/>", seal("cz_sz"))  # the same bytes: the earlier stamp stays
    assert added.version == 2 and store.query(lambda q: q.version(KEY)).stamped == set(POSITIONS)
    again = keep(b"<Voucher/>", seal("cz_gz", "other"), seal("cz_sz"))
    assert [o.transition.note for o in again] == ["位置已签章"] * 2 and again[0].version == 2
    assert keep(b"<Voucher/>") == []  # bare bytes again: nothing to do, nothing audited
    [new] = keep(b"<Voucher v='2'/>", seal("cz_sz"))  # new bytes: a version with exactly these stamps
    assert new.version == 3 and store.query(lambda q: q.version(KEY)).stamped == {"cz_sz"}
    store.atomic(lambda ops: ops.discard(FINANCE, [KEY.ref]))
    [revived] = keep(b"<Voucher v='2'/>")  # a discarded document's bytes again are saved anew
    assert revived.transition.after == "draft" and revived.version == 4
    with pytest.raises(PermissionDenied):
        store.atomic(lambda ops: ops.keep(PBOC, KEY, b"<Voucher v='2'/>", stamps=[seal("cz_gz")]))
    assert store.verify_audit().head_seq == 8  # 3 saves, a stamp, 2 repeats, a discard, a refusal


def test_send_needs_every_position_then_repeats_are_noops(store):
    store.atomic(lambda ops: ops.save(FINANCE, KEY, b"<Voucher/>", positions=POSITIONS))
    store.atomic(lambda ops: ops.stamp(FINANCE, KEY, seal("cz_gz")))
    with pytest.raises(LifecycleError, match="not every stamp position") as incomplete:
        store.atomic(lambda ops: ops.send(FINANCE, [KEY.ref], PBOC.org))
    assert incomplete.value.evs_code == "EVS700"
    assert code(store, FINANCE) == 13
    store.atomic(lambda ops: ops.stamp(FINANCE, KEY, seal("cz_sz")))
    [first] = store.atomic(lambda ops: ops.send(FINANCE, [KEY.ref], PBOC.org))
    [second] = store.atomic(lambda ops: ops.send(FINANCE, [KEY.ref], PBOC.org))
    assert (first.transition.after, first.version, second.transition.note) == ("0", 3, "已发送")
    assert code(store, FINANCE) == 0 and code(store, FINANCE, dest_type="102") == 13
    with pytest.raises(LifecycleError):  # sent: the stamps are frozen
        store.atomic(lambda ops: ops.cancel_stamp(FINANCE, KEY.ref, "cz_gz"))


def test_read_hands_over_the_sent_version_until_signed_for(store):
    sent(store)
    [got] = read(store, PBOC)
    assert got.delivery.state is DeliveryState.RECEIVED and got.version.version == 3
    assert got.version.stamped == set(POSITIONS) and got.version.body == b"<Voucher/>"
    assert code(store, FINANCE) == 1
    assert [d.delivery.key for d in read(store, PBOC)] == [KEY]  # read again: still not signed for
    assert read(store, BANK) == []
    store.atomic(lambda ops: ops.confirm(PBOC, [KEY.ref]))
    assert read(store, PBOC) == [] and code(store, FINANCE) == 3
    with pytest.raises(ArgumentError) as too_many:
        store.atomic(lambda ops: ops.read(PBOC, "330100", 2024, "5207", 101))
    assert too_many.value.argument == "voucherCount"


def test_unread_only_reads_what_was_never_handed_over_since_it_was_sent(store):
    second = VoucherKey("330100", 2024, "5207", "SB0002", 0)
    sent(store)
    sent(store, second)

    def take(*, unread_only: bool, limit: int = 100):
        op = "readVoucher" if unread_only else "readVoucherAgain"
        got = store.atomic(
            lambda ops: ops.read(PBOC, "330100", 2024, "5207", limit, operation=op, unread_only=unread_only)
        )
        return [(d.delivery.key.voucher_no, d.delivery.read_count) for d in got]

    assert take(unread_only=True, limit=1) == [("SB0001", 1)]  # oldest first
    assert take(unread_only=True) == [("SB0002", 1)]
    assert take(unread_only=True) == []
    assert take(unread_only=False) == [("SB0001", 2), ("SB0002", 2)]  # 未签收: handed over again
    [first] = store.query(lambda q: q.deliveries(KEY))
    assert first.read_count == 2 and first.first_read_at and first.first_read_at < first.updated_at
    store.atomic(lambda ops: ops.receive_failed(PBOC, [KEY.ref], ["MOF 解码失败"]))
    store.atomic(lambda ops: ops.send(FINANCE, [KEY.ref], PBOC.org))  # a new delivery: never read
    assert take(unread_only=True) == [("SB0001", 1)]
    reads = [e for e in store.query(lambda q: q.audit_page(limit=1000)) if e.operation.startswith("read")]
    assert [(e.operation, e.status_before, e.status_after) for e in reads][-2:] == [
        ("readVoucherAgain", "1", "1"),
        ("readVoucher", "0", "1"),
    ]
    assert '"read":2' in reads[-2].detail and '"note":"再次读取"' in reads[-2].detail


def test_confirm_rules(store):
    sent(store)
    with pytest.raises(LifecycleError, match="never read") as unread:
        store.atomic(lambda ops: ops.confirm(PBOC, [KEY.ref]))
    assert unread.value.evs_code == "EVS700" and unread.value.state == "0"
    with pytest.raises(VoucherNotFound, match="was sent to org 102"):
        store.atomic(lambda ops: ops.confirm(BANK, [KEY.ref]))
    read(store, PBOC)
    [done] = store.atomic(lambda ops: ops.confirm(PBOC, [KEY.ref]))
    [again] = store.atomic(lambda ops: ops.confirm(PBOC, [KEY.ref]))
    assert (done.transition.after, again.transition.note) == ("3", "成功签收")


def test_receipt_answers_a_signed_voucher_and_reports_12(store):
    sent(store)
    read(store, PBOC)
    with pytest.raises(LifecycleError, match="signed for first"):
        store.atomic(lambda ops: ops.save(PBOC, RECEIPT, b"<Voucher X/>", positions=("rh_zqz",)))
    store.atomic(lambda ops: ops.confirm(PBOC, [KEY.ref]))
    store.atomic(
        lambda ops: ops.save(PBOC, RECEIPT, b"<Voucher X/>", positions=("rh_zqz",), stamps=[seal("rh_zqz")])
    )
    assert code(store, PBOC) == 14
    store.atomic(lambda ops: ops.send(PBOC, [KEY.ref], FINANCE.org))
    assert code(store, FINANCE) == 12 and code(store, PBOC) == 6
    [got] = read(store, FINANCE)
    assert got.delivery.key == RECEIPT and got.version.body == b"<Voucher X/>"
    store.atomic(lambda ops: ops.confirm(FINANCE, [KEY.ref]))
    assert code(store, PBOC, flag=1) == 9 and code(store, PBOC, flag=0) == -1


def test_refuse_return_bounce_then_discard_and_resend(store):
    sent(store)
    read(store, PBOC)
    store.atomic(lambda ops: ops.confirm_fail(PBOC, [KEY.ref], ["报文不规范: PayAmt"]))
    assert code(store, FINANCE) == 4
    store.atomic(lambda ops: ops.return_vouchers(PBOC, [KEY.ref], ["收款人账号错误"]))
    assert code(store, FINANCE) == 5
    [bounce] = store.query(lambda q: q.bounced(FINANCE.org, "330100", 2024, "5207"))
    assert (bounce.key, bounce.state, bounce.reason) == (KEY, DeliveryState.RETURNED, "收款人账号错误")
    with pytest.raises(LifecycleError, match="returned"):
        store.atomic(lambda ops: ops.send(FINANCE, [KEY.ref], PBOC.org))
    store.atomic(lambda ops: ops.discard(FINANCE, [KEY.ref]))
    assert read(store, PBOC) == []
    write_stamped(store, body=b"<Voucher fixed='1'/>")
    [resent] = store.atomic(lambda ops: ops.send(FINANCE, [KEY.ref], PBOC.org))
    assert (resent.transition.event, resent.transition.after, resent.version) == ("resend-revised", "0", 6)
    assert store.query(lambda q: q.bounced(FINANCE.org, "330100", 2024, "5207")) == []
    assert store.query(lambda q: q.version(KEY, 3)).body == b"<Voucher/>"  # the returned version is kept


def test_receive_failure_bounces_and_a_resend_delivers_again(store):
    sent(store)
    [failed] = store.atomic(lambda ops: ops.receive_failed(PBOC, [KEY.ref], ["MOF 解码失败"]))
    assert failed.transition.after == "2" and code(store, FINANCE) == 2
    assert [b.reason for b in store.query(lambda q: q.bounced(FINANCE.org, "330100", 2024, "5207"))] == [
        "MOF 解码失败"
    ]
    [again] = store.atomic(lambda ops: ops.send(FINANCE, [KEY.ref], PBOC.org))
    assert (again.transition.before, again.transition.after) == ("2", "0")
    assert [d.delivery.state for d in read(store, PBOC)] == [DeliveryState.RECEIVED]


def test_discard_rules(store):
    sent(store)
    [gone] = store.atomic(lambda ops: ops.discard(FINANCE, [KEY.ref]))
    [again] = store.atomic(lambda ops: ops.discard(FINANCE, [KEY.ref]))
    assert (gone.transition.after, again.transition.note) == ("discarded", "已作废")
    status = store.query(lambda q: q.status(FINANCE.org, [KEY.ref]))[0]
    assert status.code == 0 and "已作废" in status.text
    other = VoucherKey("330100", 2024, "5207", "SB0002", 0)
    signed_for(store, other)
    with pytest.raises(LifecycleError, match="signed for") as accepted:
        store.atomic(lambda ops: ops.discard(FINANCE, [other.ref]))
    assert accepted.value.evs_code == "EVS700"


def test_full_signs_sends_the_newest_complete_version(store):
    write_stamped(store)
    store.atomic(lambda ops: ops.cancel_stamp(FINANCE, KEY.ref, "cz_sz"))
    with pytest.raises(LifecycleError, match="not every stamp position"):
        store.atomic(lambda ops: ops.send(FINANCE, [KEY.ref], PBOC.org))
    [full] = store.atomic(lambda ops: ops.send(FINANCE, [KEY.ref], PBOC.org, full_signs=True))
    assert full.version == 3
    [got] = read(store, PBOC)
    assert got.delivery.full_signs and got.version.stamped == set(POSITIONS)
    unstamped = store.atomic(lambda ops: ops.cancel_stamp(FINANCE, KEY.ref, "cz_sz"))
    assert unstamped.transition.note == "位置未签章"


def test_all_or_nothing_batches_and_audited_refusals(store):
    other = VoucherKey("330100", 2024, "5207", "SB0002", 0)
    sent(store)
    sent(store, other)
    store.atomic(lambda ops: ops.read(PBOC, "330100", 2024, "5207", 1))  # reads only the oldest
    with pytest.raises(LifecycleError) as refused:
        store.atomic(lambda ops: ops.confirm(PBOC, [KEY.ref, other.ref]))
    assert str(other) in str(refused.value)
    assert code(store, FINANCE) == 1  # the legal half was rolled back too
    last = store.query(lambda q: q.audit_page(after=0, limit=10_000))[-1]
    assert (last.operation, last.voucher, last.status_after) == ("confirmVoucher", str(other), "refused")
    assert "EVS700#" in last.detail and store.verify_audit().intact
    with pytest.raises(ArgumentError) as mismatch:
        store.atomic(lambda ops: ops.return_vouchers(PBOC, [KEY.ref], []))
    assert mismatch.value.argument == "reasons"
    with pytest.raises(ArgumentError) as empty:
        store.atomic(lambda ops: ops.return_vouchers(PBOC, [KEY.ref], [""]))
    assert empty.value.evs_code == "EVS111"


def test_several_destinations_report_the_most_urgent(store):
    sent(store)
    store.atomic(lambda ops: ops.send(FINANCE, [KEY.ref], BANK.org))
    read(store, BANK)
    store.atomic(lambda ops: ops.return_vouchers(BANK, [KEY.ref], ["账户不符"]))
    assert code(store, FINANCE) == 5
    assert code(store, FINANCE, dest_type="001") == 0 and code(store, FINANCE, dest_type="102") == 5
    assert read(store, type(BANK)("other-bank", Org("102", "102100099996"))) == []


def test_print_counts(store):
    sent(store)
    assert store.atomic(lambda ops: ops.record_print(FINANCE, KEY.ref)) == 1
    assert store.atomic(lambda ops: ops.record_print(PBOC, KEY.ref)) == 2
    assert store.query(lambda q: q.print_count(PBOC.org, KEY.ref)) == 2
    with pytest.raises(VoucherNotFound):
        store.query(lambda q: q.print_count(BANK.org, KEY.ref))


def test_attachment_blocks(store):
    def block(no: int, data: bytes = b"part") -> AttachmentBlock:
        return AttachmentBlock(
            "330100", 2024, "011", "001", "附件.pdf", 2, no, "5207", "SB0001", "", data + bytes([no])
        )

    assert store.atomic(lambda ops: ops.put_block(FINANCE, block(2))).noop is False
    store.atomic(lambda ops: ops.put_block(FINANCE, block(1)))
    assert store.atomic(lambda ops: ops.put_block(FINANCE, block(1))).note == "重复发送"
    with pytest.raises(LifecycleError, match="other data"):
        store.atomic(lambda ops: ops.put_block(FINANCE, block(1, b"changed")))
    with pytest.raises(PermissionDenied):
        store.atomic(lambda ops: ops.put_block(PBOC, block(1)))
    taken = [store.atomic(lambda ops: ops.take_block(PBOC, "330100", 2024)) for _ in range(3)]
    assert [b.block_no for b in taken[:2]] == [2, 1] and taken[2] is None
    assert taken[1].data == b"part\x01"
    with pytest.raises(ArgumentError) as beyond:
        block(3)
    assert beyond.value.argument == "AfewBlock"


@pytest.mark.parametrize(
    ("fields", "argument", "evs"),
    [
        (("33010", 2024, "5207", "1"), "AdmDivCode", "EVS100"),
        (("330100", 1999, "5207", "1"), "StYear", "EVS103"),
        (("330100", 2024, "52O", "1"), "VtCode", "EVS100"),
        (("330100", 2024, "5207", ""), "VoucherNo", "EVS111"),
        (("330100", 2024, "5207", "a/b"), "VoucherNo", "EVS100"),
    ],
)
def test_bad_numbers_name_the_argument_and_code(fields, argument, evs):
    with pytest.raises(ArgumentError) as bad:
        VoucherRef(*fields)
    assert (bad.value.argument, bad.value.evs_code) == (argument, evs)


def test_bad_flag_is_refused():
    with pytest.raises(ArgumentError) as bad:
        VoucherKey("330100", 2024, "5207", "1", 2)
    assert bad.value.argument == "VoucherFlag"
