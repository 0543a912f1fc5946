"""The bare parts of the send path, each timed alone: what one voucher costs the library at least.

A voucher on the send path is two SOAP calls (saveStampVoucher with the stamped MOF, then
sendVoucher). The library must, at the least: read both envelopes and check both CallerAuth
signatures (one SM2 verify each); parse the MOF; validate the voucher against the registry;
verify the three stamps (the document signature each; the seal, certificate and CRL signatures
are the same on every voucher and remembered, `evoucher.crypto.remembered`); store the voucher
with its stamps and record the delivery, durably, with audit entries; and carry two HTTP
requests. `ideal_rate` adds these costs up.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import threading
import time
from collections.abc import Callable, Mapping

from benchmarks._harness import SelfTimed
from benchmarks._load import drive_raw
from benchmarks._vouchers import ADM, BUSINESS_DATE, FINANCE, FINANCE_POSITIONS, PBOC, VT, YEAR
from evoucher import registry, wsauth
from evoucher.codec import MofBody, parse_mof
from evoucher.interface import OPERATION_BY_NAME
from evoucher.pki import Environment
from evoucher.seal.policy import DEFAULT
from evoucher.stamp import verify_body
from voucherlib.service.identity import party_org
from voucherlib.soap.envelope import decode_args, parse_request
from voucherlib.store import Actor, Stamp, Store, VoucherKey

POLICY = dataclasses.replace(DEFAULT, profile="2.0")  # what `guoku serve --profile 2.0` judges with


def cpu_parts(
    env: Environment, mof: bytes, envelopes: Mapping[str, bytes]
) -> dict[str, Callable[[], object]]:
    """The library's CPU work per voucher, one callable per part; `envelopes` maps operation -> request."""
    [body] = parse_mof(mof)
    anchors, crls = env.trust_anchors, env.crls
    assert all(r.passed for r in verify_body(body, trust_anchors=anchors, crls=crls, policy=POLICY))
    assert not registry.validate_mof_body(body, business_date=BUSINESS_DATE, profile="2.0")

    def soap_and_auth() -> None:
        for operation, data in envelopes.items():
            request = parse_request(data)
            decode_args(OPERATION_BY_NAME[operation], request)
            # a fresh nonce memory each time, and a window long enough for any run's length
            verifier = wsauth.Verifier(window=10**9)
            verifier.verify(request.header, request.body, service="AsspFinanceService")

    return {
        "parse_mof": lambda: parse_mof(mof),
        "registry validation": lambda: registry.validate_mof_body(
            body, business_date=BUSINESS_DATE, profile="2.0"
        ),
        "verify_body, 3 stamps (3 SM2 verifies; seal, cert, CRL ones remembered)": lambda: verify_body(
            body, trust_anchors=anchors, crls=crls, policy=POLICY
        ),
        "SOAP envelopes + CallerAuth (2 SM2 verifies)": soap_and_auth,
    }


def store_part(store: Store, env: Environment, body: MofBody, *, callers: int, prefix: str) -> SelfTimed:
    """Durable save (with the three stamps) then send, as the library's two transactions, by
    `callers` threads at once (a new voucher each time); rate per voucher."""
    fin, pboc = env.party(FINANCE), env.party(PBOC)
    actor, dest = Actor(fin.cert_id, party_org(fin)), party_org(pboc)
    stamps = tuple(
        Stamp(s.position, s.kind, fin.signer(env.position(VT, s.position).stamp_type).cert_id, s.value)
        for s in body.stamps
    )
    numbers = itertools.count()

    def one() -> None:
        key = VoucherKey(ADM, YEAR, VT, f"{prefix}{next(numbers):09d}", 0)
        store.atomic(
            lambda ops: ops.save(actor, key, body.voucher, positions=FINANCE_POSITIONS, stamps=stamps,
                                 operation="saveStampVoucher")
        )  # fmt: skip
        store.atomic(lambda ops: ops.send(actor, [key.ref], dest, operation="sendVoucher"))

    return SelfTimed(lambda seconds: in_threads(one, callers, seconds))


def in_threads(fn: Callable[[], object], threads: int, seconds: float) -> float:
    """Calls per second of `fn` called in a loop by `threads` threads for about `seconds`."""
    done = [0] * threads
    deadline = time.perf_counter() + seconds

    def loop(i: int) -> None:
        while time.perf_counter() < deadline:
            fn()
            done[i] += 1

    start = time.perf_counter()
    pool = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(done) / (time.perf_counter() - start)


def echo_part(url: str, requests: list[bytes], *, clients: int) -> SelfTimed:
    """Both requests of a voucher through the bare echo server, over `clients` connections."""

    def run(seconds: float) -> float:
        done, elapsed = asyncio.run(drive_raw(url, requests, clients=clients, seconds=seconds))
        return done / elapsed

    return SelfTimed(run)


def ideal_rate(part_rates: Mapping[str, float]) -> float:
    """Vouchers/s of a library that did only the parts, one after another on one core: 1 / Σ costs."""
    return 1 / sum(1 / rate for rate in part_rates.values())
