"""SM2/SM3 OIDs registered with asn1crypto once, by one function, whoever imports first."""

import subprocess
import sys

import pytest
from asn1crypto import algos, keys

from evoucher.crypto import oids


def test_names_both_ways_after_registration():
    oids.register_with_asn1crypto()
    oids.register_with_asn1crypto()  # idempotent
    assert algos.SignedDigestAlgorithmId(oids.SM2_WITH_SM3).native == "sm2_sm3"
    assert algos.SignedDigestAlgorithmId("sm2_sm3").dotted == oids.SM2_WITH_SM3  # reverse map patched
    assert algos.DigestAlgorithmId("sm3").dotted == oids.SM3
    assert keys.NamedCurve("sm2p256v1").dotted == oids.SM2_CURVE
    assert keys.NamedCurve._key_sizes[oids.SM2_CURVE] == 32


@pytest.mark.parametrize("module", ["evoucher.pki.keys", "evoucher.seal.asn1_v4"])
def test_either_importer_registers_everything(module):
    code = (
        f"import {module}\n"
        "from asn1crypto import algos, keys\n"
        "print(algos.SignedDigestAlgorithmId('1.2.156.10197.1.501').native,"
        " algos.DigestAlgorithmId('1.2.156.10197.1.401').native,"
        " keys.NamedCurve('1.2.156.10197.1.301').native)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["sm2_sm3", "sm3", "sm2p256v1"]
