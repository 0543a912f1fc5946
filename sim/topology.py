"""Who is in the model: each region of the scenario and the parties of each, with their ITFE phase.

A region group of `count` alike regions expands into that many regions. Every region has a
finance bureau, a treasury (PBoC, agent treasury or the city's sub-account) and its agent banks;
its online budget units are one party each while they are few, else one pooled party (their
applications reach the library the same way; only the polling is shared). A party's phase on
the ITFE grid is a pure function of (seed, region, role, index): both modes tick alike.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field

from sim.flows import ROUTES
from sim.scenario import Region, Scenario

POOL_LIMIT = 20  # more online units than this in one region are polled as one system


@dataclass(frozen=True)
class Place:
    index: int
    group: Region
    member: int
    adm: str

    @property
    def unit_parties(self) -> int:
        return self.group.units if self.group.units <= POOL_LIMIT else 1

    def electronic(self, flow: str, date: dt.date) -> bool:
        live = self.group.electronic.get(flow)
        return live is not None and live <= date

    def profile(self, role: str, index: int, date: dt.date, default: str) -> str:
        """The library profile the party's system speaks on `date` (the staged 2.0 upgrade)."""
        current = default
        for start, who, profile, first in self.group.profiles:
            if start <= date and who in ("*", role) and (not first or index < first):
                current = profile
        return current


@dataclass(eq=False)
class Party:
    id: int
    place: Place
    role: str
    index: int
    phase: float
    wake: object = None  # the SimPy event it sleeps on while it has nothing to do
    state: dict = field(default_factory=dict)  # the backend's

    @property
    def key(self) -> tuple[int, str, int]:
        return (self.place.index, self.role, self.index)

    @property
    def name(self) -> str:
        return f"{self.place.adm}/{self.role}{self.index}"


def phase_of(seed: int, key: tuple[int, str, int], interval: float) -> float:
    return (zlib.crc32(f"{seed}:{key}".encode()) % 10_000) / 10_000 * interval


class Topology:
    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.places: list[Place] = []
        for group in scenario.regions:
            for k in range(group.count):
                adm = group.adm[k] if group.adm else f"{group.name}#{k + 1}"
                self.places.append(Place(len(self.places), group, k, adm))
        self.parties: list[Party] = []
        self.by_key: dict[tuple[int, str, int], Party] = {}
        # shared: the agent banks' front ends serve the whole province (the first region's banks)
        self.shared_banks = bool(scenario.library.get("shared_banks", False))
        payees = int(any(ROUTES[f.name].sender == "payee" for f in scenario.flows))  # one payee bank a region
        for place in self.places:
            banks = 0 if self.shared_banks and place.index else place.group.banks
            counts = {"finance": 1, "pboc": 1, "bank": banks, "unit": place.unit_parties, "payee": payees}
            for role, n in counts.items():
                for i in range(n):
                    key = (place.index, role, i)
                    party = Party(len(self.parties), place, role, i, phase_of(seed, key, scenario.poll[role]))
                    self.parties.append(party)
                    self.by_key[key] = party

    def party(self, place: int, role: str, index: int = 0) -> Party:
        if role == "unit":
            index = index if self.places[place].group.units <= POOL_LIMIT else 0
        elif role == "bank" and self.shared_banks:
            place = 0
        return self.by_key[(place, role, index)]

    def unit_of_bank(self, place: int, bank: int) -> int:
        """The first online unit of the region banking at `bank` (the model does not carry which
        unit a document came from once a bank has handled it)."""
        group = self.places[place].group
        if group.units > POOL_LIMIT:
            return 0  # one pooled system
        table = group.unit_banks or tuple(u % max(group.banks, 1) for u in range(group.units))
        return table.index(bank) if bank in table else 0

    def flows_of(self, place: Place) -> list[str]:
        """The routes that can happen in `place` at all (banks and units permitting)."""
        names = []
        for name, route in ROUTES.items():
            banked = "bank" in (route.sender, *route.receivers) or route.pay_type or route.clears_back
            if banked and place.group.banks == 0:
                continue
            if route.sender == "unit" and place.group.units == 0:
                continue
            names.append(name)
        return names
