"""The v4 and v1 structures: real files parse and keep their bytes; built values round-trip."""

from datetime import UTC, datetime

import pytest
from asn1crypto import core

from evoucher.crypto import oids
from evoucher.seal import asn1_v1, asn1_v4
from tests.evoucher.seal.vectors import vector

V4_SEALS = ["ofdrw_UserV4.esl", "ofdrw_SESealData_hebei.der"]
V4_SIGNATURES = [
    "ofdrw_SignedValueV4.dat",
    "tax_zhejiang_v4_SignedValue.dat",
    "gov_shandong_v4_rawsig_SignedValue.dat",
    "gov_yunnan_v4_gbkcert_SignedValue.dat",
]


@pytest.mark.parametrize(
    ("name", "cls"),
    [(n, asn1_v4.SESeal) for n in V4_SEALS]
    + [(n, asn1_v4.SESSignature) for n in V4_SIGNATURES]
    + [("ofdrw_UserV1.esl", asn1_v1.SESeal), ("dms360_v1_SignedValue.dat", asn1_v1.SESSignature)],
)
def test_real_files_parse_fully_and_dump_their_own_bytes(name, cls):
    data = vector(name)
    value = cls.load(data, strict=True)
    assert value.native  # forces every lazy child to parse
    assert value.dump() == data


def test_hebei_non_der_boolean_survives_in_the_signed_bytes():
    data = vector("ofdrw_SESealData_hebei.der")
    seal = asn1_v4.SESeal.load(data)
    info = seal["e_seal_info"]
    ext = info["ext_datas"][0]
    assert ext["critical"].native is False
    original = info.dump()
    # a DER encoder omits a DEFAULT value; the parsed bytes still hold the explicit FALSE
    assert b"\x01\x01\x00" in original
    assert info.dump(force=True) != original


def test_sm2_oids_print_by_name():
    seal = asn1_v4.SESeal.load(vector("ofdrw_UserV4.esl"))
    assert seal["sign_alg_id"].native == "sm2_sm3"
    assert seal["sign_alg_id"].dotted == oids.SM2_WITH_SM3


def test_dms360_text_cert_entry_is_a_declared_alternative():
    sig = asn1_v1.SESSignature.load(vector("dms360_v1_SignedValue.dat"))
    entries = list(sig["to_sign"]["eseal"]["eseal_info"]["property"]["cert_list"])
    assert [(e.name, e.native) for e in entries] == [("text", "1")]


def _picture():
    return {"type": "PNG", "data": b"\x89PNG fake", "width": 40, "height": 40}


def _v4_seal(cert_list_type, cert_list):
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    info = asn1_v4.SESSealInfo(
        {
            "header": {"id": "ES", "version": 4, "vid": "guoku"},
            "es_id": "33000000000001",
            "property": {
                "type": 1,
                "name": "测试财政局国库支付专用章",
                "cert_list_type": cert_list_type,
                "cert_list": cert_list,
                "create_date": when,
                "valid_start": when,
                "valid_end": when.replace(year=2027),
            },
            "picture": _picture(),
            "ext_datas": [{"extn_id": "1.2.3.4", "critical": True, "extn_value": b"x"}],
        }
    )
    return asn1_v4.SESeal(
        {"e_seal_info": info, "cert": b"maker", "sign_alg_id": oids.SM2_WITH_SM3, "signed_value": b"sig"}
    )


def test_v4_signature_built_from_fields_round_trips():
    seal = _v4_seal(1, [core.OctetString(b"signer-cert")])
    tbs = asn1_v4.TBSSign(
        {
            "version": 4,
            "eseal": seal,
            "time_info": datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),
            "data_hash": bytes(range(32)),
            "property_info": "330000/2026/5207/PAY%2F001/0/rh_zqz",
        }
    )
    built = asn1_v4.SESSignature(
        {"to_sign": tbs, "cert": b"signer-cert", "signature_alg_id": "sm2_sm3", "signature": b"s" * 71}
    )
    again = asn1_v4.SESSignature.load(built.dump(), strict=True)
    assert again.native == built.native
    assert again["to_sign"]["eseal"]["e_seal_info"]["property"]["cert_list"][0].native == b"signer-cert"
    assert again["signature_alg_id"].dotted == oids.SM2_WITH_SM3
    assert again["to_sign"]["data_hash"].native == bytes(range(32))
    assert again["time_stamp"].native is None


def test_v4_cert_digest_list_is_chosen_by_cert_list_type():
    digest = {"type": "SM3", "value": b"\x01" * 32}
    seal = _v4_seal(2, asn1_v4.SESCertDigestList([digest]))
    again = asn1_v4.SESeal.load(seal.dump(), strict=True)
    cert_list = again["e_seal_info"]["property"]["cert_list"]
    assert isinstance(cert_list, asn1_v4.SESCertDigestList)
    assert cert_list.native == [digest]


def test_v1_signature_built_from_fields_round_trips():
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    info = {
        "header": {"id": "ES", "version": 1, "vid": "guoku"},
        "es_id": "esid-1",
        "property": {
            "type": 1,
            "name": "单位章",
            "cert_list": [core.OctetString(b"signer-cert")],
            "create_date": when,
            "valid_start": when,
            "valid_end": when.replace(year=2027),
        },
        "picture": _picture(),
    }
    seal = asn1_v1.SESeal(
        {
            "eseal_info": info,
            "sign_info": {"cert": b"maker", "signature_algorithm": oids.SM2_WITH_SM3, "sign_data": b"sig"},
        }
    )
    tbs = {
        "version": 1,
        "eseal": seal,
        "time_info": b"2026-01-02 03:04:05",
        "data_hash": b"\x00" * 32,
        "property_info": "p",
        "cert": b"signer-cert",
        "signature_algorithm": oids.SM2_WITH_SM3,
    }
    built = asn1_v1.SESSignature({"to_sign": tbs, "signature": b"sig"})
    again = asn1_v1.SESSignature.load(built.dump(), strict=True)
    assert again.native == built.native
    assert again["to_sign"]["time_info"].native == b"2026-01-02 03:04:05"
    assert len(again) == 2 and len(again["to_sign"]["eseal"]) == 2
