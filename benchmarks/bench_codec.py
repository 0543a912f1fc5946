"""Codec throughput, as ratios to bare `lxml.etree.fromstring` of the same bytes in the same run.

Covers: parse_voucher, build_voucher, parse_mof, build_mof.
Scenario: a 5207 voucher with every header and detail field of the registry filled to a
typical length (Chinese text in names), DETAILS detail rows; and a MOF of 100 such bodies,
each with one stamp. Rounds alternate baseline and codec so machine noise hits both alike;
the median round is reported.

    .venv/bin/python -m benchmarks.bench_codec [--seconds 0.3] [--rounds 5]
"""

from __future__ import annotations

import argparse
import base64

from lxml import etree

from benchmarks._harness import add_arguments, print_results, run_rounds
from evoucher import registry
from evoucher.codec import MofBody, Stamp, build_mof, build_voucher, parse_mof, parse_voucher

DETAILS = 10  # detail rows in the sample 5207
STAMP_BYTES = 3000  # a v4 SES_Signature with a small seal picture


def _value(name: str, kind: str, max_len: int) -> str:
    if kind == "text":
        return "浙江省杭州市财政局国库支付中心"[: max(1, max_len // 8)]
    if kind == "amount":
        return "123456.78"
    if kind == "date":
        return "20240315"
    return ("3301002024" * 5)[: min(max_len, 20)]


def sample_5207() -> bytes:
    vt = registry.get("5207")
    header = {f.name: _value(f.name, f.kind.value, f.max_len) for f in vt.header}
    header.update(AdmDivCode="330100", StYear="2024", VtCode="5207", VoucherNo="SB2024000001")
    row = {f.name: _value(f.name, f.kind.value, f.max_len) for f in vt.detail}
    return build_voucher(header, [row] * DETAILS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser, seconds=0.3)
    args = parser.parse_args()

    voucher = sample_5207()
    parsed = parse_voucher(voucher)
    body = MofBody.of(parsed, stamps=[Stamp("rh_zqz", "stamp", bytes(STAMP_BYTES))])
    mof = build_mof([body] * 100)

    def lxml_mof_and_vouchers():  # the least any reader must do: envelope, base64, each voucher
        for element in etree.fromstring(mof).iter("Voucher"):
            etree.fromstring(base64.b64decode(element.text))

    lv, lm, lmv = "lxml voucher", "lxml MOF envelope", "lxml MOF envelope + every voucher"
    print(f"5207 voucher: {len(voucher)} bytes, {len(parsed.header)} header fields, {DETAILS} details")
    print(f"MOF: 100 bodies, {len(mof)} bytes")
    workloads = {
        lv: (None, lambda: etree.fromstring(voucher)),
        lm: (None, lambda: etree.fromstring(mof)),
        lmv: (None, lxml_mof_and_vouchers),
        "parse_voucher": (lv, lambda: parse_voucher(voucher)),
        "parse_voucher + build_voucher": (lv, lambda: _rebuild(voucher)),
        "parse_mof": (lm, lambda: parse_mof(mof)),
        "parse_mof + build_mof": (lm, lambda: build_mof(parse_mof(mof))),
        "parse_mof (vs envelope + vouchers)": (lmv, lambda: parse_mof(mof)),
    }
    print_results(run_rounds(workloads, seconds=args.seconds, rounds=args.rounds))


def _rebuild(data: bytes) -> bytes:
    v = parse_voucher(data)
    return build_voucher(v.header, v.details if v.has_detail_list else None, encoding=v.encoding)


if __name__ == "__main__":
    main()
