"""Store fixtures for every voucherlib test: the same tests run on SQLite and on PostgreSQL.

`store` is a fresh, empty store per test, parametrised over `sqlite` (a WAL file in tmp_path) and
`postgresql` (database `test` on 127.0.0.1:5432, one schema per xdist worker, emptied before each
test, dropped at the end). Without a server the PostgreSQL cases skip, except under CI=true,
where a missing server fails them. `store_factory()` makes further fresh stores (stateful tests).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from evoucher.pki.builder import create_environment
from voucherlib.store import Store, open_store
from voucherlib.store.schema import TABLES

PG_URL = os.environ.get("GUOKU_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextlib.contextmanager
def private_schema(name: str) -> Iterator[str]:
    """A store URL on the test server with schema `name`, dropped afterwards.

    Without a server the test skips, except under CI=true, where it fails (.ci/run starts one).
    """
    try:
        psycopg.connect(PG_URL, connect_timeout=3).close()
    except psycopg.Error as exc:
        reason = f"no PostgreSQL server at {PG_URL}: {exc}".strip()
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true requires it; .ci/run starts it)")
        pytest.skip(reason)
    try:
        yield f"{PG_URL}?schema={name}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


@pytest.fixture(scope="session")
def pg_url(worker_id: str) -> Iterator[str]:
    """A URL with a schema private to this test worker; dropped when the session ends."""
    with private_schema(f"guoku_t_{worker_id}_{os.getpid()}") as url:
        yield url


def _empty_pg(url: str) -> None:
    schema = url.rsplit("schema=", 1)[1]
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass(%s)", (f"{schema}.audit_head",)).fetchone()[0]
        if exists:
            conn.execute(f"TRUNCATE {', '.join(f'{schema}.{t}' for t in TABLES)}")


@pytest.fixture(scope="module")
def env_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny environment for the tests that run `guoku serve` processes (workers, shared nonces)."""
    root = tmp_path_factory.mktemp("serve-env")
    create_environment(root, scenario="tiny", seed=5)
    return root


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A store URL for `guoku serve` processes under test: a file, or a private PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'library.db'}"
    else:
        with private_schema(f"guoku_serve_{uuid.uuid4().hex[:12]}") as url:
            yield url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def store_url_factory(backend: str, request: pytest.FixtureRequest, tmp_path) -> Callable[[], str]:
    """Makes the URL of a fresh, empty store of the current backend (one at a time for PostgreSQL)."""
    counter = iter(range(1_000_000))
    if backend == "sqlite":
        return lambda: f"sqlite:///{tmp_path}/store-{next(counter)}.db"
    url = request.getfixturevalue("pg_url")

    def fresh() -> str:
        _empty_pg(url)
        return url

    return fresh


@pytest.fixture
def store_factory(store_url_factory: Callable[[], str]) -> Iterator[Callable[..., Store]]:
    """Opens fresh stores; each is closed at the end of the test."""
    opened: list[Store] = []

    def make(**options) -> Store:
        if opened and opened[-1].url.startswith("postgresql"):
            opened[-1].close()  # PostgreSQL stores share the worker's schema: one at a time
        opened.append(open_store(store_url_factory(), **options))
        return opened[-1]

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(store_factory: Callable[..., Store]) -> Store:
    return store_factory()
