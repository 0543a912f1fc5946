"""`guoku env console-login` (a link whose token logs the party in, once) and `guoku serve --reports`."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from evoucher.pki import load_environment
from guoku.cli import main
from voucherlib.console.login import LoginRefused, Logins


@pytest.fixture(scope="module")
def env_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli") / "env"
    assert main(["env", "init", str(root), "--scenario", "tiny", "--seed", "9"]) == 0
    return root


def test_the_link_logs_the_party_in_once(env_dir, tmp_path, capsys):
    out = tmp_path / "link.txt"
    args = ["env", "console-login", str(env_dir), "hz-icbc", "--url", "http://lib:1/", "--out", str(out)]
    assert main(args) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("http://lib:1/console/login?token=") and out.read_text().strip() == link
    assert out.stat().st_mode & 0o077 == 0
    env = load_environment(env_dir)
    logins = Logins(lambda cert_id: env.party(cert_id))
    token = parse_qs(urlsplit(link).query)["token"][0]
    assert logins.check_token(env, token).party.handle == "hz-icbc"
    with pytest.raises(LoginRefused, match="used already"):
        logins.check_token(env, token)


def test_operator_json_and_usage_errors(env_dir, capsys):
    assert main(["env", "console-login", str(env_dir), "operator", "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    env = load_environment(env_dir)
    assert Logins(env.party).check_token(env, facts["token"]).operator
    assert main(["env", "console-login", str(env_dir), "nobody"]) == 2
    assert "no party or certID 'nobody'" in capsys.readouterr().err


def test_serve_refuses_a_reports_directory_that_is_not_one(env_dir, tmp_path, capsys):
    assert main(["serve", "--env", str(env_dir), "--reports", str(tmp_path / "missing"), "--port", "0"]) == 2
    assert "--reports" in capsys.readouterr().err
