"""Who plays whom: a system for every party of the environment that lives in the province.

Finance bureaus, treasuries (an ordinary PBoC treasury, an agent treasury or a half-level
sub-account, as the division's kind says), agent banks, online budget units and the payee
bank; plus the special-account clearing bank, which has no certificate because it never talks
to the library.
"""

from __future__ import annotations

from mocks.agent_bank import AgentBank
from mocks.budget_unit import BudgetUnit
from mocks.finance import Finance
from mocks.party import Party
from mocks.payee_bank import PayeeBank
from mocks.pboc import Pboc
from mocks.province import AGENT_TREASURY, HALF_LEVEL
from mocks.special import AgentTreasury, HalfLevelTreasury, SpecialAccountBank
from mocks.world import World

TREASURIES = {AGENT_TREASURY: AgentTreasury, HALF_LEVEL: HalfLevelTreasury}


def cast(world: World) -> list[Party]:
    """Create every party's system (they register themselves in `world.parties`)."""
    province = world.province
    units = {a.unit for a in province.agencies if a.unit}
    systems: list[Party] = []
    for party in world.env.parties:
        division = province.divisions.get(party.adm_div_code)
        if party.role == "finance" and division:
            systems.append(Finance(world, party.handle))
        elif party.role == "pboc" and division:
            systems.append(TREASURIES.get(division.kind, Pboc)(world, party.handle))
        elif party.role == "agent_bank" and party.handle in province.banks:
            systems.append(AgentBank(world, party.handle))
        elif party.role == "budget_unit" and party.handle in units:
            systems.append(BudgetUnit(world, party.handle))
        elif party.role == "payee_bank":
            systems.append(PayeeBank(world, party.handle))
    SpecialAccountBank(world)
    return systems
