"""`guoku env init|show|revoke` through guoku.cli.main: output, JSON, progress and exit codes."""

from __future__ import annotations

import json

import pytest

from guoku.cli import main


def run(capsys, *argv):
    code = main(["env", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def env_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli") / "env"
    assert main(["env", "init", str(root), "--scenario", "tiny", "--seed", "9"]) == 0
    return root


def test_init_prints_parties_and_reports_progress_on_stderr(capsys, tmp_path):
    code, out, err = run(capsys, "init", str(tmp_path / "e"), "--scenario", "tiny", "--seed", "9")
    assert code == 0
    assert "party 3/5: 中国工商银行杭州分行 (102-330100-01)" in err
    assert "(scenario tiny, seed 9)" in out
    assert "011-330100-01   hz-finance   finance" in out


def test_same_seed_same_certificates_and_keys(env_dir, tmp_path, capsys):
    code, out, _ = run(capsys, "init", str(tmp_path / "again"), "--scenario", "tiny", "--seed", "9", "--json")
    assert code == 0
    facts = json.loads(out)
    assert facts["seed"] == 9 and len(facts["parties"]) == 5
    for cert_id in ("011-330100-01", "102-330100-01-jzy", "seal-maker"):
        assert (tmp_path / "again/certs" / f"{cert_id}.pem").read_bytes() == (
            env_dir / "certs" / f"{cert_id}.pem"
        ).read_bytes()
        assert (tmp_path / "again/keys" / f"{cert_id}.key.pem").read_bytes() == (
            env_dir / "keys" / f"{cert_id}.key.pem"
        ).read_bytes()


def test_init_refuses_a_non_empty_directory_without_force(env_dir, capsys):
    code, _, err = run(capsys, "init", str(env_dir), "--scenario", "tiny")
    assert code == 2
    assert "--force" in err


def test_show_json_lists_cert_ids_and_people(env_dir, capsys):
    code, out, _ = run(capsys, "show", str(env_dir), "--json")
    assert code == 0
    parties = {p["handle"]: p for p in json.loads(out)["parties"]}
    assert parties["hz-health"]["cert_id"] == "021-330100-01"
    assert parties["hz-finance"]["people"] == {"011-330100-01-jzy": "张敏", "011-330100-01-fhy": "刘洋"}


def test_show_of_a_plain_directory_is_a_usage_error(tmp_path, capsys):
    code, _, err = run(capsys, "show", str(tmp_path))
    assert code == 2 and "not a guoku environment" in err


def test_revoke_exit_codes(tmp_path, capsys):
    root = tmp_path / "r"
    assert main(["env", "init", str(root), "--scenario", "tiny", "--seed", "1"]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "revoke", str(root), "hz-bocom", "--reason", "keyCompromise", "--json")
    assert code == 0
    assert json.loads(out)["cert_id"] == "301-330100-01" and json.loads(out)["reason"] == "key_compromise"
    assert run(capsys, "revoke", str(root), "301-330100-01")[0] == 1  # already revoked
    assert run(capsys, "revoke", str(root), "nobody")[0] == 2
    assert run(capsys, "revoke", str(root), "hz-icbc", "--reason", "lostIt")[0] == 2
    code, out, _ = run(capsys, "show", str(root), "--json")
    assert json.loads(out)["revoked"] == ["301-330100-01"] and json.loads(out)["crls"] == 2
