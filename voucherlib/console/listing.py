"""The voucher list page: the query string as filters and a cursor, the store's page as rows."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from voucherlib.errors import ArgumentError
from voucherlib.lifecycle import STATUS_TEXT
from voucherlib.store import Org, Queries
from voucherlib.store.amounts import fen
from voucherlib.store.console import NEVER_SENT, SCAN, Filters, documents

PAGE = 50
FILTERS = ("vt", "adm", "year", "day", "status", "no", "min", "max")
STATUS_CHOICES = tuple((code, STATUS_TEXT[code]) for code in (*range(12), *NEVER_SENT))


def _int(name: str, value: str) -> int | None:
    if not value:
        return None
    if not value.lstrip("-").isdigit():
        raise ArgumentError(argument=name, rule="a number", value=value)
    return int(value)


def _yuan(name: str, value: str) -> int | None:
    if not value:
        return None
    found = fen(value.replace(",", ""))
    if found is None:
        raise ArgumentError(argument=name, rule="an amount in yuan such as 1234.56", value=value)
    return found


def filters(params: Mapping[str, str]) -> Filters:
    """The list's filters from the page's query string (`vt`, `adm`, `year`, `day`, `status`, `no`,
    `min` and `max` in yuan)."""
    day = params.get("day", "").strip()
    if day and not (len(day) == 10 and day[4] == day[7] == "-" and day.replace("-", "").isdigit()):
        raise ArgumentError(argument="day", rule="YYYY-MM-DD", value=day)
    return Filters(
        vt_code=params.get("vt", "").strip(),
        adm_div_code=params.get("adm", "").strip(),
        st_year=_int("year", params.get("year", "").strip()),
        day=day,
        status=_int("status", params.get("status", "").strip()),
        voucher_no=params.get("no", "").strip(),
        min_fen=_yuan("min", params.get("min", "").strip()),
        max_fen=_yuan("max", params.get("max", "").strip()),
    )


def parse_cursor(text: str) -> tuple | None:
    if not text:
        return None
    parts = text.split("|")
    if len(parts) != 6 or not parts[2].isdigit() or parts[5] not in ("0", "1"):
        raise ArgumentError(argument="after", rule="a cursor from the previous page", value=text)
    return (*parts[:2], int(parts[2]), *parts[3:5], int(parts[5]))


def list_page(q: Queries, org: Org | None, params: Mapping[str, str]) -> dict:
    """What vouchers.html shows: the filters as given, one page of rows and the next page's link."""
    page = documents(q, org, filters(params), after=parse_cursor(params.get("after", "")), limit=PAGE)
    form = {name: params.get(name, "") for name in FILTERS}
    more = ""
    if page.next is not None:
        after = "|".join(map(str, page.next))
        more = "?" + urlencode({**{k: v for k, v in form.items() if v}, "after": after})
    return {
        "rows": page.rows,
        "searched_to": page.searched_to,
        "scan": SCAN,
        "form": form,
        "more": more,
        "statuses": STATUS_CHOICES,
        "status_text": STATUS_TEXT,
    }
