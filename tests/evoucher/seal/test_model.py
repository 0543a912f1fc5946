"""Decoding: version from the structure, original bytes kept, bad input refused with SealError."""

import pytest

from evoucher.crypto.sm3 import sm3
from evoucher.errors import HostileInputError, SealError
from evoucher.seal import model
from evoucher.seal.asn1_v4 import SESeal
from tests.evoucher.seal.vectors import vector


def test_kind_and_version_come_from_the_structure():
    assert isinstance(model.load(vector("ofdrw_UserV1.esl")), model.Seal)
    assert model.load(vector("ofdrw_UserV1.esl")).version == 1
    assert model.load(vector("ofdrw_UserV4.esl")).version == 4
    sig = model.load(vector("dms360_v1_SignedValue.dat"))
    assert isinstance(sig, model.Signature) and sig.version == 1 and sig.seal.version == 1


def test_header_version_five_is_still_read_as_v4():
    seal = SESeal.load(vector("ofdrw_UserV4.esl"))
    header = seal["e_seal_info"]["header"]
    header["version"] = 5  # as ofdrw writes; the seal signature breaks, the structure does not
    decoded = model.load_seal(seal.dump(force=True))
    assert (decoded.version, decoded.header_version) == (4, 5)


def test_v4_signed_bytes_are_the_original_seal_info():
    der = vector("ofdrw_SESealData_hebei.der")
    seal = model.load_seal(der)
    assert seal.signed_bytes == SESeal.load(der)["e_seal_info"].dump()
    assert seal.signed_bytes in der  # a slice of the input, explicit BOOLEAN FALSE included


def test_v1_signed_bytes_wrap_the_original_parts():
    der = vector("ofdrw_UserV1.esl")
    seal = model.load_seal(der)
    assert seal.signed_bytes[0] == 0x30
    assert seal.signed_bytes.endswith(bytes.fromhex("06082a811ccf55018375"))  # OID 1.2.156.10197.1.501
    assert seal.signed_bytes[4:].startswith(der[4:40])  # SES_SealInfo as received, after both headers


def test_signature_fields():
    sig = model.load_signature(vector("tax_zhejiang_v4_SignedValue.dat"))
    assert sig.data_hash == sm3(vector("tax_zhejiang_v4_Signature.xml"))
    assert sig.property_info == "/Doc_0/Signs/Sign_0/Signature.xml"
    assert sig.time_info == "20200723130907Z"
    assert sig.signer_cert in sig.seal.signer_certs
    assert sig.seal.picture_type == "ofd" and sig.seal.picture_format == "OFD"
    assert sig.tbs_bytes in sig.der


def test_v1_free_text_time_is_read():
    sig = model.load_signature(vector("dms360_v1_SignedValue.dat"))
    assert sig.time_info == "2020-01-25T07:31:56.377Z"
    assert sig.signing_time.isoformat() == "2020-01-25T07:31:56.377000+00:00"


def test_deviations_are_reported_not_hidden():
    yunnan = model.load_signature(vector("gov_yunnan_v4_gbkcert_SignedValue.dat")).seal
    assert yunnan.deviations == ("picture type 'png' is not in upper case",)
    dms = model.load_signature(vector("dms360_v1_SignedValue.dat")).seal
    assert dms.signer_certs == () and "IA5String" in dms.deviations[0]
    assert model.load_seal(vector("ofdrw_UserV4.esl")).deviations == ()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x30\x00",
        b"\x04\x03abc",
        vector("ofdrw_UserV4.esl")[:-1],
        vector("ofdrw_UserV4.esl") + b"\x00",
        vector("tax_zhejiang_v4_SignedValue.dat")[:3000],
    ],
)
def test_garbage_is_a_seal_error(data):
    with pytest.raises(SealError):
        model.load(data)


def test_oversize_input_is_refused_before_parsing():
    with pytest.raises(HostileInputError):
        model.load_seal(b"\x30" + b"\x00" * model.MAX_BYTES)


def test_seal_validity_window():
    seal = model.load_seal(vector("ofdrw_UserV4.esl"))
    seal.check_valid_at(seal.valid_start)
    seal.check_valid_at(seal.valid_end)
    with pytest.raises(model.SealExpired):
        seal.check_valid_at(seal.valid_end.replace(year=2023))
    with pytest.raises(model.SealNotYetValid):
        seal.check_valid_at(seal.valid_start.replace(year=2019))
