"""Receipts and routing: who may write a receipt and when (VL-LIB-022), the full-signs copy
(VL-LIB-027), where a voucher may be sent (VL-LIB-010), the codes of each profile (VL-LIB-042) and
stamps arriving at once (VL-LIB-060)."""

from __future__ import annotations

from conformance.catalogue import requirement
from conformance.context import Ctx
from conformance.failures import Failure, WrongAnswer
from conformance.steps import (
    VT,
    Cast,
    body,
    mof_args,
    read,
    receipt_of,
    send,
    send_args,
    signed_for,
    store,
    written_and_sent,
)


@requirement("VL-LIB-022")
def receipt_before_sign_for_refused(ctx: Ctx) -> None:
    """A receipt written before its voucher was signed for is refused with EVS700."""
    cast = Cast.of(ctx)
    v = written_and_sent(ctx, cast)
    read(ctx, cast.pboc, VT, v.voucher_no)
    receipt = ctx.stamped(cast.pboc, body(receipt_of(v), 1), *ctx.positions(VT, 1))
    call = ctx.client(cast.pboc).save_stamp_voucher
    ctx.refuses("EVS700", call, *mof_args(ctx, receipt), why="a receipt of an unsigned voucher")


@requirement("VL-LIB-022")
def receipt_by_the_sender_refused(ctx: Ctx) -> None:
    """A receipt (VoucherFlag 1) written by the voucher's own sender is refused with EVS112."""
    cast = Cast.of(ctx)
    v, _ = signed_for(ctx, cast)
    receipt = body(receipt_of(v), 1)
    call = ctx.client(cast.finance).save_stamp_voucher
    ctx.refuses({"EVS112", "EVS700"}, call, *mof_args(ctx, receipt), why="finance writing the PBoC's receipt")


@requirement("VL-LIB-022")
def receipt_of_nothing_refused(ctx: Ctx) -> None:
    """A receipt of a voucher that does not exist is refused with EVS100."""
    cast = Cast.of(ctx)
    receipt = ctx.stamped(cast.pboc, body(receipt_of(ctx.voucher(VT)), 1), *ctx.positions(VT, 1))
    call = ctx.client(cast.pboc).save_stamp_voucher
    ctx.refuses({"EVS100", "EVS700"}, call, *mof_args(ctx, receipt), why="a receipt of nothing")


@requirement("VL-LIB-027")
def full_signs_copy(ctx: Ctx) -> None:
    """sendVoucherFullSigns sends the complete receipt; its reader gets every stamp."""
    cast = Cast.of(ctx)
    v, _ = signed_for(ctx, cast)
    receipt = receipt_of(v)
    stamped = store(ctx, cast.pboc, receipt, 1)
    send(ctx, cast.pboc, cast.finance, receipt, full=True)
    got = read(ctx, cast.finance, VT, v.voucher_no)
    if got is None or sorted(s.position for s in got.stamps) != sorted(s.position for s in stamped.stamps):
        raise WrongAnswer(
            operation="sendVoucherFullSigns",
            expected="the receipt with all its stamps",
            got=got and [s.position for s in got.stamps],
        )


@requirement("VL-LIB-010", "VL-WIRE-014")
def send_off_route_refused(ctx: Ctx) -> None:
    """Sending a 5207 to an agent bank (not on its route) is refused with EVS700."""
    cast = Cast.of(ctx)
    v = ctx.voucher(VT)
    store(ctx, cast.finance, v)
    call = ctx.client(cast.finance).send_voucher
    ctx.refuses("EVS700", call, *send_args(ctx, v, "011", cast.bank.org_type), why="a 5207 to an agent bank")


@requirement("VL-LIB-010")
def send_to_own_org_type_refused(ctx: Ctx) -> None:
    """Sending to one's own org type is refused with EVS100."""
    cast = Cast.of(ctx)
    v = ctx.voucher(VT)
    store(ctx, cast.finance, v)
    call = ctx.client(cast.finance).send_voucher
    ctx.refuses(
        {"EVS100", "EVS700"}, call, *send_args(ctx, v, "011", "011"), why="finance sending to finance"
    )


@requirement("VL-LIB-011", "VL-STORE-008")
def unknown_number_is_evs100(ctx: Ctx) -> None:
    """Confirming a voucher number that does not exist is refused with EVS100."""
    client = ctx.client(ctx.party("pboc"))
    ctx.refuses(
        "EVS100", client.confirm_voucher, ctx.adm, ctx.year, VT, [ctx.voucher_no()], why="an unknown number"
    )


@requirement("VL-LIB-042", "EV-REG-012")
def other_profiles_new_codes_refused(ctx: Ctx) -> None:
    """A new voucher of a code only the other profile has (2.0: 3251; 1.0: 3210) is refused with EVS100."""
    code = "3251" if ctx.profile == "2.0" else "3210"
    pboc = ctx.party("pboc")
    from evoucher import registry as reg
    from evoucher.codec import parse_voucher

    other = "1.0" if ctx.profile == "2.0" else "2.0"
    sample = parse_voucher(
        reg.sample(
            code, seed=ctx.rng.randrange(1 << 20), business_date=ctx.target.business_date, profile=other
        )
    )
    from evoucher.codec import with_fields

    v = parse_voucher(
        with_fields(
            sample, {"AdmDivCode": ctx.adm, "StYear": str(ctx.year), "VoucherNo": ctx.voucher_no(code)}
        )
    )
    call = ctx.client(pboc).save_stamp_voucher
    ctx.refuses("EVS100", call, *mof_args(ctx, v), why=f"a new {code} under profile {ctx.profile}")


@requirement("VL-LIB-060", "VL-STORE-005", "VL-LIB-024")
def concurrent_stamps_all_kept(ctx: Ctx) -> None:
    """Stamps sent at once, one position per call, are all kept (no lost update): the voucher is complete."""
    from concurrent.futures import ThreadPoolExecutor

    cast = Cast.of(ctx)
    v = ctx.voucher(VT)
    positions = ctx.positions(VT)
    bodies = [ctx.stamped(cast.finance, body(v), p) for p in positions]
    clients = [ctx.client(cast.finance) for _ in positions]
    ctx.accepts(clients[0].save_stamp_voucher, *mof_args(ctx, v), why="the bare voucher")
    with ThreadPoolExecutor(len(positions)) as pool:
        futures = [
            pool.submit(c.save_stamp_voucher, *mof_args(ctx, b)) for c, b in zip(clients, bodies, strict=True)
        ]
        for f in futures:
            ctx.accepts(f.result, why="one stamp of several sent at once", idempotent_ok=True)
    send(ctx, cast.finance, cast.pboc, v)
    got = read(ctx, cast.pboc, VT, v.voucher_no)
    if got is None or sorted(s.position for s in got.stamps) != sorted(positions):
        raise Failure(
            f"after concurrent stamping the reader got {got and [s.position for s in got.stamps]}",
            requirement="VL-LIB-060",
        )
