"""Who is in a test environment: the parties of a scenario and which certificate applies which stamp.

The `small` scenario is one province (Zhejiang, AdmDivCode 330000) and its capital (Hangzhou,
330100): a finance bureau and a treasury at each level, the big four agent banks by bank type
(102 ICBC, 103 ABC, 104 BOC, 105 CCB), two budget units and a payee bank. `tiny` keeps one
party per role, for tests and demos that need speed more than breadth. `province` is `small`
plus two districts of the special cases the seed report names: 西湖区 (330106), whose treasury
is played by a commercial bank (代理金库), with its agent bank; and 拱墅区 (330105), a
half-level district (半级财政) with no treasury of its own, paid from a city-treasury
sub-account through a certificate the city treasury holds for that division.

Budget units have no realware org type (the real library never sees them); we give them 021.
Every party has two named people, a bookkeeper (记账员, `jzy`) and a reviewer (复核员, `fhy`),
each with a certificate of their own for personal seals and signatures.
"""

from __future__ import annotations

from dataclasses import dataclass

BUDGET_UNIT_ORG_TYPE = "021"
# certIDs front ends send as deployed, by org type: the PBoC's Axis front end sends its org type
# itself (reference/axis1-wire.md), which names the PBoC party of the request's AdmDivCode
# (docs/wire.md VL-WIRE-027); written into new environments, and assumed for older manifests
DEPLOYED_CERT_IDS: dict[str, tuple[str, ...]] = {"001": ("001",)}

# stamp type -> who applies it: "org" (the party's own certificate) or one of its people.
# Unit seals are the organisation's; 私章 and 签名 belong to a person; the generic `sz`/`qm` of
# the registry are the bookkeeper's seal and the organisation's own signature.
UNIT_SEALS = ("zqz", "gz", "fjz", "ywzyz")
PERSONAL_SEALS = {"jzysz": "jzy", "fhysz": "fhy", "sz": "jzy"}
SIGNATURES = {"jzyqm": "jzy", "fhyqm": "fhy", "qm": "org"}
DUTIES = {"org": "单位", "jzy": "记账员", "fhy": "复核员"}


def holder_duty(stamp_type: str) -> str:
    """Which holder of a party applies `stamp_type`: "org", "jzy" or "fhy"."""
    if stamp_type in UNIT_SEALS:
        return "org"
    duty = PERSONAL_SEALS.get(stamp_type) or SIGNATURES.get(stamp_type)
    if duty is None:
        raise KeyError(f"unknown stamp type {stamp_type!r}")
    return duty


@dataclass(frozen=True)
class PartySpec:
    """One party of a scenario; `handle` is the short name used on the command line."""

    handle: str
    name: str
    role: str  # evoucher.registry.Role value
    org_type: str
    adm_div_code: str
    bookkeeper: str
    reviewer: str


_SMALL = (
    PartySpec("zj-finance", "浙江省财政厅", "finance", "011", "330000", "王芳", "李强"),
    PartySpec("hz-finance", "杭州市财政局", "finance", "011", "330100", "张敏", "刘洋"),
    PartySpec("zj-treasury", "国家金库浙江省分库", "pboc", "001", "330000", "陈静", "杨帆"),
    PartySpec("hz-treasury", "国家金库杭州市中心支库", "pboc", "001", "330100", "赵磊", "黄丽"),
    PartySpec("zj-icbc", "中国工商银行浙江省分行", "agent_bank", "102", "330000", "周杰", "吴婷"),
    PartySpec("zj-abc", "中国农业银行浙江省分行", "agent_bank", "103", "330000", "徐明", "孙悦"),
    PartySpec("zj-boc", "中国银行浙江省分行", "agent_bank", "104", "330000", "马超", "朱琳"),
    PartySpec("zj-ccb", "中国建设银行浙江省分行", "agent_bank", "105", "330000", "胡军", "郭敏"),
    PartySpec("hz-icbc", "中国工商银行杭州分行", "agent_bank", "102", "330100", "何平", "高燕"),
    PartySpec("hz-ccb", "中国建设银行杭州分行", "agent_bank", "105", "330100", "林涛", "罗娜"),
    PartySpec("zj-edu", "浙江省教育厅", "budget_unit", BUDGET_UNIT_ORG_TYPE, "330000", "郑洁", "梁伟"),
    PartySpec(
        "hz-health", "杭州市卫生健康委员会", "budget_unit", BUDGET_UNIT_ORG_TYPE, "330100", "谢芳", "宋刚"
    ),
    PartySpec("hz-bocom", "交通银行杭州分行", "payee_bank", "301", "330100", "唐颖", "韩冰"),
)

_DISTRICTS = (
    PartySpec("xh-finance", "杭州市西湖区财政局", "finance", "011", "330106", "钱进", "沈洁"),
    PartySpec("xh-treasury", "杭州银行西湖支行（代理金库）", "pboc", "001", "330106", "蒋涛", "韦丽"),
    PartySpec("xh-icbc", "中国工商银行杭州西湖支行", "agent_bank", "102", "330106", "许诺", "邓超"),
    PartySpec("gs-finance", "杭州市拱墅区财政局", "finance", "011", "330105", "冯雪", "曹阳"),
    PartySpec(
        "gs-treasury", "国家金库杭州市中心支库（拱墅区库款户）", "pboc", "001", "330105", "彭亮", "吕芳"
    ),
)

_TINY_HANDLES = ("hz-finance", "hz-treasury", "hz-icbc", "hz-health", "hz-bocom")

SCENARIOS: dict[str, tuple[PartySpec, ...]] = {
    "small": _SMALL,
    "tiny": tuple(p for p in _SMALL if p.handle in _TINY_HANDLES),
    "province": _SMALL + _DISTRICTS,
}


def cert_ids(parties: tuple[PartySpec, ...]) -> dict[str, str]:
    """handle -> certID `<org type>-<AdmDivCode>-<nn>`, numbering parties that share both."""
    seen: dict[tuple[str, str], int] = {}
    out = {}
    for party in parties:
        key = (party.org_type, party.adm_div_code)
        seen[key] = seen.get(key, 0) + 1
        out[party.handle] = f"{party.org_type}-{party.adm_div_code}-{seen[key]:02d}"
    return out
