"""The columns of the monthly ledger (月度台账, DOMAIN §5), declared once.

The export writes them, the import reads them, so a ledger downloaded from the portal can
be filled in and uploaded again. Headers are the Chinese ones offices already use on paper,
whatever the interface language: the ledger is the document reported upward.

``importable`` columns are read by the import (``required`` ones must be filled in);
the others describe what happened to the case in the portal and are written only.
ID numbers and phones are masked on export and must be given in full on import.
"""

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"  # wrapped, several lines in one cell
    DATE = "date"
    INTEGER = "integer"
    MONEY = "money"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int  # in Excel character units
    kind: Kind = Kind.TEXT
    importable: bool = False
    required: bool = False
    # Headers this column had before a rename, so a ledger exported then still imports.
    former_headers: tuple[str, ...] = ()


LEDGER_COLUMNS: tuple[Column, ...] = (
    Column("row", "序号", 6, Kind.INTEGER),
    Column("number", "案件编号", 16),
    Column("area", "所属区域", 18),
    Column("area_code", "区域代码", 14, importable=True, required=True),
    # 受理日期 is the day the case was accepted; the registration date beside it is
    # 登记日期. Ledgers exported before called the registration date 受理日期: a file with
    # no 登记日期 column still imports, its 受理日期 read as the registration date
    # (``column_for_header``).
    Column("accepted_on", "受理日期", 11, Kind.DATE),
    Column(
        "received_on",
        "登记日期",
        11,
        Kind.DATE,
        importable=True,
        required=True,
        former_headers=("受理日期",),
    ),
    Column("occurred_on", "发生日期", 11, Kind.DATE, importable=True),
    Column("title", "案件名称", 22, importable=True, required=True),
    # The two sides, named so that they fit every row: 申请人/被申请人 where someone
    # applied, 当事人 where the dispute was found (cases.models.party_role_label); the
    # 来源 column tells which. A ledger with the former headers still imports.
    Column(
        "applicants",
        "当事人一方",
        12,
        Kind.LONG_TEXT,
        importable=True,
        required=True,
        former_headers=("申请人",),
    ),
    Column(
        "applicant_id_numbers",
        "一方身份证号",
        20,
        Kind.LONG_TEXT,
        importable=True,
        former_headers=("申请人身份证号",),
    ),
    Column(
        "applicant_mobiles",
        "一方联系电话",
        14,
        Kind.LONG_TEXT,
        importable=True,
        former_headers=("申请人联系电话",),
    ),
    Column(
        "applicant_addresses",
        "一方住址",
        20,
        Kind.LONG_TEXT,
        importable=True,
        former_headers=("申请人住址",),
    ),
    Column(
        "respondents",
        "当事人另一方",
        12,
        Kind.LONG_TEXT,
        importable=True,
        required=True,
        former_headers=("被申请人",),
    ),
    Column(
        "respondent_id_numbers",
        "另一方身份证号",
        20,
        Kind.LONG_TEXT,
        importable=True,
        former_headers=("被申请人身份证号",),
    ),
    Column(
        "respondent_mobiles",
        "另一方联系电话",
        14,
        Kind.LONG_TEXT,
        importable=True,
        former_headers=("被申请人联系电话",),
    ),
    Column(
        "respondent_addresses",
        "另一方住址",
        20,
        Kind.LONG_TEXT,
        importable=True,
        former_headers=("被申请人住址",),
    ),
    Column("source", "来源", 14, importable=True, required=True),
    Column("dispute_type", "纠纷类型", 14, importable=True, required=True),
    Column("grade", "风险等级", 10, importable=True, required=True),
    Column("level", "处置层级", 10),
    Column("summary", "简要案情", 40, Kind.LONG_TEXT, importable=True, required=True),
    Column("amount_at_stake", "涉及金额(元)", 12, Kind.MONEY, importable=True),
    Column("external_reference", "转办编号", 14, importable=True, former_headers=("来文编号",)),
    Column("mediators", "调解员", 14, Kind.LONG_TEXT),
    Column("sessions", "调解次数", 8, Kind.INTEGER),
    Column("status", "状态", 9),
    Column("outcome", "调解结果", 10),
    Column("agreement_form", "协议形式", 9),
    Column("agreement_amount", "协议金额(元)", 12, Kind.MONEY),
    Column("performance", "履行情况", 10),
    Column("follow_ups", "回访情况", 36, Kind.LONG_TEXT),
    Column("deadline", "化解期限", 11, Kind.DATE),
    Column("closed_on", "销号日期", 11, Kind.DATE),
)

# Import only, after the ledger's columns: a party's further details (issue 14), per
# side and line by line like the ID numbers. The monthly ledger does not report them;
# a file without them imports as before.
PARTY_DETAIL_FIELDS: tuple[tuple[str, str, int], ...] = (
    # (party field, header after 一方/另一方, width)
    ("kind", "当事人类型", 10),
    ("ethnicity", "民族", 8),
    ("birth_date", "出生日期", 11),
    ("occupation", "职业或职务", 12),
    ("employer", "工作单位", 18),
    ("relation_to_other_party", "与对方当事人关系", 14),
    ("credit_code", "统一社会信用代码", 20),
    ("legal_representative", "法定代表人/负责人", 14),
    ("is_representative", "代表人", 8),
)
PARTY_DETAIL_SIDES = (("applicant", "一方"), ("respondent", "另一方"))
PARTY_DETAIL_COLUMNS: tuple[Column, ...] = tuple(
    Column(f"{side}_{field}", f"{prefix}{header}", width, Kind.LONG_TEXT, importable=True)
    for side, prefix in PARTY_DETAIL_SIDES
    for field, header, width in PARTY_DETAIL_FIELDS
)
# Every column a ledger file may have: the ledger's and the import-only ones.
ALL_COLUMNS = LEDGER_COLUMNS + PARTY_DETAIL_COLUMNS

COLUMN_BY_KEY = {column.key: column for column in ALL_COLUMNS}
COLUMN_BY_HEADER = {column.header: column for column in LEDGER_COLUMNS}
HEADERS = tuple(column.header for column in LEDGER_COLUMNS)


def column_for_header(key: str, present: set[str], keyed) -> Column | None:
    """The column a header names; ``keyed`` makes headers comparable, ``present`` holds
    the file's headers so keyed. A former header names its old column in a file without
    that column's current header: there a header another column now uses (受理日期)
    still means what it meant when the file was made."""
    for column in ALL_COLUMNS:
        if keyed(column.header) not in present and key in map(keyed, column.former_headers):
            return column
    for column in ALL_COLUMNS:
        if key == keyed(column.header):
            return column
    for column in ALL_COLUMNS:
        if key in map(keyed, column.former_headers):
            return column
    return None


# Several parties of one side share a cell, one per line (names and their ID numbers,
# phones and addresses line up line by line).
PARTY_SEPARATOR = "\n"
