"""The tables, written once for SQLite and PostgreSQL (`{blob}` and `{int}` differ).

Versions and stamps are append-only: a stamp row records the version that added it and the one
that removed it, so any version's stamps are `added_in <= v AND (removed_in IS NULL OR v < removed_in)`
and a version's bytes live in the row of the version that last changed them (`body_version`).
"""

from __future__ import annotations

SCHEMA_VERSION = "2"
KEY = "adm_div_code TEXT NOT NULL, st_year INTEGER NOT NULL, vt_code TEXT NOT NULL, voucher_no TEXT NOT NULL, voucher_flag INTEGER NOT NULL"  # noqa: E501
KEY_COLS = "adm_div_code, st_year, vt_code, voucher_no, voucher_flag"
TABLES = ("meta", "vouchers", "versions", "stamps", "deliveries", "attachments", "audit", "audit_head")

DDL = f"""
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vouchers (
    {KEY}, owner_type TEXT NOT NULL, owner_id TEXT NOT NULL, positions TEXT NOT NULL,
    version INTEGER NOT NULL, body_version INTEGER NOT NULL, discarded INTEGER NOT NULL,
    print_count INTEGER NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY ({KEY_COLS}));
CREATE TABLE IF NOT EXISTS versions (
    {KEY}, version INTEGER NOT NULL, body_version INTEGER NOT NULL, body {{blob}},
    change TEXT NOT NULL, actor TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY ({KEY_COLS}, version));
CREATE TABLE IF NOT EXISTS stamps (
    {KEY}, position TEXT NOT NULL, kind TEXT NOT NULL, cert_id TEXT NOT NULL, data {{blob}} NOT NULL,
    added_in INTEGER NOT NULL, removed_in INTEGER,
    PRIMARY KEY ({KEY_COLS}, position, added_in));
CREATE TABLE IF NOT EXISTS deliveries (
    {KEY}, dest_type TEXT NOT NULL, dest_id TEXT NOT NULL, state INTEGER NOT NULL,
    version INTEGER NOT NULL, full_signs INTEGER NOT NULL, reason TEXT NOT NULL,
    sent_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    read_count INTEGER NOT NULL DEFAULT 0, first_read_at TEXT NOT NULL DEFAULT '',
    PRIMARY KEY ({KEY_COLS}, dest_type, dest_id));
CREATE INDEX IF NOT EXISTS deliveries_inbox ON deliveries (dest_type, adm_div_code, st_year, vt_code, state);
CREATE TABLE IF NOT EXISTS attachments (
    adm_div_code TEXT NOT NULL, st_year INTEGER NOT NULL, src_type TEXT NOT NULL, dest_type TEXT NOT NULL,
    file_name TEXT NOT NULL, block_count INTEGER NOT NULL, block_no INTEGER NOT NULL,
    vt_code TEXT NOT NULL, voucher_no TEXT NOT NULL, attach TEXT NOT NULL, data {{blob}} NOT NULL,
    taken INTEGER NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (dest_type, adm_div_code, st_year, file_name, block_no));
CREATE TABLE IF NOT EXISTS audit (
    seq {{int}} PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, org TEXT NOT NULL,
    operation TEXT NOT NULL, voucher TEXT NOT NULL, version INTEGER,
    status_before TEXT NOT NULL, status_after TEXT NOT NULL, detail TEXT NOT NULL, hash {{blob}} NOT NULL);
CREATE INDEX IF NOT EXISTS audit_voucher ON audit (voucher, seq);
CREATE TABLE IF NOT EXISTS audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1), seq {{int}} NOT NULL, hash {{blob}} NOT NULL);
"""


# what a store of an older schema version needs to become the current one, in order
MIGRATIONS = {
    "1": (  # deliveries count their reads, so readVoucher can hand over only what was never read
        "ALTER TABLE deliveries ADD COLUMN read_count INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE deliveries ADD COLUMN first_read_at TEXT NOT NULL DEFAULT ''",
        "UPDATE deliveries SET read_count=1, first_read_at=updated_at WHERE state IN (1, 3, 4, 5)",
    ),
}


def ddl(*, blob: str, int_type: str) -> list[str]:
    """The DDL statements for one dialect, ready to run one by one."""
    text = DDL.format(blob=blob, int=int_type)
    return [s.strip() for s in text.split(";") if s.strip()]
