"""The ledger import's optional columns for a party's further details (issue 14): kind,
民族, birth date, occupation, employer, relation, credit code, legal representative and
代表人, per side and line by line like the ID numbers; read and checked by the same
functions as the party spreadsheet and the registration (a wrong credit code, a birth
date that contradicts the ID number), every problem named by line and column, nothing
imported; a file without these columns imports as before."""

import datetime
import io

import openpyxl

from cases.models import Case, Party, PartyKind
from reports import importing
from reports.columns import PARTY_DETAIL_COLUMNS
from tests.reports.test_import import ID_A, ID_B, IMPORT_HEADERS, counts, row, xlsx

CREDIT_CODE = "91110000600037341L"
BAD_CREDIT_CODE = "91110000600037341X"
DETAIL_HEADERS = [column.header for column in PARTY_DETAIL_COLUMNS]
HEADERS = [*IMPORT_HEADERS, *DETAIL_HEADERS]


def workers_against_a_company(**values) -> dict:
    return row(
        当事人一方="张三\n王五",
        一方身份证号=f"{ID_A}\n{ID_B}",
        一方联系电话="",
        一方住址="",
        当事人另一方="枫桥某建筑有限公司",
        **{
            "一方当事人类型": "",
            "一方民族": "汉\n01",
            "一方出生日期": "1980-05-17",
            "一方职业或职务": "瓦工\n木工",
            "一方工作单位": "枫桥某建筑有限公司",
            "一方与对方当事人关系": "雇佣\n雇佣",
            "一方代表人": "是",
            "另一方当事人类型": "法人",
            "另一方统一社会信用代码": CREDIT_CODE.lower(),
            "另一方法定代表人/负责人": "赵大宝",
            **values,
        },
    )


def test_the_template_offers_each_side_s_further_details_with_a_note(client, world):
    client.force_login(world.clerk_a)
    response = client.get("/reports/import/template.xlsx")

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    ledger = workbook.worksheets[0]
    headers = [cell.value for cell in ledger[1]]
    assert headers[-len(DETAIL_HEADERS) :] == DETAIL_HEADERS
    assert "一方统一社会信用代码" in headers and "另一方民族" in headers
    guide = {r[0]: r[2] for r in workbook.worksheets[1].iter_rows(values_only=True) if r[0]}
    assert "自然人、法人、非法人组织" in guide["一方当事人类型"]
    assert "逐行对应" in guide["另一方出生日期"]


def test_the_further_details_are_registered_line_by_line_with_each_party(world):
    result = importing.import_ledger(
        by=world.clerk_a,
        content=xlsx([workers_against_a_company()], headers=HEADERS),
        file_name="台账.xlsx",
    )

    assert result.problems == []
    case = Case.objects.get(pk=result.cases[0].pk)
    zhang, wang, company = case.parties.order_by("id")
    assert (zhang.kind, zhang.ethnicity, zhang.birth_date, zhang.gender) == (
        PartyKind.PERSON,
        "01",
        datetime.date(1980, 5, 17),
        "male",
    )
    assert (zhang.occupation, zhang.employer, zhang.relation_to_other_party) == (
        "瓦工",
        "枫桥某建筑有限公司",
        "雇佣",
    )
    assert (zhang.is_representative, wang.is_representative) == (True, False)
    # 民族 typed as its code; the birth date left blank is taken from the ID number.
    assert (wang.ethnicity, wang.occupation, wang.birth_date) == (
        "01",
        "木工",
        datetime.date(1975, 1, 2),
    )
    assert (company.kind, company.credit_code, company.legal_representative) == (
        PartyKind.LEGAL_PERSON,
        CREDIT_CODE,
        "赵大宝",
    )


def test_wrong_details_are_named_by_line_and_column_and_nothing_is_imported(world):
    before = counts()
    rows = [
        row(),
        workers_against_a_company(
            **{
                "一方民族": "火星族",
                "一方出生日期": "1981-01-01",
                "一方代表人": "也许",
                "另一方统一社会信用代码": BAD_CREDIT_CODE,
            }
        ),
        row(案件名称="另一起纠纷", **{"一方统一社会信用代码": CREDIT_CODE}),
    ]

    result = importing.import_ledger(
        by=world.clerk_a, content=xlsx(rows, headers=HEADERS), file_name="台账.xlsx"
    )

    problems = {(p.line, p.column): p.message for p in result.problems}
    assert problems[(3, "一方民族")] == "张三:“火星族”不是可选的值。"
    assert problems[(3, "一方代表人")] == "张三:请填写“是”或留空。"
    assert problems[(3, "一方出生日期")] == (
        "张三:出生日期与身份证号码不符:按号码应为 1980-05-17。"
    )
    assert problems[(3, "另一方统一社会信用代码")].startswith(
        "枫桥某建筑有限公司:统一社会信用代码校验位不正确"
    )
    assert problems[(4, "一方统一社会信用代码")].startswith("张三:自然人不填写“统一社会信用代码”")
    assert 2 not in {line for line, _column in problems}
    assert counts() == before
    assert not Party.objects.filter(name="枫桥某建筑有限公司").exists()


def test_more_details_than_names_on_a_side_is_refused_on_that_column(world):
    result = importing.import_ledger(
        by=world.clerk_a,
        content=xlsx([workers_against_a_company(一方职业或职务="瓦工\n木工\n电工")], HEADERS),
        file_name="台账.xlsx",
    )

    assert [(p.line, p.column) for p in result.problems] == [(2, "一方职业或职务")]
    assert "只有 2 名" in result.problems[0].message


def test_a_file_without_the_detail_columns_imports_as_before(world):
    result = importing.import_ledger(
        by=world.clerk_a, content=xlsx([row()], headers=IMPORT_HEADERS), file_name="旧模板.xlsx"
    )

    assert result.problems == []
    applicant = Case.objects.get(pk=result.cases[0].pk).parties.get(role="applicant")
    assert (applicant.kind, applicant.birth_date) == (PartyKind.PERSON, datetime.date(1980, 5, 17))
