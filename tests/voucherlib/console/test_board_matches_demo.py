"""The console's board shows the demo's numbers: one business day of every flow (`guoku demo`'s
engine) against a library, then the demo's status board (each sender's status queries over the
wire) and the console's board.json of the same library, compared per VtCode and status."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import httpx

from evoucher.pki.builder import create_environment
from mocks.engine import DayConfig, run_business_day
from voucherlib.app import create_app
from voucherlib.console.login import make_token
from voucherlib.loopback import serve_in_thread
from voucherlib.settings import Settings


def test_the_console_board_counts_what_the_demo_board_reports(tmp_path):
    env = create_environment(tmp_path / "env", scenario="province", seed=7)
    app = create_app(Settings(env_dir=env.root, db_url=f"sqlite:///{tmp_path / 'library.db'}"))
    with serve_in_thread(app) as url:
        report = run_business_day(url, env, DayConfig(seed=7, business_date=dt.date.today()))
        with httpx.Client(base_url=url, follow_redirects=True, timeout=60) as operator:
            operator.get("/console/login", params={"token": make_token(env, "operator")}).raise_for_status()
            today = dt.datetime.now(dt.UTC).date().isoformat()
            board = operator.get("/console/board", params={"day": today, "format": "json"}).json()
    demo = Counter((row.vt_code, row.status) for row in report.board)
    console = Counter(
        {(t["vt_code"], int(code)): n for t in board["types"] for code, n in t["statuses"].items()}
    )
    assert report.ok and len(report.board) > 50
    assert console == demo
