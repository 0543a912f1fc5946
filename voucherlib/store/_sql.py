"""The SQL the store runs, written once: `?` placeholders and an optional `FOR UPDATE` per dialect."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from voucherlib.audit import GENESIS, AuditEntry
from voucherlib.lifecycle import BOUNCED, READABLE, DeliveryState
from voucherlib.store.base import (
    AttachmentBlock,
    Delivery,
    Org,
    Stamp,
    Version,
    Voucher,
    VoucherKey,
    VoucherRef,
)
from voucherlib.store.schema import KEY_COLS, SCHEMA_VERSION, ddl

WHERE_KEY = "adm_div_code=? AND st_year=? AND vt_code=? AND voucher_no=? AND voucher_flag=?"
WHERE_REF = "adm_div_code=? AND st_year=? AND vt_code=? AND voucher_no=?"
V_COLS = (
    f"{KEY_COLS}, owner_type, owner_id, positions, version, body_version, discarded, print_count,"
    " created_at, updated_at"
)
D_COLS = f"{KEY_COLS}, dest_type, dest_id, state, version, full_signs, reason, sent_at, updated_at"
A_COLS = "seq, at, actor, org, operation, voucher, version, status_before, status_after, detail, hash"
LIVE_STAMP = "added_in <= ? AND (removed_in IS NULL OR removed_in > ?)"


@dataclass(frozen=True)
class Dialect:
    name: str
    param: str  # the driver's placeholder
    lock: str  # appended to SELECTs whose rows the transaction will change
    blob: str
    int_type: str

    def sql(self, text: str) -> str:
        return text if self.param == "?" else text.replace("?", self.param)


SQLITE = Dialect("sqlite", "?", "", "BLOB", "INTEGER")  # BEGIN IMMEDIATE already serialises writers
POSTGRES = Dialect("postgresql", "%s", " FOR UPDATE", "BYTEA", "BIGINT")


def _key(key: VoucherRef) -> tuple:
    fields = (key.adm_div_code, key.st_year, key.vt_code, key.voucher_no)
    return (*fields, key.voucher_flag) if isinstance(key, VoucherKey) else fields


def _voucher(row: tuple) -> Voucher:
    positions = tuple(json.loads(row[7]))
    owner = Org(row[5], row[6])
    return Voucher(VoucherKey(*row[:5]), owner, positions, row[8], row[9], bool(row[10]), *row[11:14])


def _delivery(row: tuple) -> Delivery:
    dest = Org(row[5], row[6])
    return Delivery(VoucherKey(*row[:5]), dest, DeliveryState(row[7]), row[8], bool(row[9]), *row[10:13])


class SqlTx:
    """One open transaction: typed reads and writes of the store's rows."""

    def __init__(self, conn, dialect: Dialect) -> None:
        self.conn, self.dialect = conn, dialect

    def run(self, sql: str, params: tuple = ()):
        return self.conn.execute(self.dialect.sql(sql), params)

    def create_schema(self) -> None:
        for statement in ddl(blob=self.dialect.blob, int_type=self.dialect.int_type):
            self.run(statement)
        self.run(
            "INSERT INTO meta (name, value) VALUES ('schema', ?) ON CONFLICT DO NOTHING", (SCHEMA_VERSION,)
        )
        self.run("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, ?) ON CONFLICT DO NOTHING", (GENESIS,))

    # documents and versions
    def voucher(self, key: VoucherKey, *, lock: bool = False) -> Voucher | None:
        row = self.run(
            f"SELECT {V_COLS} FROM vouchers WHERE {WHERE_KEY}{self._lock(lock)}", _key(key)
        ).fetchone()
        return _voucher(row) if row else None

    def vouchers_of(self, ref: VoucherRef, *, lock: bool = False) -> list[Voucher]:
        sql = f"SELECT {V_COLS} FROM vouchers WHERE {WHERE_REF} ORDER BY voucher_flag{self._lock(lock)}"
        return [_voucher(row) for row in self.run(sql, _key(ref)).fetchall()]

    def put_voucher(self, v: Voucher) -> None:
        values = (v.owner.type, v.owner.id, json.dumps(list(v.positions)), v.version, v.body_version)
        self.run(
            f"INSERT INTO vouchers ({V_COLS}) VALUES ({', '.join('?' * 14)})"
            f" ON CONFLICT ({KEY_COLS}) DO UPDATE SET owner_type=excluded.owner_type,"
            " owner_id=excluded.owner_id, positions=excluded.positions,"
            " version=excluded.version, body_version=excluded.body_version, discarded=excluded.discarded,"
            " print_count=excluded.print_count,"
            " updated_at=excluded.updated_at",
            (*_key(v.key), *values, int(v.discarded), v.print_count, v.created_at, v.updated_at),
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
            (*_key(key), version, body_version, body, change, actor, at),
        )

    def version(self, key: VoucherKey, version: int) -> Version | None:
        row = self.run(
            f"SELECT v.change, v.actor, v.at, b.body FROM versions v JOIN versions b ON"
            f" b.adm_div_code=v.adm_div_code AND b.st_year=v.st_year AND b.vt_code=v.vt_code"
            f" AND b.voucher_no=v.voucher_no AND b.voucher_flag=v.voucher_flag AND b.version=v.body_version"
            f" WHERE v.{WHERE_KEY.replace(' AND ', ' AND v.')} AND v.version=?",
            (*_key(key), version),
        ).fetchone()
        if row is None:
            return None
        return Version(key, version, bytes(row[3]), self.stamps(key, version), row[0], row[1], row[2])

    def stamps(self, key: VoucherKey, version: int) -> tuple[Stamp, ...]:
        rows = self.run(
            f"SELECT position, kind, cert_id, data FROM stamps WHERE {WHERE_KEY} AND {LIVE_STAMP}"
            " ORDER BY position",
            (*_key(key), version, version),
        ).fetchall()
        return tuple(Stamp(r[0], r[1], r[2], bytes(r[3])) for r in rows)

    def add_stamp(self, key: VoucherKey, stamp: Stamp, version: int) -> None:
        self.run(
            f"INSERT INTO stamps ({KEY_COLS}, position, kind, cert_id, data, added_in, removed_in)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (*_key(key), stamp.position, stamp.kind, stamp.cert_id, stamp.data, version),
        )

    def remove_stamps(self, key: VoucherKey, version: int, position: str | None = None) -> None:
        """End the live stamps (at `position`, or all) from `version` on."""
        where = f"{WHERE_KEY} AND removed_in IS NULL" + (" AND position=?" if position else "")
        params = (version, *_key(key)) + ((position,) if position else ())
        self.run(f"UPDATE stamps SET removed_in=? WHERE {where}", params)

    # deliveries
    def deliveries(self, key: VoucherKey, *, lock: bool = False) -> list[Delivery]:
        sql = (
            f"SELECT {D_COLS} FROM deliveries WHERE {WHERE_KEY} ORDER BY dest_type, dest_id{self._lock(lock)}"
        )
        return [_delivery(row) for row in self.run(sql, _key(key)).fetchall()]

    def put_delivery(self, d: Delivery) -> None:
        self.run(
            f"INSERT INTO deliveries ({D_COLS}) VALUES ({', '.join('?' * 13)}) ON CONFLICT"
            f" ({KEY_COLS}, dest_type, dest_id) DO UPDATE SET state=excluded.state, version=excluded.version,"
            " full_signs=excluded.full_signs, reason=excluded.reason, sent_at=excluded.sent_at,"
            " updated_at=excluded.updated_at",
            (
                *_key(d.key),
                d.dest.type,
                d.dest.id,
                int(d.state),
                d.version,
                int(d.full_signs),
                d.reason,
                d.sent_at,
                d.updated_at,
            ),
        )

    def inbox(self, org: Org, adm_div_code: str, st_year: int, vt_code: str, limit: int) -> list[VoucherKey]:
        """Documents addressed to `org` that it has not signed for, oldest first, not discarded."""
        marks = ", ".join("?" * len(READABLE))
        rows = self.run(
            f"SELECT d.{KEY_COLS.replace(', ', ', d.')} FROM deliveries d JOIN vouchers v USING ({KEY_COLS})"
            " WHERE d.dest_type=? AND d.dest_id IN ('', ?)"
            " AND d.adm_div_code=? AND d.st_year=? AND d.vt_code=?"
            f" AND d.state IN ({marks}) AND v.discarded=0 AND d.version >= v.body_version"
            " ORDER BY d.sent_at, d.voucher_no LIMIT ?",
            (org.type, org.id, adm_div_code, st_year, vt_code, *map(int, READABLE), limit),
        ).fetchall()
        return [VoucherKey(*row) for row in rows]

    def bounced(self, owner: Org, adm_div_code: str, st_year: int, vt_code: str) -> list[Delivery]:
        """Deliveries of `owner`'s documents that came back: receive failed, sign-for failed, returned."""
        marks = ", ".join("?" * len(BOUNCED))
        rows = self.run(
            f"SELECT d.{D_COLS.replace(', ', ', d.')} FROM deliveries d JOIN vouchers v USING ({KEY_COLS})"
            f" WHERE v.owner_type=? AND v.owner_id=? AND d.adm_div_code=? AND d.st_year=? AND d.vt_code=?"
            f" AND d.state IN ({marks}) ORDER BY d.voucher_no, d.voucher_flag, d.dest_type, d.dest_id",
            (owner.type, owner.id, adm_div_code, st_year, vt_code, *map(int, BOUNCED)),
        ).fetchall()
        return [_delivery(row) for row in rows]

    # attachments
    def attachment(self, block: AttachmentBlock) -> tuple[bytes, bool] | None:
        row = self.run(
            "SELECT data, taken FROM attachments WHERE dest_type=? AND adm_div_code=? AND st_year=?"
            " AND file_name=? AND block_no=?",
            (block.dest_org_type, block.adm_div_code, block.st_year, block.file_name, block.block_no),
        ).fetchone()
        return (bytes(row[0]), bool(row[1])) if row else None

    def put_attachment(self, b: AttachmentBlock, at: str) -> None:
        self.run(
            "INSERT INTO attachments (adm_div_code, st_year, src_type, dest_type, file_name, block_count,"
            " block_no, vt_code, voucher_no, attach, data, taken, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT (dest_type, adm_div_code, st_year,"
            " file_name, block_no) DO UPDATE SET src_type=excluded.src_type,"
            " block_count=excluded.block_count,"
            " vt_code=excluded.vt_code, voucher_no=excluded.voucher_no, attach=excluded.attach,"
            " data=excluded.data, taken=0, created_at=excluded.created_at",
            (
                b.adm_div_code,
                b.st_year,
                b.src_org_type,
                b.dest_org_type,
                b.file_name,
                b.block_count,
                b.block_no,
                b.vt_code,
                b.voucher_no,
                b.attach,
                b.data,
                at,
            ),
        )

    def take_attachment(self, dest_org_type: str, adm_div_code: str, st_year: int) -> AttachmentBlock | None:
        row = self.run(
            "SELECT adm_div_code, st_year, src_type, dest_type, file_name, block_count, block_no, vt_code,"
            " voucher_no, attach, data FROM attachments WHERE dest_type=? AND adm_div_code=? AND st_year=?"
            f" AND taken=0 ORDER BY created_at, file_name, block_no LIMIT 1{self._lock(True)}",
            (dest_org_type, adm_div_code, st_year),
        ).fetchone()
        if row is None:
            return None
        block = AttachmentBlock(*row[:10], bytes(row[10]))
        self.run(
            "UPDATE attachments SET taken=1 WHERE dest_type=? AND adm_div_code=? AND st_year=?"
            " AND file_name=? AND block_no=?",
            (dest_org_type, adm_div_code, st_year, block.file_name, block.block_no),
        )
        return block

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

    def _lock(self, lock: bool) -> str:
        return self.dialect.lock if lock else ""
