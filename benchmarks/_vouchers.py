"""Finance's 5207s for the send path, stamped client-side before any timing starts.

Stamping is the client's cost (the OCX's), not the library's, so the benchmarks make their
vouchers ahead: each is the registry's sample 5207 with its own VoucherNo, stamped by the
finance bureau at its three positions (公章, 记账员章, 复核员章; v4 seals), in a one-body MOF.
"""

from __future__ import annotations

import collections
import datetime as dt
import time

from evoucher import registry
from evoucher.codec import MofBody, build_mof, parse_voucher, with_fields
from evoucher.pki import Environment
from evoucher.stamp import stamp_body
from mocks.tips import TipsResult
from mocks.vouchers import amount_of, receipt, settlement_fields

BUSINESS_DATE = dt.date(2026, 6, 30)  # pinned, so vouchers stay valid whatever the day
ADM, YEAR, VT = "330100", BUSINESS_DATE.year, "5207"
FINANCE, PBOC = "hz-finance", "hz-treasury"
FINANCE_POSITIONS = ("cz_gz", "cz_jzysz", "cz_fhysz")


class StampedVouchers:
    """Numbered, fully stamped finance 5207s; `take()` hands out each exactly once."""

    def __init__(self, env: Environment, *, prefix: str = "B", seed: int = 1) -> None:
        self.env, self.prefix = env, prefix
        self._sample = parse_voucher(registry.sample(VT, seed=seed, business_date=BUSINESS_DATE))
        self._next = 0
        self._ready: collections.deque[tuple[str, bytes]] = collections.deque()

    def body(self, voucher_no: str) -> MofBody:
        """The stamped MOF body of voucher `voucher_no`."""
        voucher = parse_voucher(with_fields(self._sample, {"AdmDivCode": ADM, "VoucherNo": voucher_no}))
        body = MofBody.of(voucher)
        party = self.env.party(FINANCE)
        for position_id in FINANCE_POSITIONS:
            position = self.env.position(VT, position_id)
            holder = party.signer(position.stamp_type)
            seal = party.seal(position.stamp_type, 4) if position.kind == "stamp" else None
            body = stamp_body(
                body, position_id, seal=seal, key=holder.key, cert=holder.cert, kind=position.kind
            )
        return body

    def receipt(self, voucher_no: str) -> bytes:
        """The PBoC's receipt of voucher `voucher_no` (paid in full), stamped at its positions, as a MOF."""
        voucher = parse_voucher(with_fields(self._sample, {"AdmDivCode": ADM, "VoucherNo": voucher_no}))
        paid = TipsResult(True, amount_of(voucher), f"T{voucher_no}", f"{BUSINESS_DATE:%Y%m%d}")
        answered = receipt(voucher, *settlement_fields(voucher, paid), business_date=BUSINESS_DATE)
        body = MofBody.of(answered, voucher_flag=1, attach="SUCCESS")
        party = self.env.party(PBOC)
        for position in registry.get(VT).positions_for(1, failed=False):
            if position.role.value != party.role:
                continue
            holder = party.signer(position.stamp_type)
            seal = party.seal(position.stamp_type, 4) if position.kind == "stamp" else None
            body = stamp_body(
                body, position.id, seal=seal, key=holder.key, cert=holder.cert, kind=position.kind
            )
        return build_mof([body])

    def make(self) -> tuple[str, bytes]:
        """The next number and its MOF (not queued)."""
        self._next += 1
        voucher_no = f"{self.prefix}{self._next:09d}"
        return voucher_no, build_mof([self.body(voucher_no)])

    def fill(self, count: int) -> None:
        """Have at least `count` vouchers ready, stamping the missing ones now (with progress)."""
        missing = count - len(self._ready)
        if missing <= 0:
            return
        start = time.perf_counter()
        for _ in range(missing):
            self._ready.append(self.make())
        if missing >= 200:
            print(f"    stamped {missing} vouchers in {time.perf_counter() - start:.1f} s", flush=True)

    def take(self) -> tuple[str, bytes] | None:
        """A ready (number, MOF), or None when none is left."""
        return self._ready.popleft() if self._ready else None

    def __len__(self) -> int:
        return len(self._ready)
