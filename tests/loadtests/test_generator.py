"""The generator's own parts: re-signing an old prepared request, the share of the closed users."""

from __future__ import annotations

import datetime as dt
import time

from lxml import etree

from evoucher import wsauth
from evoucher.interface import SOAP_ENV
from loadtests.cases import PoolBuilder
from loadtests.generator import RESIGN_AFTER, Generator, _share
from loadtests.mix import load_mix

from .conftest import run_config


def _verify(body: bytes, service: str) -> wsauth.AuthHeader:
    root = etree.fromstring(body)
    header, soap_body = root.find(f"{{{SOAP_ENV}}}Header"), root.find(f"{{{SOAP_ENV}}}Body")
    return wsauth.Verifier().verify(header, soap_body, service=service)


def test_a_request_prepared_long_ago_is_signed_again_when_sent(load_env):
    mix = load_mix("normal-day")
    case = PoolBuilder(load_env, mix, "1.0", business_date=dt.date.today(), tag="GEN0").case(0, mix.flows[0])
    step, party = case.stages[0].steps[1], case.stages[0].party
    built = time.time() - RESIGN_AFTER - 60
    stale = Generator(run_config(load_env, "http://unused"), [case], 0, built)
    new = Generator(run_config(load_env, "http://unused"), [case], 0, time.time())
    assert new._fresh(step, party) is step.body and new.seen.resigned == 0
    again = stale._fresh(step, party)
    assert again != step.body and stale.seen.resigned == 1
    service = step.path.rsplit("/", 1)[1]
    assert _verify(again, service).cert_id == load_env.party(party).cert_id  # a valid, new signature
    assert etree.fromstring(again).find(f"{{{SOAP_ENV}}}Body/*").tag.endswith("sendVoucher")


def test_closed_users_are_split_evenly_over_the_processes():
    assert [_share(10, 3, i) for i in range(3)] == [4, 3, 3]
    assert sum(_share(7, 2, i) for i in range(2)) == 7
