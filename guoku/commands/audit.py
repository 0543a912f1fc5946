"""`guoku audit`: check and read the voucher library's hash-chained audit trail.

`verify` recomputes every entry's SM3 chain hash and compares the end with the chain head, so an
edited, deleted or reordered entry is found; it names the first bad entry and exits 1. `show`
prints entries, all or one voucher's. Both open the store read-only in effect (nothing is created).
"""

from __future__ import annotations

import argparse
import json
import sys

from guoku.cli import EXIT_FAIL, EXIT_OK, EXIT_USAGE

DB_HELP = (
    "store URL: sqlite:////abs/path.db, sqlite:///relative.db, or "
    "postgresql://user@host:5432/db?schema=guoku (default schema guoku)"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="verify or show the voucher library's audit trail",
        description="Every operation on a voucher is an audit entry chained by SM3 hashes (全生命周期).",
    )
    actions = parser.add_subparsers(dest="audit_action", metavar="ACTION")
    parser.set_defaults(func=lambda args: _usage(parser))

    verify = actions.add_parser(
        "verify",
        help="check the hash chain; exit 0 intact, 1 broken, 2 usage error",
        description="Recompute the chain from the first entry to the head. A broken chain names the "
        "first bad entry (edited, deleted, reordered, or a cut tail) and exits 1.",
    )
    verify.add_argument("--db", required=True, help=DB_HELP)
    verify.add_argument("--json", action="store_true", help="print one JSON object for machines")
    verify.set_defaults(func=run_verify)

    show = actions.add_parser("show", help="print audit entries, oldest first", description="Print entries.")
    show.add_argument("--db", required=True, help=DB_HELP)
    show.add_argument(
        "--voucher", default="", metavar="KEY", help="only this voucher: AdmDivCode/StYear/VtCode/No/Flag"
    )
    show.add_argument(
        "--after", type=int, default=0, metavar="SEQ", help="start after this entry (default 0)"
    )
    show.add_argument(
        "--limit", type=int, default=1000, help="at most this many entries (1..10000, default 1000)"
    )
    show.add_argument("--json", action="store_true", help="print one JSON object for machines")
    show.set_defaults(func=run_show)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _open(url: str):
    from voucherlib.errors import VoucherlibError
    from voucherlib.store import open_store

    try:
        return open_store(url, create=False)
    except VoucherlibError as exc:
        print(f"guoku audit: {exc.fault_string()}", file=sys.stderr)
        return None


def run_verify(args: argparse.Namespace) -> int:
    store = _open(args.db)
    if store is None:
        return EXIT_USAGE
    with store:
        report = store.verify_audit()
        bad = []
        if report.first_bad_seq is not None:
            bad = store.query(lambda q: q.audit_page(after=report.first_bad_seq - 1, limit=1))
    entry = bad[0].to_json() if bad and bad[0].seq == report.first_bad_seq else None
    if args.json:
        print(json.dumps(report.to_json() | {"first_bad_entry": entry}, ensure_ascii=False))
    elif report.intact:
        print(f"audit trail intact: {report.checked} entries, head {report.head_seq} {report.head_hash}")
    else:
        print(f"audit trail BROKEN at entry {report.first_bad_seq}: {report.problem}")
        if entry:
            print(
                f"  stored as: {entry['operation']} {entry['voucher']} by {entry['actor']} at {entry['at']}"
            )
        print(f"  {report.checked} entries verified before it; head {report.head_seq} {report.head_hash}")
    return EXIT_OK if report.intact else EXIT_FAIL


def run_show(args: argparse.Namespace) -> int:
    from voucherlib.errors import VoucherlibError
    from voucherlib.store import VoucherKey

    try:
        voucher = str(VoucherKey.parse(args.voucher)) if args.voucher else ""
    except VoucherlibError as exc:
        print(f"guoku audit: {exc.fault_string()}", file=sys.stderr)
        return EXIT_USAGE
    store = _open(args.db)
    if store is None:
        return EXIT_USAGE
    with store:
        try:
            entries = store.query(lambda q: q.audit_page(after=args.after, limit=args.limit, voucher=voucher))
        except VoucherlibError as exc:
            print(f"guoku audit: {exc.fault_string()}", file=sys.stderr)
            return EXIT_USAGE
        head_seq, head_hash = store.query(lambda q: q.audit_head())
    if args.json:
        payload = {
            "head": {"seq": head_seq, "hash": head_hash.hex()},
            "entries": [e.to_json() for e in entries],
        }
        print(json.dumps(payload, ensure_ascii=False))
        return EXIT_OK
    for e in entries:
        version = "" if e.version is None else f" v{e.version}"
        print(f"{e.seq:>6} {e.at} {e.actor} [{e.org}] {e.operation} {e.voucher or '-'}{version}"
              f" {e.status_before or '-'}->{e.status_after} {e.detail}")  # fmt: skip
    print(f"{len(entries)} entries shown; chain head {head_seq} {head_hash.hex()}")
    return EXIT_OK
