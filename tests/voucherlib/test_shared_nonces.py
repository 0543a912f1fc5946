"""Separate `guoku serve` processes on one store share the CallerAuth replay memory (voucherlib.nonces).

Two hosts behind a load balancer on one PostgreSQL database, or two processes on one SQLite
file: a signed request one of them accepted must be refused by the other, with the fault a
single process gives a replay (EVS112), and by a server restarted on the store while the
request's Created is still inside the freshness window. Real processes over loopback; each
server is a plain `guoku serve` (one worker), so only the store connects them.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from evoucher.wsauth import NonceCache
from voucherlib.nonces import REPLAYED, SharedNonces, open_nonces
from voucherlib.store import open_store
from voucherlib.store.postgres_nonces import PostgresNonces

from .conftest import PG_URL, private_schema
from .test_workers import serving, signed_request


def post(base: str, request: tuple[str, bytes, dict[str, str]]) -> httpx.Response:
    """The captured request, sent as it is to the server at `base` (a new connection)."""
    url, content, headers = request
    return httpx.post(base + httpx.URL(url).path, content=content, headers=headers)


def assert_replay_refused(answer: httpx.Response) -> None:
    assert answer.status_code == 500, answer.text
    assert "EVS112" in answer.text and "already used" in answer.text, answer.text


def test_a_request_one_server_accepted_is_refused_by_another_and_after_a_restart(env_dir, db_url, tmp_path):
    with (
        serving(env_dir, db_url, tmp_path / "a.log") as (_, a),
        serving(env_dir, db_url, tmp_path / "b.log") as (_, b),
    ):
        request = signed_request(env_dir, a)
        accepted = post(a, request)
        assert accepted.status_code == 200, accepted.text
        assert_replay_refused(post(b, request))
        assert_replay_refused(post(a, request))  # as a single process refuses it
    with serving(env_dir, db_url, tmp_path / "c.log") as (_, c):  # a restart: the store still remembers
        assert_replay_refused(post(c, request))


@pytest.fixture
def memories(db_url: str) -> Iterator[tuple]:
    """Two nonce memories on one store, as two processes (or one process and its restart) open them."""
    with open_store(db_url) as store:
        first, second = open_nonces(store), open_nonces(store)
        try:
            yield first, second
        finally:
            first.close()
            second.close()


def test_the_shared_memory_prunes_nonces_older_than_the_window_and_keeps_the_others(memories):
    first, restarted = memories
    assert isinstance(first, SharedNonces | PostgresNonces)
    assert first.remember(("cert", "old"), 100.0, 0.0) is None
    assert first.remember(("cert", "recent"), 1000.0, 0.0) is None
    assert len(restarted) == 2
    # a process prunes at its first insertion: the window now starts at 500
    assert restarted.remember(("cert", "new"), 1000.0, 500.0) is None
    assert len(restarted) == 2  # "old" is gone
    assert restarted.remember(("cert", "recent"), 1000.0, 500.0) == REPLAYED
    assert first.remember(("cert", "new"), 1000.0, 500.0) == REPLAYED


def test_an_in_memory_store_keeps_its_nonces_in_the_process():
    with open_store("sqlite://") as store:
        assert isinstance(open_nonces(store), NonceCache)


@pytest.mark.postgres
@pytest.mark.parametrize(("claimed_by", "answer"), [("this check", None), ("another", REPLAYED)])
def test_a_check_whose_connection_was_lost_runs_again_and_knows_its_own_row(claimed_by, answer):
    """The INSERT may commit just before the server drops the connection: the retry finds the row,
    and only its claim tells this check's own nonce from a replay."""
    name = f"guoku-nonces-{uuid.uuid4().hex[:12]}"
    with private_schema(f"guoku_nonces_{uuid.uuid4().hex[:12]}") as url, open_store(url):
        memory = PostgresNonces(f"{url}&application_name={name}")
        try:
            assert memory.remember(("cert", "first"), 1000.0, 0.0) is None  # the check's connection
            memory._claims = itertools.count(42)
            claim = 42 if claimed_by == "this check" else 7
            with psycopg.connect(PG_URL, autocommit=True) as admin:
                admin.execute(f"SET search_path TO {memory.schema}")
                admin.execute("INSERT INTO nonces VALUES ('cert', 'n', 1000, %s)", (claim,))
                terminated = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                    (name,),
                ).fetchall()
            assert terminated
            assert memory.remember(("cert", "n"), 1000.0, 0.0) == answer
            assert memory.remember(("cert", "after"), 1000.0, 0.0) is None
        finally:
            memory.close()
