"""Lifecycle and statuses: every path of the status table (−1..14) at the receiving org type,
read/readAgain semantics, confirm, confirmFail, return, discard, resend, full signs, the repeats
ITFE treats as success, and what a refused step leaves behind (nothing)."""

from __future__ import annotations

from conformance.catalogue import requirement
from conformance.context import Ctx
from conformance.failures import Failure, WrongAnswer
from conformance.steps import (
    VT,
    Cast,
    body,
    expect_status,
    mof_args,
    number_args,
    read,
    receipt_of,
    receipt_sent,
    send,
    send_args,
    signed_for,
    store,
    written_and_sent,
)
from evoucher.codec import Voucher


@requirement("VL-LIB-035", "VL-WIRE-013", "VL-STORE-012")
def voucher_status_path(ctx: Ctx) -> None:
    """A sent voucher reports −1, 13 (stored), 0 (sent), 1 (read), 3 (signed for) at the receiving org."""
    cast = Cast.of(ctx)
    v = ctx.voucher(VT)
    expect_status(ctx, cast.finance, VT, v.voucher_no, "001", -1, when="before it exists")
    store(ctx, cast.finance, v)
    expect_status(ctx, cast.finance, VT, v.voucher_no, "001", 13, when="stored, not sent")
    send(ctx, cast.finance, cast.pboc, v)
    expect_status(ctx, cast.finance, VT, v.voucher_no, "001", 0, when="sent, not read")
    if read(ctx, cast.pboc, VT, v.voucher_no) is None:
        raise WrongAnswer(
            operation="readVoucher", expected=v.voucher_no, got="nothing", requirement="VL-STORE-008"
        )
    expect_status(ctx, cast.finance, VT, v.voucher_no, "001", 1, when="read by the PBoC")
    ctx.accepts(ctx.client(cast.pboc).confirm_voucher, *number_args(ctx, v), why="signing for")
    expect_status(ctx, cast.finance, VT, v.voucher_no, "001", 3, when="signed for by the PBoC")


@requirement("VL-LIB-035", "VL-WIRE-013", "VL-STORE-011", "VL-STORE-012", "VL-STORE-001")
def receipt_status_path(ctx: Ctx) -> None:
    """A receipt reports 14, 6, 7, 9 to its writer; the voucher's writer sees 12 once it arrived."""
    cast = Cast.of(ctx)
    v, _ = signed_for(ctx, cast)
    receipt = receipt_of(v)
    store(ctx, cast.pboc, receipt, 1)
    expect_status(ctx, cast.pboc, VT, v.voucher_no, "011", 14, when="receipt stored, not sent")
    send(ctx, cast.pboc, cast.finance, receipt)
    expect_status(ctx, cast.pboc, VT, v.voucher_no, "011", 6, when="receipt sent")
    expect_status(ctx, cast.finance, VT, v.voucher_no, "001", 12, when="the peer's receipt arrived")
    got = read(ctx, cast.finance, VT, v.voucher_no)
    if got is None or got.voucher_flag != 1 or got.voucher != receipt.raw:
        raise WrongAnswer(
            operation="readVoucher",
            expected="the receipt, byte for byte, VoucherFlag 1",
            got=got and (got.voucher_flag, len(got.voucher)),
            requirement="VL-STORE-011",
        )
    expect_status(ctx, cast.pboc, VT, v.voucher_no, "011", 7, when="receipt read by finance")
    ctx.accepts(ctx.client(cast.finance).confirm_voucher, *number_args(ctx, v), why="signing for")
    expect_status(ctx, cast.pboc, VT, v.voucher_no, "011", 9, when="receipt signed for")
    expect_status(ctx, cast.finance, VT, v.voucher_no, "001", 12, when="after all")


def _sent_and_read(ctx: Ctx, cast: Cast) -> Voucher:
    """Finance writes and sends a voucher, and the PBoC reads it."""
    v = written_and_sent(ctx, cast)
    read(ctx, cast.pboc, VT, v.voucher_no)
    return v


def _answered_by_reader(ctx: Ctx, operation: str, reason: str, status: int, *, why: str) -> None:
    """The PBoC answers a voucher it read by `operation` with `reason`; finance then sees `status`."""
    cast = Cast.of(ctx)
    v = _sent_and_read(ctx, cast)
    ctx.accepts(ctx.client(cast.pboc).call, operation, *number_args(ctx, v, [reason]), why=why)
    expect_status(ctx, cast.finance, VT, v.voucher_no, "001", status, when=f"after {operation}")


@requirement("VL-LIB-035", "VL-WIRE-013")
def confirm_fail_is_4(ctx: Ctx) -> None:
    """confirmVoucherFail makes the sender see 4 (签收失败)."""
    _answered_by_reader(ctx, "confirmVoucherFail", "账号不符", 4, why="refusing to sign for")


@requirement("VL-LIB-035", "VL-WIRE-013")
def return_is_5(ctx: Ctx) -> None:
    """returnVoucher makes the sender see 5 (已退回)."""
    _answered_by_reader(ctx, "returnVoucher", "收款人账号错误", 5, why="returning")


def _bounces(ctx: Ctx, cast: Cast) -> dict:
    """What batchQueryVoucherNosByBackStatus lists for finance: number -> (status, reason)."""
    call = ctx.client(cast.finance).batch_query_voucher_nos_by_back_status
    return ctx.accepts(call, ctx.adm, ctx.year, VT, "001", why="bounces")


@requirement("VL-WIRE-012", "VL-LIB-035", "VL-STORE-013", profiles={"2.0"})
def bounces_listed_with_reason(ctx: Ctx) -> None:
    """batchQueryVoucherNosByBackStatus lists a returned voucher with status 5 and the peer's reason."""
    cast = Cast.of(ctx)
    v = _sent_and_read(ctx, cast)
    reason = f"收款人账号错误{ctx.rng.randrange(1000)}"
    ctx.accepts(ctx.client(cast.pboc).return_voucher, *number_args(ctx, v, [reason]), why="return")
    answer = _bounces(ctx, cast)
    code, text = answer.get(v.voucher_no, (None, ""))
    if code != 5 or reason not in text:
        raise WrongAnswer(
            operation="batchQueryVoucherNosByBackStatus",
            expected=f"5 with reason {reason!r}",
            got=answer.get(v.voucher_no),
        )


@requirement("VL-WIRE-012", "VL-STORE-013", profiles={"2.0"})
def signed_for_is_not_a_bounce(ctx: Ctx) -> None:
    """A voucher signed for is not listed by batchQueryVoucherNosByBackStatus."""
    cast = Cast.of(ctx)
    v, _ = signed_for(ctx, cast)
    answer = _bounces(ctx, cast)
    if v.voucher_no in answer:
        raise WrongAnswer(
            operation="batchQueryVoucherNosByBackStatus",
            expected="no signed-for voucher",
            got=answer[v.voucher_no],
        )


@requirement("VL-WIRE-013", "VL-LIB-035", profiles={"2.0"})
def batch_all_status_13(ctx: Ctx) -> None:
    """batchQueryAllVoucherStatus answers 13 for a voucher stored but never sent, and 0 once sent."""
    cast = Cast.of(ctx)
    v = ctx.voucher(VT)
    store(ctx, cast.finance, v)
    client = ctx.client(cast.finance)
    for expected, step in ((13, "stored"), (0, "sent")):
        if step == "sent":
            send(ctx, cast.finance, cast.pboc, v)
        answer = ctx.accepts(client.batch_query_all_voucher_status, *number_args(ctx, v), why="batch status")
        if answer.get(v.voucher_no, (None,))[0] != expected:
            raise WrongAnswer(
                operation="batchQueryAllVoucherStatus",
                expected=f"{expected} ({step})",
                got=answer.get(v.voucher_no),
            )


@requirement("VL-WIRE-013", "VL-LIB-035", profiles={"2.0"})
def batch_sent_receipt_status(ctx: Ctx) -> None:
    """batchQuerySentVoucherStatus reports the caller's receipt: 6 sent, 9 signed for."""
    cast = Cast.of(ctx)
    v, _receipt = receipt_sent(ctx, cast)
    client = ctx.client(cast.pboc)

    def code() -> int | None:
        answer = ctx.accepts(
            client.batch_query_sent_voucher_status, *number_args(ctx, v), why="sent receipts"
        )
        return answer.get(v.voucher_no, (None,))[0]

    if (got := code()) != 6:
        raise WrongAnswer(operation="batchQuerySentVoucherStatus", expected="6 (receipt sent)", got=got)
    read(ctx, cast.finance, VT, v.voucher_no)
    ctx.accepts(ctx.client(cast.finance).confirm_voucher, *number_args(ctx, v), why="signing for")
    if (got := code()) != 9:
        raise WrongAnswer(operation="batchQuerySentVoucherStatus", expected="9 (receipt signed for)", got=got)


@requirement("VL-LIB-038", "VL-STORE-008")
def read_voucher_hands_over_once(ctx: Ctx) -> None:
    """readVoucher hands a delivery over once; a second readVoucher does not return it again."""
    cast = Cast.of(ctx)
    v = written_and_sent(ctx, cast)
    if read(ctx, cast.pboc, VT, v.voucher_no) is None:
        raise WrongAnswer(operation="readVoucher", expected=v.voucher_no, got="nothing")
    if read(ctx, cast.pboc, VT, v.voucher_no) is not None:
        raise Failure(f"readVoucher handed {v.voucher_no} over twice", requirement="VL-LIB-038")
    ctx.accepts(ctx.client(cast.pboc).confirm_voucher, *number_args(ctx, v), why="signing for")


@requirement("VL-LIB-038", "VL-STORE-008")
def read_again_until_signed_for(ctx: Ctx) -> None:
    """readVoucherAgain re-reads what was read but not signed for, and not once it is signed for."""
    cast = Cast.of(ctx)
    v = written_and_sent(ctx, cast)
    read(ctx, cast.pboc, VT, v.voucher_no)
    if read(ctx, cast.pboc, VT, v.voucher_no, again=True) is None:
        raise Failure(
            f"readVoucherAgain did not re-read the unsigned {v.voucher_no}", requirement="VL-LIB-038"
        )
    ctx.accepts(ctx.client(cast.pboc).confirm_voucher, *number_args(ctx, v), why="signing for")
    if read(ctx, cast.pboc, VT, v.voucher_no, again=True) is not None:
        raise Failure(
            f"readVoucherAgain still hands over {v.voucher_no} after it was signed for",
            requirement="VL-STORE-008",
        )


@requirement("VL-STORE-008", "VL-WIRE-005")
def voucher_count_over_100(ctx: Ctx) -> None:
    """readVoucherAgain with voucherCount 101 (or 0) is refused with EVS100."""
    client = ctx.client(ctx.party("pboc"))
    for count in (101, 0):
        ctx.refuses(
            {"EVS100", "EVS111"},
            client.read_voucher_again,
            ctx.adm,
            ctx.year,
            VT,
            count,
            why=f"voucherCount {count}",
        )


@requirement("VL-LIB-030", "VL-WIRE-033", "VL-STORE-009")
def confirm_twice_is_idempotent(ctx: Ctx) -> None:
    """confirmVoucher twice: the second answers 成功签收 (or plain success), and the status stays 3."""
    cast = Cast.of(ctx)
    v, _ = signed_for(ctx, cast)
    call = ctx.client(cast.pboc).confirm_voucher
    ctx.accepts(call, *number_args(ctx, v), why="signing for again", idempotent_ok=True)
    expect_status(ctx, cast.finance, VT, v.voucher_no, "001", 3, when="signed for twice")


@requirement("VL-WIRE-033", "VL-REL-002")
def refusing_what_was_signed_for_does_not_read_as_success(ctx: Ctx) -> None:
    """confirmVoucherFail on a voucher signed for is refused, in words no client reads as success."""
    cast = Cast.of(ctx)
    v, _ = signed_for(ctx, cast)
    fault = ctx.refuses(
        "EVS700", ctx.client(cast.pboc).confirm_voucher_fail, *number_args(ctx, v, ["签收后拒绝"]),
        why="refusing a voucher already signed for", requirement="VL-REL-002",
    )  # fmt: skip
    if fault.is_idempotent_success:
        raise WrongAnswer(
            operation="confirmVoucherFail", expected="a refusal without an idempotent-success phrase",
            got=f"{fault.evs_code}#{fault.message}", requirement="VL-WIRE-033",
        )  # fmt: skip
    expect_status(ctx, cast.finance, VT, v.voucher_no, "001", 3, when="a refused confirmVoucherFail")


@requirement("VL-LIB-030", "VL-WIRE-033")
def send_twice_is_idempotent(ctx: Ctx) -> None:
    """Sending a sent voucher again answers 已发送 (an idempotent-success phrase); the status stays 0."""
    cast = Cast.of(ctx)
    v = written_and_sent(ctx, cast)
    call = ctx.client(cast.finance).send_voucher
    ctx.accepts(call, *send_args(ctx, v, "011", "001"), why="sending again", idempotent_ok=True)
    expect_status(ctx, cast.finance, VT, v.voucher_no, "001", 0, when="sent twice")


@requirement("VL-STORE-014", "VL-LIB-035")
def discard_withdraws_delivery(ctx: Ctx) -> None:
    """A discarded voucher is no longer handed to its recipient; discarding again is a plain success."""
    cast = Cast.of(ctx)
    v = written_and_sent(ctx, cast)
    client = ctx.client(cast.finance)
    ctx.accepts(client.discard_voucher, *number_args(ctx, v), why="discarding a sent voucher")
    ctx.accepts(client.discard_voucher, *number_args(ctx, v), why="discarding again", idempotent_ok=True)
    if read(ctx, cast.pboc, VT, v.voucher_no, again=True) is not None:
        raise Failure(f"the PBoC still reads the discarded {v.voucher_no}", requirement="VL-STORE-014")


@requirement("VL-STORE-014", "VL-LIB-062")
def signed_for_cannot_be_discarded(ctx: Ctx) -> None:
    """Discarding a voucher its recipient signed for is refused with EVS700; it stays signed for (3)."""
    cast = Cast.of(ctx)
    v, _ = signed_for(ctx, cast)
    call = ctx.client(cast.finance).discard_voucher
    ctx.refuses("EVS700", call, *number_args(ctx, v), why="discarding a signed-for voucher")
    expect_status(ctx, cast.finance, VT, v.voucher_no, "001", 3, when="after a refused discard")


@requirement("VL-LIB-024", "VL-LIB-062")
def signed_for_never_changes(ctx: Ctx) -> None:
    """New bytes for a signed-for voucher are refused with EVS700; the reader keeps the old bytes."""
    cast = Cast.of(ctx)
    v, _ = signed_for(ctx, cast)
    changed = ctx.voucher(VT, VoucherNo=v.voucher_no)
    b = ctx.stamped(cast.finance, body(changed), *ctx.positions(VT))
    call = ctx.client(cast.finance).save_stamp_voucher
    ctx.refuses("EVS700", call, *mof_args(ctx, b), why="new bytes for a signed-for voucher")
    expect_status(ctx, cast.finance, VT, v.voucher_no, "001", 3, when="after refused new bytes")


@requirement("VL-LIB-027", "VL-LIB-024", "VL-STORE-014")
def revised_after_return_is_redelivered(ctx: Ctx) -> None:
    """A returned voucher, discarded, revised and sent again reaches the reader with its new bytes (0)."""
    cast = Cast.of(ctx)
    v = _sent_and_read(ctx, cast)
    ctx.accepts(ctx.client(cast.pboc).return_voucher, *number_args(ctx, v, ["金额错误"]), why="return")
    ctx.accepts(ctx.client(cast.finance).discard_voucher, *number_args(ctx, v), why="discard")
    revised = ctx.voucher(VT, VoucherNo=v.voucher_no)
    store(ctx, cast.finance, revised)
    send(ctx, cast.finance, cast.pboc, revised)
    expect_status(ctx, cast.finance, VT, v.voucher_no, "001", 0, when="revised and sent again")
    got = read(ctx, cast.pboc, VT, v.voucher_no)
    if got is None or got.voucher != revised.raw:
        raise Failure("the reader did not get the revised bytes", requirement="VL-LIB-027")
