"""The amount of each document, kept beside the store for the console's list and its amount filter.

The store keeps a voucher's bytes, not its fields; parsing a million bodies to filter by amount
is out of the question. So the console keeps one row per document in `console_amounts`: the
header total the registry names for its type (`VoucherType.total`, e.g. PayAmt or AllAmt) in fen,
taken from its latest bytes. The table follows the audit trail: every operation that stored new
bytes is audited with their SM3 (`"sm3"` in its detail), so `catch_up` reads the entries after the
last one it saw (`meta.console_amounts_seq`) and re-reads those documents, a batch at a time:
parsed on a read snapshot, written in a short transaction. Types without a total have no row; the
amount filter leaves them out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from evoucher import registry
from evoucher.codec import parse_voucher
from evoucher.errors import EvoucherError
from voucherlib.store._dialect import WHERE_KEY, key_params
from voucherlib.store.base import VoucherKey
from voucherlib.store.queries import Queries
from voucherlib.store.schema import KEY, KEY_COLS

SEEN = "console_amounts_seq"
BATCH = 500  # audit entries per catch-up step


def create(q: Queries) -> None:
    q.tx.run(
        f"CREATE TABLE IF NOT EXISTS console_amounts ({KEY}, amount_fen {q.tx.dialect.int_type} NOT NULL,"
        f" PRIMARY KEY ({KEY_COLS}))"
    )
    q.tx.run(f"INSERT INTO meta (name, value) VALUES ('{SEEN}', '0') ON CONFLICT (name) DO NOTHING")


def fen(text: str | Decimal | None) -> int | None:
    """An amount in fen (分), None when it is not an amount."""
    try:
        value = Decimal(text) * 100
    except (InvalidOperation, TypeError, ValueError):
        return None
    return int(value) if value == value.to_integral_value() else None


def amount_of(body: bytes, vt_code: str) -> int | None:
    """The header total of a voucher's bytes in fen; None for a type without one or unreadable bytes."""
    vt = registry.get(vt_code) if vt_code in registry.codes() else None
    if vt is None or vt.total is None:
        return None
    try:
        return fen(parse_voucher(body).header.get(vt.total[0]))
    except EvoucherError:
        return None


@dataclass(frozen=True)
class Batch:
    """Amounts read from a snapshot, to be written in a short transaction of their own."""

    seen: int  # the audit seq the table had seen when they were read
    upto: int  # the audit seq they bring it to
    amounts: tuple[tuple[VoucherKey, int | None], ...]


def pending(q: Queries, limit: int = BATCH) -> Batch | None:
    """The next `limit` audit entries' documents with their amounts (a read); None when up to date.

    Parsing happens here, on a read snapshot, so the write that follows holds the store's writer
    only for a few row updates, however many bodies had to be parsed."""
    row = q.tx.run("SELECT value FROM meta WHERE name=?", (SEEN,)).fetchone()
    seen, head = (int(row[0]) if row else 0), q.audit_head()[0]
    if seen >= head:
        return None
    rows = q.tx.run(
        "SELECT seq, voucher, detail LIKE ? FROM audit WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
        ('%"sm3":%', seen, head, limit),  # an operation that stored new bytes audits their SM3
    ).fetchall()
    upto = rows[-1][0] if len(rows) == limit else head
    keys = dict.fromkeys(VoucherKey.parse(r[1]) for r in rows if r[1] and r[2])
    found = []
    for key in keys:
        version = q.version(key)
        found.append((key, amount_of(version.body, key.vt_code) if version else None))
    return Batch(seen, upto, tuple(found))


def record(q: Queries, batch: Batch) -> bool:
    """Write `batch` unless another process moved the table on meanwhile; True when written."""
    row = q.tx.run(f"SELECT value FROM meta WHERE name=?{q.tx.dialect.lock}", (SEEN,)).fetchone()
    if row is None or int(row[0]) != batch.seen:
        return False
    for key, amount in batch.amounts:
        if amount is None:
            q.tx.run(f"DELETE FROM console_amounts WHERE {WHERE_KEY}", key_params(key))
        else:
            q.tx.run(
                f"INSERT INTO console_amounts ({KEY_COLS}, amount_fen) VALUES (?, ?, ?, ?, ?, ?)"
                f" ON CONFLICT ({KEY_COLS}) DO UPDATE SET amount_fen=excluded.amount_fen",
                (*key_params(key), amount),
            )
    q.tx.run("UPDATE meta SET value=? WHERE name=?", (str(batch.upto), SEEN))
    return True


def catch_up(store, *, seconds: float = 0.3, limit: int = BATCH) -> int:
    """Follow the audit trail for up to about `seconds` (a page must not wait for a long history:
    what is left is done at the next page); returns the documents re-read."""
    deadline, done = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        batch = store.query(lambda q: pending(q, limit))
        if batch is None:
            break
        if store.atomic(lambda ops, batch=batch: record(ops, batch)):
            done += len(batch.amounts)
    return done


def amount(q: Queries, key: VoucherKey) -> int | None:
    row = q.tx.run(f"SELECT amount_fen FROM console_amounts WHERE {WHERE_KEY}", key_params(key)).fetchone()
    return None if row is None else int(row[0])
