"""Parties and short flows the store tests share (real store calls, nothing faked)."""

from __future__ import annotations

from voucherlib.store import Actor, Org, Stamp, Store, VoucherKey

FINANCE = Actor("fin-cert-01", Org("011"))
PBOC = Actor("pbc-cert-01", Org("001"))
BANK = Actor("bank-cert-01", Org("102", "102331000007"))
POSITIONS = ("cz_gz", "cz_sz")
KEY = VoucherKey("330100", 2024, "5207", "SB0001", 0)


def seal(position: str, cert: str = "seal-cert") -> Stamp:
    return Stamp(position, "stamp", cert, f"SES_Signature@{position}".encode())


def write_stamped(
    store: Store, key: VoucherKey = KEY, *, owner: Actor = FINANCE, body: bytes = b"<Voucher/>"
):
    """Save a voucher and stamp every position (versions 1..3)."""
    store.atomic(lambda ops: ops.save(owner, key, body, positions=POSITIONS))
    for position in POSITIONS:
        store.atomic(lambda ops, p=position: ops.stamp(owner, key, seal(p)))


def sent(store: Store, key: VoucherKey = KEY, *, owner: Actor = FINANCE, to: Actor = PBOC) -> None:
    write_stamped(store, key, owner=owner)
    store.atomic(lambda ops: ops.send(owner, [key.ref], to.org))


def signed_for(store: Store, key: VoucherKey = KEY, *, owner: Actor = FINANCE, to: Actor = PBOC) -> None:
    sent(store, key, owner=owner, to=to)
    store.atomic(lambda ops: ops.read(to, key.adm_div_code, key.st_year, key.vt_code))
    store.atomic(lambda ops: ops.confirm(to, [key.ref]))


def code(store: Store, who: Actor, key: VoucherKey = KEY, **kw) -> int:
    return store.query(lambda q: q.status(who.org, [key.ref], **kw))[0].code
