"""`guoku voucher stamp|verify` through guoku.cli.main: stamping files, verdicts and exit codes."""

from __future__ import annotations

import dataclasses
import json

import pytest

from evoucher.codec import build_mof, parse_mof, parse_voucher, with_fields
from evoucher.pki.builder import create_environment
from evoucher.registry.generate import sample_mof
from guoku.cli import main


@pytest.fixture(scope="module")
def env_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("vs") / "env"
    create_environment(root, scenario="tiny", seed=31)
    return root


@pytest.fixture
def mof(tmp_path):
    path = tmp_path / "v.mof"
    path.write_bytes(sample_mof("5207"))
    return path


def run(capsys, *argv):
    code = main(["voucher", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def stamp(capsys, env_dir, mof, party, position, *extra):
    return run(
        capsys, "stamp", str(mof), "--env", str(env_dir), "--party", party, "--position", position, *extra
    )


def test_stamp_every_position_then_verify_strict_and_complete(capsys, env_dir, mof):
    for position in ("cz_gz", "cz_jzysz", "cz_fhysz"):
        code, out, err = stamp(capsys, env_dir, mof, "hz-finance", position)
        assert code == 0, err
        assert f"stamp at {position}" in out
    code, out, _ = run(
        capsys, "verify", str(mof), "--env", str(env_dir), "--policy", "strict", "--require-all"
    )
    assert code == 0, out
    assert "PASSED" in out and "FAILED" not in out
    code, out, _ = run(capsys, "verify", str(mof), "--env", str(env_dir), "--json")
    facts = json.loads(out)
    assert facts["passed"] and [s["position"] for s in facts["bodies"][0]["stamps"]] == [
        "cz_gz",
        "cz_jzysz",
        "cz_fhysz",
    ]


def test_v1_seals_under_profile_1_0(capsys, env_dir, mof):
    assert stamp(capsys, env_dir, mof, "hz-finance", "cz_gz", "--profile", "1.0")[0] == 0
    code, out, _ = run(capsys, "verify", str(mof), "--env", str(env_dir), "--policy", "strict", "--json")
    assert code == 1 and json.loads(out)["bodies"][0]["stamps"][0]["subindication"] == "NOT_ALLOWED"
    code, out, _ = run(
        capsys, "verify", str(mof), "--env", str(env_dir), "--policy", "strict", "--profile", "1.0", "--json"
    )
    assert code == 0 and json.loads(out)["bodies"][0]["stamps"][0]["version"] == 1


def test_verify_fails_an_edited_voucher_and_a_missing_position(capsys, env_dir, mof):
    assert stamp(capsys, env_dir, mof, "hz-finance", "cz_gz")[0] == 0
    body = parse_mof(mof.read_bytes())[0]
    edited = with_fields(parse_voucher(body.voucher), {"PayAmt": "9.99"})
    mof.write_bytes(build_mof([dataclasses.replace(body, voucher=edited)]))
    code, out, _ = run(capsys, "verify", str(mof), "--env", str(env_dir), "--require-all", "--json")
    assert code == 1
    stamps = json.loads(out)["bodies"][0]["stamps"]
    assert stamps[0]["subindication"] == "HASH_FAILURE"
    assert [s["stamp_kind"] for s in stamps[1:]] == ["missing", "missing"]
    assert [s["subindication"] for s in stamps[1:]] == ["STAMP_MISSING", "STAMP_MISSING"]
    assert [s["position"] for s in stamps] == ["cz_gz", "cz_jzysz", "cz_fhysz"]


def test_stamp_refusals_and_their_exit_codes(capsys, env_dir, mof, tmp_path):
    assert stamp(capsys, env_dir, mof, "hz-finance", "cz_gz")[0] == 0
    code, _, err = stamp(capsys, env_dir, mof, "hz-finance", "cz_gz")
    assert code == 1 and "EVS700#位置已签章" in err
    code, _, err = stamp(capsys, env_dir, mof, "hz-treasury", "cz_jzysz")
    assert code == 1 and "belongs to finance" in err
    code, _, err = stamp(capsys, env_dir, mof, "hz-finance", "zz_top")
    assert code == 2 and "cz_gz, cz_jzysz" in err
    assert stamp(capsys, env_dir, mof, "nobody", "cz_gz")[0] == 2
    assert stamp(capsys, env_dir, tmp_path / "absent.mof", "hz-finance", "cz_gz")[0] == 2
    assert run(capsys, "verify", str(mof), "--env", str(tmp_path))[0] == 2


def test_unstamped_voucher_does_not_pass(capsys, env_dir, mof):
    code, out, _ = run(capsys, "verify", str(mof), "--env", str(env_dir))
    assert code == 1 and "no stamps" in out
