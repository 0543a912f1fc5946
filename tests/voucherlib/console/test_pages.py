"""The console over plain HTTP: login, isolation, downloads, board, reports (no browser needed)."""

from __future__ import annotations

import httpx

from evoucher.codec import parse_voucher

from .conftest import BANK, OTHER_BANK, Console


def test_no_login_no_data(console: Console):
    with httpx.Client(base_url=console.url) as anonymous:
        for path in ("/console/vouchers", f"/console/voucher/{console.paid}", "/console/board",
                     f"/console/voucher/{console.paid}/voucher.xml", "/console/reports/"):  # fmt: skip
            answer = anonymous.get(path)
            assert answer.status_code == 303 and answer.headers["location"].startswith("/console/login")


def test_smoke(console: Console):
    with console.session("hz-finance") as s:
        r = s.get("/console/vouchers")
        assert r.status_code == 200, r.text
        print(r.text[:3000])
        r = s.get(f"/console/voucher/{console.paid}")
        assert r.status_code == 200, r.text
        r = s.get(f"/console/voucher/{console.paid}/voucher.xml")
        assert parse_voucher(r.content).voucher_no == console.paid.voucher_no
