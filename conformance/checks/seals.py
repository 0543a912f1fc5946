"""Seals and signatures: stamps the target makes verify independently (evoucher's verifier, the
environment's CA and CRLs, the right position, seal type and seal version), and stamps that are
tampered, moved, of the wrong kind or holder, or missing are refused (VL-LIB-023, EVS700)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.catalogue import requirement
from conformance.context import SEAL_VERSION, Ctx
from conformance.failures import Failure, StampInvalid, WrongAnswer
from conformance.steps import (
    VT,
    Cast,
    expect_status,
    mof_args,
    positions_xml,
    read,
    send,
)
from evoucher.codec import MofBody, Voucher, parse_mof
from evoucher.interface import OPERATION_BY_NAME
from evoucher.pki import Party
from evoucher.stamp import verify_body

SIGNED_VT = "3208"  # 实拨退款通知书: the PBoC signs (签名) rh_jzyqm and rh_fhyqm, finance receives


def judge(ctx: Ctx, got: MofBody, *, required: tuple[str, ...], who: Party, requirement: str) -> None:
    """Every stamp of `got` verifies, at its position, with the profile's seal version, by `who`'s holders."""
    reports = verify_body(
        got, trust_anchors=ctx.env.trust_anchors, crls=ctx.env.crls, required_positions=required
    )
    ctx.notes[f"verdicts {got.voucher_no}"] = [f"{r.position}: {r.indication.value}" for r in reports]
    serials = {f"{h.serial:x}".upper().lstrip("0") for h in who.holders}
    for r in reports:
        if not r.passed:
            sub = r.sub_indication.value if r.sub_indication else ""
            detail = f"{r.indication.value}/{sub} {r.failure_msg or ''}"
            raise StampInvalid(
                voucher_no=got.voucher_no, position=r.position or "?", verdict=detail, requirement=requirement
            )
        stamp = next(s for s in got.stamps if s.position == r.position)
        if stamp.kind == "stamp" and r.version != SEAL_VERSION[ctx.profile]:
            raise Failure(
                f"stamp at {r.position} of {got.voucher_no} is a v{r.version} seal; profile "
                f"{ctx.profile} stamps with v{SEAL_VERSION[ctx.profile]}",
                requirement="VL-LIB-041",
            )
        if r.signer is not None and r.signer.serial.upper().lstrip("0") not in serials:
            raise Failure(
                f"stamp at {r.position} of {got.voucher_no} was made by certificate {r.signer.serial}, "
                f"not a holder of {who.handle}",
                requirement="EV-PKI-025",
            )


def _received(ctx: Ctx, who: Party, vt: str, no: str) -> MofBody:
    got = read(ctx, who, vt, no)
    if got is None:
        raise WrongAnswer(
            operation="readVoucher", expected=f"{vt} {no} delivered to {who.handle}", got="nothing"
        )
    return got


def _verified(ctx: Ctx, v: Voucher, *, by: Party, reader: Party) -> None:
    """`reader` receives `v`, and the stamps `by` made at its positions verify there (VL-LIB-025)."""
    got = _received(ctx, reader, v.vt_code, v.voucher_no)
    judge(ctx, got, required=ctx.positions(v.vt_code), who=by, requirement="VL-LIB-025")


def _stamped_and_sent(
    ctx: Ctx, operation: str, v: Voucher, *args: str, by: Party, reader: Party, why: str
) -> None:
    """`by`'s `operation` stamps (or signs) `v` and sends it to `reader` in one call, answering what the
    catalogue says it returns (a Map, or nothing); the stamps verify at the reader."""
    route = (by.org_type, reader.org_type)
    answer = ctx.accepts(ctx.client(by).call, operation, *mof_args(ctx, v, *args, *route), why=why)
    if OPERATION_BY_NAME[operation].returns == "Map" and not isinstance(answer, dict):
        raise WrongAnswer(operation=operation, expected="a Map", got=answer, requirement="VL-WIRE-004")
    _verified(ctx, v, by=by, reader=reader)


@requirement("VL-LIB-025", "EV-SEAL-004", "EV-PKI-021", "EV-PKI-025", needs=["server_stamping"])
def sign_stamp_by_nos_verifies(ctx: Ctx) -> None:
    """Stamps made by signStampByNos verify independently: position, seal type and seal version."""
    cast = Cast.of(ctx)
    v = ctx.voucher(VT)
    xml = positions_xml(cast.finance, *ctx.positions(VT))
    call = ctx.client(cast.finance).sign_stamp_by_nos
    ctx.accepts(call, *mof_args(ctx, v, xml), why="server stamping at finance's positions")
    send(ctx, cast.finance, cast.pboc, v)
    got = _received(ctx, cast.pboc, VT, v.voucher_no)
    if got.voucher != v.raw:
        raise Failure(
            "the server-stamped voucher's bytes differ from the bytes sent", requirement="VL-LIB-025"
        )
    judge(ctx, got, required=ctx.positions(VT), who=cast.finance, requirement="VL-LIB-025")


@requirement("VL-LIB-025", "EV-SEAL-004", profiles={"2.0"}, needs=["server_stamping"])
def sign_stamp_by_nos_and_send_verifies(ctx: Ctx) -> None:
    """signStampByNosAndSend stamps, sends and answers a Map; the stamps verify at the reader."""
    cast = Cast.of(ctx)
    v = ctx.voucher(VT)
    xml = positions_xml(cast.finance, *ctx.positions(VT))
    why = "stamp and send in one call"
    _stamped_and_sent(ctx, "signStampByNosAndSend", v, xml, by=cast.finance, reader=cast.pboc, why=why)


@requirement("VL-LIB-025", "EV-SEAL-004", needs=["server_stamping"])
def write_voucher_verifies(ctx: Ctx) -> None:
    """writeVoucher fills every position of the caller, sends, and the stamps verify at the reader."""
    cast = Cast.of(ctx)
    why = "writeVoucher of an unstamped voucher"
    _stamped_and_sent(ctx, "writeVoucher", ctx.voucher(VT), by=cast.finance, reader=cast.pboc, why=why)


def _signed_3208(ctx: Ctx, cast: Cast) -> tuple:
    v = ctx.voucher(SIGNED_VT)
    return v, positions_xml(cast.pboc, *ctx.positions(SIGNED_VT))


@requirement("VL-LIB-025", "EV-SEAL-027", "EV-PKI-024", needs=["server_stamping"])
def sign_by_nos_verifies(ctx: Ctx) -> None:
    """Signatures made by signByNos (签名 positions) verify independently at the reader."""
    cast = Cast.of(ctx)
    v, xml = _signed_3208(ctx, cast)
    call = ctx.client(cast.pboc).sign_by_nos
    ctx.accepts(call, *mof_args(ctx, v, xml), why="server signatures at the PBoC's 签名 positions")
    send(ctx, cast.pboc, cast.finance, v)
    _verified(ctx, v, by=cast.pboc, reader=cast.finance)


@requirement("VL-LIB-025", "EV-SEAL-027", profiles={"2.0"}, needs=["server_stamping"])
def sign_by_nos_and_send_verifies(ctx: Ctx) -> None:
    """signByNosAndSend signs and sends; the signatures verify at the reader."""
    cast = Cast.of(ctx)
    v, xml = _signed_3208(ctx, cast)
    why = "sign and send in one call"
    _stamped_and_sent(ctx, "signByNosAndSend", v, xml, by=cast.pboc, reader=cast.finance, why=why)


@requirement("VL-LIB-025", "VL-WIRE-012", profiles={"2.0"}, needs=["server_stamping"])
def save_and_send_voucher_verifies(ctx: Ctx) -> None:
    """saveAndSendVoucher fills the 签名 positions, sends, answers a Map; the signatures verify."""
    cast = Cast.of(ctx)
    v, _ = _signed_3208(ctx, cast)
    why = "saveAndSendVoucher of a 3208"
    _stamped_and_sent(ctx, "saveAndSendVoucher", v, by=cast.pboc, reader=cast.finance, why=why)


@requirement("VL-LIB-026", "EV-SEAL-027", needs=["server_stamping"])
def sign_without_position(ctx: Ctx) -> None:
    """signWithoutPosition returns the MOF with a verifying signature at qm, and stores nothing."""
    cast = Cast.of(ctx)
    v = ctx.voucher(VT)
    data = ctx.accepts(
        ctx.client(cast.finance).sign_without_position, *mof_args(ctx, v), why="signWithoutPosition"
    )
    [got] = parse_mof(data)
    if got.voucher != v.raw or [s.position for s in got.stamps] != ["qm"]:
        raise WrongAnswer(
            operation="signWithoutPosition",
            expected="the same voucher with one signature at qm",
            got=[s.position for s in got.stamps],
            requirement="VL-LIB-026",
        )
    judge(ctx, got, required=("qm",), who=cast.finance, requirement="VL-LIB-026")
    expect_status(
        ctx,
        cast.finance,
        VT,
        v.voucher_no,
        "001",
        -1,
        when="after signWithoutPosition",
        requirement="VL-LIB-026",
    )


# ---------------------------------------------------------------- stamps on arrival, refused


@requirement("VL-LIB-030", "VL-WIRE-033", needs=["server_stamping"])
def stamping_twice_is_idempotent(ctx: Ctx) -> None:
    """Stamping a stamped position again answers 位置已签章 (or plain success) and changes nothing."""
    cast = Cast.of(ctx)
    v = ctx.voucher(VT)
    xml = positions_xml(cast.finance, *ctx.positions(VT))
    client = ctx.client(cast.finance)
    ctx.accepts(client.sign_stamp_by_nos, *mof_args(ctx, v, xml), why="stamping")
    ctx.accepts(client.sign_stamp_by_nos, *mof_args(ctx, v, xml), why="stamping again", idempotent_ok=True)
    send(ctx, cast.finance, cast.pboc, v)
    got = _received(ctx, cast.pboc, VT, v.voucher_no)
    if len(got.stamps) != len(ctx.positions(VT)):
        raise Failure(
            f"{len(got.stamps)} stamps after stamping twice, expected {len(ctx.positions(VT))}",
            requirement="VL-LIB-024",
        )


def _refused(ctx: Ctx, evs: str, call: Callable[..., Any], xml: str, why: str) -> None:
    """Server stamping (`call`) of a fresh voucher at the positions of `xml` is refused with `evs`."""
    ctx.refuses(evs, call, *mof_args(ctx, ctx.voucher(VT), xml), why=why)


@requirement("VL-LIB-025", needs=["server_stamping"])
def server_stamp_id_of_another_party(ctx: Ctx) -> None:
    """signStampByNos naming another party's certID in the position XML is refused with EVS112."""
    cast = Cast.of(ctx)
    xml = positions_xml(cast.pboc, ctx.positions(VT)[0])
    _refused(ctx, "EVS112", ctx.client(cast.finance).sign_stamp_by_nos, xml, "the PBoC's certID as stamp id")


@requirement("VL-LIB-025", needs=["server_stamping"])
def server_stamp_at_anothers_position(ctx: Ctx) -> None:
    """signStampByNos at another party's position is refused with EVS700."""
    cast = Cast.of(ctx)
    xml = positions_xml(cast.finance, ctx.positions(VT, 1)[0])
    why = "finance stamping the PBoC's receipt position"
    _refused(ctx, "EVS700", ctx.client(cast.finance).sign_stamp_by_nos, xml, why)


@requirement("VL-LIB-025", "EV-REG-015", needs=["server_stamping"])
def server_stamp_at_unknown_position(ctx: Ctx) -> None:
    """signStampByNos at a position the VtCode does not have is refused with EVS100."""
    cast = Cast.of(ctx)
    xml = positions_xml(cast.finance, "zz_nosuch")
    _refused(ctx, "EVS100", ctx.client(cast.finance).sign_stamp_by_nos, xml, "position zz_nosuch")


@requirement("VL-LIB-025", needs=["server_stamping"])
def sign_by_nos_at_stamp_position(ctx: Ctx) -> None:
    """signByNos at a 签章 position is refused with EVS700 (use signStampByNos)."""
    cast = Cast.of(ctx)
    xml = positions_xml(cast.finance, ctx.positions(VT)[0])
    _refused(ctx, "EVS700", ctx.client(cast.finance).sign_by_nos, xml, "signByNos at a 签章 position")
