"""The console over plain HTTP (no browser): who may log in, what each one may fetch, downloads, paging."""

from __future__ import annotations

import time
from decimal import Decimal

import httpx
import pytest

from evoucher.codec import parse_voucher
from evoucher.crypto import sm2
from voucherlib.console.login import SCHEME, TOKEN_SECONDS, _b64, make_token

from .conftest import BANK, OTHER_BANK, Console

PAGES = ("/console/vouchers", "/console/board", "/console/reports/")


def test_no_login_no_data(console: Console):
    with httpx.Client(base_url=console.url) as anonymous:
        for path in (
            *PAGES,
            f"/console/voucher/{console.paid}",
            f"/console/voucher/{console.paid}/voucher.xml",
        ):
            answer = anonymous.get(path)
            assert answer.status_code == 303 and answer.headers["location"].startswith("/console/login")


def _refusal(console: Console, token: str) -> str:
    answer = httpx.post(f"{console.url}/console/login", data={"token": token})
    assert answer.status_code == 403 and "set-cookie" not in answer.headers
    return answer.text


def test_a_token_logs_in_once_and_only_with_the_partys_own_key(console: Console):
    token = make_token(console.env, BANK)
    first = httpx.post(f"{console.url}/console/login", data={"token": token})
    assert first.status_code == 303 and "guoku_console=" in first.headers["set-cookie"]
    assert "used already" in _refusal(console, token)

    # a token naming hz-icbc but signed with hz-ccb's key
    _, payload, _ = make_token(console.env, BANK).split(".")
    forged = (
        f"{payload}.{_b64(sm2.sign(console.env.party(OTHER_BANK).org.key, f'{SCHEME}.{payload}'.encode()))}"
    )
    assert "not made with the key" in _refusal(console, f"{SCHEME}.{forged}")
    stale = make_token(console.env, BANK, now=time.time() - TOKEN_SECONDS - 5)
    assert "expired" in _refusal(console, stale)
    assert "not a console login token" in _refusal(console, "hello")


def test_a_forged_session_cookie_is_no_session(console: Console):
    with console.session(BANK) as s:
        value = s.cookies["guoku_console"]
        payload = _b64(b'{"who":"operator","exp":9999999999}')
        s.cookies.set("guoku_console", f"{payload}.{value.split('.')[1]}", path="/console")
        answer = s.get("/console/vouchers", follow_redirects=False)
        assert answer.status_code == 303


def test_downloads_are_the_exact_stored_bytes_and_a_pdf(console: Console):
    stored = console.library.store.query(lambda q: q.version(console.paid, 1))
    with console.session("hz-finance") as s:
        answer = s.get(f"/console/voucher/{console.paid}/voucher.xml?v=1")
        assert answer.content == stored.body
        assert answer.headers["content-disposition"].endswith('-v1.xml"')
        pdf = s.get(f"/console/voucher/{console.paid}/voucher.pdf")
        assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize("who", [OTHER_BANK, "hz-health"])
def test_what_is_not_addressed_to_a_party_is_not_found_in_any_form(console: Console, who: str):
    with console.session(who) as s:
        for path in ("", "/voucher.xml", "/voucher.pdf"):
            assert s.get(f"/console/voucher/{console.notice}{path}").status_code == 404
        assert console.notice.voucher_no not in s.get("/console/vouchers").text
        assert s.get("/console/reports/").status_code == 404  # the run reports are the operator's


def test_a_recipient_sees_up_to_the_version_delivered_to_it(console: Console):
    with console.session(BANK) as s:
        page = s.get(f"/console/voucher/{console.notice}").text
        newest = console.library.store.query(lambda q: q.voucher(console.notice)).version
        assert f"version {newest}/{newest}" in page
        assert s.get(f"/console/voucher/{console.notice}/voucher.xml?v=1").status_code == 200


def test_filters_and_paging(console: Console):
    with console.session("operator") as s:
        everything = s.get("/console/vouchers").text
        assert everything.count('class="voucher"') == 4
        only_5106 = s.get("/console/vouchers", params={"vt": "5106"}).text
        assert only_5106.count('class="voucher"') == 1 and console.notice.voucher_no in only_5106
        receipts = s.get("/console/vouchers", params={"status": "6"}).text
        assert receipts.count('class="voucher"') == 1 and f"{console.paid.voucher_no}/1" in receipts
        assert s.get("/console/vouchers", params={"day": "yesterday"}).status_code == 400
        assert s.get("/console/vouchers", params={"min": "a lot"}).status_code == 400
        board = s.get("/console/board", params={"format": "json"}).json()
        assert board["total"] == 4 and board["totals"] == {"0": 1, "1": 1, "6": 1, "12": 1}


def test_the_list_shows_and_filters_by_the_registry_total(console: Console):
    stored = console.library.store.query(lambda q: q.version(console.notice))
    total = Decimal(parse_voucher(stored.body).header["PlanAmt"])  # 5106's total (registry)
    with console.session("operator") as s:
        assert f"{total:,.2f}" in s.get("/console/vouchers", params={"vt": "5106"}).text
        around = s.get("/console/vouchers", params={"min": str(total), "max": str(total)}).text
        assert around.count('class="voucher"') == 1 and console.notice.voucher_no in around
        below = s.get("/console/vouchers", params={"max": str(total - Decimal("0.01")), "vt": "5106"}).text
        assert 'class="voucher"' not in below


def test_looking_changes_nothing_in_the_library(console: Console):
    store = console.library.store
    before = store.query(lambda q: (q.audit_head(), q.voucher(console.paid).print_count))
    with console.session("operator") as s:
        for path in ("", "/voucher.xml", "/voucher.pdf"):
            assert s.get(f"/console/voucher/{console.paid}{path}").status_code == 200
        assert s.get("/console/board").status_code == 200
    assert store.query(lambda q: (q.audit_head(), q.voucher(console.paid).print_count)) == before
    assert store.verify_audit().intact


def test_an_in_memory_library_makes_its_pages_in_process(console: Console):
    from fastapi.testclient import TestClient

    from voucherlib.app import create_app
    from voucherlib.settings import Settings

    app = create_app(Settings(env_dir=console.env.root, db_url="sqlite://"))
    with TestClient(app) as client:
        client.get("/console/login", params={"token": make_token(console.env, "hz-finance")})
        page = client.get("/console/vouchers")
        assert page.status_code == 200 and "no vouchers" in page.text and "杭州市财政局" in page.text
