"""Fixtures of the service tests: one test environment per worker, a fresh library per test.

`lib` is a running 2.0 library on a fresh store of each backend (SQLite and PostgreSQL, from
tests/voucherlib/conftest.py); `open_library(**settings)` runs more (1.0, other policies) on
the same store, as an upgrade runs both profiles on one database.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from evoucher.pki import Environment, load_environment
from evoucher.pki.builder import create_environment, revoke
from voucherlib.settings import Settings

from .support import BUSINESS_DATE, PAYEE, Library, running

SEED = 20261127


@pytest.fixture(scope="session")
def env_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small scenario (Zhejiang 330000 and Hangzhou 330100); the payee bank's certificate is revoked."""
    root = tmp_path_factory.mktemp("env")
    create_environment(root, scenario="small", seed=SEED)
    revoke(root, PAYEE, reason="keyCompromise")
    return root


@pytest.fixture(scope="session")
def env(env_dir: Path) -> Environment:
    return load_environment(env_dir)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings_for(env_dir: Path, store_url_factory: Callable[[], str]) -> Callable[..., Settings]:
    """Settings on one fresh store of the test's backend; keyword arguments change the rest."""
    url = store_url_factory()

    def make(**changes) -> Settings:
        return Settings(**{"env_dir": env_dir, "db_url": url, "business_date": BUSINESS_DATE, **changes})

    return make


@pytest.fixture
def open_library(settings_for) -> Callable[..., contextlib.AbstractAsyncContextManager[Library]]:
    return lambda **changes: running(settings_for(**changes))


@pytest.fixture
async def lib(open_library) -> AsyncIterator[Library]:
    async with open_library() as library:
        yield library
