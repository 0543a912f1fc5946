"""Who may call: certificates of the environment, the right service, its own AdmDivCode and VtCodes."""

from __future__ import annotations

import pytest

from .support import ADM, BANK, FINANCE, PAYEE, PBOC, YEAR, fault, stranger_client

pytestmark = pytest.mark.anyio
ARGS = (ADM, YEAR, "5207", ["A1"], "001")


async def test_the_certificate_must_chain_to_the_environment_and_not_be_revoked(lib):
    query = "queryVoucherStatusByOrgType"
    found = {
        "foreign_ca": await fault(stranger_client(lib, "011-330100-01").call(query, *ARGS)),
        "unknown_cert_id": await fault(stranger_client(lib, "011-999999-01").call(query, *ARGS)),
        "revoked": await fault(lib.client(PAYEE).call(query, ADM, YEAR, "2252", ["A1"], "001")),
        "others_cert_id": await fault(lib.client(FINANCE).call(query, *ARGS, cert_id="001-330100-01")),
    }
    assert {n: f.evs_code for n, f in found.items()} == dict.fromkeys(found, "EVS112")
    assert "not among 1 trust anchor" in found["foreign_ca"].message
    assert "not issued to any party" in found["unknown_cert_id"].message
    assert "revoked" in found["revoked"].message and "301-330100-01" in found["revoked"].message
    assert "is not the caller's CertID" in found["others_cert_id"].message


async def test_each_party_calls_its_own_service(lib):
    wrong = await fault(
        lib.client(FINANCE, service="AsspCBankService").query_voucher_status_by_org_type(*ARGS)
    )
    also = await fault(lib.client(PBOC, service="AsspPBankService").query_voucher_status_by_org_type(*ARGS))
    assert wrong.evs_code == also.evs_code == "EVS112"
    assert "may not call AsspCBankService, which serves org type 001" in wrong.message
    assert "3-digit bank type" in also.message
    ok = await lib.client(BANK).query_voucher_status_by_org_type(ADM, YEAR, "2301", ["A1"], "001")
    stamp_service = await lib.client(FINANCE, service="AsspEStampService").query_stamp_position_with_name(
        ADM, YEAR, "5207"
    )
    assert ok == {"A1": (-1, "凭证不存在")} and "cz_gz" in stamp_service


async def test_with_auth_off_the_cert_id_argument_is_taken_on_trust_but_still_checked(open_library):
    async with open_library(auth="off") as lib:
        ok = await lib.client(FINANCE, sign=False).query_voucher_status_by_org_type(*ARGS)
        revoked = await fault(
            lib.client(PAYEE, sign=False).query_voucher_status_by_org_type(ADM, YEAR, "2252", ["A1"], "001")
        )
    assert ok == {"A1": (-1, "凭证不存在")}
    assert revoked.evs_code == "EVS112" and "revoked" in revoked.message


async def test_with_auth_off_the_org_type_cert_id_names_the_pboc_of_the_adm_div_code(open_library):
    """The PBoC's Axis front end sends `001` as certID (VL-WIRE-027): within 330100 it is hz-treasury."""
    query = "queryVoucherStatusByOrgType"
    async with open_library(auth="off") as lib:
        pboc = lib.client(PBOC, sign=False)
        assert await pboc.call(query, *ARGS[:-1], "011", cert_id="001") == {"A1": (-1, "凭证不存在")}
        provincial = await fault(pboc.call("readVoucherAgain", "330000", YEAR, "8202", 1, cert_id="001"))
        finance = await fault(lib.client(FINANCE, sign=False).call(query, *ARGS, cert_id="011"))
        audited = lib.store.query(lambda q: q.audit_page(after=0, limit=100))
    assert "国家金库浙江省分库" in provincial.message  # 001 in 330000 is the provincial treasury
    assert finance.evs_code == "EVS112" and "'011' is not issued to any party" in finance.message
    provincial_id = lib.env.party("zj-treasury").cert_id
    assert [e.actor for e in audited if e.operation == "readVoucherAgain"] == [provincial_id]
    async with open_library() as lib:  # with CallerAuth the certID argument must be the certificate's
        signed = await fault(lib.client(PBOC).call(query, *ARGS[:-1], "011", cert_id="001"))
    assert signed.evs_code == "EVS112" and "is not the caller's CertID" in signed.message


@pytest.mark.parametrize(
    ("args", "evs", "words"),
    [
        (("330000", YEAR, "5207", ["A1"], "001"), "EVS112", "acts for AdmDivCode 330100, not 330000"),
        (("110000", YEAR, "5207", ["A1"], "001"), "EVS004", "获取行政区划失败"),
        (("33010", YEAR, "5207", ["A1"], "001"), "EVS100", "AdmDivCode"),
        ((ADM, YEAR + 1, "5207", ["A1"], "001"), "EVS103", "not after 2026"),
        ((ADM, 1999, "5207", ["A1"], "001"), "EVS103", "StYear"),
        ((ADM, YEAR, "8202", ["A1"], "102"), "EVS112", "no permission for VtCode 8202"),
        ((ADM, YEAR, "9999", ["A1"], "001"), "EVS100", "vtCode"),
        ((ADM, YEAR, "5207", [""], "001"), "EVS111", "VoucherNo"),
        ((ADM, YEAR, "5207", [], "001"), "EVS111", "voucherNos"),
        ((ADM, YEAR, "5207", ["A1"], ""), "EVS111", "decOrgType"),
    ],
)
async def test_common_arguments_are_checked_with_realware_codes(lib, args, evs, words):
    f = await fault(lib.client(FINANCE).query_voucher_status_by_org_type(*args))
    assert f.evs_code == evs and words in f.message, f.message
