"""Read-only questions the web console asks: a party's documents a page at a time, and the day's board.

A party sees the documents it owns and those delivered to it (what its SOAP interface reads);
`None` as the org is the operator, who sees everything. Pages are keyset-paged, newest first by
the time a document came into view (its creation for an owner, its delivery for a recipient),
so a page costs the same at the millionth row as at the first: every list runs down one of the
`INDEXES` in order and stops after `limit + 1` matches (docs/console.md has the measurement).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from voucherlib.errors import ArgumentError
from voucherlib.lifecycle import STATUS_TEXT
from voucherlib.store import amounts
from voucherlib.store._sql_deliveries import D_COLS, delivery_of
from voucherlib.store.base import Org, Voucher, VoucherKey
from voucherlib.store.queries import Queries
from voucherlib.store.schema import KEY_COLS

INDEXES = (
    f"CREATE INDEX IF NOT EXISTS console_owned ON vouchers (owner_type, owner_id, created_at, {KEY_COLS})",
    f"CREATE INDEX IF NOT EXISTS console_created ON vouchers (created_at, {KEY_COLS})",
    f"CREATE INDEX IF NOT EXISTS console_received ON deliveries (dest_type, dest_id, sent_at, {KEY_COLS})",
    "CREATE INDEX IF NOT EXISTS console_sent ON deliveries (sent_at)",
    "CREATE INDEX IF NOT EXISTS console_number ON vouchers (voucher_no)",
)
MAX_PAGE = 200
NEVER_SENT = (13, 14)  # realware: a voucher / a receipt never sent


@dataclass(frozen=True)
class Filters:
    """The list's filters; empty means any. `day` is YYYY-MM-DD of `at`; `status` a realware code."""

    vt_code: str = ""
    adm_div_code: str = ""
    st_year: int | None = None
    day: str = ""
    status: int | None = None
    voucher_no: str = ""
    min_fen: int | None = None  # amount range in fen, both ends included
    max_fen: int | None = None

    def __post_init__(self) -> None:
        if self.status is not None and not (0 <= self.status <= 11 or self.status in NEVER_SENT):
            raise ArgumentError(
                argument="status", rule="a realware status 0..11, 13 or 14", value=self.status
            )


@dataclass(frozen=True)
class Row:
    """One line of the list: the document, when it came into view, its owner and its deliveries' codes."""

    key: VoucherKey
    at: str
    owner: Org
    version: int
    discarded: bool
    codes: tuple[int, ...]  # realware status of each delivery (visible to the viewer); () never sent
    amount_fen: int | None  # the header total (amounts.py), None for a type without one


def prepare(q: Queries) -> None:
    """Create the console's indexes and its amounts table (once per store; a no-op after)."""
    amounts.create(q)
    for statement in INDEXES:
        q.tx.run(statement)


def _where(f: Filters, alias: str, at: str) -> tuple[list[str], list]:
    clauses, params = [], []
    for column, value in (
        ("vt_code", f.vt_code),
        ("adm_div_code", f.adm_div_code),
        ("voucher_no", f.voucher_no),
    ):
        if value:
            clauses.append(f"{alias}.{column}=?")
            params.append(value)
    if f.st_year is not None:
        clauses.append(f"{alias}.st_year=?")
        params.append(f.st_year)
    if f.day:
        clauses.append(f"{alias}.{at} >= ? AND {alias}.{at} < ?")
        params += [f.day, f.day + "T99"]
    if f.min_fen is not None or f.max_fen is not None:
        same = " AND ".join(f"a.{c}={alias}.{c}" for c in KEY_COLS.split(", "))
        clauses.append(
            f"EXISTS (SELECT 1 FROM console_amounts a WHERE {same} AND a.amount_fen BETWEEN ? AND ?)"
        )
        params += [
            f.min_fen if f.min_fen is not None else -(2**62),
            f.max_fen if f.max_fen is not None else 2**62,
        ]
    return clauses, params


def _status_clause(f: Filters, doc: str) -> tuple[list[str], list]:
    """The condition of a status filter on the documents' deliveries (13 / 14: it has none)."""
    if f.status is None:
        return [], []
    same = " AND ".join(f"x.{c}={doc}.{c}" for c in KEY_COLS.split(", "))
    if f.status in NEVER_SENT:
        clause = f"{doc}.voucher_flag=? AND NOT EXISTS (SELECT 1 FROM deliveries x WHERE {same})"
        return [clause], [NEVER_SENT.index(f.status)]
    clause = f"{doc}.voucher_flag=? AND EXISTS (SELECT 1 FROM deliveries x WHERE {same} AND x.state=?)"
    return [clause], [f.status // 6, f.status % 6]


def _page(
    q: Queries, table: str, where: list[str], params: list, after: tuple | None, limit: int
) -> list[tuple]:
    """One source's rows (`vouchers` by creation or `deliveries` by sending), newest first."""
    alias, at = ("v", "created_at") if table == "vouchers" else ("d", "sent_at")
    columns = ", ".join(f"{alias}.{c}" for c in (at, *KEY_COLS.split(", ")))
    if after is not None:
        where = [*where, f"({columns}) < ({', '.join('?' * len(after))})"]
        params = [*params, *after]
    where_sql = " WHERE " + " AND ".join(where) if where else ""
    order = columns.replace(",", " DESC,") + " DESC"
    text = f"SELECT {columns} FROM {table} {alias}{where_sql} ORDER BY {order} LIMIT ?"
    return q.tx.run(text, (*params, limit)).fetchall()


def documents(
    q: Queries, org: Org | None, f: Filters = Filters(), *, after: tuple | None = None, limit: int = 50
) -> list[Row]:
    """Up to `limit` documents `org` may see (all for None), newest first, after the cursor `after`
    (a row's `cursor`): its own, by creation, merged with those delivered to it, by sending."""
    if not 1 <= limit <= MAX_PAGE:
        raise ArgumentError(argument="limit", rule=f"1..{MAX_PAGE}", value=limit)
    where, params = _where(f, "v", "created_at")
    s_where, s_params = _status_clause(f, "v")
    if org is None:
        return [
            _row(q, org, r) for r in _page(q, "vouchers", where + s_where, params + s_params, after, limit)
        ]
    owned = ["v.owner_type=?", "v.owner_id=?", *where, *s_where]
    found = _page(q, "vouchers", owned, [org.type, org.id, *params, *s_params], after, limit)
    where, params = _where(f, "d", "sent_at")
    if f.status is not None and f.status not in NEVER_SENT:
        where += ["d.voucher_flag=?", "d.state=?"]
        params += [f.status // 6, f.status % 6]
    elif f.status is not None:
        where.append("1=0")  # whatever was delivered to the viewer was sent
    for dest_id in dict.fromkeys(("", org.id)):  # an id-less delivery is for every org of the type
        mine = ["d.dest_type=?", "d.dest_id=?", *where]
        found += _page(q, "deliveries", mine, [org.type, dest_id, *params], after, limit)
    return [_row(q, org, r) for r in sorted(set(map(tuple, found)), reverse=True)[:limit]]


def _row(q: Queries, org: Org | None, found: tuple) -> Row:
    key = VoucherKey(*found[1:])
    doc = q.voucher(key)
    deliveries = q.deliveries(key)
    if org is not None and doc.owner != org:
        deliveries = [d for d in deliveries if org.receives(d.dest)]
    codes = tuple(q._code(doc, d) for d in deliveries)
    return Row(key, found[0], doc.owner, doc.version, doc.discarded, codes, amounts.amount(q, key))


def cursor(row: Row) -> tuple:
    """What `documents(after=...)` takes to continue after `row`."""
    k = row.key
    return (row.at, k.adm_div_code, k.st_year, k.vt_code, k.voucher_no, k.voucher_flag)


@dataclass(frozen=True)
class BoardCell:
    vt_code: str
    status: int
    text: str
    count: int


def board(q: Queries, day: str, org: Org | None = None) -> list[BoardCell]:
    """Deliveries sent on `day` (YYYY-MM-DD, UTC) per VtCode and realware status: each counted with
    the code the sender's status query answers for it (`Queries` decides, 12 included). With `org`,
    only the deliveries of its own documents and those made to it."""
    rows = q.tx.run(f"SELECT {D_COLS} FROM deliveries WHERE sent_at >= ? AND sent_at < ?", (day, day + "T99"))
    counts: Counter[tuple[str, int]] = Counter()
    docs: dict[VoucherKey, Voucher] = {}
    for d in map(delivery_of, rows.fetchall()):
        doc = docs.get(d.key) or docs.setdefault(d.key, q.voucher(d.key))
        if org is not None and doc.owner != org and not org.receives(d.dest):
            continue
        counts[(d.key.vt_code, q._code(doc, d))] += 1
    return [BoardCell(vt, code, STATUS_TEXT[code], n) for (vt, code), n in sorted(counts.items())]


def totals(cells: Sequence[BoardCell]) -> dict[int, int]:
    """Deliveries per status over every VtCode."""
    out: Counter[int] = Counter()
    for cell in cells:
        out[cell.status] += cell.count
    return dict(sorted(out.items()))
