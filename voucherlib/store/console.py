"""Read-only questions the web console asks: a party's documents a page at a time, and the day's board.

A party sees the documents it owns and those delivered to it (what its SOAP interface reads);
`None` as the org is the operator, who sees everything. Pages are keyset-paged, newest first by
the time a document came into view (its creation for an owner, its delivery for a recipient),
so a page costs the same at the millionth row as at the first: every list runs down one of the
`INDEXES` in order and stops after `limit + 1` matches, or, when filters the index does not serve
thin the matches out, after SCAN entries (docs/console.md VL-CON-004 has the measurement).
The console's questions are "read-only" for the documents: `prepare` adds indexes and the
amounts table (`amounts.py`), nothing else is written.
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
SCAN = 20_000  # index entries a filtered page examines per walk, at most (a page's time is bounded)
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


def _where(f: Filters, alias: str) -> tuple[list[str], list]:
    """The filters the list's indexes do not serve (they narrow a walk down an index)."""
    clauses, params = [], []
    for column, value in (
        ("vt_code", f.vt_code),
        ("adm_div_code", f.adm_div_code),
        ("voucher_no", f.voucher_no),
        ("st_year", f.st_year),
    ):
        if value not in ("", None):
            clauses.append(f"{alias}.{column}=?")
            params.append(value)
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


@dataclass(frozen=True)
class _Walk:
    """One walk down an index, newest first: `vouchers` by creation or `deliveries` by sending.

    `prefix` is what the index serves (the viewer, the day), `filters` what is checked per entry.
    """

    table: str
    prefix: tuple[str, ...]
    prefix_params: tuple
    filters: tuple[str, ...] = ()
    filter_params: tuple = ()

    def rows(
        self, q: Queries, after: tuple | None, limit: int, capped: bool
    ) -> tuple[list[tuple], tuple | None]:
        """Up to `limit` matching rows after `after`; with `capped`, among the next SCAN entries only,
        and then also the last entry examined (None when the walk reached the end)."""
        alias, at = ("v", "created_at") if self.table == "vouchers" else ("d", "sent_at")
        columns = ", ".join(f"{alias}.{c}" for c in (at, *KEY_COLS.split(", ")))
        order = columns.replace(",", " DESC,") + " DESC"
        marks = ", ".join("?" * (1 + len(KEY_COLS.split(", "))))
        where, params = list(self.prefix), list(self.prefix_params)
        if after is not None:
            where.append(f"({columns}) < ({marks})")
            params += after
        select = f"SELECT {columns} FROM {self.table} {alias} WHERE {' AND '.join(where) or '1=1'}"
        stop = None
        if capped:
            stop = q.tx.run(f"{select} ORDER BY {order} LIMIT 1 OFFSET ?", (*params, SCAN - 1)).fetchone()
        where += self.filters
        params += self.filter_params
        if stop is not None:
            where.append(f"({columns}) >= ({marks})")
            params += stop
        select = f"SELECT {columns} FROM {self.table} {alias} WHERE {' AND '.join(where) or '1=1'}"
        found = q.tx.run(f"{select} ORDER BY {order} LIMIT ?", (*params, limit)).fetchall()
        return [tuple(r) for r in found], tuple(stop) if stop is not None else None


@dataclass(frozen=True)
class Page:
    """One page of the list; `next` is the cursor of the next page (None at the end). A filtered
    page looks at no more than SCAN index entries per walk, so it may hold fewer than `limit` rows
    and still have a `next`: `searched_to` then says how far back it looked."""

    rows: list[Row]
    next: tuple | None
    searched_to: str = ""


def documents(
    q: Queries, org: Org | None, f: Filters = Filters(), *, after: tuple | None = None, limit: int = 50
) -> Page:
    """Up to `limit` documents `org` may see (all for None), newest first, after the cursor `after`:
    its own, by creation, merged with those delivered to it, by sending."""
    if not 1 <= limit <= MAX_PAGE:
        raise ArgumentError(argument="limit", rule=f"1..{MAX_PAGE}", value=limit)
    day = ("v.created_at >= ?", "v.created_at < ?") if f.day else ()
    days = (f.day, f.day + "T99") if f.day else ()
    where, params = _where(f, "v")
    s_where, s_params = _status_clause(f, "v")
    checks, values = (*where, *s_where), (*params, *s_params)
    if org is None:
        walks = [_Walk("vouchers", day, days, checks, values)]
    else:
        owner = ("v.owner_type=?", "v.owner_id=?", *day)
        walks = [_Walk("vouchers", owner, (org.type, org.id, *days), checks, values)]
        where, params = _where(f, "d")
        if f.status is not None and f.status not in NEVER_SENT:
            where += ["d.voucher_flag=?", "d.state=?"]
            params += [f.status // 6, f.status % 6]
        elif f.status is not None:
            where.append("1=0")  # whatever was delivered to the viewer was sent
        sent = tuple(c.replace("v.created_at", "d.sent_at") for c in day)
        for dest_id in dict.fromkeys(("", org.id)):  # an id-less delivery is for every org of the type
            mine = ("d.dest_type=?", "d.dest_id=?", *sent)
            walks.append(_Walk("deliveries", mine, (org.type, dest_id, *days), tuple(where), tuple(params)))
    capped = bool(walks[0].filters) and not f.voucher_no  # a number is looked up by its own index
    found, stops = set(), []
    for walk in walks:
        rows, stop = walk.rows(q, after, limit + 1, capped)
        found.update(rows)
        stops += [stop] if stop is not None else []
    stop = max(stops, default=None)  # every walk examined everything from here on up
    rows = sorted((r for r in found if stop is None or r >= stop), reverse=True)
    if len(rows) > limit:
        rows, stop = rows[:limit], rows[limit - 1]
    page = [_row(q, org, r) for r in rows]
    return Page(page, stop, stop[0] if stop is not None and len(page) < limit else "")


def _row(q: Queries, org: Org | None, found: tuple) -> Row:
    key = VoucherKey(*found[1:])
    doc = q.voucher(key)
    deliveries = q.deliveries(key)
    if org is not None and doc.owner != org:
        deliveries = [d for d in deliveries if org.receives(d.dest)]
    codes = tuple(q._code(doc, d) for d in deliveries)
    return Row(key, found[0], doc.owner, doc.version, doc.discarded, codes, amounts.amount(q, key))


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
