"""The amount of each document, kept beside the store for the console's list and its amount filter.

The store keeps a voucher's bytes, not its fields; parsing a million bodies to filter by amount
is out of the question. So the console keeps one row per document in `console_amounts`: the
header total the registry names for its type (`VoucherType.total`, e.g. PayAmt or AllAmt) in fen,
taken from its latest bytes. The table follows the audit trail: every operation that stored new
bytes is audited with their SM3 (`"sm3"` in its detail), so `catch_up` reads the entries after the
last one it saw (`meta.console_amounts_seq`) and re-reads those documents. Types without a total
have no row; the amount filter leaves them out.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from evoucher import registry
from evoucher.codec import parse_voucher
from evoucher.errors import EvoucherError
from voucherlib.store._dialect import WHERE_KEY, key_params
from voucherlib.store.base import VoucherKey
from voucherlib.store.queries import Queries
from voucherlib.store.schema import KEY, KEY_COLS

SEEN = "console_amounts_seq"
BATCH = 5000  # audit entries per catch-up step


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


def behind(q: Queries) -> bool:
    """Has the audit trail moved past what the table has seen? (a read: no write when it has not)"""
    row = q.tx.run("SELECT value FROM meta WHERE name=?", (SEEN,)).fetchone()
    return row is None or int(row[0]) < q.audit_head()[0]


def catch_up(q: Queries) -> int:
    """Bring the table up to the audit head, BATCH entries at a time; returns the documents re-read."""
    seen = int(q.tx.run("SELECT value FROM meta WHERE name=?", (SEEN,)).fetchone()[0])
    head, read = q.audit_head()[0], 0
    while seen < head:
        rows = q.tx.run(
            "SELECT seq, voucher FROM audit WHERE seq > ? AND detail LIKE ? ORDER BY seq LIMIT ?",
            (seen, '%"sm3":%', BATCH),
        ).fetchall()
        for text in dict.fromkeys(r[1] for r in rows):
            read += _refresh(q, VoucherKey.parse(text))
        seen = rows[-1][0] if len(rows) == BATCH else head
    q.tx.run("UPDATE meta SET value=? WHERE name=?", (str(seen), SEEN))
    return read


def _refresh(q: Queries, key: VoucherKey) -> int:
    version = q.version(key)
    amount = amount_of(version.body, key.vt_code) if version else None
    q.tx.run(f"DELETE FROM console_amounts WHERE {WHERE_KEY}", key_params(key))
    if amount is not None:
        q.tx.run(
            f"INSERT INTO console_amounts ({KEY_COLS}, amount_fen) VALUES (?, ?, ?, ?, ?, ?)",
            (*key_params(key), amount),
        )
    return 1


def amount(q: Queries, key: VoucherKey) -> int | None:
    row = q.tx.run(f"SELECT amount_fen FROM console_amounts WHERE {WHERE_KEY}", key_params(key)).fetchone()
    return None if row is None else int(row[0])
