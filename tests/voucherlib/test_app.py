"""The library app: lifespan-owned store, /healthz, WSDL per profile, and stock zeep over real HTTP."""

from __future__ import annotations

import httpx
import pytest
import zeep

from evoucher.codec import parse_mof, parse_voucher
from evoucher.interface import is_idempotent_success, parse_fault
from evoucher.pki.builder import create_environment
from mocks import VoucherLibraryClient
from mocks.zeep_auth import CallerAuthPlugin
from tests.voucherlib.service.support import (
    ADM,
    BUSINESS_DATE,
    FINANCE,
    FINANCE_POSITIONS,
    PBOC,
    RECEIPT_POSITIONS,
    YEAR,
    body,
    mof,
    positions_xml,
    receipt_of,
    serve,
    voucher,
)
from voucherlib.app import create_app
from voucherlib.settings import Settings


@pytest.fixture(scope="module")
def env_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("env")
    create_environment(root, scenario="tiny", seed=7)
    return root


@pytest.fixture
def settings(env_dir, store_url_factory):
    url = store_url_factory()
    return lambda **changes: Settings(
        **{"env_dir": env_dir, "db_url": url, "business_date": BUSINESS_DATE, **changes}
    )


@pytest.mark.anyio
async def test_healthz_follows_the_lifespan_and_wsdl_follows_the_profile(settings):
    app, old = create_app(settings()), create_app(settings(profile="1.0"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lib") as http:
        closed = await http.get("/healthz")
        async with app.router.lifespan_context(app):
            opened = await http.get("/healthz")
            wsdl = await http.get("/realware/services/AsspFinanceService?wsdl")
        after = await http.get("/healthz")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=old), base_url="http://lib") as http:
        old_wsdl = await http.get("/realware/services/AsspFinanceService?wsdl")
    assert (closed.status_code, opened.status_code, after.status_code) == (503, 200, 503)
    assert opened.json()["status"] == "ok" and opened.json()["profile"] == "2.0"
    assert b'name="signStampByNosAndSend"' in wsdl.content
    assert (
        b'name="signStampByNosAndSend"' not in old_wsdl.content and b'name="writeVoucher"' in old_wsdl.content
    )


def test_create_app_reads_the_environment_at_once(tmp_path):
    with pytest.raises(FileNotFoundError, match="guoku env init"):
        create_app(Settings(env_dir=tmp_path, db_url="sqlite://"))


@pytest.mark.parametrize("seconds", [-1, True, "5"])
def test_settings_refuse_a_crl_refresh_that_is_not_a_number_of_seconds(tmp_path, seconds):
    with pytest.raises(ValueError, match="crl_refresh_seconds must be >= 0"):
        Settings(env_dir=tmp_path, crl_refresh_seconds=seconds)


def _zeep(base_url: str, env, who: str, service: str) -> zeep.Client:
    party = env.party(who)
    plugin = CallerAuthPlugin(party.cert_id, party.org.key, party.org.cert.dump())
    return zeep.Client(f"{base_url}/realware/services/{service}?wsdl", plugins=[plugin])


def test_a_stock_zeep_client_runs_the_5207_round_trip_over_loopback(settings):
    app = create_app(settings())
    env = app.state.library.env
    v = voucher(seed=121)
    no = v.voucher_no
    with serve(app) as base_url:
        fin = _zeep(base_url, env, FINANCE, "AsspFinanceService").service
        pboc = _zeep(base_url, env, PBOC, "AsspCBankService").service
        common = {"admDivCode": ADM, "stYear": YEAR, "vtCode": "5207"}
        fin_id, pboc_id = env.party(FINANCE).cert_id, env.party(PBOC).cert_id
        xml = positions_xml(env, FINANCE, *FINANCE_POSITIONS)
        fin.signStampByNos(certID=fin_id, **common, voucherMessage=mof(body(v)), stamp=xml)
        fin.sendVoucher(certID=fin_id, admDivCode=ADM, srcOrgType="011", decOrgType="001", stYear=YEAR,
                        vtCode="5207", voucherNos={"item": [no]})  # fmt: skip

        [read] = parse_mof(pboc.readVoucherAgain(certID=pboc_id, **common, voucherCount=10))
        pboc.confirmVoucher(certID=pboc_id, **common, voucherNos={"item": [no]})
        receipt = receipt_of(parse_voucher(read.voucher))
        xml = positions_xml(env, PBOC, *RECEIPT_POSITIONS)
        pboc.signStampByNos(certID=pboc_id, **common, voucherMessage=mof(body(receipt, 1)), stamp=xml)
        pboc.sendVoucher(certID=pboc_id, admDivCode=ADM, srcOrgType="001", decOrgType="011", stYear=YEAR,
                         vtCode="5207", voucherNos={"item": [no]})  # fmt: skip

        [back] = parse_mof(fin.readVoucherAgain(certID=fin_id, **common, voucherCount=10))
        status = fin.queryVoucherStatusByOrgType(
            certID=fin_id, **common, voucherNos={"item": [no]}, decOrgType="001"
        )
        with pytest.raises(zeep.exceptions.Fault) as again:
            fin.sendVoucher(certID=fin_id, admDivCode=ADM, srcOrgType="011", decOrgType="001", stYear=YEAR,
                            vtCode="5207", voucherNos={"item": [no]})  # fmt: skip
    assert (back.voucher, back.voucher_flag) == (receipt.raw, 1)
    assert sorted(s.position for s in back.stamps) == sorted(RECEIPT_POSITIONS)
    [item] = status
    assert item["key"] == no and item["value"]["item"] == [12, "已收到对方回单"]
    code, message = parse_fault(again.value.message)  # signed for by now: 重复发送
    assert code == "EVS700" and "重复发送" in message and is_idempotent_success(message, "sendVoucher")


def test_a_1_0_and_a_2_0_library_serve_one_store_on_two_ports(settings):
    new, old = create_app(settings()), create_app(settings(profile="1.0"))
    env = new.state.library.env
    v = voucher(seed=122)
    with serve(new) as new_url, serve(old) as old_url:
        finance, treasury = env.party(FINANCE), env.party(PBOC)
        with VoucherLibraryClient(new_url, service="AsspFinanceService", cert_id=finance.cert_id,
                                  key=finance.org.key, cert_der=finance.org.cert.dump()) as fin:  # fmt: skip
            xml = positions_xml(env, FINANCE, *FINANCE_POSITIONS)
            fin.sign_stamp_by_nos_and_send(ADM, YEAR, "5207", mof(body(v)), xml, "011", "001")
        pboc_keys = {"key": treasury.org.key, "cert_der": treasury.org.cert.dump()}
        with VoucherLibraryClient(
            old_url, service="AsspCBankService", cert_id=treasury.cert_id, **pboc_keys
        ) as pboc:
            [got] = parse_mof(pboc.read_voucher_again(ADM, YEAR, "5207", 10))
    assert got.voucher == v.raw and {s.position for s in got.stamps} == set(FINANCE_POSITIONS)


@pytest.mark.anyio
async def test_a_soap_post_goes_straight_to_its_endpoint_and_all_else_through_fastapi(settings):
    """SOAP POSTs skip the framework's middleware and routing (their cost, ~0.2 ms a call, buys
    them nothing); a WSDL GET, the health check and any other path still pass through them."""
    seen: list[tuple[str, str]] = []

    class Witness:
        def __init__(self, app):
            self.app = app

        async def __call__(self, scope, receive, send):
            if scope["type"] == "http":
                seen.append((scope["method"], scope["path"]))
            await self.app(scope, receive, send)

    app = create_app(settings())
    app.add_middleware(Witness)
    service = "/realware/services/AsspFinanceService"
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lib") as http,
    ):
        post = await http.post(service, content=b"<not-soap/>", headers={"Content-Type": "text/xml"})
        nobody = await http.post("/realware/services/Nobody", content=b"<x/>")
        nested = await http.post(service + "/deeper", content=b"<x/>")
        wsdl = await http.get(service + "?wsdl")
    assert post.status_code == 500 and b"EVS100#" in post.content  # answered by the SOAP endpoint
    assert nobody.status_code == 404 and b"no service Nobody" in nobody.content
    assert nested.status_code == 404 and wsdl.status_code == 200
    assert seen == [("POST", service + "/deeper"), ("GET", service)]
