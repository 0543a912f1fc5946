"""The SQL of deliveries (a document sent to one org) and of attachment blocks: the library's queues."""

from __future__ import annotations

from voucherlib.lifecycle import BOUNCED, READABLE, DeliveryState
from voucherlib.store._dialect import WHERE_KEY, SqlBase, key_params
from voucherlib.store.base import AttachmentBlock, Delivery, Org, VoucherKey
from voucherlib.store.schema import KEY_COLS

D_COLS = (
    f"{KEY_COLS}, dest_type, dest_id, state, version, full_signs, reason, sent_at, updated_at,"
    " read_count, first_read_at"
)

# an upsert sets everything but the key and the destination
_REPLACE_DELIVERY = ", ".join(f"{c}=excluded.{c}" for c in D_COLS.split(", ")[7:])


DELIVERIES_OF = f"SELECT {D_COLS} FROM deliveries WHERE {WHERE_KEY} ORDER BY dest_type, dest_id"


def delivery_of(row: tuple) -> Delivery:
    dest = Org(row[5], row[6])
    return Delivery(VoucherKey(*row[:5]), dest, DeliveryState(row[7]), row[8], bool(row[9]), *row[10:15])


class DeliverySql(SqlBase):
    """Deliveries and attachment blocks, read and written inside one transaction."""

    def deliveries(self, key: VoucherKey, *, lock: bool = False) -> list[Delivery]:
        rows = self.run(DELIVERIES_OF + self._lock(lock), key_params(key)).fetchall()
        return [delivery_of(row) for row in rows]

    def put_delivery(self, d: Delivery) -> None:
        """Write a delivery; sending again replaces it whole (a new delivery, never read)."""
        self.run(
            f"INSERT INTO deliveries ({D_COLS}) VALUES ({', '.join('?' * 15)}) ON CONFLICT"
            f" ({KEY_COLS}, dest_type, dest_id) DO UPDATE SET {_REPLACE_DELIVERY}",
            (
                *key_params(d.key),
                d.dest.type,
                d.dest.id,
                int(d.state),
                d.version,
                int(d.full_signs),
                d.reason,
                d.sent_at,
                d.updated_at,
                d.read_count,
                d.first_read_at,
            ),
        )

    def inbox(
        self, org: Org, adm_div_code: str, st_year: int, vt_code: str, limit: int, *, unread_only: bool
    ) -> list[VoucherKey]:
        """Documents addressed to `org` that it has not signed for (with `unread_only`: never handed
        over since they were sent), oldest first, not discarded."""
        marks = ", ".join("?" * len(READABLE))
        rows = self.run(
            f"SELECT d.{KEY_COLS.replace(', ', ', d.')} FROM deliveries d JOIN vouchers v USING ({KEY_COLS})"
            " WHERE d.dest_type=? AND d.dest_id IN ('', ?)"
            " AND d.adm_div_code=? AND d.st_year=? AND d.vt_code=?"
            f" AND d.state IN ({marks}) AND v.discarded=0 AND d.version >= v.body_version"
            f"{' AND d.read_count=0' if unread_only else ''} ORDER BY d.sent_at, d.voucher_no LIMIT ?",
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
        return [delivery_of(row) for row in rows]

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
