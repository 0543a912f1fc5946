"""The soak's verdict, and a short soak against a real `guoku serve` (slow: `make test-slow`)."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from benchmarks.soak import Sample, judge

ROOT = Path(__file__).resolve().parents[2]


def samples(mb_per_voucher: float, *, noise: float = 0.0) -> list[Sample]:
    """A run of 60 s at 25 vouchers/s, RSS from 80 MB plus `mb_per_voucher` for each served."""
    return [
        Sample(t, 25 * t, 80 + mb_per_voucher * 25 * t + (noise if t % 10 == 0 else 0))
        for t in range(0, 61, 5)
    ]


def test_a_server_keeping_a_kilobyte_per_voucher_grows():
    verdict = judge(samples(0.001), warmup=10, threshold=5)
    assert verdict.grows and verdict.slope == pytest.approx(10.0)
    assert "GROWS" in verdict.text()


def test_a_server_with_noise_but_no_trend_is_flat():
    verdict = judge(samples(0.0, noise=0.5), warmup=10, threshold=5)
    assert not verdict.grows and abs(verdict.slope) < 1
    assert verdict.text().endswith("flat")


def test_the_warm_up_is_left_out_of_the_fit():
    ramp = [Sample(s.seconds, s.vouchers, s.rss_mb + (20 if s.seconds >= 15 else 0)) for s in samples(0.0)]
    assert judge(ramp, warmup=15, threshold=5).slope == pytest.approx(0.0)
    assert judge(ramp, warmup=0, threshold=5).grows


def test_too_few_samples_after_the_warm_up_are_refused():
    with pytest.raises(ValueError, match="run longer"):
        judge(samples(0.0), warmup=55, threshold=5)


@pytest.mark.slow
def test_a_short_soak_of_guoku_serve_stays_flat(tmp_path: Path):
    """20 s of the send path; a server keeping each voucher's request (~60 KB) would show ~600 MB/10k."""
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.soak", "--minutes", "0.34", "--interval", "1",
         "--threshold", "50", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "flat" in run.stdout.splitlines()[-1]
    with (tmp_path / "soak.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 15 and int(rows[-1]["vouchers"]) > 50
    assert all(float(r["rss_mb"]) > 10 for r in rows)
    with Image.open(tmp_path / "soak.png") as png:
        assert png.format == "PNG" and png.width >= 900
