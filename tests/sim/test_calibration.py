"""The service-time file: its format, sampling, refusals, and what the recorder measures."""

from __future__ import annotations

import asyncio
import json

import httpx
import numpy as np
import pytest

from mocks.client import AsyncVoucherLibraryClient
from mocks.errors import LibraryError
from sim.calibration import FORMAT, CalibrationError, ServiceTimes, document, load, save
from sim.recorder import Recorder


def test_shipped_calibration_covers_both_profiles_and_the_model_operations():
    times = load("reference")
    assert times.profiles == ["1.0", "2.0"]
    for profile in times.profiles:
        for op in (
            "saveStampVoucher",
            "sendVoucher",
            "readVoucherAgain",
            "confirmVoucher",
            "queryVoucherStatusByOrgType",
        ):
            drawn = times.times(profile, op).draw(np.random.default_rng(1), 500)
            assert (drawn > 0).all() and drawn.mean() < 1.0  # minutes: well under one per call


def test_document_roundtrip_and_the_sampling_fallback(tmp_path):
    samples = {"sendVoucher": [float(x) for x in range(1, 2001)]}
    data = document({"2.0": ("http://127.0.0.1:1", 1, samples)}, tool="test")
    entry = data["profiles"]["2.0"]["operations"]["sendVoucher"]
    assert data["format"] == FORMAT and entry["n"] == 2000 and len(entry["samples_ms"]) == 1000
    assert entry["samples_ms"] == sorted(entry["samples_ms"]) and entry["p50_ms"] == pytest.approx(1000.5)
    path = save(data, tmp_path / "c.json")
    assert load(path).times("2.0", "sendVoucher").samples.max() == pytest.approx(2000 / 60000)
    del entry["samples_ms"]  # percentiles only: a lognormal through p50 and p95
    drawn = (
        ServiceTimes(json.loads(json.dumps(data)))
        .times("2.0", "sendVoucher")
        .draw(np.random.default_rng(2), 20000)
    )
    assert np.median(drawn) * 60000 == pytest.approx(1000.5, rel=0.05)
    assert np.percentile(drawn, 95) * 60000 == pytest.approx(entry["p95_ms"], rel=0.08)


def test_a_missing_operation_or_format_is_an_error_naming_it():
    times = load("reference")
    with pytest.raises(CalibrationError, match=r"'getVoucherCount' under profile '2.0'"):
        times.times("2.0", "getVoucherCount")
    with pytest.raises(CalibrationError, match="format must be"):
        ServiceTimes({"format": "other"})


def test_the_recorder_times_each_call_and_names_its_operation():
    recorder = Recorder()
    inner = httpx.MockTransport(lambda request: httpx.Response(200, content=b"<not-soap/>"))
    client = AsyncVoucherLibraryClient("http://library", service="AsspPBankService", cert_id="c",
                                       transport=recorder.transport(lambda: inner)())  # fmt: skip

    async def call() -> None:
        with pytest.raises(LibraryError):
            await client.read_voucher_again("330000", 2018, "5201", 100)
        await client.aclose()

    asyncio.run(call())
    [(operation, seconds)] = recorder.calls
    assert operation == "readVoucherAgain" and 0 < seconds < 5
    assert recorder.samples() == {"readVoucherAgain": [seconds * 1000]}
