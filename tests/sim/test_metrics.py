"""The tallies: a latency lands in the bin that a binary search over the edges would give it."""

from __future__ import annotations

import numpy as np

from sim.metrics import EDGES, bin_of, percentiles


def test_bin_of_agrees_with_a_binary_search_at_every_edge_and_between():
    rng = np.random.default_rng(3)
    at_edges = np.concatenate((EDGES, np.nextafter(EDGES, -np.inf), np.nextafter(EDGES, np.inf)))
    minutes = np.concatenate((at_edges, rng.lognormal(3, 3, 200_000), [-5.0, -1e-300, 1e12]))
    expected = np.searchsorted(EDGES, np.maximum(minutes, 0.0), side="right") - 1
    assert np.array_equal(bin_of(minutes), expected)


def test_percentiles_read_back_within_half_a_percent():
    minutes = np.random.default_rng(4).lognormal(4, 1, 100_000)
    got = percentiles(np.bincount(bin_of(minutes), minlength=len(EDGES)))
    for q in (50, 90, 95, 99):
        assert abs(got[f"p{q}"] / np.percentile(minutes, q) - 1) < 0.005, q
