"""Fixtures of the certification tests: one `small` environment per worker (a person of the Zhejiang
treasury revoked, so the revoked-stamp checks run), and the reference library — plain or behind a
faulty proxy — on a loopback port with a fresh SQLite store.

conformance never imports voucherlib; these tests do, only to start the library they certify.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.declaration import Declaration
from conformance.engine import Config, run
from conformance.events import RunFinished
from evoucher.pki.builder import create_environment, revoke
from tests.conformance.faulty import Defect, Faulty
from voucherlib.app import create_app
from voucherlib.loopback import serve_in_thread
from voucherlib.settings import Settings

SEED = 20261206
REVOKED_PERSON = "001-330000-01-fhy"  # the Zhejiang treasury's reviewer: signs, but never calls


@pytest.fixture(scope="session")
def env_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("certify-env")
    create_environment(root, scenario="small", seed=SEED)
    revoke(root, REVOKED_PERSON, reason="keyCompromise")
    return root


@pytest.fixture(scope="session")
def province_env_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `province` scenario, nothing revoked: every flow of the business day can run."""
    root = tmp_path_factory.mktemp("certify-province")
    create_environment(root, scenario="province", seed=SEED)
    return root


@contextlib.contextmanager
def reference(
    env_dir: Path, db_url: str, *, profile: str = "2.0", auth: bool = True, defect: Defect | None = None
) -> Iterator[str]:
    app = create_app(
        Settings(env_dir=env_dir, db_url=db_url, profile=profile, auth="required" if auth else "off")
    )
    with serve_in_thread(Faulty(app, defect) if defect else app) as url:
        yield url


def certify(url: str, env_dir: Path, *, only: tuple[str, ...] = (), seed: int = 0, **declared: Any) -> dict:
    """Run the engine to the end and return report.json's document."""
    config = Config(
        target=url,
        env_dir=env_dir,
        declaration=Declaration(**declared),
        only=only,
        seed=seed,
        business_date=dt.date.today(),
    )
    report = None
    for event in run(config):
        if isinstance(event, RunFinished):
            report = event.report
    assert report is not None
    return report


@pytest.fixture
def library(env_dir: Path, tmp_path: Path) -> Callable[..., contextlib.AbstractContextManager[str]]:
    """Starts the reference (profile, auth, defect) on a fresh SQLite store of this test."""
    counter = iter(range(100))
    return lambda **options: reference(env_dir, f"sqlite:///{tmp_path}/lib{next(counter)}.db", **options)
