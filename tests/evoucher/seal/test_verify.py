"""verify_signature / verify_seal on stamps made with the test PKI: every sub-indication reachable.

Times: root CA 2025–2035, seal valid 2026-01-01..2027-01-01, the stamp signed 2026-03-01.
"""

from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest
from asn1crypto import core

from evoucher.crypto import sm2
from evoucher.pki import CertificateAuthority, build_name, derive_key, to_pem
from evoucher.seal import asn1_v4
from evoucher.seal.binding import SealKind, property_info
from evoucher.seal.create import make_seal, make_signature
from evoucher.seal.model import PERSONAL_SEAL, UNIT_SEAL
from evoucher.seal.policy import DEFAULT, STRICT
from evoucher.seal.verify import _PARTIES, verify_seal, verify_signature
from evoucher.verdict import Failed, Indeterminate, Indication, Outcome

SEED = b"guoku-seal-verify-tests"
SIGNED_AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
VOUCHER = b"<?xml version='1.0' encoding='GBK'?><Voucher><VoucherNo>PAY/001</VoucherNo></Voucher>"
BINDING = property_info("330000", 2026, "5207", "PAY/001", 0, "rh_zqz")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def make_ca(label):
    return CertificateAuthority.create_root(
        derive_key(SEED, label),
        subject=build_name(common_name="guoku test root", organization=label),
        not_before=utc(2025, 1, 1),
        not_after=utc(2035, 1, 1),
    )


@dataclass
class World:
    ca: CertificateAuthority
    maker_key: sm2.PrivateKey
    maker_cert: object
    signer_key: sm2.PrivateKey
    signer_cert: object
    seal_v4: bytes
    seal_v1: bytes
    stamp: bytes

    @property
    def root(self):
        return self.ca.cert.dump()

    def crl(self, **kw):
        kw.setdefault("this_update", utc(2026, 2, 1))
        return self.ca.sign_crl(**kw).dump()

    def stamp_with(self, *, seal=None, at=SIGNED_AT, key=None, cert=None):
        return make_signature(
            seal or self.seal_v4, key or self.signer_key, cert or self.signer_cert, VOUCHER, BINDING, at=at
        )


@pytest.fixture(scope="module")
def world():
    ca = make_ca("finance")
    maker_key, signer_key = derive_key(SEED, "maker"), derive_key(SEED, "signer")
    maker_cert = ca.issue(build_name(common_name="seal maker"), maker_key.public_key)
    signer_cert = ca.issue(build_name(common_name="330000 finance"), signer_key.public_key)
    seals = {
        version: make_seal(
            version=version,
            es_id=f"3300000000000{version}",
            name="浙江省财政厅国库支付专用章",
            signer_certs=[signer_cert],
            picture=b"\x89PNG",
            maker_key=maker_key,
            maker_cert=maker_cert,
            valid_start=utc(2026, 1, 1),
            valid_end=utc(2027, 1, 1),
        )
        for version in (1, 4)
    }
    stamp = make_signature(seals[4], signer_key, signer_cert, VOUCHER, BINDING, at=SIGNED_AT)
    return World(ca, maker_key, maker_cert, signer_key, signer_cert, seals[4], seals[1], stamp)


def strict(world, stamp=None, **kw):
    kw.setdefault("crls", [world.crl()])
    kw.setdefault("data", VOUCHER)
    return verify_signature(stamp or world.stamp, policy=STRICT, trust_anchors=[world.root], **kw)


def verdict(report):
    return report.indication, report.sub_indication


def test_a_good_stamp_passes_strict_with_every_check_passed(world):
    report = strict(world, expected_property_info=BINDING, expected_seal=SealKind(UNIT_SEAL, "专用章"))
    assert verdict(report) == (Indication.PASSED, None), report.failure_msg
    assert {c.outcome for c in report.checks} == {Outcome.PASSED}
    assert (report.intact, report.valid) == (True, True)


@pytest.mark.parametrize(
    "expected",
    [SealKind(UNIT_SEAL, "转讫章"), SealKind(PERSONAL_SEAL)],
    ids=["a unit seal of another name", "a personal seal"],
)
def test_a_seal_of_another_kind_than_expected_is_wrong_seal_type(world, expected):
    report = strict(world, expected_property_info=BINDING, expected_seal=expected)
    assert verdict(report) == (Indication.FAILED, Failed.WRONG_SEAL_TYPE)
    assert "浙江省财政厅国库支付专用章" in report.check("seal-type").detail
    assert report.intact and report.valid


def test_without_an_expected_seal_kind_the_seal_type_is_skipped(world):
    assert strict(world).check("seal-type").outcome is Outcome.SKIPPED


@pytest.mark.parametrize(
    ("expected", "sub"),
    [
        (property_info("330000", 2026, "5207", "PAY/001", 0, "rh_fhz"), Failed.WRONG_POSITION),
        (property_info("330000", 2026, "5207", "PAY/001", 1, "rh_zqz"), Failed.WRONG_POSITION),
        (property_info("330000", 2026, "5207", "PAY/002", 0, "rh_zqz"), Failed.WRONG_VOUCHER),
    ],
)
def test_a_stamp_moved_elsewhere_fails_on_binding(world, expected, sub):
    report = strict(world, expected_property_info=expected)
    assert verdict(report) == (Indication.FAILED, sub)
    assert report.intact and report.valid  # the stamp itself is genuine; it is in the wrong place


def test_changed_voucher_is_a_hash_failure(world):
    report = strict(world, data=VOUCHER.replace(b"001", b"002"))
    assert verdict(report) == (Indication.FAILED, Failed.HASH_FAILURE)


def test_strict_without_data_is_indeterminate(world):
    report = strict(world, data=None)
    assert verdict(report) == (Indication.INDETERMINATE, Indeterminate.SIGNED_DATA_NOT_FOUND)
    assert report.intact is None


def test_revoked_before_signing_fails(world):
    ca = make_ca("finance")  # same key and name: a fresh copy of the CA to revoke in
    ca.revoke(world.signer_cert.serial_number, at=utc(2026, 2, 15), reason="key_compromise")
    report = strict(world, crls=[ca.sign_crl(this_update=utc(2026, 2, 20)).dump()])
    assert verdict(report) == (Indication.FAILED, Failed.REVOKED)
    assert report.check("signer-revocation").outcome is Outcome.FAILED
    assert report.check("maker-revocation").outcome is Outcome.PASSED


def test_revoked_after_signing_still_passes(world):
    ca = make_ca("finance")
    ca.revoke(world.signer_cert.serial_number, at=utc(2026, 4, 1))
    report = strict(world, crls=[ca.sign_crl(this_update=utc(2026, 2, 20)).dump()])
    assert verdict(report) == (Indication.PASSED, None)


def test_crl_issued_after_the_validation_time_is_out_of_bounds(world):
    report = strict(world, crls=[world.crl(this_update=utc(2026, 6, 1))])
    assert verdict(report) == (Indication.INDETERMINATE, Indeterminate.REVOCATION_OUT_OF_BOUNDS)


def test_crl_with_the_issuer_name_but_another_key_does_not_count(world):
    impostor = CertificateAuthority.create_root(
        derive_key(SEED, "impostor"),
        subject=world.ca.cert.subject,
        not_before=utc(2025, 1, 1),
        not_after=utc(2035, 1, 1),
    )
    forged = impostor.sign_crl(this_update=utc(2026, 2, 1)).dump()
    report = strict(world, crls=[forged])
    assert verdict(report) == (Indication.INDETERMINATE, Indeterminate.TRY_LATER)
    lenient = verify_signature(world.stamp, data=VOUCHER, trust_anchors=[world.root], crls=[forged])
    assert lenient.passed and lenient.check("signer-revocation").outcome is Outcome.WARNING


def test_pem_anchor_and_crl_are_accepted(world):
    report = strict(world, crls=[to_pem(world.ca.sign_crl(this_update=utc(2026, 2, 1)))])
    assert report.passed
    assert verify_seal(world.seal_v4, trust_anchors=[to_pem(world.ca.cert)]).passed


def test_another_root_gives_no_chain(world):
    report = verify_signature(world.stamp, data=VOUCHER, trust_anchors=[make_ca("elsewhere").cert.dump()])
    assert verdict(report) == (Indication.INDETERMINATE, Indeterminate.NO_CERTIFICATE_CHAIN_FOUND)


@pytest.mark.parametrize(
    ("at", "sub"),
    [(utc(2025, 12, 1), Indeterminate.SEAL_NOT_YET_VALID), (utc(2027, 2, 1), Indeterminate.SEAL_EXPIRED)],
)
def test_stamp_outside_the_seal_validity(world, at, sub):
    report = strict(world, world.stamp_with(at=at), crls=[world.crl(this_update=utc(2025, 6, 1))])
    assert verdict(report) == (Indication.INDETERMINATE, sub)


def test_signer_cert_expired_at_signing(world):
    key = derive_key(SEED, "short-lived")
    cert = world.ca.issue(build_name(common_name="short"), key.public_key, not_after=utc(2026, 2, 1))
    seal = make_seal(
        es_id="1",
        name="n",
        signer_certs=[cert],
        picture=b"p",
        maker_key=world.maker_key,
        maker_cert=world.maker_cert,
        valid_start=utc(2026, 1, 1),
        valid_end=utc(2027, 1, 1),
    )
    report = verify_signature(world.stamp_with(seal=seal, key=key, cert=cert), data=VOUCHER)
    assert verdict(report) == (Indication.INDETERMINATE, Indeterminate.EXPIRED)
    assert report.check("signer-cert-validity").outcome is Outcome.FAILED


def _resigned(stamp, key, cert_der):
    """The stamp with another signer cert, correctly signed by that cert's key."""
    sig = asn1_v4.SESSignature.load(stamp)
    sig["cert"] = cert_der
    sig["signature"] = sm2.sign(key, sig["to_sign"].dump())
    return sig.dump(force=True)


def test_signer_not_listed_in_the_seal_fails(world):
    key = derive_key(SEED, "intruder")
    cert = world.ca.issue(build_name(common_name="intruder"), key.public_key)
    report = strict(world, _resigned(world.stamp, key, cert.dump()))
    assert verdict(report) == (Indication.FAILED, Failed.SIGNER_NOT_IN_SEAL)
    assert report.check("document-signature").outcome is Outcome.PASSED


def _ber(der_sig):
    """Re-encode SEQUENCE{r, s} with a non-minimal (long-form) length."""
    body = der_sig[2:]
    return b"\x30\x81" + bytes([len(body)]) + body


def test_ber_signature_is_a_policy_question(world):
    sig = asn1_v4.SESSignature.load(world.stamp)
    sig["signature"] = _ber(sig["signature"].native)
    ber = sig.dump(force=True)
    lenient = verify_signature(ber, data=VOUCHER)
    assert lenient.passed and lenient.check("document-signature").outcome is Outcome.WARNING
    assert verdict(strict(world, ber)) == (Indication.FAILED, Failed.NOT_ALLOWED)


def test_v1_seal_is_refused_under_strict_2_0_only(world):
    stamp = world.stamp_with(seal=world.seal_v1)
    assert verify_signature(stamp, data=VOUCHER).passed
    assert verdict(strict(world, stamp)) == (Indication.FAILED, Failed.NOT_ALLOWED)
    profile_1_0 = replace(STRICT, profile="1.0")
    report = verify_signature(
        stamp, data=VOUCHER, policy=profile_1_0, trust_anchors=[world.root], crls=[world.crl()]
    )
    assert report.passed and report.version == 1


def test_forged_seal_signature_in_a_stamp(world):
    sig = asn1_v4.SESSignature.load(world.stamp)
    info = sig["to_sign"]["eseal"]["e_seal_info"]
    info["es_id"] = "33000000000099"  # changes the seal; its maker signature no longer matches
    sig["signature"] = sm2.sign(world.signer_key, sig["to_sign"].dump(force=True))
    report = strict(world, sig.dump(force=True))
    assert verdict(report) == (Indication.FAILED, Failed.SIG_CRYPTO_FAILURE)
    assert report.check("seal-signature").outcome is Outcome.FAILED
    assert report.check("document-signature").outcome is Outcome.PASSED


def test_validation_time_now_and_pinned(world):
    now = verify_signature(world.stamp, data=VOUCHER, policy=replace(DEFAULT, validation_time="now"))
    assert now.validation_time > SIGNED_AT
    pinned = verify_signature(world.stamp, data=VOUCHER, at=utc(2026, 6, 1))
    assert pinned.validation_time == utc(2026, 6, 1) and pinned.passed


def test_truncated_stamp_is_a_format_failure_not_an_exception(world):
    report = verify_signature(world.stamp[:-5])
    assert verdict(report) == (Indication.FAILED, Failed.FORMAT_FAILURE)
    assert report.valid is False and report.version is None


def test_other_signature_algorithm_is_not_allowed(world):
    sig = asn1_v4.SESSignature.load(world.stamp)
    sig["signature_alg_id"] = core.ObjectIdentifier("1.2.840.10045.4.3.2").dotted  # ecdsa-with-SHA256
    report = verify_signature(sig.dump(force=True), data=VOUCHER)
    assert verdict(report) == (Indication.FAILED, Failed.NOT_ALLOWED)


def test_a_remembered_seal_signature_vouches_for_no_other_seal_or_maker(world):
    """The maker's verdict is remembered per (key, digest, signature): a changed seal, or the same
    seal under another maker's certificate, is checked afresh and fails."""
    assert strict(world).passed and strict(world).passed  # now remembered
    sig = asn1_v4.SESSignature.load(world.stamp)
    sig["to_sign"]["eseal"]["e_seal_info"]["es_id"] = "33000000000098"
    sig["signature"] = sm2.sign(world.signer_key, sig["to_sign"].dump(force=True))
    changed = strict(world, sig.dump(force=True))
    assert changed.check("seal-signature").outcome is Outcome.FAILED
    sig = asn1_v4.SESSignature.load(world.stamp)
    sig["to_sign"]["eseal"]["cert"] = world.signer_cert.dump()  # same bytes signed, another key
    sig["signature"] = sm2.sign(world.signer_key, sig["to_sign"].dump(force=True))
    other_maker = strict(world, sig.dump(force=True))
    assert other_maker.check("seal-signature").outcome is Outcome.FAILED
    assert strict(world).passed


def test_revocation_follows_the_crls_given_on_each_call(world):
    """CRLs are remembered by their bytes; a new CRL is read afresh and the newest one answers."""
    ca = make_ca("finance")
    clean = ca.sign_crl(this_update=utc(2026, 2, 10)).dump()
    ca.revoke(world.signer_cert.serial_number, at=utc(2026, 2, 15), reason="key_compromise")
    revoking = ca.sign_crl(this_update=utc(2026, 2, 20)).dump()
    assert strict(world, crls=[clean]).passed
    assert verdict(strict(world, crls=[revoking])) == (Indication.FAILED, Failed.REVOKED)
    assert verdict(strict(world, crls=[clean, revoking])) == (Indication.FAILED, Failed.REVOKED)
    assert strict(world, crls=[clean]).passed  # what the older CRL alone says, still


def test_a_seal_and_signer_checked_before_are_judged_again_at_each_stamps_time(world):
    """The seal's and signer's checks are replayed from memory (seal._replay), but only for a time
    that compares alike with every date they compared it with: a revocation dated between two
    stamps' signing times, in one and the same CRL, passes the first and fails the second, in
    either order. Remembered by bytes alone, the second verdict would repeat the first."""
    ca = make_ca("finance")
    ca.revoke(world.signer_cert.serial_number, at=utc(2026, 6, 1), reason="key_compromise")
    crl = ca.sign_crl(this_update=utc(2026, 2, 1)).dump()  # lists the revocation ahead of its date
    march, july = world.stamp, world.stamp_with(at=utc(2026, 7, 1))
    for first, second in ((march, july), (july, march)):
        _PARTIES.clear()
        reports = {stamp: strict(world, stamp, crls=[crl]) for stamp in (first, second)}
        assert reports[march].passed, reports[march].failure_msg
        assert verdict(reports[july]) == (Indication.FAILED, Failed.REVOKED)
        assert "revoked 2026-06-01" in reports[july].check("signer-revocation").detail
    past_the_seal = strict(world, crls=[crl], at=utc(2027, 2, 1))  # after validEnd, same bytes again
    assert past_the_seal.check("seal-validity").sub_indication is Indeterminate.SEAL_EXPIRED


def test_a_replayed_report_is_the_report_a_fresh_verification_gives(world):
    _PARTIES.clear()
    fresh = strict(world, expected_property_info=BINDING)
    assert strict(world, expected_property_info=BINDING) == fresh  # the second from memory
    other_time = world.stamp_with(at=utc(2026, 3, 2))
    replayed = strict(world, other_time)
    _PARTIES.clear()
    assert strict(world, other_time) == replayed


@pytest.mark.parametrize("version", [1, 4])
def test_a_seal_given_as_a_stamp_is_named_for_what_it_is(world, version):
    report = verify_signature(world.seal_v1 if version == 1 else world.seal_v4)
    assert verdict(report) == (Indication.FAILED, Failed.FORMAT_FAILURE)
    assert report.check("structure").detail == "this is an SES_Seal, not an SES_Signature (use verify_seal)"
