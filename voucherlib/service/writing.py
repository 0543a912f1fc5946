"""Writing vouchers and receipts: store what the client stamped, or have the server stamp and send.

Every write goes through `store_bodies`: each checked body becomes the next version of its
document, or — when its bytes are the latest version's — only adds the stamps the library does not
have yet, so stamping position by position (ITFE calls signStampByNos once per stamp type) keeps
every earlier stamp. Sending in the same call happens in the same transaction (VL-LIB-020, VL-LIB-024).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from evoucher.registry import StampPosition
from voucherlib.service.call import Call
from voucherlib.service.incoming import Incoming, receive
from voucherlib.service.seals import server_stamp
from voucherlib.store import Operations, Org, Outcome, Stamp, VoucherKey


def keep(call: Call, ops: Operations, incoming: Incoming, made: Sequence[Stamp]) -> list[Outcome]:
    """Store one body (`Operations.keep`: new bytes are a new version with the carried stamps, the
    latest bytes again only add stamps), then the server's own stamps on it."""
    key, actor, op = incoming.key, call.actor, call.operation
    outcomes = ops.keep(
        actor, key, incoming.body.voucher, positions=tuple(incoming.positions), stamps=incoming.carried,
        operation=op,
    )  # fmt: skip
    return outcomes + [ops.stamp(actor, key, stamp, operation=op) for stamp in made]


def plan_stamps(
    call: Call, incoming: Iterable[Incoming], choose: Callable[[Incoming], Iterable[StampPosition]]
) -> dict[VoucherKey, list[Stamp]]:
    """The server's stamps for each body, at the chosen positions the body does not carry yet."""
    plan = {}
    for inc in incoming:
        body, made = inc.body, []
        carried = {s.position for s in inc.carried}
        for position in choose(inc):
            if position.id not in carried:
                body, record = server_stamp(call, body, position, key=inc.key)
                made.append(record)
        plan[inc.key] = made
    return plan


def store_bodies(
    call: Call,
    incoming: Sequence[Incoming],
    made: Mapping[VoucherKey, Sequence[Stamp]],
    *,
    dest: Org | None = None,
) -> list[Outcome]:
    """Keep every body (and send them all to `dest`) in one transaction; settle pure repeats."""

    def work(ops: Operations) -> list[Outcome]:
        outcomes = [o for inc in incoming for o in keep(call, ops, inc, made.get(inc.key, ()))]
        if dest is not None:
            outcomes += ops.send(
                call.actor, [inc.key.ref for inc in incoming], dest, operation=call.operation
            )
        return outcomes

    outcomes = call.write(work)
    call.settle(outcomes, f"{call.operation} repeated")
    return outcomes


def statuses(call: Call, incoming: Sequence[Incoming], dec_org_type: str) -> dict[str, Any]:
    """The Map answer of the write-and-send operations: VoucherNo -> [status code, text] at decOrgType."""
    refs = [inc.key.ref for inc in incoming]
    found = call.read(lambda q: q.status(call.org, refs, dest_type=dec_org_type))
    return {s.ref.voucher_no: [s.code, s.text] for s in found}


def save_stamp_voucher(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str, voucher_message: bytes
) -> None:
    """saveStampVoucher / saveSignVoucher: store a MOF stamped or signed by the client (OCX)."""
    incoming = receive(call, voucher_message, adm_div_code, st_year, vt_code)
    store_bodies(call, incoming, {})


def _write_and_send(
    call: Call,
    where: tuple[str, int, str],
    voucher_message: bytes,
    src_org_type: str,
    dec_org_type: str,
    choose: Callable[[Incoming], Iterable[StampPosition]],
) -> dict[str, Any]:
    vt = call.scope(*where)
    call.check_src(src_org_type)
    dest = call.recipient(vt, where[0], dec_org_type)
    incoming = receive(call, voucher_message, *where)
    store_bodies(call, incoming, plan_stamps(call, incoming, choose), dest=dest)
    return statuses(call, incoming, dec_org_type)


def write_voucher(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str, voucher_message: bytes,
    src_org_type: str, dec_org_type: str,
) -> dict[str, Any]:  # fmt: skip
    """writeVoucher: the server fills every position of the caller still empty, then sends (不建议使用)."""
    return _write_and_send(
        call, (adm_div_code, st_year, vt_code), voucher_message, src_org_type, dec_org_type,
        lambda inc: inc.positions.values(),
    )  # fmt: skip


def save_and_send_voucher(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str, voucher_message: bytes,
    src_org_type: str, dec_org_type: str,
) -> dict[str, Any]:  # fmt: skip
    """saveAndSendVoucher: the server signs the caller's 签名 positions; stamps must come with the MOF."""
    return _write_and_send(
        call, (adm_div_code, st_year, vt_code), voucher_message, src_org_type, dec_org_type,
        lambda inc: [p for p in inc.positions.values() if p.kind == "sign"],
    )  # fmt: skip


def discard_voucher(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str, voucher_nos: list[str]
) -> None:
    """discardVoucher: void (作废) the caller's own documents; discarding twice changes nothing."""
    call.scope(adm_div_code, st_year, vt_code)
    refs = call.refs(adm_div_code, st_year, vt_code, voucher_nos)
    call.settle(call.write(lambda ops: ops.discard(call.actor, refs, operation=call.operation)), "discarded")


OPERATIONS = {
    "saveStampVoucher": save_stamp_voucher,
    "saveSignVoucher": save_stamp_voucher,
    "writeVoucher": write_voucher,
    "saveAndSendVoucher": save_and_send_voucher,
    "discardVoucher": discard_voucher,
}
