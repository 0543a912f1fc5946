"""A bad seal is a result, never an exception, and no single changed byte of a stamp passes."""

from hypothesis import example, given, settings
from hypothesis import strategies as st

from evoucher.seal.verify import verify_seal, verify_signature
from evoucher.verdict import Indication
from tests.evoucher.seal.vectors import vector

STAMP = vector("tax_zhejiang_v4_SignedValue.dat")
DATA = vector("tax_zhejiang_v4_Signature.xml")
SEAL = vector("ofdrw_UserV1.esl")


@settings(max_examples=150)
@given(st.integers(0, len(STAMP) - 1), st.integers(1, 255))
@example(3869, 0x01)  # maker cert version 3 -> 4: cryptography raises InvalidVersion
@example(4124, 0x01)  # maker cert SPKI algorithm OID: asn1crypto raises KeyError
def test_no_single_byte_change_of_a_stamp_passes(offset, xor):
    mutated = bytearray(STAMP)
    mutated[offset] ^= xor
    report = verify_signature(bytes(mutated), data=DATA)
    assert report.indication is not Indication.PASSED, f"byte {offset} ^ {xor:#x} still passes"


@given(st.integers(0, len(SEAL) - 1), st.integers(1, 255))
def test_no_single_byte_change_of_a_v1_seal_passes(offset, xor):
    mutated = bytearray(SEAL)
    mutated[offset] ^= xor
    assert verify_seal(bytes(mutated)).indication is not Indication.PASSED


@given(st.binary(max_size=300) | st.integers(0, len(STAMP) - 1).map(lambda n: STAMP[:n]))
def test_garbage_and_truncations_give_reports(data):
    report = verify_signature(data)
    assert report.indication is Indication.FAILED
    assert verify_seal(data).indication is Indication.FAILED
