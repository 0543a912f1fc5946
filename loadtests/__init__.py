"""Load tests of a voucher library through its SOAP interface, with Locust (`guoku load`).

Modules, in the order a run uses them: `mix` (business mixes as TOML data), `cases` (the pool:
vouchers built, stamped and requests signed before the run), `engine` (starts Locust, alone or
master + workers, and collects), `locustfile` and `generator` (the party desks, arrivals and what
they saw, inside Locust), `soap` (judging answers), `stats` (the steady-state figures), `gates`
(validity), `outcome` (a judged run), `report` (text, JSON, PNG, HTML), `compare` (alternating
rounds), `calibrate` (service times for `sim`). Never imports `voucherlib`. See docs/load.md.
"""

from loadtests.compare import Comparison, Side, compare
from loadtests.config import RunConfig
from loadtests.engine import RunError
from loadtests.mix import Mix, MixError, available, load_mix
from loadtests.outcome import RunResult, measure

__all__ = [
    "Comparison",
    "Mix",
    "MixError",
    "RunConfig",
    "RunError",
    "RunResult",
    "Side",
    "available",
    "compare",
    "load_mix",
    "measure",
]
