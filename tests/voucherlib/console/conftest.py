"""One library with a small day behind it, served on loopback, for every console test of a session.

The day goes through the wire as the parties would make it: a 实拨 5207 stamped by the finance
bureau, signed for by the PBoC and answered with a stamped receipt; a quota notice 5106 sent to
one agent bank (hz-icbc) and not to another (hz-ccb); and a second 5207 whose stored bytes are
then changed behind the library's back (an edited database row), so its stamps must fail.
Screenshots go to $GUOKU_SCREENSHOTS, or `console-screenshots/` under pytest's basetemp.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from evoucher.codec import parse_voucher
from evoucher.pki import Environment
from evoucher.pki.builder import create_environment
from voucherlib.app import create_app
from voucherlib.console.login import make_token
from voucherlib.loopback import serve_in_thread
from voucherlib.settings import Settings
from voucherlib.store import VoucherKey

from ..service.support import (
    ADM,
    BUSINESS_DATE,
    FINANCE,
    FINANCE_POSITIONS,
    PBOC,
    RECEIPT_POSITIONS,
    YEAR,
    Library,
    bodies,
    body,
    mof,
    positions_xml,
    receipt_of,
    voucher,
)

BANK, OTHER_BANK = "hz-icbc", "hz-ccb"


@dataclass
class Console:
    """The served library, its environment and the keys of the documents the day made."""

    url: str
    env: Environment
    library: Library
    paid: VoucherKey  # the 5207 with its receipt
    notice: VoucherKey  # the 5106 sent to BANK
    tampered: VoucherKey  # the 5207 whose bytes were edited in the database
    reports: Path
    screenshots: Path

    def login_link(self, who: str) -> str:
        return f"{self.url}/console/login?token={make_token(self.env, who)}"

    def page(self, key: VoucherKey) -> str:
        return f"{self.url}/console/voucher/{key}"

    @contextlib.contextmanager
    def session(self, who: str) -> Iterator[httpx.Client]:
        """An HTTP client logged in as `who` (for the checks that need no browser)."""
        with httpx.Client(base_url=self.url, follow_redirects=True, timeout=60) as client:
            client.get(self.login_link(who).removeprefix(self.url)).raise_for_status()
            yield client


async def _day(lib: Library) -> tuple[VoucherKey, VoucherKey, VoucherKey]:
    fin, pboc = lib.client(FINANCE), lib.client(PBOC)
    paid, tampered = voucher(seed=11), voucher(seed=12)
    for v in (paid, tampered):
        xml = positions_xml(lib.env, FINANCE, *FINANCE_POSITIONS)
        await fin.sign_stamp_by_nos(ADM, YEAR, "5207", mof(body(v)), xml)
        await fin.send_voucher(ADM, "011", "001", YEAR, "5207", [v.voucher_no])
    read = {b.voucher_no: b for b in bodies(await pboc.read_voucher_again(ADM, YEAR, "5207", 10))}
    await pboc.confirm_voucher(ADM, YEAR, "5207", [paid.voucher_no])
    receipt = receipt_of(parse_voucher(read[paid.voucher_no].voucher))
    xml = positions_xml(lib.env, PBOC, *RECEIPT_POSITIONS)
    await pboc.sign_stamp_by_nos(ADM, YEAR, "5207", mof(body(receipt, 1)), xml)
    await pboc.send_voucher(ADM, "001", "011", YEAR, "5207", [paid.voucher_no])
    notice = voucher("5106", seed=13)
    await fin.sign_stamp_by_nos(
        ADM, YEAR, "5106", mof(body(notice)), positions_xml(lib.env, FINANCE, "cz_gz")
    )
    await fin.send_voucher(ADM, "011", "102", YEAR, "5106", [notice.voucher_no])
    for client in (fin, pboc):
        await client.aclose()
    key = lambda vt, v: VoucherKey(ADM, YEAR, vt, v.voucher_no, 0)  # noqa: E731
    return key("5207", paid), key("5106", notice), key("5207", tampered)


def _tamper(db: Path, key: VoucherKey) -> None:
    """Change one digit of the stored bytes' PayAmt, as someone editing the database would."""
    where = "adm_div_code=? AND st_year=? AND vt_code=? AND voucher_no=? AND voucher_flag=?"
    with sqlite3.connect(db) as conn:
        (stored,) = conn.execute(f"SELECT body FROM versions WHERE {where} AND body IS NOT NULL",
                                 (*_params(key),)).fetchone()  # fmt: skip
        start = stored.index(b"<PayAmt>") + len(b"<PayAmt>")
        digit = b"9" if stored[start : start + 1] != b"9" else b"8"
        edited = stored[:start] + digit + stored[start + 1 :]
        conn.execute(
            f"UPDATE versions SET body=? WHERE {where} AND body IS NOT NULL", (edited, *_params(key))
        )


def _params(key: VoucherKey) -> tuple:
    return (key.adm_div_code, key.st_year, key.vt_code, key.voucher_no, key.voucher_flag)


@pytest.fixture(scope="session")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    home = tmp_path_factory.mktemp("console")
    env = create_environment(home / "env", scenario="small", seed=20261206)
    reports = home / "reports"
    (reports / "certify").mkdir(parents=True)
    (reports / "certify" / "report.html").write_text(
        "<!doctype html><title>certify: reference library</title><h1>认证报告 12 passed</h1>",
        encoding="utf-8",
    )
    db = home / "library.db"
    settings = Settings(
        env_dir=env.root, db_url=f"sqlite:///{db}", business_date=BUSINESS_DATE, reports_dir=reports
    )
    app = create_app(settings)
    shots = Path(
        os.environ.get("GUOKU_SCREENSHOTS") or tmp_path_factory.getbasetemp() / "console-screenshots"
    )
    shots.mkdir(parents=True, exist_ok=True)
    with serve_in_thread(app, start_timeout=10) as url:
        lib = Library(app, app.state.library.env, base_url=url)
        paid, notice, tampered = asyncio.run(_day(lib))
        _tamper(db, tampered)
        yield Console(url, lib.env, lib, paid, notice, tampered, reports, shots)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Debian's headless chromium through chromedriver, one per test module."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1600,1800", "--lang=zh-CN"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    driver.implicitly_wait(0)  # pages are rendered on the server: loaded when get() returns
    try:
        yield driver
    finally:
        driver.quit()
