"""The SQL the store runs, written once for SQLite and PostgreSQL (see `_dialect`).

Reads that decide a write lock what they read (`lock=True`): the document row `FOR UPDATE` on
PostgreSQL, so a decision and the write that follows it happen under one lock.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import NamedTuple

from voucherlib.audit import GENESIS, AuditEntry
from voucherlib.store._dialect import WHERE_KEY, WHERE_REF, key_params
from voucherlib.store._sql_deliveries import DELIVERIES_OF, DeliverySql, delivery_of
from voucherlib.store.base import Delivery, Org, Stamp, Version, Voucher, VoucherKey, VoucherRef
from voucherlib.store.schema import KEY_COLS, MIGRATIONS, SCHEMA_VERSION, ddl

V_COLS = (
    f"{KEY_COLS}, owner_type, owner_id, positions, version, body_version, discarded, print_count,"
    " created_at, updated_at"
)
A_COLS = "seq, at, actor, org, operation, voucher, version, status_before, status_after, detail, hash"
LIVE_STAMP = "added_in <= ? AND (removed_in IS NULL OR removed_in > ?)"
SAME_DOC = " AND ".join(f"b.{c}=v.{c}" for c in KEY_COLS.split(", "))  # v: a version, b: its bytes
V_WHERE_KEY = "v." + WHERE_KEY.replace(" AND ", " AND v.")


class Document(NamedTuple):
    """A document as an operation decides on it (`SqlTx.document`)."""

    voucher: Voucher
    deliveries: list[Delivery]
    stamped: frozenset[str]  # positions stamped in the latest version
    body: bytes | None  # the latest bytes, when asked for


def _voucher(row: tuple) -> Voucher:
    positions = tuple(json.loads(row[7]))
    owner = Org(row[5], row[6])
    return Voucher(VoucherKey(*row[:5]), owner, positions, row[8], row[9], bool(row[10]), *row[11:14])


class SqlTx(DeliverySql):
    """One open transaction: typed reads and writes of the store's rows."""

    def create_schema(self) -> None:
        """Create the tables, or bring an older store's up to SCHEMA_VERSION."""
        found = self._schema_version()
        for statement in ddl(blob=self.dialect.blob, int_type=self.dialect.int_type):
            self.run(statement)
        while found in MIGRATIONS:
            for statement in MIGRATIONS[found]:
                self.run(statement)
            found = str(int(found) + 1)
        self.run(
            "INSERT INTO meta (name, value) VALUES ('schema', ?) ON CONFLICT (name) DO UPDATE"
            " SET value=excluded.value",
            (SCHEMA_VERSION,),
        )
        self.run("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, ?) ON CONFLICT DO NOTHING", (GENESIS,))

    def _schema_version(self) -> str | None:
        """The schema version of an existing store; None before its tables exist."""
        if self.run(self.dialect.table_exists, ("meta",)).fetchone() is None:
            return None
        row = self.run("SELECT value FROM meta WHERE name='schema'").fetchone()
        return row[0] if row else None

    # documents and versions
    def voucher(self, key: VoucherKey, *, lock: bool = False) -> Voucher | None:
        row = self.run(
            f"SELECT {V_COLS} FROM vouchers WHERE {WHERE_KEY}{self._lock(lock)}", key_params(key)
        ).fetchone()
        return _voucher(row) if row else None

    def document(self, key: VoucherKey, *, lock: bool = False, body: bool = False) -> Document | None:
        """The document with its deliveries, the positions stamped in its latest version and, with
        `body`, its latest bytes: what an operation decides on (locked: under the row's lock).

        Separate statements, not a join: under READ COMMITTED a locked row that another
        transaction changed is re-read, but a joined row is not; each later statement runs once
        the lock is held and sees what its holder committed. PostgreSQL's pipeline sends them all
        before waiting for any, so this is one round trip; SQLite, a statement at a time, asks the
        rest only of a document that exists.
        """
        params = key_params(key)
        doc = self.run(f"SELECT {V_COLS} FROM vouchers WHERE {WHERE_KEY}{self._lock(lock)}", params)
        if not self.dialect.pipelined and (row := doc.fetchone()) is None:
            return None
        deliveries = self.run(DELIVERIES_OF, params)
        stamped = self.run(
            f"WITH d AS (SELECT version FROM vouchers WHERE {WHERE_KEY}) SELECT position FROM stamps, d"
            f" WHERE {WHERE_KEY} AND {LIVE_STAMP.replace('?', 'd.version')}",
            params * 2,
        )
        data = body and self.run(
            f"SELECT body FROM versions WHERE {WHERE_KEY} AND version="
            f"(SELECT body_version FROM vouchers WHERE {WHERE_KEY})",
            params * 2,
        )
        if self.dialect.pipelined:
            row = doc.fetchone()
        found = (
            [delivery_of(r) for r in deliveries.fetchall()],
            frozenset(r[0] for r in stamped.fetchall()),
            bytes(data.fetchone()[0]) if data and row else None,
        )
        return Document(_voucher(row), *found) if row else None

    def vouchers_of(self, ref: VoucherRef, *, lock: bool = False) -> list[Voucher]:
        sql = f"SELECT {V_COLS} FROM vouchers WHERE {WHERE_REF} ORDER BY voucher_flag{self._lock(lock)}"
        return [_voucher(row) for row in self.run(sql, key_params(ref)).fetchall()]

    def put_voucher(self, v: Voucher) -> None:
        values = (v.owner.type, v.owner.id, json.dumps(list(v.positions)), v.version, v.body_version)
        self.run(
            f"INSERT INTO vouchers ({V_COLS}) VALUES ({', '.join('?' * 14)})"
            f" ON CONFLICT ({KEY_COLS}) DO UPDATE SET owner_type=excluded.owner_type,"
            " owner_id=excluded.owner_id, positions=excluded.positions,"
            " version=excluded.version, body_version=excluded.body_version, discarded=excluded.discarded,"
            " print_count=excluded.print_count,"
            " updated_at=excluded.updated_at",
            (*key_params(v.key), *values, int(v.discarded), v.print_count, v.created_at, v.updated_at),
        )

    def add_version(
        self,
        key: VoucherKey,
        version: int,
        body: bytes | None,
        body_version: int,
        change: str,
        actor: str,
        at: str,
    ) -> None:
        self.run(
            f"INSERT INTO versions ({KEY_COLS}, version, body_version, body, change, actor, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*key_params(key), version, body_version, body, change, actor, at),
        )

    def version(self, key: VoucherKey, version: int) -> Version | None:
        """One version's bytes and stamps (two statements sent together: one round trip)."""
        head = self.run(
            f"SELECT v.change, v.actor, v.at, b.body FROM versions v JOIN versions b ON {SAME_DOC}"
            f" AND b.version=v.body_version WHERE {V_WHERE_KEY} AND v.version=?",
            (*key_params(key), version),
        )
        stamps = self._stamps(key, version)
        row, found = head.fetchone(), self._stamps_of(stamps)
        return None if row is None else Version(key, version, bytes(row[3]), found, *row[:3])

    def stamps(self, key: VoucherKey, version: int) -> tuple[Stamp, ...]:
        return self._stamps_of(self._stamps(key, version))

    @staticmethod
    def _stamps_of(cursor) -> tuple[Stamp, ...]:
        return tuple(Stamp(r[0], r[1], r[2], bytes(r[3])) for r in cursor.fetchall())

    def _stamps(self, key: VoucherKey, version: int):
        return self.run(
            f"SELECT position, kind, cert_id, data FROM stamps WHERE {WHERE_KEY} AND {LIVE_STAMP}"
            " ORDER BY position",
            (*key_params(key), version, version),
        )

    def stamped(self, key: VoucherKey, version: int) -> frozenset[str]:
        """The positions stamped in `version`, without reading the stamps themselves."""
        rows = self.run(
            f"SELECT position FROM stamps WHERE {WHERE_KEY} AND {LIVE_STAMP}",
            (*key_params(key), version, version),
        ).fetchall()
        return frozenset(r[0] for r in rows)

    def add_stamp(self, key: VoucherKey, stamp: Stamp, version: int) -> None:
        self.run(
            f"INSERT INTO stamps ({KEY_COLS}, position, kind, cert_id, data, added_in, removed_in)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (*key_params(key), stamp.position, stamp.kind, stamp.cert_id, stamp.data, version),
        )

    def remove_stamps(self, key: VoucherKey, version: int, position: str | None = None) -> None:
        """End the live stamps (at `position`, or all) from `version` on."""
        where = f"{WHERE_KEY} AND removed_in IS NULL" + (" AND position=?" if position else "")
        params = (version, *key_params(key)) + ((position,) if position else ())
        self.run(f"UPDATE stamps SET removed_in=? WHERE {where}", params)

    # audit chain
    def audit_head(self, *, lock: bool = False) -> tuple[int, bytes]:
        seq, digest = self.run(f"SELECT seq, hash FROM audit_head WHERE id=1{self._lock(lock)}").fetchone()
        return seq, bytes(digest)

    def append_audit(self, entries: list[AuditEntry]) -> None:
        """Insert chained entries and move the head to the last one."""
        for entry in entries:
            values = [getattr(entry, name) for name in A_COLS.split(", ")]
            self.run(f"INSERT INTO audit ({A_COLS}) VALUES ({', '.join('?' * 11)})", tuple(values))
        self.run("UPDATE audit_head SET seq=?, hash=? WHERE id=1", (entries[-1].seq, entries[-1].hash))

    def audit_page(self, *, after: int = 0, limit: int = 1000, voucher: str = "") -> list[AuditEntry]:
        where = "seq > ?" + (" AND voucher=?" if voucher else "")
        params = (after, *([voucher] if voucher else []), limit)
        rows = self.run(f"SELECT {A_COLS} FROM audit WHERE {where} ORDER BY seq LIMIT ?", params).fetchall()
        return [AuditEntry(*row[:10], bytes(row[10])) for row in rows]

    def audit_scan(self, page: int = 1000) -> Iterator[AuditEntry]:
        """Every entry in seq order, fetched a page at a time so memory stays flat."""
        after = 0
        while rows := self.audit_page(after=after, limit=page):
            yield from rows
            after = rows[-1].seq
