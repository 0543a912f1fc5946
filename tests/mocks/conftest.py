"""Fixtures of the mocks' tests: a `province` environment per worker, reference libraries on loopback.

The mocks never import voucherlib; the tests do, only to start the reference library they drive
(`guoku.commands.demo.embedded_library`: uvicorn in a thread on a free port, a fresh SQLite store).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from evoucher.pki import Environment, load_environment
from evoucher.pki.builder import create_environment
from guoku.commands.demo import embedded_library
from mocks.day import Day
from mocks.tips import TipsConfig
from mocks.world import World, open_world

SEED = 20261127
Phase = tuple[str, Callable[[Day], Awaitable[None]]]


@pytest.fixture(scope="session")
def env_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("province")
    create_environment(root, scenario="province", seed=SEED)
    return root


@pytest.fixture(scope="session")
def env(env_dir: Path) -> Environment:
    return load_environment(env_dir)


@contextlib.contextmanager
def running_library(env_dir: Path, db_dir: Path, *, profile: str = "2.0") -> Iterator[str]:
    with embedded_library(env_dir, f"sqlite:///{db_dir / 'library.db'}", profile=profile) as (url, _library):
        yield url


@pytest.fixture
def library(env_dir: Path, tmp_path: Path) -> Iterator[str]:
    """A fresh reference library (2.0, SQLite) for one test; its base URL."""
    with running_library(env_dir, tmp_path) as url:
        yield url


def world_for(url: str, env: Environment, **tips: object) -> World:
    """A world without TIPS latency, with the given TIPS settings (failure_rate, closed_accounts, …)."""
    return open_world(url, env, tips=TipsConfig(**tips), run_tag="000001")


def play(world: World, phases: list[Phase], *, seed: int = 7) -> Day:
    """Run `phases` of a day in `world` (each followed by settling) and close the parties' clients."""
    day = Day(world, seed=seed)

    async def go() -> None:
        try:
            await day.run(phases)
        finally:
            await day.aclose()

    asyncio.run(go())
    return day
