"""Stamping MOF bodies: every stamp binds the exact voucher bytes, the voucher and the position."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from evoucher.codec import MofBody, Stamp, parse_mof, parse_voucher, with_fields
from evoucher.errors import SealError
from evoucher.pki.builder import create_environment, revoke
from evoucher.pki.environment import load_environment
from evoucher.registry.generate import sample_mof
from evoucher.seal import asn1_v1, asn1_v4, load_seal
from evoucher.seal.bare import VoucherSignature
from evoucher.seal.binding import SealKind, WrongSealType, check_seal_kind
from evoucher.seal.create import make_signature
from evoucher.seal.model import PERSONAL_SEAL, UNIT_SEAL
from evoucher.seal.policy import DEFAULT, STRICT
from evoucher.stamp import body_property_info, position_seal, stamp_body, verify_body
from evoucher.verdict import Failed, Indication, Outcome
from tests.evoucher.pki.oracles import pysmx_verify

POLICY_1_0 = dataclasses.replace(STRICT, profile="1.0")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return create_environment(tmp_path_factory.mktemp("stamp") / "env", scenario="tiny", seed=21)


def _body(seed: int = 0, vt_code: str = "5207") -> MofBody:
    return parse_mof(sample_mof(vt_code, seed=seed))[0]


def _stamp_all(env, body: MofBody, *, version: int = 4, at: datetime | None = None) -> MofBody:
    """Apply every position of the body's VtCode, each by the city party of the position's role."""
    for position in env.positions_for(body.vt_code, body.voucher_flag):
        party = env.find(role=position.role.value, adm_div_code="330100")[0]
        holder = party.signer(position.stamp_type)
        seal = party.seal(position.stamp_type, version) if position.kind == "stamp" else None
        body = stamp_body(
            body, position.id, seal=seal, key=holder.key, cert=holder.cert, kind=position.kind, at=at
        )
    return body


def _verify(env, body: MofBody, policy=STRICT, **kw):
    return verify_body(body, trust_anchors=env.trust_anchors, crls=env.crls, policy=policy, **kw)


@pytest.mark.parametrize(("version", "policy"), [(4, STRICT), (1, POLICY_1_0)])
def test_every_stamp_passes_strict_verification(env, version, policy):
    body = _stamp_all(env, _body(), version=version)
    assert [s.position for s in body.stamps] == ["cz_gz", "cz_jzysz", "cz_fhysz"]
    required = [p.id for p in env.positions_for("5207", 0)]
    reports = _verify(env, body, policy, required_positions=required)
    assert [r.indication for r in reports] == [Indication.PASSED] * 3, [r.failure_msg for r in reports]
    assert {r.version for r in reports} == {version}


@pytest.mark.parametrize("version", [4, 1])
def test_stamps_verify_in_an_independent_sm2(env, version):
    body = _stamp_all(env, _body(), version=version)
    asn1 = asn1_v4 if version == 4 else asn1_v1
    for stamp in body.stamps:
        sig = asn1.SESSignature.load(stamp.value)
        holder = env.party("hz-finance").signer(env.position("5207", stamp.position).stamp_type)
        assert pysmx_verify(holder.key.public_key, sig["to_sign"].dump(), sig["signature"].native)
        assert sig["to_sign"]["property_info"].native == body_property_info(body, stamp.position)


def test_a_stamp_moved_to_another_voucher_is_caught(env):
    stamped = _stamp_all(env, _body(seed=0))
    other = _body(seed=1)
    assert other.voucher_no != stamped.voucher_no
    moved = dataclasses.replace(other, stamps=stamped.stamps)
    for report in _verify(env, moved):
        assert report.indication is Indication.FAILED
        assert report.check("binding").sub_indication is Failed.WRONG_VOUCHER


def test_a_stamp_on_another_version_of_the_voucher_is_a_hash_failure(env):
    stamped = _stamp_all(env, _body())
    edited = with_fields(parse_voucher(stamped.voucher), {"PayAmt": "1.00"})
    assert edited != stamped.voucher
    reports = _verify(env, dataclasses.replace(stamped, voucher=edited))
    assert [r.sub_indication for r in reports] == [Failed.HASH_FAILURE] * 3
    assert all(r.intact is False and r.valid for r in reports)


def test_a_stamp_moved_to_another_position_or_onto_the_receipt_is_caught(env):
    stamped = _stamp_all(env, _body())
    gz = stamped.stamps[0]
    elsewhere = dataclasses.replace(stamped, stamps=(Stamp("rh_gz", gz.kind, gz.value),))
    assert [r.sub_indication for r in _verify(env, elsewhere)] == [Failed.WRONG_POSITION]
    receipt = dataclasses.replace(stamped, voucher_flag=1, stamps=(gz,))
    assert [r.sub_indication for r in _verify(env, receipt)] == [Failed.WRONG_POSITION]


def test_signature_positions_carry_a_verifiable_bare_signature(env):
    body = _stamp_all(env, _body(vt_code="3208"), version=4)  # PBoC-generated notices are signed
    party = env.party("hz-treasury")
    assert {s.kind for s in body.stamps} == {"sign"} and len(body.stamps) == 2
    reports = _verify(env, body, required_positions=[p.id for p in env.positions_for("3208", 0)])
    assert [r.indication for r in reports] == [Indication.PASSED] * len(body.stamps), [
        r.failure_msg for r in reports
    ]
    for stamp in body.stamps:
        sig = VoucherSignature.load(stamp.value)
        holder = party.signer(env.position("3208", stamp.position).stamp_type)
        assert pysmx_verify(holder.key.public_key, sig["to_sign"].dump(), sig["signature"].native)


def test_bare_signatures_are_bound_like_stamps(env):
    body = _stamp_all(env, _body(vt_code="3208"))
    first = body.stamps[0]
    moved = dataclasses.replace(body, stamps=(Stamp("other_qm", "sign", first.value),))
    assert _verify(env, moved)[0].sub_indication is Failed.WRONG_POSITION
    edited = with_fields(parse_voucher(body.voucher), {"Hold1": "x"})
    assert _verify(env, dataclasses.replace(body, voucher=edited))[0].sub_indication is Failed.HASH_FAILURE
    forged = first.value[:-3] + bytes(3)
    report = _verify(env, dataclasses.replace(body, stamps=(Stamp(first.position, "sign", forged),)))[0]
    assert report.sub_indication is Failed.SIG_CRYPTO_FAILURE and report.intact and not report.valid
    garbage = _verify(env, dataclasses.replace(body, stamps=(Stamp(first.position, "sign", b"\x30\x00"),)))[0]
    assert garbage.sub_indication is Failed.FORMAT_FAILURE


def test_missing_required_positions_are_reported(env):
    party = env.party("hz-finance")
    holder = party.signer("gz")
    body = stamp_body(_body(), "cz_gz", seal=party.seal("gz"), key=holder.key, cert=holder.cert)
    reports = _verify(env, body, required_positions=["cz_fhysz", "cz_gz", "cz_jzysz"])
    assert [r.indication for r in reports] == [Indication.PASSED, Indication.FAILED, Indication.FAILED]
    assert [r.sub_indication for r in reports[1:]] == [Failed.STAMP_MISSING] * 2
    assert [r.position for r in reports] == ["cz_gz", "cz_fhysz", "cz_jzysz"]
    assert "'cz_fhysz' carries no stamp" in reports[1].failure_msg


def test_every_report_names_its_position(env):
    body = _stamp_all(env, _body())
    reordered = dataclasses.replace(body, stamps=body.stamps[::-1])
    reports = _verify(env, reordered)
    assert [r.position for r in reports] == ["cz_fhysz", "cz_jzysz", "cz_gz"]
    assert [r.to_json()["position"] for r in reports] == ["cz_fhysz", "cz_jzysz", "cz_gz"]


def test_a_position_is_stamped_once(env):
    party = env.party("hz-finance")
    holder = party.signer("gz")
    body = stamp_body(_body(), "cz_gz", seal=party.seal("gz"), key=holder.key, cert=holder.cert)
    with pytest.raises(SealError, match="位置已签章") as caught:
        stamp_body(body, "cz_gz", seal=party.seal("gz"), key=holder.key, cert=holder.cert)
    assert caught.value.evs_code == "EVS700"


def test_a_stamp_needs_a_seal_and_a_signature_takes_none(env):
    holder = env.party("hz-finance").signer("gz")
    with pytest.raises(SealError, match="needs a seal"):
        stamp_body(_body(), "cz_gz", key=holder.key, cert=holder.cert)
    with pytest.raises(SealError, match="takes no seal"):
        stamp_body(_body(), "cz_qm", seal=b"x", key=holder.key, cert=holder.cert, kind="sign")


def test_revoked_signer_is_caught_after_revocation_only(tmp_path):
    root = tmp_path / "env"
    create_environment(root, scenario="tiny", seed=22)
    revoked_at = datetime.now(UTC).replace(microsecond=0)
    revoke(root, "011-330100-01", reason="keyCompromise", at=revoked_at)
    env = load_environment(root)
    party = env.party("hz-finance")
    holder = party.signer("gz")

    def stamped(at: datetime) -> MofBody:
        return stamp_body(_body(), "cz_gz", seal=party.seal("gz"), key=holder.key, cert=holder.cert, at=at)

    after = _verify(env, stamped(revoked_at + timedelta(seconds=5)), DEFAULT)[0]
    assert after.sub_indication is Failed.REVOKED
    before = _verify(env, stamped(revoked_at - timedelta(days=1)), STRICT)[0]
    assert before.passed, before.failure_msg


def test_position_seal_follows_the_registry_stamp_type():
    assert position_seal("5207", "rh_zqz") == SealKind(UNIT_SEAL, "转讫章")
    assert position_seal("5207", "cz_gz") == SealKind(UNIT_SEAL, "公章")
    assert position_seal("5207", "cz_jzysz") == SealKind(PERSONAL_SEAL)
    assert position_seal("3208", "rh_jzyqm") is None  # a signature position takes no seal
    assert position_seal("5207", "zz_top") is None and position_seal("0000", "cz_gz") is None


def test_every_environment_seal_fits_the_positions_of_its_stamp_type(env):
    for vt_code, positions in env.positions.items():
        for position in positions:
            if position.kind == "sign":
                continue
            party = env.find(role=position.role.value)[0]
            for version in (4, 1):
                seal = load_seal(party.seal(position.stamp_type, version))
                check_seal_kind(position_seal(vt_code, position.id), seal.seal_type, seal.name)


def _receipt() -> MofBody:
    return dataclasses.replace(_body(), voucher_flag=1)


def test_stamp_body_refuses_a_seal_of_another_kind_than_the_position_takes(env):
    treasury = env.party("hz-treasury")
    org = treasury.signer("gz")
    with pytest.raises(WrongSealType, match="takes a unit seal named …转讫章") as caught:
        stamp_body(_receipt(), "rh_zqz", seal=treasury.seal("gz"), key=org.key, cert=org.cert)
    assert caught.value.evs_code == "EVS700"
    finance = env.party("hz-finance")
    person = finance.signer("jzysz")
    with pytest.raises(WrongSealType, match="is a personal seal; the position takes a unit seal"):
        stamp_body(_body(), "cz_gz", seal=finance.seal("jzysz"), key=person.key, cert=person.cert)
    stamped = stamp_body(_receipt(), "rh_zqz", seal=treasury.seal("zqz"), key=org.key, cert=org.cert)
    assert [s.position for s in stamped.stamps] == ["rh_zqz"]


def test_verify_body_reports_a_seal_of_another_kind_as_wrong_seal_type(env):
    treasury = env.party("hz-treasury")
    org = treasury.signer("gz")
    receipt = _receipt()
    info = body_property_info(receipt, "rh_zqz")
    made = make_signature(treasury.seal("gz"), org.key, org.cert, receipt.voucher, info, at=datetime.now(UTC))
    report = _verify(env, dataclasses.replace(receipt, stamps=(Stamp("rh_zqz", "stamp", made),)))[0]
    assert report.sub_indication is Failed.WRONG_SEAL_TYPE and report.position == "rh_zqz"
    assert report.check("binding").outcome is Outcome.PASSED  # genuine, right place, wrong seal
