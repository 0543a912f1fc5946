"""verify_bare_signature: a 签名 (VoucherSignature) gets the stamp's checks and verdicts minus the seal's."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from evoucher.seal.bare import TBSVoucherSign, VoucherSignature, load_bare_signature, make_bare_signature
from evoucher.seal.binding import property_info
from evoucher.seal.policy import DEFAULT, STRICT
from evoucher.seal.verify import verify_bare_signature
from evoucher.verdict import Failed, Indeterminate, Indication, Outcome
from tests.evoucher.pki.tiny import tiny_pki

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
DATA = b"<Voucher><VoucherNo>A001</VoucherNo></Voucher>"
INFO = property_info("330100", 2026, "3208", "A001", 0, "rh_jzyqm")


def _signed(data: bytes = DATA, info: str = INFO) -> bytes:
    pki = tiny_pki()
    return make_bare_signature(pki.signer_key, pki.signer_cert, data, info, at=AT)


def _verify(value: bytes, policy=STRICT, **kw):
    pki = tiny_pki()
    crl = pki.ca.sign_crl(this_update=datetime(2025, 1, 1, tzinfo=UTC)).dump()
    args = {"data": DATA, "policy": policy, "trust_anchors": pki.anchors, "crls": [crl]}
    return verify_bare_signature(value, **{**args, **kw}, expected_property_info=kw.pop("expected", INFO))


def test_a_good_signature_passes_strict_with_every_check_named():
    report = _verify(_signed())
    assert report.passed, report.failure_msg
    assert (report.kind, report.version, report.intact, report.valid) == ("signature", None, True, True)
    assert [c.name for c in report.checks] == [
        "structure",
        "signer cert",
        "document-signature",
        "data-hash",
        "binding",
        "signer-cert-validity",
        "signer-chain",
        "signer-revocation",
    ]
    assert report.signing_time == AT == report.validation_time
    assert report.signer.subject.startswith("CN=signer")


def test_without_data_the_hash_is_skipped_or_indeterminate_by_policy():
    lenient = _verify(_signed(), DEFAULT, data=None)
    assert lenient.passed and lenient.intact is None
    assert lenient.check("data-hash").outcome is Outcome.SKIPPED
    strict = _verify(_signed(), STRICT, data=None)
    assert strict.sub_indication is Indeterminate.SIGNED_DATA_NOT_FOUND


def test_each_failure_has_its_own_sub_indication():
    assert _verify(_signed(), data=DATA + b" ").sub_indication is Failed.HASH_FAILURE
    other_position = property_info("330100", 2026, "3208", "A001", 0, "rh_fhyqm")
    assert _verify(_signed(info=other_position)).sub_indication is Failed.WRONG_POSITION
    other_voucher = property_info("330100", 2026, "3208", "A002", 0, "rh_jzyqm")
    assert _verify(_signed(info=other_voucher)).sub_indication is Failed.WRONG_VOUCHER
    assert _verify(_signed(), trust_anchors=[]).sub_indication is Indeterminate.NO_CERTIFICATE_CHAIN_FOUND
    assert _verify(_signed(), at=datetime(2046, 1, 1, tzinfo=UTC)).sub_indication is Indeterminate.EXPIRED


def test_a_forged_signature_is_a_crypto_failure_and_the_data_still_intact():
    sig = VoucherSignature.load(_signed())
    forged = VoucherSignature({"to_sign": sig["to_sign"], "signature": bytes(64)}).dump()
    report = _verify(forged)
    assert report.sub_indication is Failed.SIG_CRYPTO_FAILURE
    assert report.intact is True and report.valid is False


def test_an_unreadable_signer_cert_skips_the_signature_check():
    tbs = VoucherSignature.load(_signed())["to_sign"]
    kept = {k: tbs[k] for k in ("property_info", "signing_time", "data_hash")}
    broken = TBSVoucherSign({**kept, "cert": b"x"})
    report = _verify(VoucherSignature({"to_sign": broken, "signature": bytes(64)}).dump())
    assert report.sub_indication is Failed.FORMAT_FAILURE
    assert report.check("signer cert").outcome is Outcome.FAILED
    assert report.check("document-signature").outcome is Outcome.SKIPPED


@pytest.mark.parametrize("garbage", [b"", b"\x30\x00", b"\x04\x01x"])
def test_garbage_is_a_format_failure_not_an_exception(garbage):
    report = _verify(garbage)
    assert report.indication is Indication.FAILED and report.sub_indication is Failed.FORMAT_FAILURE
    assert [c.name for c in report.checks] == ["structure"]


def test_decoded_signature_keeps_the_signed_bytes():
    value = _signed()
    sig = load_bare_signature(value)
    assert sig.tbs_bytes == VoucherSignature.load(value)["to_sign"].dump()
    assert dataclasses.replace(sig, der=b"").property_info == INFO
