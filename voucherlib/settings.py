"""How one reference voucher library runs: which environment, profile, store, seal policy and port.

A frozen dataclass, built by `guoku serve` from its arguments or by a test directly, and handed to
`voucherlib.app.create_app`; nothing is read from globals, so a 1.0 and a 2.0 library can run in
one process (the upgrade tests do).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from evoucher.interface import PROFILES
from evoucher.seal.policy import DEFAULT, SealPolicy

AUTH_MODES = ("required", "off")
DEFAULT_DB = "sqlite:///guoku-library.db"
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8190  # 8190: the voucher library's port in ITFE's sample config


@dataclass(frozen=True)
class Settings:
    """One library's configuration.

    `business_date` pins the date vouchers are validated against (VouDate not after it, StYear not
    after its year) so runs are reproducible; None means today, read at every call.
    `seal_policy` judges stamps on arrival; its `profile` field is overridden by `profile`.
    `crl_refresh_seconds` bounds how stale the environment's CRLs may be: the library looks for
    a newer CRL (`guoku env revoke`) at most that often, 0 at every call.
    `reports_dir` holds the HTML reports the web console serves (`guoku serve --reports`).
    `request_nice` lowers the scheduling priority of the threads that handle requests by that
    much (Linux thread niceness, 0..19): `guoku serve --workers N` sets 10, so that a worker's
    store writer, which holds the write lock the other workers wait for, is not kept waiting
    for the CPU behind its own request threads (docs/performance.md).
    """

    env_dir: Path
    profile: str = "2.0"
    db_url: str = DEFAULT_DB
    auth: str = "required"
    seal_policy: SealPolicy = DEFAULT
    business_date: dt.date | None = None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    crl_refresh_seconds: float = 5.0
    reports_dir: Path | None = None  # HTML reports the console serves at /console/reports/
    request_nice: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "env_dir", Path(self.env_dir))
        if self.profile not in PROFILES:
            raise ValueError(f"Settings.profile must be one of {', '.join(PROFILES)}, got {self.profile!r}")
        if self.auth not in AUTH_MODES:
            raise ValueError(f"Settings.auth must be one of {', '.join(AUTH_MODES)}, got {self.auth!r}")
        if isinstance(self.crl_refresh_seconds, bool) or not (
            isinstance(self.crl_refresh_seconds, int | float) and self.crl_refresh_seconds >= 0
        ):
            raise ValueError(f"Settings.crl_refresh_seconds must be >= 0, got {self.crl_refresh_seconds!r}")
        if not isinstance(self.port, int) or not 0 <= self.port <= 65535:
            raise ValueError(f"Settings.port must be 0..65535 (0: any free port), got {self.port!r}")
        if isinstance(self.request_nice, bool) or self.request_nice not in range(20):
            raise ValueError(f"Settings.request_nice must be 0..19, got {self.request_nice!r}")
        if not self.db_url.startswith(("sqlite://", "postgresql://", "postgres://")):
            raise ValueError(
                f"Settings.db_url must be sqlite:///PATH, sqlite:// or postgresql://..., got {self.db_url!r}"
            )

    @property
    def policy(self) -> SealPolicy:
        """The seal policy under this library's profile (1.0 accepts v1 seals by definition)."""
        return dataclasses.replace(self.seal_policy, profile=self.profile)

    def today(self) -> dt.date:
        return self.business_date or dt.date.today()
