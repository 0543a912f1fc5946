"""`guoku demo`: one business day of a small province, every flow, against a voucher library.

Without --target it starts the reference library embedded (SQLite, in a fresh directory holding a
new environment of the `province` scenario, the database and the reports) on a loopback port and
plays the day on a simulated clock (sim.demo_day: the phases at their hours, the parties on
their polling cycles in between);
with --target URL --env DIR it drives that library instead, as the parties holding DIR's
certificates. Progress goes to stderr, the summary (or --json) to stdout. Exit codes: 0 every
invariant held, 1 one failed, 2 usage (--target without --env, an unreadable environment).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from guoku.cli import EXIT_FAIL, EXIT_OK, EXIT_USAGE

EPILOG = """\
Flows: quota notices 5106/5108, 实拨 5207, 专户 5267/3268, direct payments 5201 (TIPS 5104 to
the agent bank), authorized payments 8202 from budget units, clearing 2301/2302, payee-bank
refunds 2252 -> 3208/2302, revenue refunds 5209/3210, adjustments 5253/5351, an agent treasury
(代理金库, 330106), a half-level district (半级财政, 330105), reconciliation 35xx/55xx/25xx and
the daily reports 2206/3410. Invariants: money conserved, paid within quota, cleared = paid per
bank, refunds restore exactly, every voucher ends, nothing processed twice, reconciliation
agrees, no party errors, the audit trail verifies (embedded library only).

Examples:
  guoku demo
  guoku demo --seed 3 --out ./day --json > day.json
  guoku demo --wire encoded          # every party speaks Axis 1 rpc/encoded (multiRefs)
  guoku env init ./env && guoku serve --env ./env --port 8190 &
  guoku demo --target http://127.0.0.1:8190 --env ./env
With a `small` or `tiny` environment the day runs every flow its parties allow; the special
districts (330106, 330105) are in the `province` scenario, which the embedded demo creates.
See docs/flows.md.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run one business day of every flow and check the invariants",
        description="One business day of a small province through every flow, then the invariants.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--target", metavar="URL", help="a running voucher library (default: embedded)")
    parser.add_argument("--env", type=Path, metavar="DIR", help="the environment of --target's parties")
    parser.add_argument("--seed", type=int, default=7, help="amounts and environment keys (7)")
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="where the reports go (default: the run's dir)"
    )
    parser.add_argument("--profile", choices=("2.0", "1.0"), default="2.0", help="interface profile (2.0)")
    parser.add_argument(
        "--tips-latency", type=float, default=0.002, metavar="S", help="seconds per CFX message"
    )
    parser.add_argument(
        "--tips-failure-rate", type=float, default=0.0, metavar="P", help="share of TCBS payments failing (0)"
    )
    parser.add_argument(
        "--wire",
        choices=("literal", "encoded"),
        default="literal",
        help="SOAP dialect of every party: document/literal, or Axis 1 rpc/encoded as front ends send it",
    )
    parser.add_argument("--json", action="store_true", help="the report as JSON on stdout")
    parser.set_defaults(func=run)


def _usage(message: str) -> int:
    print(f"guoku demo: {message}", file=sys.stderr)
    return EXIT_USAGE


@contextlib.contextmanager
def embedded_library(env_dir: Path, db_url: str, *, profile: str = "2.0") -> Iterator[tuple[str, Any]]:
    """The reference library on a free loopback port in a thread: (base URL, its VoucherLibrary)."""
    from voucherlib.app import create_app
    from voucherlib.loopback import serve_in_thread
    from voucherlib.settings import Settings

    app = create_app(Settings(env_dir=env_dir, db_url=db_url, profile=profile))
    with serve_in_thread(app) as url:
        yield url, app.state.library


def run(args: argparse.Namespace) -> int:
    from evoucher.pki import load_environment
    from evoucher.pki.builder import create_environment
    from mocks.engine import DayConfig, run_business_day
    from mocks.report import text, write_files
    from mocks.tips import TipsConfig
    from sim.demo_day import simulate_business_day

    if bool(args.target) != bool(args.env):
        return _usage("--target and --env go together: the library's URL and its parties' environment")
    if not 0 <= args.tips_failure_rate <= 1 or args.tips_latency < 0:
        return _usage("--tips-failure-rate must be within 0..1 and --tips-latency not negative")

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    tips = TipsConfig(latency=args.tips_latency, failure_rate=args.tips_failure_rate, seed=args.seed)
    say(f"SOAP dialect of every party: {args.wire}")
    config = DayConfig(
        seed=args.seed, profile=args.profile, tips=tips, business_date=dt.date.today(), wire=args.wire
    )
    if args.target:
        try:
            env = load_environment(args.env)
        except (OSError, ValueError) as exc:
            return _usage(str(exc))
        out = args.out or Path(tempfile.mkdtemp(prefix="guoku-demo-")) / "report"
        report = run_business_day(args.target, env, config, target=args.target, listener=say)
    else:
        home = Path(tempfile.mkdtemp(prefix="guoku-demo-"))
        out = args.out or home / "report"
        say(f"environment: {home / 'env'} (scenario province, seed {args.seed})")
        env = create_environment(home / "env", scenario="province", seed=args.seed)
        db_url = f"sqlite:///{home / 'library.db'}"
        with embedded_library(env.root, db_url, profile=args.profile) as (url, library):
            say(f"reference library (embedded, {db_url}) listening on {url}")

            def audit() -> tuple[bool, str]:
                verdict = library.store.verify_audit()
                detail = f"{verdict.checked} entries, head {verdict.head_hash[:16]}…"
                return verdict.intact, detail if verdict.intact else f"{detail}: {verdict.problem}"

            target = f"reference library (embedded) at {url}"
            report = simulate_business_day(url, env, config, target=target, listener=say, audit=audit)
        say(f"audit trail: guoku audit verify --db {db_url}")
    write_files(report, out)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(text(report))
    return EXIT_OK if report.ok else EXIT_FAIL
