"""`guoku seal inspect|verify` through guoku.cli.main: output, JSON and exit codes."""

import json

import pytest

from guoku.cli import main
from tests.evoucher.seal.vectors import SEALS

ZJ = str(SEALS / "tax_zhejiang_v4_SignedValue.dat")
ZJ_XML = str(SEALS / "tax_zhejiang_v4_Signature.xml")
ROOT = str(SEALS / "ofdrw_test_root.cer")


def run(capsys, *argv):
    code = main(["seal", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_inspect_stamp_text(capsys):
    code, out, _ = run(capsys, "inspect", ZJ)
    assert code == 0
    assert "SES_Signature v4  timeInfo 20200723130907Z" in out
    assert "esID 33010600000001  name 国家税务总局浙江省税务局  type 3" in out
    assert "picture ofd 2433 bytes, 30x20 mm" in out


def test_inspect_seal_json(capsys):
    code, out, _ = run(capsys, "inspect", str(SEALS / "ofdrw_UserV1.esl"), "--json")
    facts = json.loads(out)
    assert code == 0
    assert (facts["kind"], facts["version"], facts["vendor_id"]) == ("seal", 1, "OFDR&WTest")
    assert [c["role"] for c in facts["certificates"]] == ["maker", "certList[0]"]
    assert facts["certificates"][0]["issuer"].startswith("CN=OFD Reader and WriterROOT")
    assert facts["picture"] == {"type": "PNG", "bytes": 15693, "width_mm": 40, "height_mm": 40}


def test_inspect_non_seal_fails(capsys, tmp_path):
    junk = tmp_path / "junk.der"
    junk.write_bytes(b"\x30\x03\x02\x01\x01")
    code, out, _ = run(capsys, "inspect", str(junk), "--json")
    assert code == 1 and json.loads(out)["kind"] is None


def test_verify_passes_with_data(capsys):
    code, out, _ = run(capsys, "verify", ZJ, "--data", ZJ_XML)
    assert code == 0
    header = out.splitlines()[0]
    assert header.endswith("PASSED  (signature v4, policy default, judged at 2020-07-23 13:09:07Z)")
    assert "WARNING  signer-chain" in out


def test_verify_tampered_data_fails_with_json(capsys, tmp_path):
    bad = tmp_path / "Signature.xml"
    bad.write_bytes(
        (SEALS / "tax_zhejiang_v4_Signature.xml").read_bytes().replace(b"Signature", b"Signaturf", 1)
    )
    code, out, _ = run(capsys, "verify", ZJ, "--data", str(bad), "--json")
    report = json.loads(out)
    assert code == 1
    assert (report["indication"], report["subindication"], report["intact"]) == (
        "FAILED",
        "HASH_FAILURE",
        False,
    )
    assert {c["name"]: c["outcome"] for c in report["checks"]}["data-hash"] == "FAILED"


@pytest.mark.parametrize(("policy", "code", "sub"), [("default", 0, None), ("strict", 1, "NOT_ALLOWED")])
def test_verify_policy_choice(capsys, policy, code, sub):
    got, out, _ = run(
        capsys, "verify", str(SEALS / "gov_shandong_v4_rawsig_SignedValue.dat"), "--policy", policy, "--json"
    )
    assert (got, json.loads(out)["subindication"]) == (code, sub)


def test_verify_seal_with_trust_anchor(capsys):
    code, out, _ = run(capsys, "verify", str(SEALS / "ofdrw_UserV4.esl"), "--trust", ROOT)
    assert code == 0 and "PASSED   maker-chain" in out


def test_verify_at_a_later_time_expires_the_seal(capsys):
    code, out, _ = run(capsys, "verify", str(SEALS / "ofdrw_UserV4.esl"), "--at", "2025-01-01", "--json")
    report = json.loads(out)
    assert code == 1 and report["subindication"] == "SEAL_EXPIRED"
    assert report["validation_time"] == "2025-01-01T00:00:00+00:00"


@pytest.mark.parametrize(
    "argv",
    [
        ["verify", "/nonexistent.dat"],
        ["verify", ZJ, "--at", "yesterday"],
        ["verify", ZJ, "--trust", ZJ_XML],  # not a certificate
        ["verify", str(SEALS / "ofdrw_UserV4.esl"), "--data", ZJ_XML],  # --data on a bare seal
        ["inspect", "/nonexistent.dat"],
    ],
)
def test_usage_errors_exit_2(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2 and err.startswith("guoku seal:")


def test_bad_policy_name_is_an_argparse_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["seal", "verify", ZJ, "--policy", "lenient"])
    assert exc.value.code == 2


def test_inspect_shows_extension_data(capsys):
    code, out, _ = run(capsys, "inspect", str(SEALS / "gov_shandong_v4_rawsig_SignedValue.dat"), "--json")
    facts = json.loads(out)
    assert code == 0
    assert [e["id"] for e in facts["extensions"]] == ["1.3.6.1.5.5.7.1.4"]
    assert facts["extensions"][0]["critical"] is True
    code, out, _ = run(capsys, "inspect", str(SEALS / "ofdrw_SESealData_hebei.der"))
    assert "extension 1.2.156.112600.7.3, 35 bytes" in out
