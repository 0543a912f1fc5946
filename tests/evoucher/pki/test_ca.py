"""The test CA: validity inside its own, unique serials, revocation and numbered CRLs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from evoucher.pki import CertificateAuthority, build_name, derive_key
from evoucher.pki.x509 import certificate_public_key

T0 = datetime(2025, 1, 1, tzinfo=UTC)
T1 = datetime(2035, 1, 1, tzinfo=UTC)


@pytest.fixture
def ca():
    return CertificateAuthority.create_root(
        derive_key(b"ca", "root"), subject=build_name(common_name="root"), not_before=T0, not_after=T1
    )


def _issue(ca, label, **kw):
    return ca.issue(build_name(common_name=label), derive_key(b"ca", label).public_key, **kw)


def test_issued_validity_never_exceeds_the_cas(ca):
    cert = _issue(
        ca, "a", not_before=datetime(2020, 1, 1, tzinfo=UTC), not_after=datetime(2040, 1, 1, tzinfo=UTC)
    )
    validity = cert["tbs_certificate"]["validity"]
    assert (validity["not_before"].native, validity["not_after"].native) == (T0, T1)


def test_empty_validity_is_refused(ca):
    with pytest.raises(ValueError, match="empty validity"):
        _issue(ca, "a", not_before=datetime(2036, 1, 1, tzinfo=UTC))


def test_serials_are_reproducible_and_distinct(ca):
    assert _issue(ca, "a").serial_number == _issue(ca, "a").serial_number
    assert _issue(ca, "a").serial_number != _issue(ca, "b").serial_number
    assert certificate_public_key(_issue(ca, "a")) == derive_key(b"ca", "a").public_key


def test_revocation_appears_in_the_next_crl_with_a_higher_number(ca):
    cert = _issue(ca, "a")
    first = ca.sign_crl(this_update=T0)
    assert first["tbs_cert_list"]["revoked_certificates"].native in (None, [])
    ca.revoke(cert.serial_number, at=T0, reason="key_compromise")
    second = ca.sign_crl(this_update=T0)
    entries = second["tbs_cert_list"]["revoked_certificates"]
    assert [e["user_certificate"].native for e in entries] == [cert.serial_number]
    assert entries[0]["crl_entry_extensions"][0]["extn_value"].native == "key_compromise"
    numbers = [c["tbs_cert_list"]["crl_extensions"][0]["extn_value"].native for c in (first, second)]
    assert numbers == [1, 2]
    assert ca.revocation(cert.serial_number).reason == "key_compromise"


def test_revoking_twice_is_refused(ca):
    serial = _issue(ca, "a").serial_number
    ca.revoke(serial, at=T0)
    with pytest.raises(ValueError, match="already revoked"):
        ca.revoke(serial, at=T0, reason="superseded")


def test_a_ca_key_must_match_its_certificate(ca):
    with pytest.raises(ValueError, match="does not match"):
        CertificateAuthority(derive_key(b"ca", "other"), ca.cert)


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_of_two_crls_issued_in_the_same_second_the_higher_number_answers(ca, order):
    from evoucher.seal import certs

    cert = _issue(ca, "a")
    first = ca.sign_crl(this_update=T0)  # does not list the certificate
    ca.revoke(cert.serial_number, at=T0, reason="key_compromise")
    second = ca.sign_crl(this_update=T0)  # same thisUpdate, lists it
    crls = [certs.load_crl(c.dump()) for c in (first, second)]
    issuer, subject = certs.load_certificate(ca.cert.dump()), certs.load_certificate(cert.dump())
    with pytest.raises(certs.CertRevoked):
        certs.check_revocation(subject, [issuer], [crls[i] for i in order], T1.replace(year=2030))
