"""Seals and stamps we make: the verifier and an independent SM2 agree they are genuine."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from evoucher.crypto.sm3 import sm3
from evoucher.errors import SealError
from evoucher.pki import CertificateAuthority
from evoucher.seal import asn1_v1, asn1_v4, load_seal
from evoucher.seal.create import make_seal, make_signature
from evoucher.seal.model import PERSONAL_SEAL
from evoucher.seal.picture import round_seal
from evoucher.seal.policy import STRICT
from evoucher.seal.verify import verify_seal, verify_signature
from evoucher.verdict import Failed, Indication
from tests.evoucher.pki.oracles import pysmx_verify
from tests.evoucher.pki.tiny import T0, T1, tiny_pki

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
PROPERTY = "330100/2026/5207/A001/0/cz_gz"
PICTURE = round_seal("杭州市财政局", "公章", size=120)


def _seal(version: int, **kw) -> bytes:
    pki = tiny_pki()
    args = dict(
        version=version,
        es_id="33010001101014",
        name="杭州市财政局公章",
        signer_certs=[pki.signer_cert],
        picture=PICTURE,
        maker_key=pki.maker_key,
        maker_cert=pki.maker_cert,
        valid_start=T0,
        valid_end=T1,
    )
    return make_seal(**{**args, **kw})


def _policy(version: int):
    return STRICT if version == 4 else dataclasses.replace(STRICT, profile="1.0")


def _crl() -> bytes:
    pki = tiny_pki()
    return CertificateAuthority(pki.ca.key, pki.ca.cert).sign_crl(this_update=T0).dump()


@pytest.mark.parametrize("version", [4, 1])
def test_seal_passes_the_strict_verifier(version):
    seal = _seal(version)
    assert load_seal(seal).version == version
    report = verify_seal(seal, policy=_policy(version), trust_anchors=tiny_pki().anchors, crls=[_crl()])
    assert report.indication is Indication.PASSED, report.failure_msg
    assert report.seal_name == "杭州市财政局公章"


def test_v4_maker_signs_der_of_seal_info_per_pysmx():
    seal = asn1_v4.SESeal.load(_seal(4))
    maker = tiny_pki().maker_key.public_key
    assert pysmx_verify(maker, seal["e_seal_info"].dump(), seal["signed_value"].native)


def test_v1_maker_signs_seal_info_cert_and_algorithm_per_pysmx():
    seal = asn1_v1.SESeal.load(_seal(1))
    info, sign_info = seal["eseal_info"], seal["sign_info"]
    signed = asn1_v1.SealSignedPart(
        {
            "seal_info": info,
            "cert": sign_info["cert"],
            "signature_algorithm": sign_info["signature_algorithm"],
        }
    ).dump()
    maker = tiny_pki().maker_key.public_key
    assert pysmx_verify(maker, signed, sign_info["sign_data"].native)
    assert not pysmx_verify(maker, info.dump(), sign_info["sign_data"].native)


@pytest.mark.parametrize("version", [4, 1])
def test_stamp_passes_strict_verification_and_pysmx(version):
    pki = tiny_pki()
    stamp = make_signature(_seal(version), pki.signer_key, pki.signer_cert, b"<Voucher/>", PROPERTY, at=AT)
    report = verify_signature(
        stamp,
        data=b"<Voucher/>",
        policy=_policy(version),
        trust_anchors=pki.anchors,
        crls=[_crl()],
        expected_property_info=PROPERTY,
    )
    assert report.indication is Indication.PASSED, report.failure_msg
    assert report.signing_time == AT
    parsed = (asn1_v4 if version == 4 else asn1_v1).SESSignature.load(stamp)
    tbs = parsed["to_sign"]
    assert tbs["data_hash"].native == sm3(b"<Voucher/>")
    assert tbs["property_info"].native == PROPERTY
    assert pysmx_verify(pki.signer_key.public_key, tbs.dump(), parsed["signature"].native)


@pytest.mark.parametrize("version", [4, 1])
def test_stamp_over_other_bytes_is_a_hash_failure(version):
    pki = tiny_pki()
    stamp = make_signature(_seal(version), pki.signer_key, pki.signer_cert, b"<Voucher/>", PROPERTY, at=AT)
    report = verify_signature(stamp, data=b"<Voucher> </Voucher>", policy=_policy(version), at=AT)
    assert report.sub_indication is Failed.HASH_FAILURE


def test_personal_seal_records_its_type_and_holder():
    pki = tiny_pki()
    seal = _seal(4, seal_type=PERSONAL_SEAL, name="王芳", signer_certs=[pki.other_cert, pki.signer_cert])
    info = asn1_v4.SESeal.load(seal)["e_seal_info"]["property"]
    assert info["type"].native == PERSONAL_SEAL
    assert load_seal(seal).signer_certs == (pki.other_cert.dump(), pki.signer_cert.dump())


def test_a_signer_outside_the_cert_list_is_refused():
    pki = tiny_pki()
    with pytest.raises(SealError, match="not in the seal's certList"):
        make_signature(_seal(4), pki.other_key, pki.other_cert, b"x", PROPERTY, at=AT)


def test_a_key_that_does_not_match_the_cert_is_refused():
    pki = tiny_pki()
    with pytest.raises(SealError, match="does not match"):
        make_signature(_seal(4), pki.other_key, pki.signer_cert, b"x", PROPERTY, at=AT)
    with pytest.raises(SealError, match="maker key"):
        _seal(4, maker_key=pki.other_key)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"version": 2}, "version must be 1"),
        ({"signer_certs": []}, "at least one signer"),
        ({"valid_end": T0}, "ends"),
        ({"valid_start": datetime(2025, 1, 1)}, "timezone-aware"),
    ],
)
def test_bad_seal_parameters_are_refused(kw, message):
    with pytest.raises(SealError, match=message):
        _seal(**{"version": 4, **kw})


def test_seeded_seals_are_byte_identical():
    assert _seal(4) == _seal(4)
    assert _seal(1) == _seal(1)
