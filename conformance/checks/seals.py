"""Seals and signatures: stamps the target makes verify independently (evoucher's verifier, the
environment's CA and CRLs, the right position, seal type and seal version), and stamps that are
tampered, moved, of the wrong kind or holder, or missing are refused (VL-LIB-023, EVS700)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from conformance.catalogue import requirement
from conformance.context import SEAL_VERSION, Ctx, mof
from conformance.failures import Failure, Skipped, StampInvalid, WrongAnswer
from conformance.steps import (
    VT,
    Cast,
    body,
    expect_status,
    positions_xml,
    read,
    receipt_of,
    send,
    signed_for,
    store,
)
from evoucher.codec import MofBody, Stamp, parse_mof
from evoucher.pki import Party
from evoucher.seal.create import make_signature
from evoucher.stamp import body_property_info, verify_body

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


@requirement("VL-LIB-025", "EV-SEAL-004", "EV-PKI-021", "EV-PKI-025", needs=["server_stamping"])
def sign_stamp_by_nos_verifies(ctx: Ctx) -> None:
    """Stamps made by signStampByNos verify independently: position, seal type and seal version."""
    cast = Cast.of(ctx)
    v = ctx.voucher(VT)
    xml = positions_xml(cast.finance, *ctx.positions(VT))
    ctx.accepts(
        ctx.client(cast.finance).sign_stamp_by_nos,
        ctx.adm,
        ctx.year,
        VT,
        mof(body(v)),
        xml,
        why="server stamping at finance's positions",
    )
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
    answer = ctx.accepts(
        ctx.client(cast.finance).sign_stamp_by_nos_and_send,
        ctx.adm,
        ctx.year,
        VT,
        mof(body(v)),
        xml,
        "011",
        "001",
        why="stamp and send in one call",
    )
    if not isinstance(answer, dict):
        raise WrongAnswer(
            operation="signStampByNosAndSend", expected="a Map", got=answer, requirement="VL-WIRE-004"
        )
    judge(
        ctx,
        _received(ctx, cast.pboc, VT, v.voucher_no),
        required=ctx.positions(VT),
        who=cast.finance,
        requirement="VL-LIB-025",
    )


@requirement("VL-LIB-025", "EV-SEAL-004", needs=["server_stamping"])
def write_voucher_verifies(ctx: Ctx) -> None:
    """writeVoucher fills every position of the caller, sends, and the stamps verify at the reader."""
    cast = Cast.of(ctx)
    v = ctx.voucher(VT)
    answer = ctx.accepts(
        ctx.client(cast.finance).write_voucher,
        ctx.adm,
        ctx.year,
        VT,
        mof(body(v)),
        "011",
        "001",
        why="writeVoucher of an unstamped voucher",
    )
    if not isinstance(answer, dict):
        raise WrongAnswer(operation="writeVoucher", expected="a Map", got=answer, requirement="VL-WIRE-004")
    judge(
        ctx,
        _received(ctx, cast.pboc, VT, v.voucher_no),
        required=ctx.positions(VT),
        who=cast.finance,
        requirement="VL-LIB-025",
    )


def _signed_3208(ctx: Ctx, cast: Cast) -> tuple:
    v = ctx.voucher(SIGNED_VT)
    return v, positions_xml(cast.pboc, *ctx.positions(SIGNED_VT))


@requirement("VL-LIB-025", "EV-SEAL-027", "EV-PKI-024", needs=["server_stamping"])
def sign_by_nos_verifies(ctx: Ctx) -> None:
    """Signatures made by signByNos (签名 positions) verify independently at the reader."""
    cast = Cast.of(ctx)
    v, xml = _signed_3208(ctx, cast)
    ctx.accepts(
        ctx.client(cast.pboc).sign_by_nos,
        ctx.adm,
        ctx.year,
        SIGNED_VT,
        mof(body(v)),
        xml,
        why="server signatures at the PBoC's 签名 positions",
    )
    send(ctx, cast.pboc, cast.finance, v)
    judge(
        ctx,
        _received(ctx, cast.finance, SIGNED_VT, v.voucher_no),
        required=ctx.positions(SIGNED_VT),
        who=cast.pboc,
        requirement="VL-LIB-025",
    )


@requirement("VL-LIB-025", "EV-SEAL-027", profiles={"2.0"}, needs=["server_stamping"])
def sign_by_nos_and_send_verifies(ctx: Ctx) -> None:
    """signByNosAndSend signs and sends; the signatures verify at the reader."""
    cast = Cast.of(ctx)
    v, xml = _signed_3208(ctx, cast)
    ctx.accepts(
        ctx.client(cast.pboc).sign_by_nos_and_send,
        ctx.adm,
        ctx.year,
        SIGNED_VT,
        mof(body(v)),
        xml,
        "001",
        "011",
        why="sign and send in one call",
    )
    judge(
        ctx,
        _received(ctx, cast.finance, SIGNED_VT, v.voucher_no),
        required=ctx.positions(SIGNED_VT),
        who=cast.pboc,
        requirement="VL-LIB-025",
    )


@requirement("VL-LIB-025", "VL-WIRE-012", profiles={"2.0"}, needs=["server_stamping"])
def save_and_send_voucher_verifies(ctx: Ctx) -> None:
    """saveAndSendVoucher fills the 签名 positions, sends, answers a Map; the signatures verify."""
    cast = Cast.of(ctx)
    v, _ = _signed_3208(ctx, cast)
    answer = ctx.accepts(
        ctx.client(cast.pboc).save_and_send_voucher,
        ctx.adm,
        ctx.year,
        SIGNED_VT,
        mof(body(v)),
        "001",
        "011",
        why="saveAndSendVoucher of a 3208",
    )
    if not isinstance(answer, dict):
        raise WrongAnswer(
            operation="saveAndSendVoucher", expected="a Map", got=answer, requirement="VL-WIRE-004"
        )
    judge(
        ctx,
        _received(ctx, cast.finance, SIGNED_VT, v.voucher_no),
        required=ctx.positions(SIGNED_VT),
        who=cast.pboc,
        requirement="VL-LIB-025",
    )


@requirement("VL-LIB-026", "EV-SEAL-027", needs=["server_stamping"])
def sign_without_position(ctx: Ctx) -> None:
    """signWithoutPosition returns the MOF with a verifying signature at qm, and stores nothing."""
    cast = Cast.of(ctx)
    v = ctx.voucher(VT)
    data = ctx.accepts(
        ctx.client(cast.finance).sign_without_position,
        ctx.adm,
        ctx.year,
        VT,
        mof(body(v)),
        why="signWithoutPosition",
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


def _refused_stamps(ctx: Ctx, who: Party, b: MofBody, why: str, requirement: str = "VL-LIB-023") -> None:
    fault = ctx.refuses(
        "EVS700",
        ctx.client(who).save_stamp_voucher,
        ctx.adm,
        ctx.year,
        b.vt_code,
        mof(b),
        why=why,
        requirement=requirement,
    )
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


@requirement("VL-LIB-023", "EV-SEAL-012", "EV-PKI-026")
def wrong_seal_type_refused(ctx: Ctx) -> None:
    """The party's 公章 at its 转讫章 position (WRONG_SEAL_TYPE) is refused with EVS700."""
    cast = Cast.of(ctx)
    receipt, _ = _receipt_stamps(ctx, cast)
    zqz = next(p for p in ctx.env.positions_for(VT, 1) if p.stamp_type == "zqz")
    gz_seal = cast.pboc.seal("gz", SEAL_VERSION[ctx.profile])
    value = make_signature(
        gz_seal,
        cast.pboc.org.key,
        cast.pboc.org.cert,
        receipt.voucher,
        body_property_info(receipt, zqz.id),
        at=datetime.now(UTC),
    )
    others = ctx.stamped(cast.pboc, receipt, *(p for p in ctx.positions(VT, 1) if p != zqz.id)).stamps
    stamps = (Stamp(zqz.id, "stamp", value), *others)
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
    position = ctx.positions(SIGNED_VT)[0]
    seal = cast.pboc.seal("gz", SEAL_VERSION[ctx.profile])
    value = make_signature(
        seal,
        cast.pboc.org.key,
        cast.pboc.org.cert,
        b.voucher,
        body_property_info(b, position),
        at=datetime.now(UTC),
    )
    _refused_stamps(
        ctx,
        cast.pboc,
        dataclasses.replace(b, stamps=(Stamp(position, "stamp", value),)),
        "a 签章 at a 签名 position",
    )


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
    ctx.refuses(
        "EVS700",
        ctx.client(cast.finance).send_voucher,
        ctx.adm,
        "011",
        "001",
        ctx.year,
        VT,
        [v.voucher_no],
        why="sending a voucher with one of three stamps",
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
    ctx.refuses(
        "EVS700",
        ctx.client(cast.finance).send_voucher,
        ctx.adm,
        "011",
        "001",
        ctx.year,
        VT,
        [v.voucher_no],
        why=f"sending after cancelling {position}",
    )


@requirement("VL-LIB-030", "VL-WIRE-033", needs=["server_stamping"])
def stamping_twice_is_idempotent(ctx: Ctx) -> None:
    """Stamping a stamped position again answers 位置已签章 (or plain success) and changes nothing."""
    cast = Cast.of(ctx)
    v = ctx.voucher(VT)
    xml = positions_xml(cast.finance, *ctx.positions(VT))
    client = ctx.client(cast.finance)
    ctx.accepts(client.sign_stamp_by_nos, ctx.adm, ctx.year, VT, mof(body(v)), xml, why="stamping")
    ctx.accepts(
        client.sign_stamp_by_nos,
        ctx.adm,
        ctx.year,
        VT,
        mof(body(v)),
        xml,
        why="stamping again",
        idempotent_ok=True,
    )
    send(ctx, cast.finance, cast.pboc, v)
    got = _received(ctx, cast.pboc, VT, v.voucher_no)
    if len(got.stamps) != len(ctx.positions(VT)):
        raise Failure(
            f"{len(got.stamps)} stamps after stamping twice, expected {len(ctx.positions(VT))}",
            requirement="VL-LIB-024",
        )


@requirement("VL-LIB-025", needs=["server_stamping"])
def server_stamp_id_of_another_party(ctx: Ctx) -> None:
    """signStampByNos naming another party's certID in the position XML is refused with EVS112."""
    cast = Cast.of(ctx)
    xml = positions_xml(cast.pboc, ctx.positions(VT)[0])
    ctx.refuses(
        "EVS112",
        ctx.client(cast.finance).sign_stamp_by_nos,
        ctx.adm,
        ctx.year,
        VT,
        mof(body(ctx.voucher(VT))),
        xml,
        why="the PBoC's certID as stamp id",
    )


@requirement("VL-LIB-025", needs=["server_stamping"])
def server_stamp_at_anothers_position(ctx: Ctx) -> None:
    """signStampByNos at another party's position is refused with EVS700."""
    cast = Cast.of(ctx)
    xml = positions_xml(cast.finance, ctx.positions(VT, 1)[0])
    ctx.refuses(
        "EVS700",
        ctx.client(cast.finance).sign_stamp_by_nos,
        ctx.adm,
        ctx.year,
        VT,
        mof(body(ctx.voucher(VT))),
        xml,
        why="finance stamping the PBoC's receipt position",
    )


@requirement("VL-LIB-025", "EV-REG-015", needs=["server_stamping"])
def server_stamp_at_unknown_position(ctx: Ctx) -> None:
    """signStampByNos at a position the VtCode does not have is refused with EVS100."""
    cast = Cast.of(ctx)
    xml = positions_xml(cast.finance, "zz_nosuch")
    ctx.refuses(
        "EVS100",
        ctx.client(cast.finance).sign_stamp_by_nos,
        ctx.adm,
        ctx.year,
        VT,
        mof(body(ctx.voucher(VT))),
        xml,
        why="position zz_nosuch",
    )


@requirement("VL-LIB-025", needs=["server_stamping"])
def sign_by_nos_at_stamp_position(ctx: Ctx) -> None:
    """signByNos at a 签章 position is refused with EVS700 (use signStampByNos)."""
    cast = Cast.of(ctx)
    xml = positions_xml(cast.finance, ctx.positions(VT)[0])
    ctx.refuses(
        "EVS700",
        ctx.client(cast.finance).sign_by_nos,
        ctx.adm,
        ctx.year,
        VT,
        mof(body(ctx.voucher(VT))),
        xml,
        why="signByNos at a 签章 position",
    )
