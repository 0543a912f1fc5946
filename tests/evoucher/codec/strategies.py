"""Hypothesis strategies for codec tests: realistic field names, values with Chinese text and XML specials."""

from hypothesis import strategies as st

REAL_NAMES = (
    "Id",
    "AdmDivCode",
    "StYear",
    "VtCode",
    "VouDate",
    "VoucherNo",
    "PayAmt",
    "XpayAmt",
    "XPayAmt",
    "PayeeAcctName",
    "Hold1",
    "Return_Reason",
    "ExpFuncCode1",
    "X.Y-z",
)
names = st.one_of(
    st.sampled_from(REAL_NAMES), st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,12}", fullmatch=True)
)
header_names = names.filter(lambda n: n != "DetailList")

# every character GBK can carry and XML 1.0 allows, with the troublesome ones made likely
_gbk_chars = st.characters(codec="gbk", exclude_categories=("Cs", "Cc"))
_specials = st.sampled_from([*"&<>\"' \t\r\n]", "]]>", "&amp;", "中文", "浙江省财政厅", "　"])
values = st.lists(st.one_of(_gbk_chars, _specials), max_size=12).map("".join)

fields = st.dictionaries(header_names, values, max_size=12)
details = st.none() | st.lists(st.dictionaries(names, values, max_size=6), max_size=4)
