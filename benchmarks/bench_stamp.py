"""Stamping and stamp verification throughput, as ratios to bare SM2 sign/verify in the same run.

Covers: stamp_body (v4 stamp, v1 stamp, bare signature) and verify_body (one stamp, chained to
the environment's root and checked against its CRL, policy strict) on a sample 5207 voucher.
Scenario: a `tiny` environment (seed 1) in a temporary directory; one process, so rates are per
core (pin it with `taskset -c 1` for steadier figures). Each round times every workload for
SECONDS, baselines included, so machine noise hits all alike; the median round is shown.
Bare SM2 = one `sm2.sign` / `sm2.verify` (SM3 of Z‖M included) of a message the size of a v4
TBS_Sign. A stamp costs one SM2 sign plus building the SES_Signature; verifying one costs four
SM2 verifies (seal, document, maker and signer certificates), so a verify ratio near 0.25 means
everything else is free.

    .venv/bin/python -m benchmarks.bench_stamp [--seconds 0.4] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable

from evoucher.codec import parse_mof
from evoucher.crypto import sm2
from evoucher.pki.builder import create_environment
from evoucher.registry.generate import sample_mof
from evoucher.seal.policy import STRICT
from evoucher.stamp import stamp_body, verify_body


def _ops_per_second(fn: Callable[[], object], seconds: float) -> float:
    done, start = 0, time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        fn()
        done += 1
    return done / (time.perf_counter() - start)


def workloads(root: str) -> dict[str, tuple[str, Callable[[], object]]]:
    """name -> (baseline name, workload); baselines name themselves."""
    env = create_environment(root, scenario="tiny", seed=1)
    party = env.party("hz-finance")
    holder = party.signer("gz")
    body = parse_mof(sample_mof("5207"))[0]
    v4, v1 = party.seal("gz", 4), party.seal("gz", 1)

    def stamp(seal: bytes | None, kind: str) -> Callable[[], object]:
        position = "cz_gz" if kind == "stamp" else "cz_qm"
        return lambda: stamp_body(body, position, seal=seal, key=holder.key, cert=holder.cert, kind=kind)

    stamped = stamp(v4, "stamp")()
    signed = stamp(None, "sign")()
    message = bytes(len(stamped.stamps[0].value) - 80)  # about the TBS_Sign inside the stamp
    signature = sm2.sign(holder.key, message)

    def verify(b) -> Callable[[], object]:
        return lambda: verify_body(b, trust_anchors=env.trust_anchors, crls=env.crls, policy=STRICT)

    assert all(r.passed for r in verify(stamped)() + verify(signed)())
    return {
        "sm2 sign (baseline)": ("sm2 sign (baseline)", lambda: sm2.sign(holder.key, message)),
        "sm2 verify (baseline)": (
            "sm2 verify (baseline)",
            lambda: sm2.verify(holder.key.public_key, message, signature),
        ),
        "stamp_body v4 stamp": ("sm2 sign (baseline)", stamp(v4, "stamp")),
        "stamp_body v1 stamp": ("sm2 sign (baseline)", stamp(v1, "stamp")),
        "stamp_body signature": ("sm2 sign (baseline)", stamp(None, "sign")),
        "verify_body v4 stamp": ("sm2 verify (baseline)", verify(stamped)),
        "verify_body signature": ("sm2 verify (baseline)", verify(signed)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.4, help="per workload per round (default 0.4)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5; the median is shown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        work = workloads(root)
        rates: dict[str, list[float]] = {name: [] for name in work}
        ratios: dict[str, list[float]] = {name: [] for name in work}
        for i in range(args.rounds):
            print(f"round {i + 1}/{args.rounds}", flush=True)
            measured = {name: _ops_per_second(fn, args.seconds) for name, (_, fn) in work.items()}
            for name, (baseline, _) in work.items():
                rates[name].append(measured[name])
                ratios[name].append(measured[name] / measured[baseline])
    print(f"SM2 backend: {sm2.BACKEND}; median of {args.rounds} rounds of {args.seconds}s per workload")
    print(f"{'workload':<24} {'ops/s':>9} {'ratio to baseline':>18}")
    for name in work:
        print(f"{name:<24} {statistics.median(rates[name]):>9,.0f} {statistics.median(ratios[name]):>18.3f}")


if __name__ == "__main__":
    main()
