"""Everything one run of the parties shares: the library they talk to, the environment whose
certificates they hold, the province they live in, the settlement network and the journal.

The library is reached only by URL (and optionally an httpx transport, for in-process tests):
the same world drives our reference or a vendor's library.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import httpx

from evoucher.pki import Environment
from mocks.books import Ledger
from mocks.client import Wire
from mocks.journal import Journal
from mocks.money import ZERO
from mocks.province import BANK_FUNDS, OPENING, SPECIAL_FUNDS, Province, province_of
from mocks.retry import RetryPolicy
from mocks.tips import Tips, TipsConfig

PROFILE_SEAL_VERSION = {"2.0": 4, "1.0": 1}


@dataclass
class World:
    base_url: str
    env: Environment
    province: Province
    ledger: Ledger
    tips: Tips
    journal: Journal
    business_date: dt.date
    profile: str = "2.0"
    run_tag: str = "000000"  # makes voucher numbers unique across runs against one library
    transport: Callable[[], httpx.AsyncBaseTransport] | None = None
    timeout: float = 30.0
    wire: Wire = "literal"  # the SOAP dialect every party speaks (mocks.client.WIRES)
    retry: RetryPolicy | None = None  # None: a call that gets no answer fails at once
    parties: dict[str, object] = field(default_factory=dict)  # handle -> the party's system
    opening_total: Decimal = ZERO  # all money in the settlement ledger when the day began

    @property
    def seal_version(self) -> int:
        return PROFILE_SEAL_VERSION[self.profile]

    @property
    def st_year(self) -> int:
        return self.business_date.year


def open_world(
    base_url: str,
    env: Environment,
    *,
    tips: TipsConfig | None = None,
    business_date: dt.date | None = None,
    profile: str = "2.0",
    run_tag: str = "000000",
    journal: Journal | None = None,
    transport: Callable[[], httpx.AsyncBaseTransport] | None = None,
    wire: Wire = "literal",
    retry: RetryPolicy | None = None,
) -> World:
    """A world over `env` with every account of its province opened at its opening balance."""
    if profile not in PROFILE_SEAL_VERSION:
        raise ValueError(f"profile must be one of {sorted(PROFILE_SEAL_VERSION)}, got {profile!r}")
    if not (len(run_tag) == 6 and run_tag.isdigit()):
        raise ValueError(f"run_tag must be 6 digits, got {run_tag!r}")
    date = business_date or dt.date.today()
    province = province_of(env)
    ledger = Ledger()
    for division in province.divisions.values():
        ledger.open(division.treasury_account, f"{division.name}国库存款", OPENING[division.kind])
        ledger.open(division.special_account, f"{division.name}财政专户", SPECIAL_FUNDS)
    for bank in province.banks.values():
        ledger.open(bank.settlement, f"{bank.name}备付金", BANK_FUNDS)
    for payee in province.payees:
        ledger.open(payee.account, payee.name)
    config = tips or TipsConfig()
    config = dataclasses.replace(  # the province's closed and bouncing payees, plus any given
        config,
        closed_accounts=config.closed_accounts | {p.account for p in province.payees if p.closed},
        bouncing_accounts=config.bouncing_accounts | {p.account for p in province.payees if p.bounces},
    )
    return World(
        base_url=base_url,
        env=env,
        province=province,
        ledger=ledger,
        tips=Tips(ledger, config, business_date=date),
        journal=journal or Journal(),
        business_date=date,
        profile=profile,
        run_tag=run_tag,
        transport=transport,
        wire=wire,
        retry=retry,
        opening_total=ledger.total(),
    )
