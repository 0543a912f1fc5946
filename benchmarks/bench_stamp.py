"""Stamping and stamp verification throughput, as ratios to bare SM2 sign/verify in the same run.

Covers: stamp_body (v4 stamp, v1 stamp, bare signature) and verify_body (one stamp, chained to
the environment's root and checked against its CRL, policy strict) on a sample 5207 voucher.
Scenario: a `tiny` environment (seed 1) in a temporary directory; one process, so rates are per
core (pin it with `taskset -c 1` for steadier figures). Each round times every workload for
SECONDS, baselines included, so machine noise hits all alike; the median round is shown.
Bare SM2 = one `sm2.sign` / `sm2.verify` (SM3 of Z‖M included) of a message the size of a v4
TBS_Sign. A stamp costs one SM2 sign plus building the SES_Signature; verifying one costs two
SM2 verifies (seal and document) once the certificate and CRL signatures of the same parties
are remembered (evoucher.seal.certs), so a verify ratio near 0.5 means everything else is free.

    .venv/bin/python -m benchmarks.bench_stamp [--seconds 0.4] [--rounds 5]
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable

from benchmarks._harness import add_arguments, print_results, run_rounds
from evoucher.codec import parse_mof
from evoucher.crypto import sm2
from evoucher.pki.builder import create_environment
from evoucher.registry.generate import sample_mof
from evoucher.seal.policy import STRICT
from evoucher.stamp import stamp_body, verify_body


def workloads(root: str) -> dict[str, tuple[str | None, Callable[[], object]]]:
    """name -> (baseline name or None for a baseline, workload)."""
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
        "sm2 sign (baseline)": (None, lambda: sm2.sign(holder.key, message)),
        "sm2 verify (baseline)": (None, lambda: sm2.verify(holder.key.public_key, message, signature)),
        "stamp_body v4 stamp": ("sm2 sign (baseline)", stamp(v4, "stamp")),
        "stamp_body v1 stamp": ("sm2 sign (baseline)", stamp(v1, "stamp")),
        "stamp_body signature": ("sm2 sign (baseline)", stamp(None, "sign")),
        "verify_body v4 stamp": ("sm2 verify (baseline)", verify(stamped)),
        "verify_body signature": ("sm2 verify (baseline)", verify(signed)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        work = workloads(root)
        print(f"SM2 backend: {sm2.BACKEND}; median of {args.rounds} rounds of {args.seconds}s per workload")
        print_results(run_rounds(work, seconds=args.seconds, rounds=args.rounds))


if __name__ == "__main__":
    main()
