"""Stamp verification throughput, as ratios to bare SM2 verify and bare SM3 in the same run.

Covers: verify_signature on real v4 stamps (Zhejiang tax stamp with its Signature.xml; the
ofdrw stamp with its chain to the ofdrw root), with certificate parsing cached (a stream of
stamps from the same seal) and uncached (every stamp from a new seal).
Scenario: one process, so rates are per core. Each round times every workload for SECONDS,
baselines included, so machine noise hits all alike; the median round's ratios are shown.
Bare SM2 = one `sm2.verify` of the Zhejiang TBS_Sign (5,117 bytes; SM3 of Z‖M included);
bare SM3 = `sm3` of the same bytes. A stamp costs at least two SM2 verifies (seal and
document), four with a chain, so a ratio near 0.5 (0.25 with a chain) means the rest is free.

    .venv/bin/python -m benchmarks.bench_seal_verify [--seconds 0.4] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from evoucher.crypto import sm2
from evoucher.crypto.sm3 import sm3
from evoucher.seal import certs, model
from evoucher.seal.verify import verify_signature

VECTORS = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "seals"


def _ops_per_second(fn: Callable[[], object], seconds: float) -> float:
    done, start = 0, time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        fn()
        done += 1
    return done / (time.perf_counter() - start)


def _uncached(fn: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        certs.load_certificate.cache_clear()
        return fn()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.4, help="per workload per round (default 0.4)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5; the median is shown)")
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

    baselines = {
        "sm2": lambda: sm2.verify(signer, stamp.tbs_bytes, stamp.signature),
        "sm3": lambda: sm3(stamp.tbs_bytes),
    }
    zj = lambda: verify_signature(zhejiang, data=xml)  # noqa: E731
    chained = lambda: verify_signature(ofdrw, trust_anchors=[root])  # noqa: E731
    workloads = {
        "verify_signature, Zhejiang + data, certs cached": zj,
        "verify_signature, Zhejiang + data, certs parsed": _uncached(zj),
        "verify_signature, ofdrw + chain, certs cached": chained,
        "verify_signature, ofdrw + chain, certs parsed": _uncached(chained),
    }
    rounds = []
    for _ in range(args.rounds):
        rates = {name: _ops_per_second(fn, args.seconds) for name, fn in {**baselines, **workloads}.items()}
        rounds.append(rates)

    def median(name: str) -> float:
        return statistics.median(r[name] for r in rounds)

    def ratio(name: str, base: str) -> float:
        return statistics.median(r[name] / r[base] for r in rounds)

    print(f"SM2 backend {sm2.BACKEND}; {args.rounds} rounds of {args.seconds}s per workload, medians")
    print(f"  {'bare sm2.verify (5,117-byte TBS_Sign)':<50} {median('sm2'):>9.0f}/s")
    print(f"  {'bare sm3 (same bytes)':<50} {median('sm3'):>9.0f}/s")
    for name in workloads:
        print(
            f"  {name:<50} {median(name):>9.0f}/s"
            f"  ratio to SM2 {ratio(name, 'sm2'):5.3f}  to SM3 {ratio(name, 'sm3'):6.4f}"
        )


if __name__ == "__main__":
    main()
