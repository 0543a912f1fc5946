"""Steps the checks share, each a few SOAP calls as a party would make them: write, send, read, answer.

Vouchers are stamped client-side (saveStampVoucher, as the OCX does) unless a check is about
server stamps, so the steps work against any library, whatever it declares about server stamping.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.context import Ctx, mof
from conformance.failures import WrongAnswer, WrongStatus
from evoucher.codec import MofBody, Voucher, build_stamp_positions, parse_mof, parse_voucher, with_fields
from evoucher.pki import Party
from mocks import VoucherLibraryClient

VT = "5207"  # 实拨: finance -> PBoC, receipt back; the simplest full round trip


@dataclass
class Cast:
    finance: Party
    pboc: Party
    bank: Party
    unit: Party

    @classmethod
    def of(cls, ctx: Ctx) -> Cast:
        return cls(ctx.party("finance"), ctx.party("pboc"), ctx.party("agent_bank"), ctx.party("budget_unit"))


def body(v: Voucher, flag: int = 0) -> MofBody:
    return MofBody.of(v, voucher_flag=flag)


def mof_args(ctx: Ctx, b: MofBody | Voucher, *more: Any) -> tuple:
    """What an operation on a message begins with: admDivCode, stYear, vtCode, the MOF of `b`; then `more`."""
    return (ctx.adm, ctx.year, b.vt_code, mof(b if isinstance(b, MofBody) else body(b)), *more)


def number_args(ctx: Ctx, v: Voucher | MofBody, *more: Any) -> tuple:
    """What an operation on voucher numbers begins with: admDivCode, stYear, vtCode, [voucherNo], `more`."""
    return (ctx.adm, ctx.year, v.vt_code, [v.voucher_no], *more)


def send_args(ctx: Ctx, v: Voucher, src: str, dec: str) -> tuple:
    """sendVoucher's arguments: admDivCode, srcOrgType, decOrgType, stYear, vtCode, [voucherNo]."""
    return (ctx.adm, src, dec, ctx.year, v.vt_code, [v.voucher_no])


def store(
    ctx: Ctx,
    who: Party,
    v: Voucher,
    flag: int = 0,
    *,
    positions: tuple[str, ...] | None = None,
    failed: bool = False,
) -> MofBody:
    """`who` stores `v` stamped client-side at `positions` (default: all of its side) by saveStampVoucher."""
    wanted = ctx.positions(v.vt_code, flag, failed=failed) if positions is None else positions
    stamped = ctx.stamped(who, body(v, flag), *wanted)
    ctx.accepts(
        ctx.client(who).save_stamp_voucher,
        *mof_args(ctx, stamped),
        why=f"a valid {v.vt_code} stamped at {', '.join(wanted)}",
    )
    return stamped


def send(ctx: Ctx, who: Party, to: Party, v: Voucher, *, full: bool = False) -> None:
    client = ctx.client(who)
    call = client.send_voucher_full_signs if full else client.send_voucher
    args = send_args(ctx, v, who.org_type, to.org_type)
    ctx.accepts(call, *args, why=f"sending the complete {v.vt_code} {v.voucher_no}")


def written_and_sent(ctx: Ctx, cast: Cast, vt: str = VT, **fields: str) -> Voucher:
    """Finance stores a complete voucher and sends it to the PBoC."""
    v = ctx.voucher(vt, **fields)
    store(ctx, cast.finance, v)
    send(ctx, cast.finance, cast.pboc, v)
    return v


def read(
    ctx: Ctx, who: Party, vt: str, voucher_no: str, *, again: bool = False, rounds: int = 20
) -> MofBody | None:
    """The body of `voucher_no` among what `who` reads (readVoucher, or readVoucherAgain), or None."""
    client = ctx.client(who)
    call = client.read_voucher_again if again else client.read_voucher
    for _ in range(rounds if not again else 1):
        data = ctx.accepts(call, ctx.adm, ctx.year, vt, 100, why="reading what is addressed to the caller")
        bodies = parse_mof(data) if data else []
        found = next((b for b in bodies if b.voucher_no == voucher_no), None)
        if found is not None or not bodies:
            return found
    return None


def signed_for(ctx: Ctx, cast: Cast, vt: str = VT, **fields: str) -> tuple[Voucher, MofBody]:
    """written_and_sent, then the PBoC reads and confirms it."""
    v = written_and_sent(ctx, cast, vt, **fields)
    got = read(ctx, cast.pboc, vt, v.voucher_no)
    if got is None:
        raise WrongAnswer(
            operation="readVoucher",
            expected=f"the sent voucher {v.voucher_no}",
            got="nothing",
            requirement="VL-STORE-008",
        )
    ctx.accepts(
        ctx.client(cast.pboc).confirm_voucher, *number_args(ctx, v), why="signing for a voucher just read"
    )
    return v, got


def receipt_of(v: Voucher) -> Voucher:
    """The PBoC's receipt of a 5207: the voucher with its X fields filled (paid in full)."""
    header = v.header
    filled = {
        "XPayAmt": header["PayAmt"],
        "XPayDate": header.get("VouDate", ""),
        "XAgentBusinessNo": "TCBS0001",
    }
    return parse_voucher(with_fields(v, filled))


def receipt_sent(ctx: Ctx, cast: Cast) -> tuple[Voucher, Voucher]:
    """signed_for, then the PBoC stores its stamped receipt and sends it back to finance."""
    v, _ = signed_for(ctx, cast)
    receipt = receipt_of(v)
    store(ctx, cast.pboc, receipt, 1)
    send(ctx, cast.pboc, cast.finance, receipt)
    return v, receipt


def status(ctx: Ctx, client: VoucherLibraryClient, vt: str, voucher_no: str, dec: str) -> int:
    answer = ctx.accepts(
        client.query_voucher_status_by_org_type,
        ctx.adm,
        ctx.year,
        vt,
        [voucher_no],
        dec,
        why="a status query",
    )
    if voucher_no not in answer:
        raise WrongAnswer(
            operation="queryVoucherStatusByOrgType",
            expected=f"a status for {voucher_no}",
            got=answer,
            requirement="VL-WIRE-004",
        )
    return answer[voucher_no][0]


def expect_status(
    ctx: Ctx,
    who: Party,
    vt: str,
    voucher_no: str,
    dec: str,
    expected: int | set[int],
    *,
    when: str,
    requirement: str = "VL-LIB-035",
) -> None:
    got = status(ctx, ctx.client(who), vt, voucher_no, dec)
    if got != expected and not (isinstance(expected, set) and got in expected):
        raise WrongStatus(
            voucher_no=voucher_no,
            operation="queryVoucherStatusByOrgType",
            expected=expected,
            got=got,
            when=when,
            requirement=requirement,
        )


def positions_xml(who: Party, *positions: str) -> str:
    return build_stamp_positions({p: who.cert_id for p in positions}).decode("gbk")
