"""One run's settings and the files a run directory holds, shared by the engine and Locust.

The engine writes `config.json` and one pool per Locust worker (`pool-<i>.pickle`) into the run
directory and starts Locust with GUOKU_LOAD_RUN naming it; every Locust process reads the same
config, and each worker writes what it saw to `results-<i>.pickle` when the test stops.
"""

from __future__ import annotations

import json
import os
import pickle
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

RUN_DIR_VARIABLE = "GUOKU_LOAD_RUN"
Model = Literal["open", "closed"]


@dataclass(frozen=True)
class RunConfig:
    """What to run. `rate` is vouchers/s offered (open model); `users` concurrent cases (closed)."""

    target: str
    env_dir: str
    mix: str  # path of the mix file
    profile: str
    model: Model
    rate: float
    users: int
    batch_size: int  # vouchers per case (the mix's batch for this profile)
    duration: float
    warmup: float
    cooldown: float
    workers: int  # Locust worker processes (0: one local process)
    desks: int  # Locust users per party role in each worker
    roles: tuple[str, ...]  # party roles the mix needs
    business_date: str
    tag: str  # makes this run's VoucherNos unique on a target that keeps earlier runs
    remote_workers: int = 0  # workers the user starts on other machines (Locust's own --worker)
    master_port: int = 0  # the master's port when remote workers connect (0: any free port)
    calls: str = ""  # the generation of operations the client uses ("": the profile's)

    @property
    def processes(self) -> int:
        """Locust processes that generate load (the master of a distributed run generates none)."""
        return max(1, self.workers + self.remote_workers)

    @property
    def dispatch_seconds(self) -> float:
        """How long new cases are released; the cool-down lets those in flight finish."""
        return self.warmup + self.duration

    def write(self, run_dir: Path) -> None:
        (run_dir / "config.json").write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")

    @classmethod
    def read(cls, run_dir: Path) -> RunConfig:
        data = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
        data["roles"] = tuple(data["roles"])
        return cls(**data)


def run_dir_from_environment() -> Path:
    value = os.environ.get(RUN_DIR_VARIABLE)
    if not value:
        raise RuntimeError(f"{RUN_DIR_VARIABLE} is not set: start Locust through `guoku load run`")
    return Path(value)


def pool_path(run_dir: Path, worker: int) -> Path:
    return run_dir / f"pool-{worker}.pickle"


def results_path(run_dir: Path, worker: int) -> Path:
    return run_dir / f"results-{worker}.pickle"


def dump(path: Path, value: Any) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as out:
        pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)


def load(path: Path) -> Any:
    """A pickle this run wrote itself (never one from elsewhere)."""
    with path.open("rb") as src:
        return pickle.load(src)
