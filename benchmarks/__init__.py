"""Benchmarks: each prints throughput as ratios to a baseline measured in the same run."""
