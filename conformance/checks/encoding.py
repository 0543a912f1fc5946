"""Message structure and encodings: GBK and UTF-8 vouchers, MOF envelopes of 1, 100 and 101 bodies,
and the byte-exact round trip (the bytes a reader gets are the bytes the writer sent; stamps verify)."""

from __future__ import annotations

from conformance.catalogue import requirement
from conformance.context import Ctx, mof
from conformance.failures import Failure, WrongAnswer
from conformance.steps import VT, Cast, body, expect_status, mof_args, number_args, read, send, store
from evoucher.codec import MofBody, build_mof
from evoucher.stamp import verify_body


def _round_trip(ctx: Ctx, encoding: str) -> None:
    cast = Cast.of(ctx)
    v = ctx.voucher(VT, encoding=encoding)
    sent = store(ctx, cast.finance, v)
    send(ctx, cast.finance, cast.pboc, v)
    got = read(ctx, cast.pboc, VT, v.voucher_no)
    if got is None:
        raise WrongAnswer(
            operation="readVoucher", expected=f"the {encoding} voucher {v.voucher_no}", got="nothing"
        )
    if got.voucher != v.raw:
        raise Failure(
            f"the {encoding} voucher read back differs from the bytes sent "
            f"({len(got.voucher)} vs {len(v.raw)} bytes)",
            requirement="EV-CODEC-003",
        )
    if sorted((s.position, s.value) for s in got.stamps) != sorted(
        (s.position, s.value) for s in sent.stamps
    ):
        raise Failure("the stamps read back differ from the stamps stored", requirement="VL-LIB-043")
    reports = verify_body(got, trust_anchors=ctx.env.trust_anchors, crls=ctx.env.crls)
    bad = [f"{r.position}: {r.indication}" for r in reports if not r.passed]
    if bad:
        raise Failure(f"stamps no longer verify after the round trip: {bad}", requirement="EV-CODEC-003")
    ctx.accepts(ctx.client(cast.pboc).confirm_voucher, *number_args(ctx, v), why="sign for")


@requirement("EV-CODEC-001", "EV-CODEC-003", "VL-LIB-043")
def gbk_round_trip(ctx: Ctx) -> None:
    """A GBK voucher reaches its reader byte for byte, with its stamps intact and verifying."""
    _round_trip(ctx, "GBK")


@requirement("EV-CODEC-001", "EV-CODEC-003", "VL-LIB-043")
def utf8_round_trip(ctx: Ctx) -> None:
    """A UTF-8 voucher reaches its reader byte for byte, with its stamps intact and verifying."""
    _round_trip(ctx, "UTF-8")


def _stamped(ctx: Ctx) -> MofBody:
    """A new 5207 finance stamped at all its positions."""
    return ctx.stamped(ctx.party("finance"), body(ctx.voucher(VT)), *ctx.positions(VT))


def _bodies(ctx: Ctx, n: int) -> list[MofBody]:
    return [_stamped(ctx) for _ in range(n)]


def _refused(
    ctx: Ctx, evs: str | set[str], data: bytes, *, why: str, year: int | None = None, vt: str = VT
) -> None:
    """Finance's saveStampVoucher of `data` (under `vt` and the checks' stYear unless `year`) is refused."""
    call = ctx.client(ctx.party("finance")).save_stamp_voucher
    ctx.refuses(evs, call, ctx.adm, ctx.year if year is None else year, vt, data, why=why)


@requirement("EV-CODEC-009", "VL-LIB-020", "VL-STORE-010")
def hundred_bodies_accepted(ctx: Ctx) -> None:
    """A MOF of 100 bodies is accepted whole: every voucher is stored."""
    finance = ctx.party("finance")
    bodies = _bodies(ctx, 100)
    ctx.accepts(
        ctx.client(finance).save_stamp_voucher,
        ctx.adm,
        ctx.year,
        VT,
        build_mof(bodies),
        why="a MOF of 100 valid vouchers",
    )
    for b in (bodies[0], bodies[-1]):
        expect_status(ctx, finance, VT, b.voucher_no, "001", 13, when="stored from a 100-body MOF")


@requirement("EV-CODEC-009", "VL-LIB-020", "VL-LIB-062")
def hundred_and_one_bodies_refused(ctx: Ctx) -> None:
    """A MOF of 101 bodies is refused with EVS100, and none of its vouchers is stored."""
    finance = ctx.party("finance")
    bodies = _bodies(ctx, 101)
    head = build_mof(bodies[:100])
    extra = build_mof(bodies[100:])
    start = extra.index(b"<VoucherBody")
    data = head.replace(b"<VoucherCount>100</VoucherCount>", b"<VoucherCount>101</VoucherCount>", 1)
    data = data[: data.rindex(b"</MOF>")] + extra[start : extra.rindex(b"</MOF>")] + b"</MOF>"
    _refused(ctx, "EVS100", data, why="a MOF of 101 bodies")
    expect_status(
        ctx,
        finance,
        VT,
        bodies[0].voucher_no,
        "001",
        -1,
        when="after a refused 101-body MOF",
        requirement="VL-LIB-062",
    )


@requirement("VL-LIB-020", "VL-LIB-062", "VL-STORE-010")
def one_bad_body_refuses_all(ctx: Ctx) -> None:
    """One invalid body among valid ones refuses the call (EVS100), and nothing of it is stored."""
    finance = ctx.party("finance")
    good = _stamped(ctx)
    bad_voucher = ctx.voucher(VT)
    bad = body(bad_voucher)
    from evoucher.codec import parse_voucher, with_fields

    broken = parse_voucher(with_fields(bad_voucher, {"PayAmt": "12.3"}))
    bad = MofBody.of(broken)
    _refused(ctx, {"EVS100", "EVS700"}, mof(good, bad), why="a MOF whose second voucher has PayAmt 12.3")
    expect_status(
        ctx,
        finance,
        VT,
        good.voucher_no,
        "001",
        -1,
        when="after its MOF was refused",
        requirement="VL-LIB-062",
    )


@requirement("VL-LIB-020", "EV-CODEC-008")
def body_year_differs_from_argument(ctx: Ctx) -> None:
    """A body whose StYear differs from the stYear argument is refused with EVS100."""
    b = _stamped(ctx)
    _refused(
        ctx,
        {"EVS100", "EVS103"},
        mof(b),
        why=f"a {ctx.year} voucher under stYear {ctx.year - 1}",
        year=ctx.year - 1,
    )


@requirement("VL-LIB-020", "EV-CODEC-008")
def body_vt_code_differs_from_argument(ctx: Ctx) -> None:
    """A body whose VtCode differs from the vtCode argument is refused with EVS100."""
    b = _stamped(ctx)
    _refused(ctx, "EVS100", mof(b), why="a 5207 body under vtCode 5201", vt="5201")


@requirement("VL-LIB-020")
def same_voucher_twice_in_one_mof(ctx: Ctx) -> None:
    """The same voucher twice in one MOF is refused with EVS100."""
    b = _stamped(ctx)
    _refused(ctx, "EVS100", mof(b, b), why="one voucher twice in a MOF")


@requirement("VL-LIB-020", "VL-WIRE-005", "EV-CODEC-009")
def empty_mof_refused(ctx: Ctx) -> None:
    """A MOF with no body is refused (EVS111 or EVS100)."""
    data = b'<?xml version="1.0" encoding="GBK"?>\n<MOF><VoucherCount>0</VoucherCount></MOF>'
    _refused(ctx, {"EVS111", "EVS100"}, data, why="a MOF of no body")


@requirement("VL-LIB-024", "VL-STORE-003", "VL-STORE-004")
def same_bytes_again_change_nothing(ctx: Ctx) -> None:
    """Storing the same stamped voucher again is a plain (or idempotent) success and keeps it a draft."""
    finance = ctx.party("finance")
    v = ctx.voucher(VT)
    stamped = store(ctx, finance, v)
    call = ctx.client(finance).save_stamp_voucher
    ctx.accepts(call, *mof_args(ctx, stamped), why="the same stamped voucher again", idempotent_ok=True)
    expect_status(ctx, finance, VT, v.voucher_no, "001", 13, when="stored twice")
