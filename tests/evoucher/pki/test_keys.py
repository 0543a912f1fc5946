"""PKCS#8 storage of SM2 keys, checked against the OpenSSL CLI in both directions."""

from __future__ import annotations

import re

import pytest

from evoucher.crypto import sm2
from evoucher.errors import CryptoError
from evoucher.pki import keys
from tests.evoucher.pki.oracles import needs_openssl, openssl


def _openssl_public_point(text: str) -> bytes:
    block = re.search(r"pub:\s*\n((?:\s+[0-9a-f:]+\n)+)", text)
    assert block, text
    return bytes.fromhex(re.sub(r"[\s:]", "", block.group(1)))


def test_pem_round_trip_keeps_the_key():
    key = sm2.PrivateKey.generate()
    assert keys.private_key_from_pem(keys.private_key_to_pem(key)) == key


def test_derived_keys_depend_on_seed_and_label_only():
    assert keys.derive_key(b"seed", "011-330000-01") == keys.derive_key(b"seed", "011-330000-01")
    assert keys.derive_key(b"seed", "011-330000-01") != keys.derive_key(b"seed", "011-330100-01")
    assert keys.derive_key(b"seed", "a") != keys.derive_key(b"other", "a")


def test_deterministic_signature_repeats_and_verifies():
    key = keys.derive_key(b"seed", "ca")
    first = keys.sign_deterministic(key, b"tbs")
    assert first == keys.sign_deterministic(key, b"tbs")
    assert first != keys.sign_deterministic(key, b"tbs2")
    assert sm2.verify(key.public_key, b"tbs", first)


@needs_openssl
def test_openssl_reads_our_key_as_sm2(tmp_path):
    key = keys.derive_key(b"seed", "party")
    path = tmp_path / "key.pem"
    path.write_bytes(keys.private_key_to_pem(key))
    out = openssl("pkey", "-in", path, "-noout", "-text")
    assert out.returncode == 0, out.stderr
    assert "ASN1 OID: SM2" in out.stdout
    assert _openssl_public_point(out.stdout) == key.public_key.to_bytes()


@needs_openssl
def test_we_read_a_key_openssl_generated(tmp_path):
    path = tmp_path / "k.pem"
    assert openssl("genpkey", "-algorithm", "SM2", "-out", path).returncode == 0
    key = keys.private_key_from_pem(path.read_bytes())
    out = openssl("pkey", "-in", path, "-noout", "-text")
    assert _openssl_public_point(out.stdout) == key.public_key.to_bytes()


@needs_openssl
def test_a_p256_key_is_refused(tmp_path):
    path = tmp_path / "p256.pem"
    made = openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path)
    assert made.returncode == 0, made.stderr
    with pytest.raises(CryptoError, match="not an SM2 key"):
        keys.private_key_from_pem(path.read_bytes())


def test_a_certificate_pem_is_not_a_key():
    with pytest.raises(CryptoError, match="PRIVATE KEY"):
        keys.private_key_from_pem(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
