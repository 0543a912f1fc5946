"""The day's board: deliveries per voucher type, business line and realware status, as the demo's board
counts them (`mocks.report` asks each sender's status query; `store.console.board` asks the same
`Queries` the status operations use, so the numbers agree, VL-CON-005)."""

from __future__ import annotations

from typing import Any

from evoucher import registry
from voucherlib.errors import ArgumentError
from voucherlib.lifecycle import STATUS_TEXT
from voucherlib.store import Org, Queries
from voucherlib.store.console import board, totals

REFRESH_SECONDS = 5


def facts(q: Queries, org: Org | None, day: str) -> dict[str, Any]:
    """What board.html shows for `day` (YYYY-MM-DD): one row per VtCode, one column per status seen."""
    if not (len(day) == 10 and day[4] == day[7] == "-" and day.replace("-", "").isdigit()):
        raise ArgumentError(argument="day", rule="YYYY-MM-DD", value=day)
    cells = board(q, day, org)
    by_type: dict[str, dict[int, int]] = {}
    for cell in cells:
        by_type.setdefault(cell.vt_code, {})[cell.status] = cell.count
    rows = []
    for vt_code, counts in by_type.items():
        vt = registry.get(vt_code) if vt_code in registry.codes() else None
        business = vt.business.value if vt else ""
        rows.append((business, vt_code, vt.zh_name if vt else vt_code, counts, sum(counts.values())))
    overall = totals(cells)
    return {
        "day": day,
        "rows": sorted(rows),
        "statuses": [(code, STATUS_TEXT[code]) for code in overall],
        "totals": overall,
        "total": sum(overall.values()),
        "refresh": REFRESH_SECONDS,
    }


def to_json(found: dict[str, Any]) -> dict[str, Any]:
    return {
        "day": found["day"],
        "total": found["total"],
        "totals": {str(code): n for code, n in found["totals"].items()},
        "types": [
            {
                "business": b,
                "vt_code": vt,
                "name": name,
                "total": n,
                "statuses": {str(c): k for c, k in counts.items()},
            }
            for b, vt, name, counts, n in found["rows"]
        ],
    }
