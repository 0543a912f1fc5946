"""Locust workloads and the 1.0-vs-2.0 comparison."""
