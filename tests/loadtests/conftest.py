"""Fixtures for the load tests: an environment, reference libraries and wire proxies on loopback.

Tests may start the reference library (loadtests itself never imports voucherlib); each one is
embedded on a free loopback port with a fresh SQLite store, as `guoku demo` starts one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from loadtests.config import RunConfig
from loadtests.mix import load_mix
from voucherlib.loopback import serve_in_thread

from .proxy import Proxy

_tags = itertools.count()


@pytest.fixture(scope="session")
def load_env(tmp_path_factory: pytest.TempPathFactory):
    from evoucher.pki.builder import create_environment

    return create_environment(tmp_path_factory.mktemp("load") / "env", scenario="tiny", seed=5)


@pytest.fixture
def reference(load_env, tmp_path: Path) -> Callable[..., contextlib.AbstractContextManager[str]]:
    """`with reference("1.0") as url:` an embedded reference library of that profile."""

    @contextlib.contextmanager
    def start(profile: str = "1.0") -> Iterator[str]:
        from voucherlib.app import create_app
        from voucherlib.settings import Settings

        db = f"sqlite:///{tmp_path / f'library-{profile}-{next(_tags)}.db'}"
        with serve_in_thread(create_app(Settings(env_dir=load_env.root, db_url=db, profile=profile))) as url:
            yield url

    return start


@contextlib.contextmanager
def proxied(upstream: str, **options) -> Iterator[tuple[str, Proxy]]:
    """A `Proxy` in front of `upstream` on its own loopback port: (its URL, the proxy)."""
    proxy = Proxy(upstream, **options)
    with serve_in_thread(proxy.app(), lifespan="off") as url:
        yield url, proxy


def run_config(env, target: str, *, profile: str = "1.0", mix: str = "normal-day", **facts) -> RunConfig:
    """A short open-model run unless `facts` say otherwise."""
    loaded = load_mix(mix)
    values = dict(
        target=target, env_dir=str(env.root), mix=loaded.source, profile=profile, model="open", rate=4.0,
        users=0, batch_size=loaded.batch_for(profile), duration=3.0, warmup=1.0, cooldown=10.0, workers=0,
        desks=8, roles=(), business_date=dt.date.today().isoformat(), tag=f"T{next(_tags):03d}",
    )  # fmt: skip
    values.update(facts)
    return RunConfig(**values)
