"""`guoku voucher stamp|verify`: stamp MOF bodies as a party of an environment, and judge their stamps.

Exit codes: 0 ok (stamped / every stamp PASSED), 1 failed (a stamp did not pass, a required
position is empty, the position is taken, the party may not use the VtCode or the position, or
the MOF cannot be read), 2 usage (missing file, no environment, unknown party or position).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from guoku.cli import EXIT_FAIL, EXIT_OK, EXIT_USAGE

STAMP_EPILOG = """\
Every VoucherBody of the MOF is stamped at POSITION. The position's stamp type (from the
registry) picks the seal and the holder: unit seals are the party's own certificate, personal
seals and signatures its bookkeeper's (-jzy) or reviewer's (-fhy). --profile 2.0 uses the v4
seal (GB/T 38540), 1.0 the v1 seal (GM/T 0031). Without -o the file is rewritten in place.
"""
VERIFY_EPILOG = """\
Each stamp is checked against the exact voucher bytes of its body (dataHash), the voucher and
position it names (propertyInfo), its seal (and that it is the kind of seal the position takes),
its certificates (chained to the environment's root CA, checked against its CRLs) and the policy.
--require-all also fails bodies that lack a position the registry defines for their VtCode and
VoucherFlag. A body without any stamp fails.
"""


def register_subcommands(sub: argparse._SubParsersAction) -> None:
    """Add `stamp` and `verify` to the `guoku voucher` subcommands."""
    stamp = sub.add_parser(
        "stamp",
        help="stamp or sign every voucher of a MOF file at one position",
        description="Stamp (签章) or sign (签名) every VoucherBody of a MOF file as a party.",
        epilog=STAMP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    stamp.add_argument("file", type=Path, help="MOF file (root <MOF>)")
    stamp.add_argument("--env", type=Path, required=True, metavar="DIR", help="environment (guoku env init)")
    stamp.add_argument("--party", required=True, help="party handle, org name or certID, e.g. hz-finance")
    stamp.add_argument("--position", required=True, help="stamp position id, e.g. cz_gz or rh_zqz")
    stamp.add_argument("--kind", choices=("stamp", "sign"), help="default: what the position is")
    stamp.add_argument(
        "--profile", choices=("2.0", "1.0"), default="2.0", help="2.0: v4 seals, 1.0: v1 seals"
    )
    stamp.add_argument("-o", "--output", type=Path, help="write here instead of rewriting FILE")
    stamp.add_argument("--json", action="store_true", help="machine-readable summary on stdout")
    stamp.set_defaults(func=run_stamp)

    verify = sub.add_parser(
        "verify",
        help="verify every stamp of a MOF file; exit 0 only if all PASSED",
        description="Verify every stamp and signature of a MOF file against an environment's PKI.",
        epilog=VERIFY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument("file", type=Path, help="MOF file (root <MOF>)")
    verify.add_argument("--env", type=Path, required=True, metavar="DIR", help="environment (guoku env init)")
    verify.add_argument("--policy", choices=("default", "strict"), default="default")
    verify.add_argument(
        "--profile", choices=("2.0", "1.0"), default="2.0", help="1.0 accepts v1 seals under strict"
    )
    verify.add_argument(
        "--require-all", action="store_true", help="fail bodies with an empty registry position"
    )
    verify.add_argument("--json", action="store_true", help="machine-readable output")
    verify.set_defaults(func=run_verify)


def _usage(message: str) -> int:
    print(f"guoku voucher: {message}", file=sys.stderr)
    return EXIT_USAGE


def _fail(message: str) -> int:
    print(f"guoku voucher: {message}", file=sys.stderr)
    return EXIT_FAIL


def _load(args: argparse.Namespace) -> tuple[Any, list[Any]] | int:
    """(environment, bodies), or an exit code after printing why not."""
    from evoucher.codec import parse_mof
    from evoucher.errors import EvoucherError
    from evoucher.pki import load_environment

    if not args.file.is_file():
        return _usage(f"no such file: {args.file}")
    try:
        env = load_environment(args.env)
    except (FileNotFoundError, ValueError) as exc:
        return _usage(str(exc))
    try:
        return env, parse_mof(args.file.read_bytes())
    except EvoucherError as exc:
        return _fail(f"{args.file}: {exc.fault_string()}")


def run_stamp(args: argparse.Namespace) -> int:
    from evoucher.codec import build_mof
    from evoucher.errors import EVS_PERMISSION, EvoucherError
    from evoucher.stamp import stamp_body

    loaded = _load(args)
    if isinstance(loaded, int):
        return loaded
    env, bodies = loaded
    try:
        party = env.party(args.party)
    except KeyError as exc:
        return _usage(exc.args[0])
    stamped, done = [], []
    for body in bodies:
        try:
            position = env.position(body.vt_code, args.position)
        except KeyError as exc:
            known = ", ".join(p.id for p in env.positions.get(body.vt_code, ())) or "none"
            return _usage(f"{exc.args[0]} (positions: {known})")
        if body.vt_code not in party.vt_codes:
            return _fail(f"{EVS_PERMISSION}#{party.cert_id} may not use VtCode {body.vt_code}")
        if position.role.value != party.role:
            return _fail(
                f"position {position.id} ({position.name}) belongs to {position.role.value}, not {party.role}"
            )
        kind = args.kind or position.kind
        holder = party.signer(position.stamp_type)
        seal = party.seal(position.stamp_type, 4 if args.profile == "2.0" else 1) if kind == "stamp" else None
        try:
            stamped.append(
                stamp_body(body, position.id, seal=seal, key=holder.key, cert=holder.cert, kind=kind)
            )
        except EvoucherError as exc:
            return _fail(f"{body.vt_code} {body.voucher_no}: {exc.fault_string()}")
        done.append(
            {
                "vt_code": body.vt_code,
                "voucher_no": body.voucher_no,
                "position": position.id,
                "kind": kind,
                "cert_id": holder.cert_id,
            }
        )
    target = args.output or args.file
    target.write_bytes(build_mof(stamped))
    if args.json:
        print(json.dumps({"output": str(target), "stamped": done}, ensure_ascii=False))
    else:
        for d in done:
            print(f"{d['vt_code']} {d['voucher_no']}: {d['kind']} at {d['position']} by {d['cert_id']}")
        print(f"wrote {target}")
    return EXIT_OK


def run_verify(args: argparse.Namespace) -> int:
    from evoucher.seal.policy import PRESETS
    from evoucher.stamp import verify_body

    loaded = _load(args)
    if isinstance(loaded, int):
        return loaded
    env, bodies = loaded
    policy = dataclasses.replace(PRESETS[args.policy], profile=args.profile)
    results = []
    for body in bodies:
        required = (
            [p.id for p in env.positions_for(body.vt_code, body.voucher_flag)] if args.require_all else None
        )
        reports = verify_body(
            body, trust_anchors=env.trust_anchors, crls=env.crls, policy=policy, required_positions=required
        )
        kinds = {s.position: s.kind for s in body.stamps}
        stamps = [
            {"position": r.position, "stamp_kind": kinds.get(r.position, "missing"), **r.to_json()}
            for r in reports
        ]
        results.append(
            {
                "adm_div_code": body.adm_div_code,
                "st_year": body.st_year,
                "vt_code": body.vt_code,
                "voucher_no": body.voucher_no,
                "voucher_flag": body.voucher_flag,
                "passed": bool(stamps) and all(s["indication"] == "PASSED" for s in stamps),
                "stamps": stamps,
            }
        )
    passed = all(r["passed"] for r in results)
    if args.json:
        print(
            json.dumps(
                {"passed": passed, "policy": policy.name, "bodies": results}, ensure_ascii=False, indent=2
            )
        )
    else:
        _print_results(results)
    return EXIT_OK if passed else EXIT_FAIL


def _print_results(results: list[dict[str, Any]]) -> None:
    for r in results:
        verdict = "PASSED" if r["passed"] else "FAILED"
        where = f"AdmDivCode {r['adm_div_code']}, StYear {r['st_year']}, flag {r['voucher_flag']}"
        print(f"{r['vt_code']} {r['voucher_no']} ({where}): {verdict}")
        if not r["stamps"]:
            print("  no stamps")
        for s in r["stamps"]:
            word = s["indication"] + (f"/{s['subindication']}" if s["subindication"] else "")
            signer = (s.get("signer") or {}).get("subject", "").split(",")[0]  # the CN
            line = f"  {s['position']:<10} {s['stamp_kind']:<7} {word:<28}"
            print(
                line + (f" {s['failure_msg']}" if s["failure_msg"] else f" v{s['version'] or '-'} {signer}")
            )
