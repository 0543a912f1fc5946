"""Console list pages on a store of a million vouchers, against `/healthz` of the same server.

Covers: GET /console/vouchers over loopback HTTP (session cookie, store query, Jinja2 page) for the
operator, a finance bureau, the PBoC and an agent bank; the first page, a page deep in the list
(by its cursor) and the filters (VtCode, day, status, voucher number, amount), including the
worst case: a filter nothing matches, where a page looks at SCAN index entries and stops.
Scenario: a SQLite store (WAL) of --vouchers voucher documents (default 1,000,000) filled by bulk
SQL inserts, not through the SOAP interface (that would take days): two finance bureaus send
vouchers of 8 types over 30 days, each delivered to the treasury of its AdmDivCode, one in four
also to an agent bank, one in four answered by a receipt delivered back; delivery states are
spread over 0..5; amounts take seven magnitudes. The console's indexes (and its amounts table)
are built before the rows go in. The baseline is GET
/healthz (one trivial store read) in the same rounds; the median latency of each page is printed
beside its ratio, since the console's requirement is absolute (a page under 200 ms).

    .venv/bin/python -m benchmarks.bench_console [--vouchers 1000000] [--db PATH] [--seconds 1] [--rounds 3]

With --db an existing file built by an earlier run (same --vouchers) is reused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks._harness import add_arguments, print_results, run_rounds
from evoucher.pki import Environment
from evoucher.pki.builder import create_environment
from voucherlib.console.login import make_token
from voucherlib.store import open_store
from voucherlib.store.console import prepare

TYPES = ("5207", "5201", "5106", "5108", "5253", "5209", "5267", "5351")
START = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
DAYS = 30
BATCH = 50_000
AMOUNTS_FEN = (12_000_00, 380_50, 96_000_000_00, 4_500_00, 71_250_00, 1_000_00, 250_000_00)


def _at(i: int, n: int) -> str:
    return (START + dt.timedelta(seconds=DAYS * 86400 * i / n)).isoformat(timespec="microseconds")


def build(path: Path, env: Environment, n: int) -> None:
    """Fill a new store at `path` with `n` vouchers (and their receipts and deliveries) by bulk SQL."""
    with open_store(f"sqlite:///{path}") as store:
        store.atomic(prepare)
    finance = env.find(role="finance")
    peers = {
        f.adm_div_code: tuple(
            env.find(role=role, adm_div_code=f.adm_div_code)[0] for role in ("pboc", "agent_bank")
        )
        for f in finance
    }
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    positions = json.dumps(["cz_gz"])
    started = time.perf_counter()
    for first in range(0, n, BATCH):
        docs, sent, amounts = [], [], []
        for i in range(first, min(n, first + BATCH)):
            f = finance[i % len(finance)]
            pboc, bank = peers[f.adm_div_code]
            key = (f.adm_div_code, 2026, TYPES[i % len(TYPES)], f"B{i:09d}")
            at, state = _at(i, n), (i // 7) % 6
            docs.append((*key, 0, "011", f.cert_id, positions, 2, 1, 0, 0, at, at))
            amounts.append((*key, 0, AMOUNTS_FEN[i % len(AMOUNTS_FEN)] + i % 100))
            sent.append((*key, 0, "001", pboc.cert_id, state, 2, 0, "", at, at, 0, ""))
            if i % 4 == 1:
                sent.append((*key, 0, bank.org_type, bank.cert_id, state, 2, 0, "", at, at, 0, ""))
            if i % 4 == 2:
                docs.append((*key, 1, "001", pboc.cert_id, positions, 2, 1, 0, 0, at, at))
                sent.append((*key, 1, "011", f.cert_id, (i // 5) % 6, 2, 0, "", at, at, 0, ""))
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO vouchers VALUES ({', '.join('?' * 14)})", docs)
        conn.executemany(f"INSERT INTO deliveries VALUES ({', '.join('?' * 15)})", sent)
        conn.executemany("INSERT INTO console_amounts VALUES (?, ?, ?, ?, ?, ?)", amounts)
        conn.execute("COMMIT")
        print(
            f"  {first + len(docs):,} documents, {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
            flush=True,
        )
    conn.execute("ANALYZE")
    conn.close()
    print(f"  store built and indexed in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def pages(url: str, env: Environment, n: int) -> dict:
    """One logged-in client per viewer and the page requests to time, by name."""

    def client(who: str) -> httpx.Client:
        c = httpx.Client(base_url=url, timeout=60)
        c.get("/console/login", params={"token": make_token(env, who)})
        c.get("/console/vouchers").raise_for_status()  # not timed: the first page starts the workers
        return c

    operator, finance, pboc, bank = (client(w) for w in ("operator", "hz-finance", "hz-treasury", "hz-icbc"))
    middle = n // 2 - n // 2 % len(TYPES)  # a voucher half-way through the list
    deep = f"{_at(middle, n)}|330000|2026|{TYPES[0]}|B{middle:09d}|0"
    day = (START + dt.timedelta(days=DAYS // 2)).date().isoformat()

    def get(c: httpx.Client, *, found: bool = True, **params):
        def call():
            answer = c.get("/console/vouchers", params=params)
            assert answer.status_code == 200 and ('class="voucher"' in answer.text) == found, params

        return call

    return {
        "GET /healthz": (None, lambda: operator.get("/healthz").raise_for_status()),
        "operator, first page": ("GET /healthz", get(operator)),
        "operator, page half-way (cursor)": ("GET /healthz", get(operator, after=deep)),
        "operator, VtCode 5106": ("GET /healthz", get(operator, vt="5106")),
        "operator, one day": ("GET /healthz", get(operator, day=day)),
        "operator, VoucherNo": ("GET /healthz", get(operator, no=f"B{middle:09d}")),
        "operator, VtCode none has (worst)": ("GET /healthz", get(operator, vt="2301", found=False)),
        "operator, amount none has (worst)": ("GET /healthz", get(operator, min="1", max="2", found=False)),
        "finance, first page": ("GET /healthz", get(finance)),
        "finance, status 5 (returned)": ("GET /healthz", get(finance, status="5")),
        "finance, amount 4,000-5,000": ("GET /healthz", get(finance, min="4000", max="5000")),
        "PBoC, first page": ("GET /healthz", get(pboc)),
        "agent bank, first page": ("GET /healthz", get(bank)),
        "agent bank, VtCode 5201 + day": ("GET /healthz", get(bank, vt="5201", day=day)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vouchers", type=int, default=1_000_000, help="voucher documents (1,000,000)")
    parser.add_argument(
        "--db", type=Path, help="the store file (reused when it exists; default: a temp file)"
    )
    add_arguments(parser, seconds=1.0, rounds=3)
    args = parser.parse_args()
    from voucherlib.app import create_app
    from voucherlib.loopback import serve_in_thread
    from voucherlib.settings import Settings

    home = Path(tempfile.mkdtemp(prefix="guoku-bench-console-"))
    env = create_environment(home / "env", scenario="small", seed=1)
    db = args.db or home / "library.db"
    if not db.exists():
        build(db, env, args.vouchers)
    app = create_app(Settings(env_dir=env.root, db_url=f"sqlite:///{db}"))
    with serve_in_thread(app) as url:
        workloads = pages(url, env, args.vouchers)
        print(f"console list pages, {args.vouchers:,} vouchers in {db}")
        results = run_rounds(workloads, seconds=args.seconds, rounds=args.rounds)
    print_results(results)
    print("  median latency: " + ", ".join(f"{r.name} {1000 / r.rate:.1f} ms" for r in results))


if __name__ == "__main__":
    main()
