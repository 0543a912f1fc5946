"""`guoku certify`: certify a voucher library from its wire alone; `guoku certify verify-report DIR`.

Thin: parses arguments into `conformance.engine.Config`, runs the engine, prints its progress
events on stderr, writes report.json / junit.xml / report.html, signs the bundle, and maps the
verdict to the exit code: 0 every required applicable check passed or is waived, 1 otherwise (a
failed or errored check, an expired or stale waiver), 2 a usage error. Without --target it starts
the reference library embedded (a fresh environment and store), which is how `make test` and the
docs certify the reference.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from guoku.cli import EXIT_FAIL, EXIT_OK, EXIT_USAGE

EPILOG = """\
The suite acts as every party of the environment the target was configured with (--env, made by
`guoku env init`), reaching the target only through its SOAP services. Each check is tagged with the
requirement ids of docs/spec.md it tests; docs/conformance.md lists them, docs/certify.md explains
a certification step by step.

Outcomes: passed, failed, skipped (with the reason), not applicable (the declaration or the profile
excludes it), error (the suite could not judge; never a pass), waived.
Exit codes: 0 certified, 1 a required check failed or errored or a waiver is expired or stale, 2 usage.

Examples:
  guoku certify                                   # the embedded reference library, full suite
  guoku certify --only wire,seals --out ./cert    # two areas
  guoku certify --target http://10.0.0.5:8190 --env ./env --declare vendor.toml --out ./cert
  guoku certify --target URL --env ./env --only seals.tampered-stamp-refused --seed 7
  guoku certify verify-report ./cert --trust ~/.guoku/certify/testbed.cer
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "certify",
        help="certify a voucher library against the guoku specification, from its wire alone",
        description="Run the certification suite against a voucher library and write signed reports.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--target", metavar="URL", help="the library's base URL (default: the embedded reference)"
    )
    parser.add_argument(
        "--env", type=Path, metavar="DIR", help="the environment the target was configured with"
    )
    parser.add_argument(
        "--profile", choices=("2.0", "1.0"), help="interface profile (the declaration's, else 2.0)"
    )
    parser.add_argument("--declare", type=Path, metavar="FILE", help="what the library implements (TOML)")
    parser.add_argument(
        "--only", metavar="IDS", help="comma-separated check ids, id prefixes, areas or requirement ids"
    )
    parser.add_argument(
        "--waivers", type=Path, metavar="FILE", help="expected failures (TOML [[waiver]] tables)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the generated data (0); a rerun replays it"
    )
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="where the reports go (default: a new temp dir)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print report.json on stdout instead of the table"
    )
    parser.add_argument("--list", action="store_true", help="list the selected checks and exit")
    parser.add_argument(
        "--restart-cmd",
        metavar="CMD",
        help="how to restart the target (durability checks); overrides the declaration's",
    )
    parser.add_argument("--timeout", type=float, default=30.0, metavar="S", help="seconds per SOAP call (30)")
    parser.add_argument(
        "--signing-home",
        type=Path,
        metavar="DIR",
        help="where the testbed's signing key lives (default: $GUOKU_HOME/certify or ~/.guoku/certify)",
    )
    embedded = parser.add_argument_group("embedded reference (without --target)")
    embedded.add_argument("--db", metavar="URL", help="its store (default: SQLite in the run's temp dir)")
    embedded.add_argument("--auth", choices=("required", "off"), default="required", help="its caller auth")
    parser.set_defaults(func=run)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    verify = actions.add_parser(
        "verify-report",
        help="check a signed report bundle",
        description=(
            "Check that no file of a certification report was changed, added or removed after the run, and "
            "that the testbed's key signed it. Exit 0 intact, 1 not, 2 usage."
        ),
    )
    verify.add_argument("dir", type=Path, metavar="DIR")
    verify.add_argument(
        "--trust", type=Path, metavar="CERT", help="the testbed certificate that must have signed"
    )
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(func=run_verify)


def _usage(message: str) -> int:
    print(f"guoku certify: {message}", file=sys.stderr)
    return EXIT_USAGE


def signing_home(args: argparse.Namespace) -> Path:
    if args.signing_home:
        return args.signing_home
    home = os.environ.get("GUOKU_HOME")
    return (Path(home) if home else Path.home() / ".guoku") / "certify"


@contextlib.contextmanager
def embedded_reference(
    home: Path, *, profile: str, auth: str, db_url: str | None
) -> Iterator[tuple[str, Path]]:
    """The reference library on a loopback port over a fresh `province` environment: (URL, env dir)."""
    from evoucher.pki.builder import create_environment
    from voucherlib.app import create_app
    from voucherlib.loopback import serve_in_thread
    from voucherlib.settings import Settings

    env = create_environment(home / "env", scenario="province", seed=7)
    settings = Settings(
        env_dir=env.root, db_url=db_url or f"sqlite:///{home / 'library.db'}", profile=profile, auth=auth
    )
    with serve_in_thread(create_app(settings)) as url:
        yield url, env.root


def run(args: argparse.Namespace) -> int:
    from conformance import catalogue
    from conformance.bundle import load_signing_key, sign_bundle
    from conformance.declaration import DeclarationError, read_declaration
    from conformance.engine import Config
    from conformance.engine import run as run_engine
    from conformance.events import RunFinished
    from conformance.reports import write_all
    from conformance.reports.console import progress, summary
    from conformance.waivers import WaiverError, read_waivers

    if args.target and not args.env:
        return _usage("--target needs --env: the environment the target was configured with")
    if args.env and not args.target:
        return _usage("--env without --target: the embedded reference makes its own environment")
    try:
        overrides = {"profile": args.profile, "restart_cmd": args.restart_cmd}
        if not args.target:
            overrides["auth"] = args.auth == "required"
        declaration = read_declaration(args.declare, **overrides)
        waivers = read_waivers(args.waivers) if args.waivers else ()
        only = tuple(s for s in (args.only or "").split(",") if s.strip())
        selected = catalogue.select(catalogue.load(), only)
    except (DeclarationError, WaiverError, KeyError) as exc:
        return _usage(str(exc.args[0] if isinstance(exc, KeyError) else exc))
    if args.list:
        for check in selected.values():
            print(f"{check.id}\t{','.join(check.requirements)}\t{check.title}")
        return EXIT_OK

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    home = Path(tempfile.mkdtemp(prefix="guoku-certify-"))
    out = args.out or home / "report"
    with contextlib.ExitStack() as stack:
        if args.target:
            url, env_dir = args.target, args.env
        else:
            url, env_dir = stack.enter_context(
                embedded_reference(home, profile=declaration.profile, auth=args.auth, db_url=args.db)
            )
            say(
                f"reference library (embedded, profile {declaration.profile}, auth {args.auth})"
                f" on {url}; env {env_dir}"
            )
        config = Config(
            target=url,
            env_dir=env_dir,
            declaration=declaration,
            only=only,
            seed=args.seed,
            waivers=waivers,
            timeout=args.timeout,
            declaration_file=args.declare,
        )
        report = None
        try:
            for event in run_engine(config):
                line = progress(event)
                if line:
                    say(line)
                if isinstance(event, RunFinished):
                    report = event.report
        except (OSError, ValueError) as exc:  # an unreadable environment
            return _usage(str(exc))
    assert report is not None
    write_all(report, out)
    sign_bundle(out, load_signing_key(signing_home(args)))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(summary(report))
        print(
            f"reports: {out}/report.html, report.json, junit.xml (signed: guoku certify verify-report {out})"
        )
    return EXIT_OK if report["exit_code"] == 0 else EXIT_FAIL


def run_verify(args: argparse.Namespace) -> int:
    from conformance.bundle import verify_bundle
    from evoucher.pki import load_certificate

    if not args.dir.is_dir():
        return _usage(f"verify-report: {args.dir} is not a directory")
    try:
        trusted = load_certificate(args.trust.read_bytes()).dump() if args.trust else None
    except (OSError, ValueError) as exc:
        return _usage(f"verify-report: --trust {args.trust}: {exc}")
    verdict = verify_bundle(args.dir, trusted=trusted)
    if args.json:
        print(json.dumps(verdict.to_json(), indent=1))
    else:
        for problem in verdict.problems:
            print(f"  {problem}")
        print(
            f"{args.dir}: {'INTACT' if verdict.ok else 'NOT INTACT'} ({verdict.files} files, "
            f"signer SM3 {verdict.signer_sm3[:16]}…{'' if trusted else ', signer not pinned: pass --trust'})"
        )
    return EXIT_OK if verdict.ok else EXIT_FAIL
