"""What differs between SQLite and PostgreSQL in the store's SQL, and the base every SQL mixin shares.

The SQL is written once with `?` placeholders; a `Dialect` swaps the placeholder and adds the row
locks PostgreSQL needs (SQLite's `BEGIN IMMEDIATE` already serialises writers, so it locks nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

from voucherlib.store.base import VoucherKey, VoucherRef

WHERE_KEY = "adm_div_code=? AND st_year=? AND vt_code=? AND voucher_no=? AND voucher_flag=?"
WHERE_REF = "adm_div_code=? AND st_year=? AND vt_code=? AND voucher_no=?"


@dataclass(frozen=True)
class Dialect:
    name: str
    param: str  # the driver's placeholder
    lock: str  # appended to SELECTs whose rows the transaction will change
    blob: str
    int_type: str
    table_exists: str  # a query with a row if the table named by its parameter exists
    pipelined: bool  # statements are sent before any answer is awaited (one round trip for several)

    def sql(self, text: str) -> str:
        return text if self.param == "?" else text.replace("?", self.param)


SQLITE = Dialect("sqlite", "?", "", "BLOB", "INTEGER", "SELECT 1 FROM sqlite_master WHERE name=?", False)
POSTGRES = Dialect(
    "postgresql",
    "%s",
    " FOR UPDATE",
    "BYTEA",
    "BIGINT",
    "SELECT 1 FROM pg_tables WHERE schemaname=current_schema() AND tablename=?",
    True,
)


def key_params(key: VoucherRef) -> tuple:
    """The parameters of WHERE_KEY (a VoucherKey) or WHERE_REF (a VoucherRef)."""
    fields = (key.adm_div_code, key.st_year, key.vt_code, key.voucher_no)
    return (*fields, key.voucher_flag) if isinstance(key, VoucherKey) else fields


class SqlBase:
    """One open transaction on one connection."""

    def __init__(self, conn, dialect: Dialect) -> None:
        self.conn, self.dialect = conn, dialect

    def run(self, sql: str, params: tuple = ()):
        return self.conn.execute(self.dialect.sql(sql), params)

    def _lock(self, lock: bool) -> str:
        return self.dialect.lock if lock else ""
