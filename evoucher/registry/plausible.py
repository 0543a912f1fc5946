"""Plausible parties and classifications for generated vouchers (samples and strategies).

Each table row is a set of fields that belong together (a budget unit's code and name, a bank's
code, name and CNAPS number, a function subject with its class/款/项), so a generated voucher
reads like a real one. The rows are illustrative: names follow the national classification
(政府收支分类科目) style; account and bank numbers are made up.
"""

from __future__ import annotations

from collections.abc import Mapping

Row = Mapping[str, str]

# administrative divisions (GB/T 2260) with their finance bureau and treasury
DIVISIONS = (
    ("330000", "浙江省"),
    ("330100", "杭州市"),
    ("330200", "宁波市"),
    ("330300", "温州市"),
    ("330106", "杭州市西湖区"),
    ("310000", "上海市"),
)


def division(code: str, name: str) -> Row:
    """The finance bureau, treasury and their accounts of one division."""
    tre = f"{code}0000"
    return {
        "AdmDivCode": code,
        "TreCode": tre,
        "TreName": f"国家金库{name}支库",
        "FinOrgCode": code,
        "FinOrgName": f"{name}财政局",
        "PayAcctNo": f"{tre}27101",
        "PayAcctName": f"{name}财政局",
        "PayAcctBankName": f"国家金库{name}支库",
        "PayAcctBankNo": f"011{code}001",
        "ClearBankCode": "001",
        "ClearBankName": f"中国人民银行{name}分行",
        "ClearAcctNo": f"{tre}37101",
        "ClearAcctName": f"{name}财政局零余额清算户",
        "ClearAcctBankName": f"国家金库{name}支库",
        "ClearAccNo": f"{tre}37101",
        "ClearAccNanme": f"{name}财政局零余额清算户",
        "AcctNo": f"{tre}27101",
        "AcctName": f"{name}国库存款",
        "TaxOrgCode": f"1{code}00",
        "TaxOrgName": f"国家税务总局{name}税务局",
    }


AGENCIES: tuple[Row, ...] = tuple(
    {
        "AgencyCode": code,
        "AgencyName": name,
        "SupDepCode": code[:3],
        "SupDepName": sup,
        "AgencyAccoCode": f"1202{code}0088",
        "AgencyAccoNo": f"1202{code}0088",
        "AgencyAccoName": name,
        "AgencyBankName": "中国工商银行杭州分行",
        "MOFDepCode": "05",
        "MOFDepName": "教科文处" if code.startswith("1") else "社会保障处",
    }
    for code, name, sup in (
        ("101001", "杭州市教育局机关", "杭州市教育局"),
        ("101002", "杭州第二中学", "杭州市教育局"),
        ("102001", "杭州市卫生健康委员会机关", "杭州市卫生健康委员会"),
        ("102005", "杭州市第一人民医院", "杭州市卫生健康委员会"),
        ("203001", "杭州市人力资源和社会保障局", "杭州市人力资源和社会保障局"),
    )
)

FUNCTIONS: tuple[Row, ...] = tuple(
    {
        "ExpFuncCode": xiang,
        "ExpFuncName": xiang_name,
        "ExpFuncCode1": xiang[:3],
        "ExpFuncName1": lei,
        "ExpFuncCode2": xiang[:5],
        "ExpFuncName2": kuan,
        "ExpFuncCode3": xiang,
        "ExpFuncName3": xiang_name,
    }
    for xiang, lei, kuan, xiang_name in (
        ("2050201", "教育支出", "普通教育", "学前教育"),
        ("2050203", "教育支出", "普通教育", "初中教育"),
        ("2100201", "卫生健康支出", "公立医院", "综合医院"),
        ("2080501", "社会保障和就业支出", "行政事业单位养老支出", "行政单位离退休"),
        ("2010101", "一般公共服务支出", "人大事务", "行政运行"),
    )
)

ECONOMICS: tuple[Row, ...] = tuple(
    {
        "ExpEcoCode": kuan,
        "ExpEcoName": kuan_name,
        "ExpEcoCode1": kuan[:3],
        "ExpEcoName1": lei,
        "ExpEcoCode2": kuan,
        "ExpEcoName2": kuan_name,
        "GovExpEcoCode": kuan[:3],
        "GovExpEcoName": lei,
        "DepExpEcoCode": kuan,
        "DepExpEcoName": kuan_name,
    }
    for kuan, lei, kuan_name in (
        ("30101", "工资福利支出", "基本工资"),
        ("30201", "商品和服务支出", "办公费"),
        ("30211", "商品和服务支出", "差旅费"),
        ("31002", "资本性支出", "办公设备购置"),
    )
)

REVENUES: tuple[Row, ...] = tuple(
    {
        "IncomeSortCode": mu,
        "IncomeSortName": mu_name,
        "IncomeSortCode1": mu[:3],
        "IncomeSortName1": lei,
        "IncomeSortCode2": mu[:5],
        "IncomeSortName2": kuan,
        "IncomeSortCode3": mu[:7],
        "IncomeSortName3": xiang,
        "IncomeSortCode4": mu,
        "IncomeSortName4": mu_name,
        "BudgetSubjectCode": mu,
        "BudgetSubjectName": mu_name,
    }
    for mu, lei, kuan, xiang, mu_name in (
        ("101010101", "税收收入", "增值税", "国内增值税", "国有企业增值税"),
        ("101060109", "税收收入", "个人所得税", "个人所得税", "其他个人所得税"),
        ("103040101", "非税收入", "行政事业性收费收入", "公安行政事业性收费收入", "证照工本费"),
    )
)

BANKS: tuple[Row, ...] = tuple(
    {
        "PayBankCode": code,
        "PayBankName": name,
        "PayBankNo": no,
        "BankCode": code,
        "BankName": name,
        "MoneyCorpCode": code,
        "AgentAcctNo": f"1202{no[3:]}",
        "AgentAcctName": f"{name}财政零余额划款户",
        "AgentAcctBankName": name,
    }
    for code, name, no in (
        ("102", "中国工商银行杭州分行", "102331000013"),
        ("103", "中国农业银行杭州分行", "103331000019"),
        ("104", "中国银行杭州市分行", "104331000016"),
        ("105", "中国建设银行杭州分行", "105331000014"),
        ("313", "杭州银行股份有限公司", "313331000014"),
    )
)

PAYEES: tuple[Row, ...] = tuple(
    {
        "PayeeAcctNo": account,
        "PayeeAcctName": name,
        "PayeeAcctBankName": bank,
        "PayeeAcctBankNo": bank_no,
    }
    for account, name, bank, bank_no in (
        ("1202020209900012345", "杭州市政工程集团有限公司", "中国工商银行杭州分行", "102331000013"),
        ("19015101040001234", "浙江华东建设有限公司", "中国农业银行杭州分行", "103331000019"),
        ("33050161622700000123", "杭州新华书店有限公司", "中国建设银行杭州分行", "105331000014"),
        ("6222021202012345678", "张伟", "中国工商银行杭州分行", "102331000013"),
        ("3301040160000123456", "杭州蓝天办公用品有限公司", "杭州银行股份有限公司", "313331000014"),
    )
)

CODE_PAIRS: dict[str, tuple[tuple[str, str], ...]] = {
    "FundType": (("1", "一般公共预算资金"), ("2", "政府性基金预算资金"), ("3", "国有资本经营预算资金")),
    "BgtType": (("1", "当年预算"), ("2", "上年结转")),
    "ProCat": (("001", "一般公共预算"), ("002", "政府性基金预算")),
    "PaySummary": (("01", "办公用品采购"), ("02", "工程进度款"), ("03", "工资发放"), ("04", "差旅费报销")),
    "BusinessType": (("1", "单笔"), ("3", "工资"), ("4", "批量")),
    "SetMode": (("1", "转账"), ("2", "现金")),
    "PayKind": (("1", "基本支出"), ("2", "项目支出")),
    "DepPro": (("330100240001", "义务教育均衡发展项目"), ("330100240002", "公立医院设备更新项目")),
    "FileNo": (("杭财教〔2024〕1号", "杭财教〔2024〕1号"),),
    "BudgetLevel": (("1", "中央"), ("3", "市级"), ("4", "区县级")),
}

PAY_TYPE_NAMES = {
    "11": "直接支付",
    "001001": "直接支付",
    "12": "授权支付",
    "001002": "授权支付",
    "002": "实拨",
}

TEXTS = ("经办", "按计划拨付", "本月用款", "正常业务", "对账相符", "无")
