"""`guoku seal inspect|verify`: read and judge GB/T 38540 (v4) and GM/T 0031 (v1) seals and stamps.

Exit codes: 0 ok (inspect decoded the file / verify PASSED), 1 failed (not a seal, or a verdict
other than PASSED), 2 usage (missing file, bad option value, unreadable trust anchor or CRL).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from guoku.cli import EXIT_FAIL, EXIT_OK, EXIT_USAGE

VERIFY_EPILOG = """\
policies:
  default  accepts raw r||s and BER signature values, v1 seals, and a maker cert that expired
           after the seal was made (each shown as a WARNING); no chain unless --trust is given,
           no revocation unless --crl is given; without --data the dataHash is not checked.
  strict   requires DER signatures, v4 structures, a chain to a --trust anchor, a covering --crl
           for every certificate and the signed --data.
times are checked at the stamp's timeInfo (a bare seal: its createDate) unless --at is given.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "seal",
        help="inspect and verify electronic seals (SES_Seal) and stamps (SES_Signature)",
        description="Inspect and verify electronic seals and stamps (GB/T 38540 v4, GM/T 0031 v1).",
    )
    sub = parser.add_subparsers(dest="seal_command", metavar="SUBCOMMAND", required=True)

    inspect = sub.add_parser(
        "inspect",
        help="show what a seal or stamp file contains",
        description="Decode an SES_Seal or SES_Signature (DER) and show its fields and certificates.",
    )
    inspect.add_argument("file", type=Path, help="DER file: .esl seal or SignedValue.dat stamp")
    inspect.add_argument("--json", action="store_true", help="machine-readable output")
    inspect.set_defaults(func=run_inspect)

    verify = sub.add_parser(
        "verify",
        help="verify a seal or stamp; exit 0 only when PASSED",
        description="Verify an SES_Seal (maker signature, validity, chain) or an SES_Signature "
        "(its seal, the signer's signature, dataHash against --data, propertyInfo).",
        epilog=VERIFY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument("file", type=Path, help="DER file: .esl seal or SignedValue.dat stamp")
    verify.add_argument("--data", type=Path, help="the signed data (voucher bytes, OFD Signature.xml)")
    verify.add_argument("--at", help="validation time, ISO 8601 (default: the signing time)")
    verify.add_argument("--policy", choices=("default", "strict"), default="default")
    verify.add_argument(
        "--trust",
        type=Path,
        action="append",
        default=[],
        metavar="CERT",
        help="trust anchor certificate, DER or PEM (repeatable)",
    )
    verify.add_argument(
        "--crl", type=Path, action="append", default=[], metavar="FILE", help="CRL, DER or PEM (repeatable)"
    )
    verify.add_argument(
        "--expect",
        metavar="PROPERTYINFO",
        help="the propertyInfo the stamp must carry (voucher and position)",
    )
    verify.add_argument("--json", action="store_true", help="machine-readable output")
    verify.set_defaults(func=run_verify)


def _usage(message: str) -> int:
    print(f"guoku seal: {message}", file=sys.stderr)
    return EXIT_USAGE


def _cert_facts(der: bytes, role: str) -> dict[str, Any]:
    from evoucher.seal import certs

    try:
        cert = certs.load_certificate(der, role)
    except certs.CertificateError as exc:
        return {"role": role, "error": exc.detail, "bytes": len(der)}
    return {"role": role, **certs.summary(cert).to_json()}


def _seal_facts(seal: Any) -> dict[str, Any]:
    return {
        "version": seal.version,
        "header_version": seal.header_version,
        "vendor_id": seal.vid,
        "es_id": seal.es_id,
        "name": seal.name,
        "type": seal.seal_type,
        "created": seal.create_date.isoformat(),
        "valid_start": seal.valid_start.isoformat(),
        "valid_end": seal.valid_end.isoformat(),
        "picture": {
            "type": seal.picture_type,
            "bytes": len(seal.picture),
            "width_mm": seal.picture_size_mm[0],
            "height_mm": seal.picture_size_mm[1],
        },
        "certificates": [_cert_facts(seal.maker_cert, "maker")]
        + [_cert_facts(der, f"certList[{i}]") for i, der in enumerate(seal.signer_certs)],
        "cert_digests": [{"type": t, "value": v.hex()} for t, v in seal.cert_digests],
        "extensions": _extensions(seal.extensions),
        "deviations": list(seal.deviations),
    }


def _extensions(extensions: tuple[tuple[str, bool, bytes], ...]) -> list[dict[str, Any]]:
    return [{"id": oid, "critical": critical, "bytes": len(value)} for oid, critical, value in extensions]


def _print_extensions(extensions: list[dict[str, Any]], indent: str) -> None:
    for e in extensions:
        print(f"{indent}extension {e['id']}{' (critical)' if e['critical'] else ''}, {e['bytes']} bytes")


def inspect_facts(der: bytes) -> dict[str, Any]:
    """What `seal inspect` shows, as a dict; SealError if `der` is neither seal nor stamp."""
    from evoucher.seal import model

    decoded = model.load(der)
    if isinstance(decoded, model.Seal):
        return {"kind": "seal", **_seal_facts(decoded)}
    return {
        "kind": "signature",
        "version": decoded.version,
        "time_info": decoded.time_info,
        "signing_time": decoded.signing_time.isoformat() if decoded.signing_time else None,
        "property_info": decoded.property_info,
        "data_hash": decoded.data_hash.hex(),
        "signer": _cert_facts(decoded.signer_cert, "signer"),
        "time_stamp": decoded.has_time_stamp,
        "extensions": _extensions(decoded.extensions),
        "seal": _seal_facts(decoded.seal),
    }


def _print_cert(c: dict[str, Any], indent: str) -> None:
    if "error" in c:
        print(f"{indent}{c['role']}: unreadable ({c['error']})")
        return
    print(f"{indent}{c['role']}: {c['subject']}")
    print(f"{indent}  issuer {c['issuer']}  serial {c['serial']}")
    print(f"{indent}  valid {c['not_before'][:19]} .. {c['not_after'][:19]}")


def _print_seal(s: dict[str, Any], indent: str = "") -> None:
    p = s["picture"]
    print(f"{indent}SES_Seal v{s['version']} (header.version {s['header_version']}), vendor {s['vendor_id']}")
    print(f"{indent}esID {s['es_id']}  name {s['name']}  type {s['type']}")
    print(f"{indent}valid {s['valid_start'][:19]} .. {s['valid_end'][:19]}  (made {s['created'][:19]})")
    print(f"{indent}picture {p['type']} {p['bytes']} bytes, {p['width_mm']}x{p['height_mm']} mm")
    for c in s["certificates"]:
        _print_cert(c, indent)
    for d in s["cert_digests"]:
        print(f"{indent}certList digest {d['type']} {d['value']}")
    _print_extensions(s["extensions"], indent)
    for d in s["deviations"]:
        print(f"{indent}deviation: {d}")


def run_inspect(args: argparse.Namespace) -> int:
    from evoucher.errors import EvoucherError

    try:
        der = args.file.read_bytes()
    except OSError as exc:
        return _usage(f"cannot read {args.file}: {exc.strerror}")
    try:
        facts = inspect_facts(der)
    except EvoucherError as exc:
        facts = {"kind": None, "error": str(exc)}
    if args.json:
        print(json.dumps(facts, ensure_ascii=False, indent=2))
    elif facts["kind"] is None:
        print(f"{args.file}: not a seal or stamp: {facts['error']}")
    elif facts["kind"] == "seal":
        _print_seal(facts)
    else:
        print(f"SES_Signature v{facts['version']}  timeInfo {facts['time_info']}")
        print(f"propertyInfo {facts['property_info']}")
        print(f"dataHash {facts['data_hash']}" + ("  (+ timeStamp)" if facts["time_stamp"] else ""))
        _print_cert(facts["signer"], "")
        _print_extensions(facts["extensions"], "")
        _print_seal(facts["seal"], "  ")
    return EXIT_FAIL if facts["kind"] is None else EXIT_OK


def _parse_at(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def run_verify(args: argparse.Namespace) -> int:
    from evoucher.errors import EvoucherError
    from evoucher.seal import model
    from evoucher.seal.policy import PRESETS
    from evoucher.seal.verify import verify_seal, verify_signature
    from evoucher.verdict import Indication

    try:
        der = args.file.read_bytes()
        data = args.data.read_bytes() if args.data else None
        anchors = [p.read_bytes() for p in args.trust]
        crls = [p.read_bytes() for p in args.crl]
    except OSError as exc:
        return _usage(f"cannot read {exc.filename}: {exc.strerror}")
    try:
        at = _parse_at(args.at) if args.at else None
    except ValueError:
        return _usage(f"--at {args.at!r} is not an ISO 8601 time")
    options = {"policy": PRESETS[args.policy], "trust_anchors": anchors, "crls": crls, "at": at}
    try:
        stamp = model.is_signature(der)
    except EvoucherError:
        stamp = data is not None or args.expect is not None  # let the verifier report the format failure
    try:
        if stamp:
            report = verify_signature(der, data=data, expected_property_info=args.expect, **options)
        elif data is not None or args.expect:
            return _usage("--data and --expect apply to a stamp (SES_Signature), and this is a seal")
        else:
            report = verify_seal(der, **options)
    except EvoucherError as exc:  # an unreadable --trust or --crl: configuration, not the seal
        return _usage(str(exc))
    if args.json:
        print(json.dumps({"file": str(args.file), **report.to_json()}, ensure_ascii=False, indent=2))
    else:
        verdict = report.indication.value + (
            f" / {report.sub_indication.value}" if report.sub_indication else ""
        )
        judged = f", judged at {report.validation_time:%Y-%m-%d %H:%M:%SZ}" if report.validation_time else ""
        print(f"{args.file}: {verdict}  ({report.kind} v{report.version}, policy {report.policy}{judged})")
        for check in report.checks:
            why = f"[{check.sub_indication.value}] " if check.sub_indication else ""
            print(f"  {check.outcome.value:<8} {check.name:<22} {why}{check.detail}")
        if report.failure_msg:
            print(f"  => {report.failure_msg}")
    return EXIT_OK if report.indication is Indication.PASSED else EXIT_FAIL
