"""Paths of the real seal vectors copied into tests/vectors/seals (see its README)."""

from pathlib import Path

SEALS = Path(__file__).resolve().parents[2] / "vectors" / "seals"


def vector(name: str) -> bytes:
    return (SEALS / name).read_bytes()
