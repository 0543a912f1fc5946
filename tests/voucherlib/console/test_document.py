"""Badges come from evoucher's verdicts: a stamp made under another CA is INDETERMINATE, and says why."""

from __future__ import annotations

from evoucher.codec import parse_voucher
from evoucher.pki.builder import create_environment
from evoucher.seal import DEFAULT
from voucherlib.console.document import judge
from voucherlib.store import Stamp, Version, VoucherKey

from ..service.support import ADM, FINANCE, YEAR, body, stamped, voucher
from .conftest import Console


def test_a_stamp_under_a_ca_the_library_does_not_trust_is_indeterminate(console: Console, tmp_path):
    elsewhere = create_environment(tmp_path / "other", scenario="tiny", seed=77)
    v = voucher(seed=21)
    made = stamped(elsewhere, FINANCE, body(v), "cz_gz")
    key = VoucherKey(ADM, YEAR, "5207", v.voucher_no, 0)
    stamps = tuple(Stamp(s.position, s.kind, "011-330100-01", s.value) for s in made.stamps)
    views = judge(
        console.env, DEFAULT, Version(key, 1, v.raw, stamps, "writeVoucher", "-", ""), parse_voucher(v.raw)
    )
    badges = {s.position: (s.report.indication.value if s.report else "MISSING") for s in views}
    assert badges == {"cz_gz": "INDETERMINATE", "cz_jzysz": "MISSING", "cz_fhysz": "MISSING"}
    assert "NO_CERTIFICATE_CHAIN_FOUND" in views[0].why
