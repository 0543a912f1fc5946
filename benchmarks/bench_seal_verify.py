"""Stamp verification throughput, as ratios to bare SM2 verify and bare SM3 in the same run.

Covers: verify_signature on real v4 stamps (Zhejiang tax stamp with its Signature.xml; the
ofdrw stamp with its chain to the ofdrw root), with certificates parsed and their signatures
checked once (a stream of stamps from the same seal) and afresh (every stamp from a new seal).
Scenario: one process, so rates are per core. Each round times every workload for SECONDS,
baselines included, so machine noise hits all alike; the median round's ratios are shown.
Bare SM2 = one `sm2.verify` of the Zhejiang TBS_Sign (5,117 bytes; SM3 of Z‖M included);
bare SM3 = `sm3` of the same bytes. A stamp costs at least two SM2 verifies (seal and
document), four with a chain checked afresh, so a ratio near 0.5 (0.25 afresh with a chain)
means the rest is free.

    .venv/bin/python -m benchmarks.bench_seal_verify [--seconds 0.4] [--rounds 5]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from benchmarks._harness import add_arguments, print_results, run_rounds
from evoucher.crypto import sm2
from evoucher.crypto.sm3 import sm3
from evoucher.seal import certs, model
from evoucher.seal.verify import verify_signature

VECTORS = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "seals"


def _uncached(fn: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        certs.clear_caches()
        return fn()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args()

    zhejiang = (VECTORS / "tax_zhejiang_v4_SignedValue.dat").read_bytes()
    xml = (VECTORS / "tax_zhejiang_v4_Signature.xml").read_bytes()
    ofdrw = (VECTORS / "ofdrw_SignedValueV4.dat").read_bytes()
    root = (VECTORS / "ofdrw_test_root.cer").read_bytes()
    stamp = model.load_signature(zhejiang)
    signer = certs.load_certificate(stamp.signer_cert).public_key
    assert (
        verify_signature(zhejiang, data=xml).passed and verify_signature(ofdrw, trust_anchors=[root]).passed
    )

    sm2_name, sm3_name = "bare sm2.verify (5,117-byte TBS_Sign)", "bare sm3 (same bytes)"
    zj = lambda: verify_signature(zhejiang, data=xml)  # noqa: E731
    chained = lambda: verify_signature(ofdrw, trust_anchors=[root])  # noqa: E731
    workloads = {
        sm2_name: (None, lambda: sm2.verify(signer, stamp.tbs_bytes, stamp.signature)),
        sm3_name: (None, lambda: sm3(stamp.tbs_bytes)),
        "verify_signature, Zhejiang + data, certs cached": (sm2_name, zj),
        "verify_signature, Zhejiang + data, certs parsed": (sm2_name, _uncached(zj)),
        "verify_signature, ofdrw + chain, certs cached": (sm2_name, chained),
        "verify_signature, ofdrw + chain, certs parsed": (sm2_name, _uncached(chained)),
    }
    print(f"SM2 backend {sm2.BACKEND}; {args.rounds} rounds of {args.seconds}s per workload, medians")
    print_results(run_rounds(workloads, seconds=args.seconds, rounds=args.rounds))


if __name__ == "__main__":
    main()
