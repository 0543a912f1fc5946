"""Storage of the reference voucher library: documents, versions, deliveries, attachments, audit.

`open_store(url)` gives a `Store` over SQLite (`sqlite:///path`, or `sqlite://` in memory) or
PostgreSQL (`postgresql://user@host:port/db?schema=name`). See docs/storage.md.
"""

from __future__ import annotations

from voucherlib.errors import ArgumentError
from voucherlib.store.api import Store
from voucherlib.store.base import (
    Actor,
    AttachmentBlock,
    Delivered,
    Delivery,
    Org,
    Outcome,
    Stamp,
    Status,
    Version,
    Voucher,
    VoucherKey,
    VoucherRef,
)
from voucherlib.store.operations import Operations
from voucherlib.store.queries import Queries

__all__ = [
    "Actor",
    "AttachmentBlock",
    "Delivered",
    "Delivery",
    "Operations",
    "Org",
    "Outcome",
    "Queries",
    "Stamp",
    "Status",
    "Store",
    "Version",
    "Voucher",
    "VoucherKey",
    "VoucherRef",
    "open_store",
]


def open_store(url: str, *, create: bool = True, group_commit: bool = True, pool_size: int = 4) -> Store:
    """Open (and with `create`, initialise) the store at `url`.

    `group_commit` batches concurrent SQLite writers into one fsync; `pool_size` bounds PostgreSQL
    connections. With `create=False` a missing database or schema is an error, not a new store.
    """
    if url == "sqlite://" or url.startswith("sqlite:///"):
        from voucherlib.store.sqlite import SQLiteBackend

        path = url.removeprefix("sqlite://").removeprefix("/") or None  # sqlite:////abs, sqlite:///rel
        return Store(SQLiteBackend(path, group_commit=group_commit, create=create), url)
    if url.startswith(("postgresql://", "postgres://")):
        from voucherlib.store.postgres import PostgresBackend

        return Store(PostgresBackend(url, pool_size=pool_size, create=create), url)
    raise ArgumentError(argument="db", rule="sqlite:///PATH, sqlite:// or postgresql://...", value=url)
