"""SM2 certificates and CRLs: OpenSSL verifies them, `cryptography` parses them, pysmx agrees."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from asn1crypto import core, keys, x509
from cryptography import x509 as cx
from cryptography.x509.oid import ExtensionOID, NameOID

from evoucher.crypto import sm2
from evoucher.crypto.oids import EC_PUBLIC_KEY, SM2_CURVE, SM2_WITH_SM3
from evoucher.errors import CryptoError
from evoucher.pki import CertificateAuthority, build_name, derive_key, to_pem
from evoucher.pki.x509 import Revocation, certificate_public_key, key_identifier, load_certificate, load_crl
from tests.evoucher.pki.oracles import needs_openssl, openssl, pysmx_verify

T0 = datetime(2025, 1, 1, tzinfo=UTC)
T1 = datetime(2045, 1, 1, tzinfo=UTC)
CRL_URI = "file:///tmp/guoku/ca/root.crl"


def _root(label: str = "root") -> CertificateAuthority:
    return CertificateAuthority.create_root(
        derive_key(b"x509", label),
        subject=build_name(common_name="guoku 测试根 CA", organization="guoku"),
        not_before=T0,
        not_after=T1,
        crl_uri=CRL_URI,
    )


@pytest.fixture(scope="module")
def ca():
    return _root()


@pytest.fixture(scope="module")
def leaf(ca):
    subject = build_name(
        common_name="浙江省财政厅",
        organization="浙江省财政厅",
        org_unit="011",
        locality="330000",
        serial_number="011-330000-01",
    )
    return ca.issue(subject, derive_key(b"x509", "leaf").public_key)


# OpenSSL 3.0 computes the SM2 Z value with an empty ID unless told otherwise, and applies
# `-vfyopt distid:` only at depth 0 (openssl#23471), so it cannot check the root's self-signature
# (`-check_ss_sig`): pysmx does that below. GM/T 0015 certificates, ours too, use the default ID.
SM2_ID = ("-vfyopt", "distid:1234567812345678")


@needs_openssl
def test_openssl_verifies_the_chain(ca, leaf, tmp_path):
    (tmp_path / "root.pem").write_bytes(to_pem(ca.cert))
    (tmp_path / "leaf.pem").write_bytes(to_pem(leaf))
    out = openssl("verify", *SM2_ID, "-CAfile", tmp_path / "root.pem", tmp_path / "leaf.pem")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip().endswith("leaf.pem: OK")


@needs_openssl
def test_openssl_rejects_a_tampered_certificate(leaf, ca, tmp_path):
    tampered = leaf.dump().replace(b"011-330000-01", b"011-330000-02")
    assert tampered != leaf.dump()
    (tmp_path / "root.pem").write_bytes(to_pem(ca.cert))
    (tmp_path / "leaf.pem").write_bytes(to_pem(load_certificate(tampered)))
    out = openssl("verify", *SM2_ID, "-CAfile", tmp_path / "root.pem", tmp_path / "leaf.pem")
    assert out.returncode != 0
    assert "certificate signature failure" in out.stdout + out.stderr


def test_cryptography_parses_names_algorithm_and_extensions(ca, leaf):
    cert = cx.load_der_x509_certificate(leaf.dump())
    assert cert.signature_algorithm_oid.dotted_string == SM2_WITH_SM3
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "浙江省财政厅"
    assert cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "011-330000-01"
    assert cert.subject.get_attributes_for_oid(NameOID.LOCALITY_NAME)[0].value == "330000"
    assert cert.issuer == cx.load_der_x509_certificate(ca.cert.dump()).subject
    ext = cert.extensions
    assert ext.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.ca is False
    usage = ext.get_extension_for_oid(ExtensionOID.KEY_USAGE).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    aki = ext.get_extension_for_oid(ExtensionOID.AUTHORITY_KEY_IDENTIFIER).value.key_identifier
    assert aki == key_identifier(ca.key.public_key)
    ski = ext.get_extension_for_oid(ExtensionOID.SUBJECT_KEY_IDENTIFIER).value.digest
    assert ski == key_identifier(derive_key(b"x509", "leaf").public_key)
    points = ext.get_extension_for_oid(ExtensionOID.CRL_DISTRIBUTION_POINTS).value
    assert points[0].full_name[0].value == CRL_URI
    root = cx.load_der_x509_certificate(ca.cert.dump())
    assert root.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.ca is True
    assert root.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE).value.crl_sign


def test_certificate_signatures_verify_in_pysmx(ca, leaf):
    root_tbs, root_signature = ca.cert["tbs_certificate"].dump(), ca.cert["signature_value"].native
    assert pysmx_verify(ca.key.public_key, root_tbs, root_signature)
    tbs = leaf["tbs_certificate"].dump()
    signature = leaf["signature_value"].native
    assert pysmx_verify(ca.key.public_key, tbs, signature)
    assert not pysmx_verify(ca.key.public_key, tbs + b"\x00", signature)


def test_pem_and_der_load_the_same_certificate(leaf):
    assert load_certificate(to_pem(leaf)).dump() == leaf.dump() == load_certificate(leaf.dump()).dump()
    assert certificate_public_key(leaf) == derive_key(b"x509", "leaf").public_key


def test_crl_lists_revoked_serials_with_reasons():
    ca = _root()
    a = ca.issue(build_name(common_name="a"), derive_key(b"x509", "a").public_key)
    b = ca.issue(build_name(common_name="b"), derive_key(b"x509", "b").public_key)
    ca.revoke(a.serial_number, at=T0, reason="key_compromise")
    ca.revoke(b.serial_number, at=T0, reason="superseded")
    signed = ca.sign_crl(this_update=T0)
    parsed = cx.load_der_x509_crl(signed.dump())
    assert parsed.signature_algorithm_oid.dotted_string == SM2_WITH_SM3
    reasons = {
        entry.serial_number: entry.extensions.get_extension_for_class(cx.CRLReason).value.reason
        for entry in parsed
    }
    assert reasons == {
        a.serial_number: cx.ReasonFlags.key_compromise,
        b.serial_number: cx.ReasonFlags.superseded,
    }
    assert parsed.extensions.get_extension_for_class(cx.CRLNumber).value.crl_number == 1
    assert load_crl(to_pem(signed)).dump() == signed.dump()


def test_crl_signature_uses_the_default_sm2_id():
    ca = _root()
    signed = ca.sign_crl(this_update=T0)
    tbs, signature = signed["tbs_cert_list"].dump(), signed["signature"].native
    assert pysmx_verify(ca.key.public_key, tbs, signature)
    assert not sm2.verify(ca.key.public_key, tbs, signature, signer_id=b"")


def test_unknown_revocation_reason_is_refused():
    with pytest.raises(ValueError, match="unknown revocation reason"):
        Revocation(1, T0, "lost_it")


def _with_spki(cert: x509.Certificate, algorithm: bytes, point: bytes) -> bytes:
    """DER of `cert` with another SubjectPublicKeyInfo, assembled as bytes: asn1crypto cannot
    build one whose algorithm it has no key type for, but keeps a loaded one unparsed."""
    bits = core.OctetBitString(point).dump()
    spki = b"\x30" + bytes([len(algorithm) + len(bits)]) + algorithm + bits
    tbs = x509.TbsCertificate.load(cert["tbs_certificate"].dump())
    tbs["subject_public_key_info"] = keys.PublicKeyInfo.load(spki)
    der = x509.Certificate(
        {"tbs_certificate": tbs, **{k: cert[k] for k in ("signature_algorithm", "signature_value")}}
    ).dump()
    cx.load_der_x509_certificate(der)  # well-formed for cryptography too
    return der


def test_one_reader_for_the_sm2_key_of_any_certificate(leaf):
    """Objects or DER; id-ecPublicKey with the SM2 curve, or the curve OID as the algorithm (old certs)."""
    key = derive_key(b"x509", "leaf").public_key
    assert certificate_public_key(leaf.dump()) == certificate_public_key(leaf) == key
    curve_as_algorithm = keys.PublicKeyAlgorithm({"algorithm": SM2_CURVE}).dump()
    assert certificate_public_key(_with_spki(leaf, curve_as_algorithm, key.to_bytes())) == key
    p256 = keys.PublicKeyAlgorithm({"algorithm": EC_PUBLIC_KEY, "parameters": ("named", "secp256r1")}).dump()
    with pytest.raises(CryptoError, match="not an SM2 key"):
        certificate_public_key(_with_spki(leaf, p256, key.to_bytes()))
