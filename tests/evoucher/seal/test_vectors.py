"""Every real seal vector gives the outcome its README records (tests/vectors/seals/README.md)."""

import json
from dataclasses import replace

import pytest

from evoucher.seal.binding import property_info
from evoucher.seal.model import load_signature
from evoucher.seal.policy import DEFAULT, STRICT
from evoucher.seal.verify import verify_seal, verify_signature
from evoucher.verdict import Failed, Indeterminate, Indication, Outcome
from tests.evoucher.seal.vectors import vector

ROOT = vector("ofdrw_test_root.cer")
ZHEJIANG = vector("tax_zhejiang_v4_SignedValue.dat")
ZHEJIANG_XML = vector("tax_zhejiang_v4_Signature.xml")


def outcomes(report):
    return {c.name: c.outcome for c in report.checks}


def test_zhejiang_tax_stamp_passes_with_its_signature_xml():
    report = verify_signature(ZHEJIANG, data=ZHEJIANG_XML)
    assert report.indication is Indication.PASSED, report.failure_msg
    assert (report.intact, report.valid, report.version) == (True, True, 4)
    assert report.signing_time.isoformat() == "2020-07-23T13:09:07+00:00"
    assert report.validation_time == report.signing_time
    assert report.es_id == "33010600000001" and report.seal_name == "国家税务总局浙江省税务局"
    assert "浙江省税务监制章电子证书" in report.signer.subject
    # DEFAULT passes without anchors, and says so instead of hiding it
    checks = outcomes(report)
    assert checks["signer-chain"] is Outcome.WARNING and checks["maker-chain"] is Outcome.WARNING
    assert "does not require a chain" in report.check("signer-chain").detail
    assert checks["data-hash"] is Outcome.PASSED
    json.dumps(report.to_json())


def test_zhejiang_under_strict_needs_trust_anchors():
    report = verify_signature(ZHEJIANG, data=ZHEJIANG_XML, policy=STRICT)
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is Indeterminate.NO_CERTIFICATE_CHAIN_FOUND
    assert report.valid and report.intact


@pytest.mark.parametrize("offset", [0, 1000, len(ZHEJIANG_XML) - 1])
def test_one_changed_byte_of_the_data_is_a_hash_failure(offset):
    data = bytearray(ZHEJIANG_XML)
    data[offset] ^= 0x20
    report = verify_signature(ZHEJIANG, data=bytes(data))
    assert (report.indication, report.sub_indication) == (Indication.FAILED, Failed.HASH_FAILURE)
    assert report.intact is False and report.valid is True


def test_one_changed_byte_of_the_tbs_is_a_crypto_failure():
    tampered = ZHEJIANG.replace(b"Sign_0/Signature.xml", b"Sign_1/Signature.xml")
    assert tampered != ZHEJIANG
    report = verify_signature(tampered, data=ZHEJIANG_XML)
    assert report.sub_indication is Failed.SIG_CRYPTO_FAILURE
    assert outcomes(report)["seal-signature"] is Outcome.PASSED
    assert outcomes(report)["document-signature"] is Outcome.FAILED


def test_hebei_seal_parses_but_its_signature_fails():
    report = verify_seal(vector("ofdrw_SESealData_hebei.der"))
    assert (report.indication, report.sub_indication) == (Indication.FAILED, Failed.SIG_CRYPTO_FAILURE)
    assert outcomes(report)["structure"] is Outcome.PASSED
    assert report.valid is False


def test_dms360_v1_document_signature_fails():
    report = verify_signature(vector("dms360_v1_SignedValue.dat"))
    assert report.indication is Indication.FAILED and report.version == 1
    checks = outcomes(report)
    assert checks["seal-signature"] is Outcome.PASSED  # the v1 rule: SEQUENCE{SealInfo, cert, alg}
    assert checks["document-signature"] is Outcome.FAILED
    assert checks["signer-in-seal"] is Outcome.FAILED  # its certList holds the text "1"
    assert checks["deviations"] is Outcome.WARNING


def test_shandong_raw_signature_passes_by_default_only():
    data = vector("gov_shandong_v4_rawsig_SignedValue.dat")
    default = verify_signature(data)
    assert default.indication is Indication.PASSED, default.failure_msg
    assert "raw" in default.check("document-signature").detail
    assert default.check("document-signature").outcome is Outcome.WARNING
    strict = verify_signature(data, policy=STRICT)
    assert strict.indication is Indication.FAILED and strict.sub_indication is Failed.NOT_ALLOWED


def test_strict_without_raw_only_refuses_the_raw_value():
    lenient_pki = replace(STRICT, require_chain=False, require_revocation=False, require_signed_data=False)
    report = verify_signature(vector("gov_shandong_v4_rawsig_SignedValue.dat"), policy=lenient_pki)
    assert report.sub_indication is Failed.NOT_ALLOWED
    assert [c.name for c in report.checks if c.sub_indication] == ["document-signature"]


@pytest.mark.parametrize(
    ("name", "verify"),
    [
        ("ofdrw_UserV1.esl", verify_seal),
        ("ofdrw_UserV4.esl", verify_seal),
        ("ofdrw_SignedValueV4.dat", verify_signature),
    ],
)
def test_ofdrw_vectors_pass_with_the_chain_to_their_root(name, verify):
    report = verify(vector(name), trust_anchors=[ROOT])
    assert report.indication is Indication.PASSED, report.failure_msg
    chains = [c for c in report.checks if c.name.endswith("-chain")]
    assert chains and all(c.outcome is Outcome.PASSED for c in chains)
    assert all("OFD Reader and WriterROOT" in c.detail for c in chains)


def test_ofdrw_signature_with_a_foreign_anchor_has_no_chain():
    foreign = load_signature(ZHEJIANG).signer_cert
    report = verify_signature(vector("ofdrw_SignedValueV4.dat"), trust_anchors=[foreign])
    assert report.sub_indication is Indeterminate.NO_CERTIFICATE_CHAIN_FOUND


def test_an_ofd_stamp_is_not_bound_to_a_voucher():
    expected = property_info("330000", 2020, "5207", "PAY001", 0, "rh_zqz")
    report = verify_signature(ZHEJIANG, data=ZHEJIANG_XML, expected_property_info=expected)
    assert report.sub_indication is Failed.WRONG_VOUCHER
    assert report.intact and report.valid


def test_yunnan_passes_by_default_with_the_expired_maker_cert_as_a_warning():
    data = vector("gov_yunnan_v4_gbkcert_SignedValue.dat")
    report = verify_signature(data)
    assert report.indication is Indication.PASSED, report.failure_msg
    maker = report.check("maker-cert-validity")
    assert maker.outcome is Outcome.WARNING and "valid when the seal was made" in maker.detail
    strict_time = replace(DEFAULT, tolerate_expired_maker=False)
    refused = verify_signature(data, policy=strict_time)
    assert refused.sub_indication is Indeterminate.EXPIRED


def test_a_seal_given_as_a_signature_is_a_format_failure():
    report = verify_signature(vector("ofdrw_UserV4.esl"))
    assert report.sub_indication is Failed.FORMAT_FAILURE
    assert "use verify_seal" in report.failure_msg
    report = verify_seal(ZHEJIANG)
    assert report.sub_indication is Failed.FORMAT_FAILURE
