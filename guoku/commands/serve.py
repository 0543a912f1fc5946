"""`guoku serve`: run the reference voucher library (电子凭证库) with uvicorn.

Exit codes: 0 stopped cleanly (SIGINT or SIGTERM: in-flight calls finish, the store is closed),
1 could not start (port taken, store unreachable), 2 usage (no environment, bad option).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import signal
import socket
import sys
from functools import partial
from pathlib import Path

from guoku.cli import EXIT_FAIL, EXIT_OK, EXIT_USAGE

WORKER_REQUEST_NICE = 10  # with several workers on one store (voucherlib.prefork)
EPILOG = """\
The library serves the realware SOAP interface, one endpoint per party kind, each with its WSDL
at ?wsdl: /realware/services/AsspFinanceService (011), AsspCBankService (001), AsspPBankService
(bank types) and AsspEStampService (seals). Callers sign every request with their certificate
from the environment (the CallerAuth header; mocks.VoucherLibraryClient and
mocks.zeep_auth.CallerAuthPlugin do it); --auth off takes the certID argument on trust, including
the org type 001 that real PBoC front ends send (docs/wire.md VL-WIRE-027). Axis 1 rpc/encoded
requests are answered in kind; their WSDL is at ?wsdl&style=rpc.

Profiles: 2.0 stamps with GB/T 38540 v4 seals, takes the 20141015_V2.0 codes (3210, 3404-3406)
and offers the combined and batch operations; 1.0 stamps with GM/T 0031 v1 seals and keeps the
old codes (3251, 3453-3455). Run one of each on one --db to rehearse an upgrade.

Examples:
  guoku env init ./env
  guoku serve --env ./env --profile 2.0 --db sqlite:///lib.db --port 8190
  guoku serve --env ./env --profile 1.0 --db postgresql://postgres@127.0.0.1/guoku --port 8191
  guoku serve --env ./env --workers 2        # one process per core on port 8190

The web console at /console/ shows the vouchers, the day's board and the --reports DIR pages to
a party logged in with `guoku env console-login` (docs/console.md).
See docs/library.md for what each operation does and refuses.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the reference voucher library (realware SOAP services)",
        description="Run the reference electronic voucher library (电子凭证库) until SIGINT or SIGTERM.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--env", type=Path, required=True, metavar="DIR", help="environment (guoku env init)")
    parser.add_argument("--profile", choices=("2.0", "1.0"), default="2.0", help="interface profile (2.0)")
    parser.add_argument(
        "--db",
        default="sqlite:///guoku-library.db",
        metavar="URL",
        help="store: sqlite:///PATH (WAL, default sqlite:///guoku-library.db) or postgresql://user@host/db",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8190, help="port (8190, as in ITFE's config; 0: any free)"
    )
    parser.add_argument(
        "--auth", choices=("required", "off"), default="required", help="caller authentication"
    )
    parser.add_argument(
        "--seal-policy",
        choices=("default", "strict"),
        default="default",
        help="how stamps are judged on arrival",
    )
    parser.add_argument(
        "--business-date",
        type=dt.date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="validate as of this day (today)",
    )
    parser.add_argument(
        "--reports", type=Path, metavar="DIR", help="HTML reports the web console serves at /console/reports/"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="worker processes on the one port, e.g. one per core (1); they share the store, "
        "its audit chain and the CallerAuth nonces",
    )
    parser.add_argument(
        "--cpu-affinity",
        choices=("auto", "off"),
        default="auto",
        help="with --workers N: auto gives each worker its own share of the CPUs (one core each "
        "when N equals the cores), which spares the cross-core GIL hand-offs; off leaves the "
        "kernel to place them (auto)",
    )
    parser.add_argument("--log-level", default="warning", choices=("debug", "info", "warning", "error"))
    parser.set_defaults(func=run)


def _usage(message: str) -> int:
    print(f"guoku serve: {message}", file=sys.stderr)
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    from evoucher.pki.environment import MANIFEST
    from evoucher.seal.policy import PRESETS
    from voucherlib.settings import Settings

    if args.workers < 1:
        return _usage(f"--workers must be at least 1, got {args.workers}")
    if not (args.env / MANIFEST).is_file():
        missing = f"{args.env} is not a guoku environment (no {MANIFEST})"
        return _usage(f"{missing}; make one with `guoku env init {args.env}`")
    if args.reports is not None and not args.reports.is_dir():
        return _usage(f"--reports {args.reports} is not a directory")
    try:
        settings = Settings(
            env_dir=args.env, profile=args.profile, db_url=args.db, auth=args.auth,
            seal_policy=PRESETS[args.seal_policy], business_date=args.business_date,
            host=args.host, port=args.port, reports_dir=args.reports,
            request_nice=WORKER_REQUEST_NICE if args.workers > 1 else 0,
        )  # fmt: skip
    except ValueError as exc:
        return _usage(str(exc))
    try:
        socks = _listen(settings.host, settings.port, args.workers)
    except OSError as exc:
        print(
            f"guoku serve: cannot listen on {settings.host}:{settings.port}: {exc.strerror}", file=sys.stderr
        )
        return EXIT_FAIL
    with contextlib.ExitStack() as stack:
        for sock in socks:
            stack.enter_context(sock)
        if args.workers == 1:
            return _serve(settings, socks[0], args.log_level)
        return _serve_workers(settings, socks, args.log_level, pin=args.cpu_affinity == "auto")


def _listen(host: str, port: int, count: int) -> list[socket.socket]:
    """`count` listening sockets on one address, one per worker.

    With several, each has SO_REUSEPORT, so the kernel spreads new connections over them. One
    socket shared by every worker would not: the worker that wakes first accepts everything
    pending, and clients that keep their connections alive then stay on it (8 keep-alive clients
    kept one of two workers busy and the other idle).
    """
    first = socket.create_server((host, port), reuse_port=count > 1)
    socks = [first]
    try:
        bound = first.getsockname()[1]  # port 0 picks one; the others share it
        socks += [socket.create_server((host, bound), reuse_port=True) for _ in range(count - 1)]
    except OSError:
        for sock in socks:
            sock.close()
        raise
    return socks


def _serve_workers(settings, socks: list[socket.socket], log_level: str, *, pin: bool) -> int:
    """A process per socket (voucherlib.prefork); what they share lives with the store."""
    from voucherlib.prefork import run_workers

    workers = len(socks)

    def serve(index: int) -> int:
        for other in socks[:index] + socks[index + 1 :]:
            other.close()  # each worker holds only its own socket
        return _serve(settings, socks[index], log_level, workers=workers, first=index == 0)

    code = run_workers(workers, serve, pin=pin)
    print(f"guoku serve: {workers} workers stopped" + (" (one failed)" if code else ""), flush=True)
    return code


def _stop(server, received: list[int], signum: int, _frame: object) -> None:
    """Before uvicorn has its own handlers (and when it re-raises the signal it stopped on)."""
    received.append(signum)
    server.should_exit = True  # uvicorn, once started, stops at once


def _serve(settings, sock: socket.socket, log_level: str, *, workers: int = 1, first: bool = True) -> int:
    import uvicorn

    from evoucher.interface import SERVICES
    from voucherlib.app import create_app

    host, port = sock.getsockname()[:2]
    base = f"http://{f'[{host}]' if ':' in host else host}:{port}"

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if not self.started:
                return
            # What start-up built (modules, the registry, the app, the open store) lives as long
            # as the process: out of the collector's sight, a full collection walks only what
            # requests made since (~60 ms for the ~120,000 objects of start-up otherwise).
            gc.collect()
            gc.freeze()
            if first:
                where = f"profile {settings.profile}, auth {settings.auth}, store {settings.db_url}"
                where += f", {workers} workers" if workers > 1 else ""
                print(f"guoku serve: reference voucher library listening on {base} ({where})")
                for service in SERVICES.values():
                    print(f"  {base}{service.path}?wsdl")
                print(f"  console: {base}/console/ (log in: guoku env console-login DIR PARTY)")
                print("  health: " + base + "/healthz; stop with Ctrl-C or SIGTERM", flush=True)

    server = Server(uvicorn.Config(create_app(settings), log_level=log_level, lifespan="on"))
    received: list[int] = []
    # uvicorn re-raises the signal that stopped it; a graceful stop is our normal exit (0)
    previous = {
        sig: signal.signal(sig, partial(_stop, server, received)) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        server.run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not server.started:
        print("guoku serve: the library did not start (see the error above)", file=sys.stderr)
        return EXIT_FAIL
    why = f" ({signal.Signals(received[0]).name})" if received else ""
    if first:
        print(f"guoku serve: stopped{why}", flush=True)
    return EXIT_OK
