"""The environment `guoku env init` writes: real certificates, keys, seals and lookups, reproducibly."""

from __future__ import annotations

import dataclasses
import json

import pytest
from asn1crypto import pem
from cryptography import x509 as cx
from cryptography.x509.oid import NameOID

from evoucher import registry
from evoucher.pki.builder import EnvironmentExists, create_environment, revoke
from evoucher.pki.environment import load_environment
from evoucher.seal import load_seal
from evoucher.seal.policy import STRICT
from evoucher.seal.verify import verify_seal
from tests.evoucher.pki.oracles import needs_openssl, openssl


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return create_environment(tmp_path_factory.mktemp("env") / "small", scenario="small", seed=11)


def _all_holders(env):
    return [env.maker, *(h for p in env.parties for h in p.holders)]


@needs_openssl
def test_every_certificate_verifies_with_openssl(env):
    paths = [env.root / f"certs/{h.cert_id}.pem" for h in _all_holders(env)]
    out = openssl("verify", "-vfyopt", "distid:1234567812345678", "-CAfile", env.root / "ca/root.pem", *paths)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.count(": OK") == len(paths) == 1 + 3 * 13


@needs_openssl
def test_every_key_loads_with_openssl_and_matches_its_certificate(env):
    for holder in _all_holders(env):
        out = openssl("pkey", "-in", env.root / f"keys/{holder.cert_id}.key.pem", "-pubout")
        assert out.returncode == 0, out.stderr
        spki = pem.unarmor(out.stdout.encode())[2]
        assert spki == holder.cert["tbs_certificate"]["subject_public_key_info"].dump(), holder.cert_id


def test_subjects_carry_org_name_adm_div_code_org_type_and_cert_id(env):
    party = env.party("hz-finance")
    subject = cx.load_der_x509_certificate(party.org.cert.dump()).subject

    def value(oid):
        return subject.get_attributes_for_oid(oid)[0].value

    assert value(NameOID.ORGANIZATION_NAME) == "杭州市财政局"
    assert value(NameOID.LOCALITY_NAME) == "330100"
    assert value(NameOID.ORGANIZATIONAL_UNIT_NAME) == "011"
    assert value(NameOID.SERIAL_NUMBER) == party.cert_id == "011-330100-01"


def test_every_seal_passes_strict_verification_and_names_its_holder(env):
    policy_v1 = dataclasses.replace(STRICT, profile="1.0")
    for party in env.parties[:4]:
        for (stamp_type, version), seal in party.seals.items():
            report = verify_seal(
                seal,
                policy=STRICT if version == 4 else policy_v1,
                trust_anchors=env.trust_anchors,
                crls=env.crls,
            )
            assert report.passed, (party.handle, stamp_type, version, report.failure_msg)
            assert load_seal(seal).signer_certs == (party.signer(stamp_type).cert.dump(),)
    assert len(env.parties[0].seals) == 7 * 2


def test_lookups_by_handle_name_cert_id_and_org(env):
    party = env.party("杭州市财政局")
    assert env.party("hz-finance") is party is env.party("011-330100-01") is env.party("011-330100-01-jzy")
    assert env.holder("011-330100-01-fhy").name == "刘洋"
    assert env.holder("seal-maker") is env.maker
    banks = env.find(role="agent_bank", adm_div_code="330000")
    assert [b.org_type for b in banks] == ["102", "103", "104", "105"]
    with pytest.raises(KeyError):
        env.party("no-such-party")
    assert env.allowed_vt_codes("no-such-cert") == frozenset()


def test_allowed_vt_codes_follow_the_registry_routes(env):
    for party in (
        env.party("hz-finance"),
        env.party("hz-treasury"),
        env.party("hz-icbc"),
        env.party("hz-health"),
    ):
        expected = {
            vt.vt_code for vt in registry.all_types() if vt.sender == party.role or party.role in vt.receivers
        }
        assert party.vt_codes == expected
    assert "5207" in env.allowed_vt_codes("011-330100-01")
    assert "8202" in env.allowed_vt_codes("021-330100-01") and "8202" not in env.allowed_vt_codes(
        "011-330100-01"
    )


def test_positions_are_the_registrys(env):
    vt = registry.get("5207")
    assert env.positions_for("5207", 0) == vt.positions_for(0)
    assert env.positions_for("5207", 1) == vt.positions_for(1)
    assert env.positions_for("5207", 1, failed=True) == vt.positions_for(1, failed=True)
    assert env.position("5207", "rh_zqz").stamp_type == "zqz"


def test_the_same_seed_gives_the_same_files(tmp_path):
    a = create_environment(tmp_path / "a", scenario="tiny", seed=5)
    b = create_environment(tmp_path / "b", scenario="tiny", seed=5)
    files = sorted(p.relative_to(a.root) for p in a.root.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b.root) for p in b.root.rglob("*") if p.is_file())
    assert len(files) > 50
    assert all((a.root / f).read_bytes() == (b.root / f).read_bytes() for f in files)


def test_a_non_empty_directory_is_refused_without_force(tmp_path):
    root = tmp_path / "env"
    create_environment(root, scenario="tiny", seed=1)
    (root / "notes.txt").write_text("mine")
    with pytest.raises(EnvironmentExists, match="--force"):
        create_environment(root, scenario="tiny", seed=2)
    assert load_environment(root).seed == 1
    create_environment(root, scenario="tiny", seed=2, force=True)
    assert load_environment(root).seed == 2
    assert (root / "notes.txt").read_text() == "mine"


def test_revoking_publishes_a_new_crl_listing_the_cert(tmp_path):
    root = tmp_path / "env"
    create_environment(root, scenario="tiny", seed=3)
    record = revoke(root, "hz-icbc", reason="keyCompromise")
    env = load_environment(root)
    assert record.cert_id == env.party("hz-icbc").cert_id and record.reason == "key_compromise"
    assert env.revocation("102-330100-01") == record
    assert len(env.crls) == 2
    latest = cx.load_der_x509_crl(env.crls[-1])
    entry = latest.get_revoked_certificate_by_serial_number(env.party("hz-icbc").org.serial)
    assert (
        entry.extensions.get_extension_for_class(cx.CRLReason).value.reason == cx.ReasonFlags.key_compromise
    )
    person = revoke(root, "102-330100-01-jzy", reason="superseded")
    assert person.cert_id == "102-330100-01-jzy"
    with pytest.raises(ValueError, match="already revoked"):
        revoke(root, "102-330100-01")
    manifest = json.loads((root / "environment.json").read_text(encoding="utf-8"))
    assert [r["cert_id"] for r in manifest["revoked"]] == ["102-330100-01", "102-330100-01-jzy"]


def test_an_unknown_scenario_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown scenario"):
        create_environment(tmp_path / "x", scenario="huge")
