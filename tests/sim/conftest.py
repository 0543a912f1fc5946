"""Fixtures of the model's tests: two reference-mode days of `small-province` against the embedded
reference library (started as `guoku demo` starts it; `sim` itself never imports voucherlib),
and the model-mode days of the same seed, shared by the tests that compare them. Two days, because
refunds return a payment of an earlier day and the second day's statements carry the first's."""

from __future__ import annotations

from pathlib import Path

import pytest

from evoucher.pki.builder import create_environment
from guoku.commands.demo import embedded_library
from sim.engine import simulate_model, simulate_reference
from sim.scenario import load

SEED = 1
DAYS = 2


@pytest.fixture(scope="session")
def small():
    return load("small-province")


@pytest.fixture(scope="session")
def province_env(tmp_path_factory: pytest.TempPathFactory):
    """The demo's environment (`small-province`'s parties), made once for the session."""
    return create_environment(tmp_path_factory.mktemp("sim-env") / "env", scenario="province", seed=7)


@pytest.fixture(scope="session")
def reference_day(small, province_env, tmp_path_factory: pytest.TempPathFactory):
    """(summary, DayReport, Simulation) of the reference-mode days, with the audit trail judged."""
    home: Path = tmp_path_factory.mktemp("sim-reference")
    env = province_env
    with embedded_library(env.root, f"sqlite:///{home / 'library.db'}") as (url, library):

        def audit() -> tuple[bool, str]:
            verdict = library.store.verify_audit()
            return verdict.intact, f"{verdict.checked} entries"

        return simulate_reference(small, url, env, seed=SEED, days=DAYS, audit=audit)


@pytest.fixture(scope="session")
def model_day(small):
    summary, _ = simulate_model(small, seed=SEED, days=DAYS)
    return summary
