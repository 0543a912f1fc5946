"""Business mixes as data: which voucher flows a day carries, in what shares, at what volume.

A mix is a TOML file (`loadtests/mixes/*.toml`, or any path a user passes). The business part —
flows and their weights, the share of vouchers the receiver returns, the default arrival rate —
is the same whichever library version serves it; the `[client."1.0"]` and `[client."2.0"]`
tables say how a client of that generation carries it (one voucher per call, or batches). So
`guoku load compare` runs one business workload against a 1.0 and a 2.0 deployment, each spoken
to as its own clients speak.

    name = "normal-day"
    description = "..."
    rate = 8.0            # vouchers per second offered in the open model (--rate overrides)
    return_share = 0.02   # share of vouchers the receiver returns instead of signing for
    [[flows]]
    vt_code = "5207"      # sender and receiver come from the registry's route
    weight = 40
    [client."2.0"]
    batch = 5             # vouchers per combined/batch call
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from evoucher import registry
from evoucher.errors import EvoucherError
from evoucher.interface import PROFILES

MIXES_DIR = Path(__file__).with_name("mixes")


class MixError(ValueError):
    """A mix file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Flow:
    """One voucher flow: `vt_code` from its registry sender to `to` (a receiver role), by weight."""

    vt_code: str
    weight: float
    sender: str
    to: str


@dataclass(frozen=True)
class Mix:
    name: str
    description: str
    rate: float
    return_share: float
    flows: tuple[Flow, ...]
    batch: dict[str, int]  # profile -> vouchers per call
    adm_div_code: str = "330100"
    source: str = ""

    def batch_for(self, profile: str) -> int:
        return self.batch.get(profile, 1)

    def to_json(self) -> dict:
        return {
            "name": self.name, "description": self.description, "rate": self.rate,
            "return_share": self.return_share, "batch": self.batch, "adm_div_code": self.adm_div_code,
            "flows": [f.__dict__ for f in self.flows], "source": self.source,
        }  # fmt: skip


def available() -> list[str]:
    """Names of the mixes shipped in loadtests/mixes."""
    return sorted(p.stem for p in MIXES_DIR.glob("*.toml"))


def load_mix(name_or_path: str | Path) -> Mix:
    """A shipped mix by name (`normal-day`) or a TOML file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = MIXES_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        raise MixError(f"mix {name_or_path!r}: no such file (shipped mixes: {', '.join(available())})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise MixError(f"{path}: not valid TOML: {exc}") from None
    return _mix(data, path)


def _number(data: dict, key: str, where: Path, default: float, low: float, high: float) -> float:
    value = data.get(key, default)
    if not isinstance(value, int | float) or not low <= value <= high:
        raise MixError(f"{where}: {key} must be a number within {low}..{high}, got {value!r}")
    return float(value)


def _mix(data: dict, path: Path) -> Mix:
    flows = []
    for i, entry in enumerate(data.get("flows", []), 1):
        where = f"{path}: flows[{i}]"
        vt_code = str(entry.get("vt_code", ""))
        try:
            vt = registry.get(vt_code)
        except (KeyError, EvoucherError):
            raise MixError(f"{where}.vt_code: {vt_code!r} is not a VtCode of the registry") from None
        if vt.sender is None or not vt.receivers:
            raise MixError(f"{where}.vt_code: {vt_code} has no sender and receiver route in the registry")
        receivers = [r.value for r in vt.receivers]
        to = entry.get("to", receivers[0])
        if to not in receivers:
            raise MixError(f"{where}.to: {to!r} is not a receiver of {vt_code} ({', '.join(receivers)})")
        weight = _number(entry, "weight", path, 1, 0, 1e9)
        flows.append(Flow(vt_code, weight, vt.sender.value, to))
    if not flows or sum(f.weight for f in flows) <= 0:
        raise MixError(f"{path}: flows: at least one flow with a positive weight is needed")
    batch = {}
    for profile, table in data.get("client", {}).items():
        if profile not in PROFILES:
            raise MixError(f"{path}: client.{profile}: profiles are {', '.join(PROFILES)}")
        size = table.get("batch", 1)
        if not isinstance(size, int) or not 1 <= size <= 100:
            raise MixError(f"{path}: client.{profile}.batch must be an integer 1..100, got {size!r}")
        batch[profile] = size
    if batch.get("1.0", 1) != 1:
        raise MixError(f"{path}: client.1.0.batch must be 1: a 1.0 client sends one voucher per call")
    return Mix(
        name=str(data.get("name", path.stem)),
        description=str(data.get("description", "")),
        rate=_number(data, "rate", path, 5.0, 0.01, 1e6),
        return_share=_number(data, "return_share", path, 0.0, 0.0, 1.0),
        flows=tuple(flows),
        batch=batch,
        adm_div_code=str(data.get("adm_div_code", "330100")),
        source=str(path),
    )
