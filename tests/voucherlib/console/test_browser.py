"""The console in a real headless chromium (one browser for the module): login, the list, a stamped
5207 beside its receipt, party isolation by URL, a tampered stamp, the board and the reports. The
pages a person would look at are saved as screenshots (directory: see conftest)."""

from __future__ import annotations

from decimal import Decimal

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from evoucher.codec import parse_voucher

from .conftest import BANK, OTHER_BANK, Console


def _badges(browser, form_id: str) -> dict[str, str]:
    slots = browser.find_elements(By.CSS_SELECTOR, f"#{form_id} .slot")
    return {
        s.get_attribute("data-position"): s.find_element(By.CLASS_NAME, "stamp-verdict").text for s in slots
    }


def _wait_for(browser, selector: str) -> None:
    """Until a page reached by a click has loaded (a `get` returns when it has)."""
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, selector))
    )


def _texts(browser, selector: str) -> list[str]:
    return [e.text for e in browser.find_elements(By.CSS_SELECTOR, selector)]


def test_no_session_shows_the_login_form_and_no_data(console: Console, browser):
    browser.delete_all_cookies()
    browser.get(console.page(console.paid))
    assert "/console/login" in browser.current_url
    assert browser.find_elements(By.ID, "token") and not browser.find_elements(By.ID, "document")


def test_finance_sees_its_5207_as_a_form_with_seals_beside_the_receipt(console: Console, browser):
    browser.get(console.login_link("hz-finance"))
    assert browser.current_url.endswith("/console/vouchers")
    listed = _texts(browser, "#vouchers a.voucher")
    assert listed.count(console.paid.voucher_no) == 2  # the voucher it sent and the receipt it got
    assert console.notice.voucher_no in listed
    browser.find_element(By.CSS_SELECTOR, f"a.voucher[href='/console/voucher/{console.paid}']").click()
    _wait_for(browser, "#document")

    version = console.library.store.query(lambda q: q.version(console.paid))
    amount = Decimal(parse_voucher(version.body).header["PayAmt"])
    form = browser.find_element(By.ID, "document")
    assert "实拨拨款凭证" in form.text and "拨款金额" in form.text and f"{amount:,.2f}" in form.text
    assert _badges(browser, "document") == {"cz_gz": "PASSED", "cz_jzysz": "PASSED", "cz_fhysz": "PASSED"}
    pictures = form.find_elements(By.CSS_SELECTOR, ".slot img")
    assert len(pictures) == 3 and all(p.get_property("naturalWidth") > 0 for p in pictures)
    receipt = browser.find_element(By.ID, "counterpart")
    assert "实拨拨款凭证（回单）" in receipt.text
    assert _badges(browser, "counterpart") == {"rh_zqz": "PASSED", "rh_gz": "PASSED"}
    assert "12 已收到对方回单" in browser.find_element(By.ID, "deliveries").text
    operations = _texts(browser, "#audit tr td:nth-child(5)")
    assert {"signStampByNos", "sendVoucher"} <= set(operations)
    assert "confirmVoucher" not in operations  # the PBoC's own operation: not finance's to see
    assert len(_texts(browser, "#versions tr")) - 1 == version.version
    browser.save_screenshot(str(console.screenshots / "voucher-5207.png"))

    browser.get(console.page(console.paid.ref.key(1)))
    assert "回单" in browser.find_element(By.CSS_SELECTOR, "#document h1").text
    browser.save_screenshot(str(console.screenshots / "receipt-5207.png"))


def test_a_bank_cannot_open_another_banks_voucher_by_url(console: Console, browser):
    browser.get(console.login_link(OTHER_BANK))
    assert console.notice.voucher_no not in _texts(browser, "#vouchers a.voucher")
    for key in (console.notice, console.paid):
        browser.get(console.page(key))
        assert "未找到" in browser.title and not browser.find_elements(By.ID, "document")

    browser.get(console.login_link(BANK))
    assert _texts(browser, "#vouchers a.voucher") == [console.notice.voucher_no]
    browser.get(console.page(console.notice))
    assert _badges(browser, "document") == {"cz_gz": "PASSED"}
    assert [row.split(" ")[0] for row in _texts(browser, "#deliveries tr")[1:]] == ["中国工商银行杭州分行"]


def test_a_tampered_stamp_shows_failed_and_why(console: Console, browser):
    browser.get(console.login_link("operator"))
    browser.get(console.page(console.tampered))
    badges = _badges(browser, "document")
    assert set(badges.values()) == {"FAILED"} and len(badges) == 3
    assert all("HASH_FAILURE" in why for why in _texts(browser, "#document .why"))
    assert browser.find_element(By.CSS_SELECTOR, "#document .verdict").text == "FAILED"


def test_the_board_counts_todays_deliveries_per_type_and_status(console: Console, browser):
    browser.get(console.login_link("operator"))
    browser.get(f"{console.url}/console/board")
    totals = {
        e.get_attribute("data-status"): e.text
        for e in browser.find_elements(By.CSS_SELECTOR, "th[data-status]")
    }
    # 5207 paid: receipt back (12); 5207 tampered: read, not signed for (1); the receipt (6); 5106 (0)
    assert totals == {"0": "1", "1": "1", "6": "1", "12": "1"}
    assert browser.find_element(By.ID, "total").text == "4"
    assert "实拨" in browser.find_element(By.ID, "board").text
    assert browser.find_element(By.CSS_SELECTOR, "meta[http-equiv=refresh]")
    browser.save_screenshot(str(console.screenshots / "board.png"))


def test_the_operator_reads_the_run_reports(console: Console, browser):
    browser.get(console.login_link("operator"))
    browser.get(f"{console.url}/console/reports/")
    browser.find_element(By.LINK_TEXT, "certify: reference library").click()
    WebDriverWait(browser, 10).until(expected_conditions.title_is("certify: reference library"))
    assert "认证报告 12 passed" in browser.find_element(By.TAG_NAME, "h1").text
