"""`guoku voucher validate|sample|types|xsd`: the voucher-type registry from the command line.

Exit codes: 0 ok (the file is valid / output written), 1 failed check (the file has problems,
including unreadable or hostile content), 2 usage (missing file, unknown VtCode, bad option).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from guoku.cli import EXIT_FAIL, EXIT_OK, EXIT_USAGE

PROFILES = ("1.0", "2.0")
VALIDATE_EPILOG = """\
A MOF file (root <MOF>) is checked body by body: each VoucherBody's attributes against its
voucher, then the voucher as a voucher (VoucherFlag 0) or a receipt (1). A bare <Voucher> is
checked as a voucher unless --receipt is given. Every problem is listed with its path, rule id,
value and realware fault code (EVS100 format, EVS103 year, EVS700 business logic).
"""


def _business_date(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYYMMDD") from None


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "voucher",
        help="validate vouchers, print samples, XSDs and the voucher-type registry",
        description="The voucher-type registry: validate voucher or MOF files against it, print "
        "valid sample vouchers, per-type XSDs and the registry itself.",
    )
    sub = parser.add_subparsers(dest="voucher_command", metavar="SUBCOMMAND", required=True)

    validate = sub.add_parser(
        "validate",
        help="check a voucher or MOF file; exit 0 only when it is valid",
        description="Check a <Voucher> or <MOF> file against the registry and list every problem.",
        epilog=VALIDATE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    validate.add_argument(
        "file", type=Path, help="a voucher (root <Voucher>) or MOF (root <MOF>) file; - reads standard input"
    )
    validate.add_argument(
        "--business-date", type=_business_date, metavar="YYYYMMDD", help="the business date (default: today)"
    )
    validate.add_argument(
        "--profile", choices=PROFILES, default="2.0", help="interface profile (default 2.0)"
    )
    validate.add_argument("--receipt", action="store_true", help="check a bare voucher as a receipt")
    validate.add_argument("--json", action="store_true", help="machine-readable output")
    validate.set_defaults(func=run_validate)

    sample = sub.add_parser(
        "sample",
        help="print a valid sample voucher of a type",
        description="Print a valid voucher of VTCODE with plausible parties and amounts that add up.",
    )
    sample.add_argument("vt_code", metavar="VTCODE", help="voucher type, e.g. 5207")
    sample.add_argument("--receipt", action="store_true", help="a receipt: the processor's X* fields filled")
    sample.add_argument("--mof", action="store_true", help="wrapped in a MOF envelope (always GBK)")
    sample.add_argument(
        "--seed", type=int, default=0, help="the same seed gives the same voucher (default 0)"
    )
    sample.add_argument("--encoding", choices=("GBK", "UTF-8"), default="GBK", help="voucher encoding")
    sample.add_argument("--profile", choices=PROFILES, default="2.0", help="interface profile (default 2.0)")
    sample.add_argument("--business-date", type=_business_date, metavar="YYYYMMDD", help="default: today")
    sample.set_defaults(func=run_sample)

    types = sub.add_parser(
        "types",
        help="list the voucher types, or the fields of one",
        description="List every registered VtCode, or with VTCODE the fields, rules and stamp "
        "positions of one.",
    )
    types.add_argument("vt_code", metavar="VTCODE", nargs="?", help="show this type in full")
    types.add_argument("--json", action="store_true", help="machine-readable output (the registry data)")
    types.set_defaults(func=run_types)

    xsd = sub.add_parser(
        "xsd",
        help="print the XSD of a voucher type",
        description="Print the XSD 1.0 generated for VTCODE (docs/registry.md says what it cannot check).",
    )
    xsd.add_argument("vt_code", metavar="VTCODE", help="voucher type, e.g. 5207")
    xsd.add_argument("--receipt", action="store_true", help="the schema of a receipt (VoucherFlag=1)")
    xsd.add_argument("--profile", choices=PROFILES, default="2.0", help="interface profile (default 2.0)")
    xsd.set_defaults(func=run_xsd)

    try:  # `guoku voucher stamp|verify` live in their own module
        voucher_stamp = importlib.import_module("guoku.commands.voucher_stamp")
    except ModuleNotFoundError as exc:
        if exc.name != "guoku.commands.voucher_stamp":
            raise
    else:
        voucher_stamp.register_subcommands(sub)


def _usage(message: str) -> int:
    print(f"guoku voucher: {message}", file=sys.stderr)
    return EXIT_USAGE


def _voucher_type(vt_code: str, profile: str | None = None) -> Any:
    """The registry entry, or None after printing a usage error."""
    from evoucher import registry
    from evoucher.errors import UnknownVoucherType

    try:
        vt = registry.get(vt_code)
    except UnknownVoucherType:
        _usage(f"unknown VtCode {vt_code!r} (see `guoku voucher types`)")
        return None
    if vt.name_only:
        _usage(f"{vt_code} is known by name only; it has no field list")
        return None
    if profile and not vt.in_profile(profile):
        _usage(f"{vt_code} is not in profile {profile} (it belongs to {'/'.join(vt.profiles)})")
        return None
    return vt


def run_validate(args: argparse.Namespace) -> int:
    from evoucher.registry import validate_document

    try:
        data = sys.stdin.buffer.read() if str(args.file) == "-" else args.file.read_bytes()
    except OSError as exc:
        return _usage(f"cannot read {args.file}: {exc.strerror or exc}")
    kind, problems = validate_document(
        data, business_date=args.business_date, profile=args.profile, voucher_flag=int(args.receipt)
    )
    if args.json:
        report = {
            "file": str(args.file),
            "document": kind,
            "valid": not problems,
            "problems": [p.to_json() for p in problems],
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        verdict = "valid" if not problems else f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        print(f"{args.file}: {kind}: {verdict}")
        for p in problems:
            shown = "<missing>" if p.value is None else repr(p.value)
            print(f"  {p.evs_code}  {p.path}  [{p.rule}]  {p.detail}; got {shown}")
    return EXIT_FAIL if problems else EXIT_OK


def run_sample(args: argparse.Namespace) -> int:
    from evoucher.registry.generate import sample, sample_mof

    if _voucher_type(args.vt_code, args.profile) is None:
        return EXIT_USAGE
    options = {"receipt": args.receipt, "seed": args.seed, "business_date": args.business_date}
    if args.mof:
        data = sample_mof(args.vt_code, profile=args.profile, **options)
    else:
        data = sample(args.vt_code, profile=args.profile, encoding=args.encoding, **options)
    sys.stdout.buffer.write(data + b"\n")
    sys.stdout.flush()
    return EXIT_OK


def run_types(args: argparse.Namespace) -> int:
    from evoucher import registry

    if args.vt_code:
        vt = _voucher_type(args.vt_code)
        if vt is None:
            return EXIT_USAGE
        print(json.dumps(vt.to_json(), ensure_ascii=False, indent=2) if args.json else _describe(vt))
        return EXIT_OK
    if args.json:
        print(json.dumps([vt.to_json() for vt in registry.all_types()], ensure_ascii=False))
        return EXIT_OK
    for vt in registry.all_types():
        route = f"{vt.sender or '?'} -> {','.join(vt.receivers) or '?'}"
        shape = "name only" if vt.name_only else f"{len(vt.header)}+{len(vt.detail)} fields"
        profiles = "/".join(vt.profiles)
        print(f"{vt.vt_code}  {vt.zh_name}  {vt.en_name}  [{vt.business}]  {route}  {shape}  {profiles}")
    return EXIT_OK


def _describe(vt: Any) -> str:
    lines = [
        f"{vt.vt_code} {vt.zh_name} ({vt.en_name})",
        f"  route: {vt.sender} -> {', '.join(vt.receivers)}",
    ]
    if vt.total:
        lines.append(f"  total: {vt.total[0]} = sum of detail {vt.total[1]}; sign: {vt.sign or '-'}")
    lines.append("  stamps: " + ", ".join(f"{p.id}({p.on})" for p in vt.positions))
    for part, specs in (("header", vt.header), ("detail", vt.detail)):
        for spec in specs:
            flags = ("M" if spec.mandatory else "") + ("R" if spec.receipt_mandatory else "")
            lines.append(
                f"  {part:6} {spec.name:24} {spec.kind:8} {spec.max_len:>4} {flags:2} {spec.zh_name}"
            )
    return "\n".join(lines)


def run_xsd(args: argparse.Namespace) -> int:
    from evoucher.registry.schemas import xsd

    if _voucher_type(args.vt_code, args.profile) is None:
        return EXIT_USAGE
    sys.stdout.buffer.write(xsd(args.vt_code, receipt=args.receipt, profile=args.profile))
    sys.stdout.flush()
    return EXIT_OK
