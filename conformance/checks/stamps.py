"""Stamps on arrival (VL-LIB-023, EVS700): tampered, moved (other voucher, other position, onto the
receipt), of the wrong seal type or holder, revoked, or of the wrong kind are refused, and refusing
leaves nothing behind; a voucher missing a stamp is never sent (VL-LIB-021)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from conformance.catalogue import requirement
from conformance.checks.seals import SIGNED_VT
from conformance.context import SEAL_VERSION, Ctx
from conformance.failures import Failure, Skipped
from conformance.steps import (
    VT,
    Cast,
    body,
    expect_status,
    mof_args,
    read,
    receipt_of,
    send_args,
    signed_for,
    store,
)
from evoucher.codec import MofBody, Stamp
from evoucher.pki import Party
from evoucher.seal.create import make_signature
from evoucher.stamp import body_property_info


def _refused_stamps(ctx: Ctx, who: Party, b: MofBody, why: str, requirement: str = "VL-LIB-023") -> None:
    call = ctx.client(who).save_stamp_voucher
    fault = ctx.refuses("EVS700", call, *mof_args(ctx, b), why=why, requirement=requirement)
    ctx.notes["fault"] = fault.message[:300]
    expect_status(
        ctx,
        who,
        b.vt_code,
        b.voucher_no,
        "001" if b.voucher_flag == 0 else "011",
        -1 if b.voucher_flag == 0 else {-1, 14, 13},
        when="after its stamps were refused",
        requirement="VL-LIB-062",
    )


@requirement("VL-LIB-023", "EV-SEAL-008", "EV-CODEC-003")
def tampered_voucher_refused(ctx: Ctx) -> None:
    """Stamps carried on changed voucher bytes (HASH_FAILURE) are refused with EVS700."""
    cast = Cast.of(ctx)
    v = ctx.voucher(VT)
    stamped = ctx.stamped(cast.finance, body(v), *ctx.positions(VT))
    other = ctx.voucher(VT, VoucherNo=v.voucher_no)  # the same number, other content
    _refused_stamps(
        ctx, cast.finance, dataclasses.replace(body(other), stamps=stamped.stamps), "stamps over other bytes"
    )


@requirement("VL-LIB-023", "EV-SEAL-007")
def tampered_signature_refused(ctx: Ctx) -> None:
    """A stamp whose signature bytes were altered is refused with EVS700."""
    cast = Cast.of(ctx)
    stamped = ctx.stamped(cast.finance, body(ctx.voucher(VT)), *ctx.positions(VT))
    first = stamped.stamps[0]
    value = bytearray(first.value)
    value[-8] ^= 0x5A
    stamps = (Stamp(first.position, first.kind, bytes(value)), *stamped.stamps[1:])
    _refused_stamps(
        ctx, cast.finance, dataclasses.replace(stamped, stamps=stamps), "a stamp with altered bytes"
    )


@requirement("VL-LIB-023", "EV-SEAL-010", "EV-PKI-022")
def moved_to_other_voucher_refused(ctx: Ctx) -> None:
    """Stamps moved from one voucher to another (WRONG_VOUCHER) are refused with EVS700."""
    cast = Cast.of(ctx)
    stamped = ctx.stamped(cast.finance, body(ctx.voucher(VT)), *ctx.positions(VT))
    target = body(ctx.voucher(VT))
    _refused_stamps(
        ctx, cast.finance, dataclasses.replace(target, stamps=stamped.stamps), "another voucher's stamps"
    )


@requirement("VL-LIB-023", "EV-SEAL-011", "EV-PKI-022")
def moved_to_other_position_refused(ctx: Ctx) -> None:
    """Two stamps swapped between positions (WRONG_POSITION) are refused with EVS700."""
    cast = Cast.of(ctx)
    stamped = ctx.stamped(cast.finance, body(ctx.voucher(VT)), *ctx.positions(VT))
    a, b, *rest = stamped.stamps
    swapped = (Stamp(b.position, a.kind, a.value), Stamp(a.position, b.kind, b.value), *rest)
    _refused_stamps(
        ctx, cast.finance, dataclasses.replace(stamped, stamps=swapped), "stamps at swapped positions"
    )


def _receipt_stamps(ctx: Ctx, cast: Cast) -> tuple[MofBody, MofBody]:
    """A voucher the PBoC signed for, and its receipt body (unstamped)."""
    v, _ = signed_for(ctx, cast)
    return body(receipt_of(v), 1), body(v)


@requirement("VL-LIB-023", "EV-SEAL-010", "EV-SEAL-042")
def moved_onto_receipt_refused(ctx: Ctx) -> None:
    """A stamp made for the voucher (VoucherFlag 0) carried on its receipt (flag 1) is refused (EVS700)."""
    cast = Cast.of(ctx)
    receipt, _ = _receipt_stamps(ctx, cast)
    as_voucher = ctx.stamped(cast.pboc, dataclasses.replace(receipt, voucher_flag=0), *ctx.positions(VT, 1))
    _refused_stamps(
        ctx, cast.pboc, dataclasses.replace(receipt, stamps=as_voucher.stamps), "flag-0 stamps on a receipt"
    )


def _pboc_gz(ctx: Ctx, cast: Cast, b: MofBody, position: str) -> Stamp:
    """A valid 签章 with the PBoC's 公章 over `b` at `position`, whatever that position wants."""
    seal = cast.pboc.seal("gz", SEAL_VERSION[ctx.profile])
    info = body_property_info(b, position)
    value = make_signature(seal, cast.pboc.org.key, cast.pboc.org.cert, b.voucher, info, at=datetime.now(UTC))
    return Stamp(position, "stamp", value)


@requirement("VL-LIB-023", "EV-SEAL-012", "EV-PKI-026")
def wrong_seal_type_refused(ctx: Ctx) -> None:
    """The party's 公章 at its 转讫章 position (WRONG_SEAL_TYPE) is refused with EVS700."""
    cast = Cast.of(ctx)
    receipt, _ = _receipt_stamps(ctx, cast)
    zqz = next(p for p in ctx.env.positions_for(VT, 1) if p.stamp_type == "zqz")
    gz = _pboc_gz(ctx, cast, receipt, zqz.id)
    others = ctx.stamped(cast.pboc, receipt, *(p for p in ctx.positions(VT, 1) if p != zqz.id)).stamps
    stamps = (gz, *others)
    _refused_stamps(
        ctx, cast.pboc, dataclasses.replace(receipt, stamps=stamps), "a 公章 at the 转讫章 position"
    )


@requirement("VL-LIB-023", "EV-SEAL-009")
def another_partys_stamp_refused(ctx: Ctx) -> None:
    """A valid stamp by another party's holder and seal at the caller's position is refused (EVS700)."""
    cast = Cast.of(ctx)
    others = [p for p in ctx.env.find(role="finance") if p.handle != cast.finance.handle]
    if not others:
        raise Skipped("the environment has one finance bureau only")
    b = body(ctx.voucher(VT))
    stamped = ctx.stamped(others[0], b, *ctx.positions(VT))
    _refused_stamps(ctx, cast.finance, stamped, f"stamps by {others[0].handle}")


@requirement("VL-LIB-023", "EV-SEAL-013")
def revoked_holder_stamp_refused(ctx: Ctx) -> None:
    """A stamp by a person whose certificate is revoked is refused with EVS700."""
    for r in ctx.env.revoked:
        party = next((p for p in ctx.env.parties if any(h.cert_id == r.cert_id for h in p.people)), None)
        if party is None or ctx.env.revocation(party.cert_id) or party.role not in ("finance", "pboc"):
            continue
        person = ctx.env.holder(r.cert_id)
        vt = VT if party.role == "finance" else SIGNED_VT
        position = next(
            (p for p in ctx.env.positions_for(vt, 0) if party.signer(p.stamp_type) == person), None
        )
        if position is None:
            continue
        ctx.adm = party.adm_div_code
        v = ctx.voucher(vt)
        stamped = ctx.stamped(party, body(v), *ctx.positions(vt))
        _refused_stamps(ctx, party, stamped, f"a stamp by revoked {r.cert_id}", "EV-SEAL-013")
        return
    raise Skipped(
        "the environment has no revoked person of a finance bureau or treasury (guoku env revoke DIR CERTID)"
    )


@requirement("VL-LIB-023", "EV-SEAL-027")
def stamp_at_signature_position_refused(ctx: Ctx) -> None:
    """A seal stamp (签章) at a 签名 position is refused with EVS700."""
    cast = Cast.of(ctx)
    v = ctx.voucher(SIGNED_VT)
    b = body(v)
    gz = _pboc_gz(ctx, cast, b, ctx.positions(SIGNED_VT)[0])
    _refused_stamps(ctx, cast.pboc, dataclasses.replace(b, stamps=(gz,)), "a 签章 at a 签名 position")


@requirement("VL-LIB-041", "EV-SEAL-001", profiles={"1.0"})
def v4_stamp_refused_by_1_0(ctx: Ctx) -> None:
    """A 1.0 library refuses a GB/T 38540 v4 stamp on arrival (EVS700)."""
    cast = Cast.of(ctx)
    stamped = ctx.stamped(cast.finance, body(ctx.voucher(VT)), *ctx.positions(VT), version=4)
    _refused_stamps(ctx, cast.finance, stamped, "v4 stamps under profile 1.0", "VL-LIB-041")


# ---------------------------------------------------------------- positions and sending


@requirement("VL-LIB-021", "EV-SEAL-015", "VL-STORE-007")
def not_sent_before_every_position(ctx: Ctx) -> None:
    """A voucher missing a stamp is not sent (EVS700) and stays unsent (13)."""
    cast = Cast.of(ctx)
    v = ctx.voucher(VT)
    store(ctx, cast.finance, v, positions=ctx.positions(VT)[:1])
    call = ctx.client(cast.finance).send_voucher
    ctx.refuses(
        "EVS700", call, *send_args(ctx, v, "011", "001"), why="sending a voucher with one of three stamps"
    )
    expect_status(ctx, cast.finance, VT, v.voucher_no, "001", 13, when="after a refused send")
    if read(ctx, cast.pboc, VT, v.voucher_no, again=True) is not None:
        raise Failure(
            f"the PBoC reads {v.voucher_no}, which was never completely stamped", requirement="VL-LIB-021"
        )


@requirement("VL-LIB-026", "VL-STORE-006", "VL-LIB-021")
def cancelled_stamp_blocks_sending(ctx: Ctx) -> None:
    """After cancelStampWithPosition the voucher is incomplete again and is not sent (EVS700)."""
    cast = Cast.of(ctx)
    v = ctx.voucher(VT)
    store(ctx, cast.finance, v)
    position = ctx.positions(VT)[0]
    ctx.accepts(
        ctx.client(cast.finance).cancel_stamp_with_position,
        ctx.adm,
        ctx.year,
        VT,
        v.voucher_no,
        position,
        why=f"cancelling the stamp at {position}",
    )
    call = ctx.client(cast.finance).send_voucher
    ctx.refuses("EVS700", call, *send_args(ctx, v, "011", "001"), why=f"sending after cancelling {position}")
