"""Certificates read with `cryptography`, keys taken from the SPKI, SM2 issuer signatures checked."""

from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import pem
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from evoucher.seal import certs, model
from tests.evoucher.seal.vectors import vector

ROOT = vector("ofdrw_test_root.cer")


def p256_cert() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "not sm2")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


def test_pem_and_der_give_the_same_certificate():
    der = certs.load_certificate(ROOT)
    armoured = certs.load_certificate(pem.armor("CERTIFICATE", ROOT))
    assert armoured.der == der.der and armoured.public_key == der.public_key
    assert certs.issued_by(der, der)  # self-signed with SM2


def test_a_p256_certificate_is_not_an_sm2_certificate():
    with pytest.raises(certs.CertificateError, match="signer cert: not an SM2 key"):
        certs.load_certificate(p256_cert(), "signer cert")


def test_garbage_is_a_certificate_error():
    with pytest.raises(certs.CertificateError, match="cannot be parsed"):
        certs.load_certificate(b"\x30\x03\x02\x01\x01")


def test_certificates_asn1crypto_cannot_read_still_load():
    sig = model.load_signature(vector("gov_yunnan_v4_gbkcert_SignedValue.dat"))
    cert = certs.load_certificate(sig.signer_cert)
    assert cert.subject.startswith("CN=53011200000556")
    assert not certs.issued_by(cert, certs.load_certificate(ROOT))


def test_a_utf8_ia5string_is_read_with_asn1crypto_and_reported():
    der = model.load_signature(vector("gov_yunnan_v4_gbkcert_SignedValue.dat")).signer_cert
    lenient = certs._load_leniently(der)  # what load_certificate falls back to (cryptography 51 refuses it)
    assert lenient is not None and lenient.x509 is None
    assert "email_address holds UTF-8 '电子邮箱', not valid in its IA5String" in (lenient.deviation or "")
    assert lenient.serial_hex == "69e200e100140053"
    assert lenient.not_after == datetime(2020, 10, 24, 8, 25, 3, tzinfo=UTC)
    assert lenient.issuer.startswith("CN=YNCA_SM2,")
    assert lenient.public_key == certs.load_certificate(der).public_key
    assert certs._load_leniently(ROOT) is None  # nothing to tolerate: cryptography's reading stands


def test_issued_by_needs_the_issuers_key_not_just_its_name():
    signer = certs.load_certificate(model.load_signature(vector("ofdrw_SignedValueV4.dat")).signer_cert)
    root = certs.load_certificate(ROOT)
    assert certs.issued_by(signer, root)
    assert not certs.issued_by(root, signer)
    assert certs.find_anchor(signer, [root]) is root
    with pytest.raises(certs.ChainNotFound):
        certs.find_anchor(root, [signer])


def test_validity_boundaries():
    root = certs.load_certificate(ROOT)
    certs.check_validity(root, root.not_before)
    certs.check_validity(root, root.not_after)
    with pytest.raises(certs.CertNotYetValid):
        certs.check_validity(root, root.not_before - timedelta(seconds=1))
    with pytest.raises(certs.CertExpired):
        certs.check_validity(root, root.not_after + timedelta(seconds=1))
