"""`guoku env init|show|revoke`: the self-contained test PKI and parties an environment holds.

Exit codes: 0 ok, 1 failed (the certificate is already revoked), 2 usage (the directory is not
empty without --force, is not an environment, or names no such party or certID).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from evoucher.pki.scenario import SCENARIOS
from guoku.cli import EXIT_FAIL, EXIT_OK, EXIT_USAGE

INIT_EPILOG = """\
The directory gets environment.json (the manifest, listing every file) and ca/, certs/, keys/,
seals/ and pictures/. Every party has an organisation certificate whose subject serialNumber is
its certID (<org type>-<AdmDivCode>-<nn>, e.g. 011-330100-01), two people (记账员 -jzy,
复核员 -fhy) with certificates of their own, and a v4 and a v1 seal for each stamp type. The
same --seed always gives the same keys, certificates and seals. See docs/pki.md.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "env",
        help="create and manage a test environment (SM2 CA, parties, certificates, seals)",
        description="A self-contained test environment: an SM2 root CA, the parties of a scenario "
        "with certificates, keys and seals, a CRL, and the stamp positions of every VtCode.",
    )
    sub = parser.add_subparsers(dest="env_command", metavar="SUBCOMMAND", required=True)

    init = sub.add_parser(
        "init",
        help="write a new environment into a directory",
        description="Write a new environment (CA, parties, certificates, keys, seals, CRL) into DIR.",
        epilog=INIT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    init.add_argument("dir", type=Path, help="target directory (created if missing)")
    init.add_argument(
        "--scenario",
        choices=sorted(SCENARIOS),
        default="small",
        help=(
            "small: a province and its capital, 13 parties (default); tiny: one party per role; "
            "province: small plus an agent-treasury district and a half-level (半级财政) district, "
            "as `guoku demo` uses"
        ),
    )
    init.add_argument(
        "--seed", type=int, help="derive every key from this seed (default: a random one, recorded)"
    )
    init.add_argument("--force", action="store_true", help="replace the environment files in a non-empty DIR")
    init.add_argument("--json", action="store_true", help="machine-readable summary on stdout")
    init.set_defaults(func=run_init)

    show = sub.add_parser(
        "show", help="list the parties and certIDs of an environment", description="List an environment."
    )
    show.add_argument("dir", type=Path, help="an environment directory")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=run_show)

    revoke = sub.add_parser(
        "revoke",
        help="revoke a certificate and publish a new CRL",
        description="Revoke one certificate and publish the next CRL. A party handle or name "
        "revokes the party's organisation certificate; a certID revokes exactly that certificate.",
    )
    revoke.add_argument("dir", type=Path, help="an environment directory")
    revoke.add_argument(
        "who", metavar="PARTY_OR_CERTID", help="e.g. hz-icbc, 杭州市财政局 or 011-330100-01-jzy"
    )
    revoke.add_argument(
        "--reason",
        default="unspecified",
        help="RFC 5280 reason: unspecified (default), keyCompromise, cACompromise, affiliationChanged, "
        "superseded, cessationOfOperation, certificateHold, privilegeWithdrawn, aACompromise",
    )
    revoke.add_argument("--json", action="store_true", help="machine-readable output")
    revoke.set_defaults(func=run_revoke)

    login = sub.add_parser(
        "console-login",
        help="a login link for the library's web console, signed with a party's key",
        description="Sign a console login token with PARTY's organisation key (or, for `operator`, "
        "the environment's CA key) and print the link that logs in with it. The token is good "
        "for one login within 15 minutes; the party then sees what its SOAP interface shows.",
    )
    login.add_argument("dir", type=Path, help="an environment directory")
    login.add_argument("who", metavar="PARTY", help="a party handle, name or certID (hz-icbc), or operator")
    login.add_argument(
        "--url", default="http://127.0.0.1:8190", help="the library's base URL (http://127.0.0.1:8190)"
    )
    login.add_argument("--out", type=Path, metavar="FILE", help="also write the link to FILE (mode 600)")
    login.add_argument("--json", action="store_true", help="machine-readable output")
    login.set_defaults(func=run_console_login)


def _usage(message: str) -> int:
    print(f"guoku env: {message}", file=sys.stderr)
    return EXIT_USAGE


def summary(env: Any) -> dict[str, Any]:
    """The facts `init` and `show` print: where things are and who is in the environment."""
    return {
        "root": str(env.root),
        "scenario": env.scenario,
        "seed": env.seed,
        "ca": env.ca_cert.subject.native["common_name"],
        "crls": len(env.crls),
        "revoked": [r.cert_id for r in env.revoked],
        "parties": [
            {
                "handle": p.handle,
                "name": p.name,
                "role": p.role,
                "org_type": p.org_type,
                "adm_div_code": p.adm_div_code,
                "cert_id": p.cert_id,
                "people": {h.cert_id: h.name for h in p.people},
                "vt_codes": len(p.vt_codes),
                "seals": len(p.seals),
            }
            for p in env.parties
        ],
    }


def _print_summary(facts: dict[str, Any]) -> None:
    parties = facts["parties"]
    print(f"environment {facts['root']}  (scenario {facts['scenario']}, seed {facts['seed']})")
    print(f"  root CA {facts['ca']}; {len(parties)} parties; {facts['crls']} CRL(s)", end="")
    print(f"; revoked: {', '.join(facts['revoked'])}" if facts["revoked"] else "")
    print(f"  {'certID':<15} {'handle':<12} {'role':<12} {'VtCodes':>7} {'seals':>5}  name")
    for p in parties:
        row = f"{p['cert_id']:<15} {p['handle']:<12} {p['role']:<12} {p['vt_codes']:>7} {p['seals']:>5}"
        print(f"  {row}  {p['name']}")


def run_init(args: argparse.Namespace) -> int:
    from evoucher.pki.builder import EnvironmentExists, create_environment

    def progress(message: str) -> None:
        print(f"  {message}", file=sys.stderr, flush=True)

    try:
        env = create_environment(
            args.dir, scenario=args.scenario, seed=args.seed, force=args.force, progress=progress
        )
    except EnvironmentExists as exc:
        return _usage(str(exc))
    facts = summary(env)
    if args.json:
        print(json.dumps(facts, ensure_ascii=False, indent=2))
    else:
        _print_summary(facts)
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    from evoucher.pki import load_environment

    try:
        env = load_environment(args.dir)
    except (FileNotFoundError, ValueError) as exc:
        return _usage(str(exc))
    facts = summary(env)
    if args.json:
        print(json.dumps(facts, ensure_ascii=False, indent=2))
    else:
        _print_summary(facts)
    return EXIT_OK


def run_revoke(args: argparse.Namespace) -> int:
    from evoucher.pki.builder import revoke
    from evoucher.pki.x509 import REASONS

    if args.reason not in REASONS:
        return _usage(f"unknown revocation reason {args.reason!r}; one of {', '.join(REASONS)}")
    try:
        record = revoke(args.dir, args.who, reason=args.reason)
    except (FileNotFoundError, KeyError) as exc:
        return _usage(exc.args[0] if isinstance(exc, KeyError) else str(exc))
    except ValueError as exc:
        print(f"guoku env: {exc}", file=sys.stderr)
        return EXIT_FAIL
    facts = {
        "cert_id": record.cert_id,
        "serial": f"{record.serial:x}",
        "reason": record.reason,
        "at": record.at.isoformat(),
    }
    if args.json:
        print(json.dumps(facts, ensure_ascii=False))
    else:
        print(f"revoked {record.cert_id} (serial {record.serial:x}, {record.reason}) at {facts['at']}")
    return EXIT_OK


def run_console_login(args: argparse.Namespace) -> int:
    from urllib.parse import quote

    from evoucher.pki import load_environment
    from voucherlib.console.login import make_token

    try:
        env = load_environment(args.dir)
        token = make_token(env, args.who)
    except (FileNotFoundError, ValueError) as exc:
        return _usage(str(exc))
    except KeyError as exc:
        return _usage(exc.args[0])
    link = f"{args.url.rstrip('/')}/console/login?token={quote(token)}"
    if args.out:
        args.out.touch(mode=0o600)
        args.out.write_text(link + "\n", encoding="utf-8")
    print(json.dumps({"who": args.who, "token": token, "link": link}) if args.json else link)
    return EXIT_OK
