"""The province the parties live in: divisions, banks, budget units and payees, with their accounts.

Built from a test environment (who holds a certificate) plus this module's chart (which budget
units bank where, which function and economic subjects they spend on, who gets paid). Account
and bank numbers are made up but well formed (reference §6: accounts `[0-9A-Z-]`, bank numbers
12 digits, TreCode 10 digits). Special divisions are configurations of their own: 330106 is an
agent treasury (代理金库, a commercial bank plays the treasury) and 330105 a half-level district
(半级财政, paid from a sub-account of the city treasury funded only by city transfers). A
division whose parties the environment lacks is simply not there.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from evoucher.pki import Environment
from evoucher.registry import plausible as pl

TREASURY, AGENT_TREASURY, HALF_LEVEL = "treasury", "agent_treasury", "half_level"
# AdmDivCode -> (name, kind, parent division)
DIVISIONS = {
    "330000": ("浙江省", TREASURY, None),
    "330100": ("杭州市", TREASURY, None),
    "330106": ("杭州市西湖区", AGENT_TREASURY, None),
    "330105": ("杭州市拱墅区", HALF_LEVEL, "330100"),
}
# AgencyCode, name, AdmDivCode, preferred agent bank, budget-unit party, function subjects
_AGENCIES = (
    ("301001", "浙江省教育厅", "330000", "zj-icbc", "zj-edu", ("2050201", "2050203")),
    ("302001", "浙江省卫生健康委员会", "330000", "zj-ccb", None, ("2100201",)),
    ("303001", "浙江省交通运输厅", "330000", "zj-abc", None, ("2010101",)),
    ("304001", "浙江省民政厅", "330000", "zj-boc", None, ("2080501",)),
    ("101001", "杭州市教育局", "330100", "hz-icbc", None, ("2050201",)),
    ("102001", "杭州市卫生健康委员会", "330100", "hz-ccb", "hz-health", ("2100201", "2010101")),
    ("106001", "杭州市西湖区教育局", "330106", "xh-icbc", None, ("2050203",)),
    ("105001", "杭州市拱墅区民政局", "330105", None, None, ("2080501",)),
)
_FUNCTIONS = {row["ExpFuncCode"]: row for row in pl.FUNCTIONS}
_ECONOMIC = pl.ECONOMICS[1]  # 30201 办公费: every line spends on office costs in this chart
OPENING = {TREASURY: Decimal("80000000.00"), AGENT_TREASURY: Decimal("6000000.00"), HALF_LEVEL: Decimal(0)}
BANK_FUNDS = Decimal("3000000.00")  # each agent bank's settlement reserve (备付金)
SPECIAL_FUNDS = Decimal("2000000.00")


@dataclass(frozen=True)
class Bank:
    handle: str
    name: str
    code: str  # bank category = org type (102)
    bank_no: str  # 12-digit CNAPS number (PayBankNo)
    adm_div_code: str

    @property
    def settlement(self) -> str:
        """The bank's reserve account at the PBoC: it pays from here and is reimbursed by clearing."""
        return f"BK{self.bank_no}"

    @property
    def agent_account(self) -> str:
        """申请划款账户 (AgentAcctNo of a 2301)."""
        return f"{self.bank_no}0001"

    def fields(self) -> dict[str, str]:
        return {
            "PayBankCode": self.code,
            "PayBankName": self.name,
            "PayBankNo": self.bank_no,
            "AgentAcctNo": self.agent_account,
            "AgentAcctName": f"{self.name}财政零余额划款户",
            "AgentAcctBankName": self.name,
            "MoneyCorpCode": self.code,
        }


@dataclass(frozen=True)
class Division:
    adm_div_code: str
    name: str
    kind: str
    finance: str  # party handles
    treasury: str
    banks: tuple[str, ...]
    parent: str | None = None

    @property
    def tre_code(self) -> str:
        return f"{self.adm_div_code}0000"

    @property
    def treasury_account(self) -> str:
        """国库存款 (PayAcctNo of a 5207); a half-level district pays from the city's sub-account."""
        if self.parent:
            return f"{self.parent}000027101{self.adm_div_code[-2:]}"
        return f"{self.tre_code}27101"

    @property
    def clear_account(self) -> str:
        return f"{self.tre_code}37101"

    def as_payee(self) -> Payee:
        """A half-level district's sub-account as the payee of the city's transfer (5207)."""
        bank = f"国家金库{self.name}库款户"
        return Payee(self.treasury_account, f"{self.name}库款户", bank, f"011{self.adm_div_code}001")

    @property
    def special_account(self) -> str:
        """The finance bureau's special account (财政专户) at the special-account clearing bank."""
        return f"ZH{self.tre_code}0001"

    def fields(self) -> dict[str, str]:
        """Treasury, finance bureau and accounts, as every voucher of the division names them."""
        return {
            "TreCode": self.tre_code,
            "FinOrgCode": self.adm_div_code,
            "PayAcctNo": self.treasury_account,
            "PayAcctName": f"{self.name}财政局",
            "PayAcctBankName": f"国家金库{self.name}支库",
            "ClearBankCode": "001",
            "ClearBankName": f"中国人民银行{self.name}分行",
            "ClearAcctNo": self.clear_account,
            "ClearAcctName": f"{self.name}财政局零余额清算户",
            "ClearAcctBankName": f"国家金库{self.name}支库",
            "FundTypeCode": "1",
            "FundTypeName": "一般公共预算资金",
            "BgtTypeCode": "1",
            "BgtTypeName": "当年预算",
        }


@dataclass(frozen=True)
class Line:
    """One budget line of an agency: function subject x economic subject."""

    func: str
    func_name: str
    eco: str
    eco_name: str

    def fields(self) -> dict[str, str]:
        return {
            **_FUNCTIONS[self.func],
            **{k: v for k, v in _ECONOMIC.items() if k.startswith("ExpEco")},
        }


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    adm_div_code: str
    bank: str | None  # agent bank handle holding its zero-balance account
    unit: str | None  # budget-unit party, when the unit is online
    lines: tuple[Line, ...]

    @property
    def account(self) -> str:
        """单位零余额账户."""
        return f"1202{self.code}0088"

    def fields(self) -> dict[str, str]:
        """The agency is its own first-level unit (SupDepCode = AgencyCode) in this chart."""
        return {
            "AgencyCode": self.code,
            "AgencyName": self.name,
            "SupDepCode": self.code,
            "SupDepName": self.name,
            "AgencyAccoCode": self.account,
        }


@dataclass(frozen=True)
class Payee:
    account: str
    name: str
    bank_name: str
    bank_no: str
    closed: bool = False  # 销户: TCBS refuses every credit
    bounces: bool = False  # 退汇: credits come back

    def fields(self) -> dict[str, str]:
        return {
            "PayeeAcctNo": self.account,
            "PayeeAcctName": self.name,
            "PayeeAcctBankName": self.bank_name,
            "PayeeAcctBankNo": self.bank_no,
        }


PAYEE_BANK_NO = "301331000010"
PAYEES = (
    Payee("3301040160000123456", "杭州蓝天办公用品有限公司", "交通银行杭州分行", PAYEE_BANK_NO),
    Payee("3301040160000654321", "浙江华东建设有限公司", "交通银行杭州分行", PAYEE_BANK_NO),
    Payee("1202020209900012345", "杭州市政工程集团有限公司", "中国工商银行杭州分行", "102331000013"),
    Payee("3301040160000999999", "杭州旧城改造指挥部", "交通银行杭州分行", PAYEE_BANK_NO, closed=True),
    Payee("6222021202012345678", "张伟", "中国工商银行杭州分行", "102331000013", bounces=True),
)


@dataclass(frozen=True)
class Province:
    divisions: dict[str, Division]
    banks: dict[str, Bank]
    agencies: tuple[Agency, ...]
    payees: tuple[Payee, ...]

    def agencies_of(self, adm_div_code: str) -> tuple[Agency, ...]:
        return tuple(a for a in self.agencies if a.adm_div_code == adm_div_code)

    def agency(self, code: str) -> Agency:
        return next(a for a in self.agencies if a.code == code)


def _bank(env: Environment, handle: str) -> Bank:
    party = env.party(handle)
    nn = party.cert_id.rsplit("-", 1)[1]
    return Bank(
        handle, party.name, party.org_type, f"{party.org_type}{party.adm_div_code}0{nn}", party.adm_div_code
    )


def province_of(env: Environment) -> Province:
    """The province of `env`: every division whose finance and treasury hold certificates."""
    divisions, banks = {}, {}
    for adm, (name, kind, parent) in DIVISIONS.items():
        finance = env.find(role="finance", adm_div_code=adm)
        treasury = env.find(role="pboc", adm_div_code=adm)
        if not finance or not treasury or (parent and parent not in divisions):
            continue
        bank_parties = env.find(role="agent_bank", adm_div_code=adm)
        banks.update({p.handle: _bank(env, p.handle) for p in bank_parties})
        divisions[adm] = Division(
            adm,
            name,
            kind,
            finance[0].handle,
            treasury[0].handle,
            tuple(p.handle for p in bank_parties),
            parent,
        )
    agencies = []
    for code, name, adm, bank, unit, funcs in _AGENCIES:
        division = divisions.get(adm)
        if division is None:
            continue
        if bank not in division.banks:
            bank = division.banks[0] if division.banks and bank else None
        online = unit if unit and any(p.handle == unit for p in env.parties) else None
        lines = tuple(
            Line(f, _FUNCTIONS[f]["ExpFuncName"], _ECONOMIC["ExpEcoCode"], _ECONOMIC["ExpEcoName"])
            for f in funcs
        )
        agencies.append(Agency(code, name, adm, bank, online, lines))
    return Province(divisions, banks, tuple(agencies), PAYEES)
