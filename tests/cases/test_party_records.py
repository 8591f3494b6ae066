"""Complete party records (issue 14): 民族, birth date and gender checked against the ID
number, organisations as parties, group disputes with a representative, agents with
their power of attorney, and parties added from a spreadsheet, all or nothing."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from openpyxl import Workbook

from cases import services
from cases.models import (
    AgentKind,
    Attachment,
    AttachmentKind,
    EthnicGroup,
    Party,
    PartyAgent,
    PartyKind,
    PartyRole,
)
from tests.factories import make_id_number, party_rows, register_case, registration_page_data
from tests.web.helpers import html

MALE_ID = make_id_number(datetime.date(1980, 5, 17), 123)  # 17th digit odd: male
FEMALE_ID = make_id_number(datetime.date(1990, 2, 3), 124)
# MALE_ID with a wrong check character.
BAD_ID = MALE_ID[:17] + ("0" if MALE_ID[17] != "0" else "1")
CREDIT_CODE = "91110000600037341L"
BAD_CREDIT_CODE = "91110000600037341X"
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.FENGQIAO_PRIVATE_DIR = tmp_path / "private"


@pytest.fixture
def case(world):
    return register_case(world.secretary_a)


def refusal(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


# ---------------------------------------------------------------------------
# 民族, date of birth, gender and age
# ---------------------------------------------------------------------------


def test_the_ethnic_list_is_gb_3304_s_56_groups_with_its_two_further_codes():
    codes = EthnicGroup.values
    assert len(codes) == 58
    assert codes[:56] == [f"{n:02d}" for n in range(1, 57)]
    assert EthnicGroup("01").label == "汉族"
    assert EthnicGroup("56").label == "基诺族"
    assert EthnicGroup("98").label == "外国血统中国籍人士"


def test_a_blank_gender_and_birth_date_are_taken_from_the_id_number(world):
    rows = party_rows()
    rows[0].update(gender="", id_number=FEMALE_ID, ethnicity="04")

    case = register_case(world.secretary_a, parties=rows)

    applicant = case.parties.get(role=PartyRole.APPLICANT)
    assert applicant.gender == "female"
    assert applicant.birth_date == datetime.date(1990, 2, 3)
    assert applicant.get_ethnicity_display() == "藏族"


def test_a_typed_gender_that_contradicts_the_id_number_is_refused_on_that_field(world):
    rows = party_rows()
    rows[0].update(gender="male", id_number=FEMALE_ID)

    with pytest.raises(ValidationError) as raised:
        register_case(world.secretary_a, parties=rows)

    assert refusal(raised.value) == {"parties.0.gender": ["性别与身份证号码不符:按号码应为“女”。"]}
    assert not Party.objects.exists()


def test_a_typed_birth_date_that_contradicts_the_id_number_is_refused_on_that_field(world):
    rows = party_rows()
    rows[0].update(id_number=MALE_ID, birth_date=datetime.date(1980, 5, 18))

    with pytest.raises(ValidationError) as raised:
        register_case(world.secretary_a, parties=rows)

    assert refusal(raised.value) == {
        "parties.0.birth_date": ["出生日期与身份证号码不符:按号码应为 1980-05-17。"]
    }


def test_the_form_shows_the_gender_mismatch_beside_the_gender_and_keeps_what_was_typed(
    client, world
):
    client.force_login(world.secretary_a)
    data = registration_page_data(
        world,
        **{
            "parties-0-gender": "female",
            "parties-0-id_number": MALE_ID,
            "parties-0-occupation": "木匠",
        },
    )

    response = client.post(reverse("cases:create"), data)

    assert response.status_code == 200
    party_form = response.context["parties"].forms[0]
    assert party_form.errors["gender"] == ["性别与身份证号码不符:按号码应为“男”。"]
    assert 'value="木匠"' in html(response)
    assert not Party.objects.exists()


def test_the_case_page_shows_the_age_occupation_employer_and_relation(client, world):
    rows = party_rows()
    born = datetime.date.today().replace(year=datetime.date.today().year - 40) - datetime.timedelta(
        days=1
    )
    rows[0].update(
        gender="",
        id_number=make_id_number(born, 125),
        occupation="个体户",
        employer="枫源五金店",
        relation_to_other_party="邻居",
        ethnicity="01",
    )
    case = register_case(world.secretary_a, parties=rows)
    client.force_login(world.secretary_a)

    page = html(client.get(reverse("cases:detail", args=[case.pk])))

    assert "40 岁" in page
    assert "汉族" in page
    assert "个体户 · 枫源五金店" in page
    assert "与对方当事人关系:邻居" in page


# ---------------------------------------------------------------------------
# Legal persons and organisations
# ---------------------------------------------------------------------------


def organisation_row(**overrides) -> dict:
    return {
        "role": PartyRole.RESPONDENT,
        "kind": PartyKind.LEGAL_PERSON,
        "name": "诸暨市枫桥建材有限公司",
        "credit_code": CREDIT_CODE,
        "legal_representative": "赵总",
        "mobile": "13812345678",
        **overrides,
    }


def test_a_company_is_registered_as_a_party_with_its_credit_code_and_representative(world):
    rows = [party_rows()[0], organisation_row(credit_code="9111 0000 6000 3734 1l")]

    case = register_case(world.secretary_a, parties=rows)

    company = case.parties.get(role=PartyRole.RESPONDENT)
    assert company.kind == PartyKind.LEGAL_PERSON
    assert company.credit_code == CREDIT_CODE
    assert company.legal_representative == "赵总"


def test_a_credit_code_with_a_wrong_check_character_is_refused(world):
    with pytest.raises(ValidationError) as raised:
        register_case(
            world.secretary_a,
            parties=[party_rows()[0], organisation_row(credit_code=BAD_CREDIT_CODE)],
        )

    assert refusal(raised.value) == {
        "parties.1.credit_code": ["统一社会信用代码校验位不正确,请核对后重新输入。"]
    }


def test_an_organisation_has_no_id_number_nor_ethnicity_and_a_person_no_credit_code(world):
    with pytest.raises(ValidationError) as raised:
        register_case(
            world.secretary_a,
            parties=[
                {**party_rows()[0], "credit_code": CREDIT_CODE},
                organisation_row(id_number=MALE_ID, ethnicity="01"),
            ],
        )

    messages = refusal(raised.value)
    # The service stops at the first party it refuses, and names the field.
    assert messages == {
        "parties.0.credit_code": [
            "自然人不填写“统一社会信用代码”,请清空或将当事人类型改为法人或非法人组织。"
        ]
    }
    with pytest.raises(ValidationError) as raised:
        register_case(
            world.secretary_a,
            parties=[party_rows()[0], organisation_row(id_number=MALE_ID, ethnicity="01")],
        )
    assert set(refusal(raised.value)) == {"parties.1.id_number", "parties.1.ethnicity"}


# ---------------------------------------------------------------------------
# Group disputes
# ---------------------------------------------------------------------------


def workers(count: int, *, representative: int | None = 0) -> list[dict]:
    return [
        {
            "role": PartyRole.APPLICANT,
            "name": f"工人{n:02d}",
            "is_representative": n == representative,
        }
        for n in range(count)
    ]


def test_eighty_workers_on_one_side_are_registered_with_their_representative(world):
    rows = [*workers(80), organisation_row()]

    case = register_case(world.secretary_a, parties=rows)

    assert case.parties.filter(role=PartyRole.APPLICANT).count() == 80
    assert list(case.parties.filter(is_representative=True).values_list("name", flat=True)) == [
        "工人00"
    ]


def test_more_parties_than_the_cap_are_refused_with_the_cap_named(world):
    rows = [*workers(services.MAX_PARTIES, representative=None), organisation_row()]

    with pytest.raises(ValidationError) as raised:
        register_case(world.secretary_a, parties=rows)

    assert refusal(raised.value)["parties"] == ["一件纠纷最多登记 500 方当事人,现有 501 方。"]


def test_a_representative_of_a_side_of_one_is_refused(world):
    rows = party_rows()
    rows[1]["is_representative"] = True

    with pytest.raises(ValidationError) as raised:
        register_case(world.secretary_a, parties=rows)

    assert refusal(raised.value) == {
        "parties.1.is_representative": ["这一方只有一名当事人,无需推选代表人。"]
    }


# ---------------------------------------------------------------------------
# The registration form's party blocks
# ---------------------------------------------------------------------------


def test_add_party_without_script_comes_back_with_one_more_block_and_everything_typed(
    client, world
):
    client.force_login(world.secretary_a)
    data = registration_page_data(world, title="", add_party="1")
    data["parties-0-name"] = "王大山"

    response = client.post(reverse("cases:create"), data)

    assert response.status_code == 200
    parties = response.context["parties"]
    assert len(parties.forms) == 3
    page = html(response)
    assert 'name="parties-TOTAL_FORMS" value="3"' in page
    assert 'value="王大山"' in page
    assert 'value="两家因宅基地界址发生争吵。"' in page or "两家因宅基地界址发生争吵。" in page
    # Not a submission: no "required" error for the title left blank yet.
    assert "invalid-feedback" not in page
    assert not Party.objects.exists()


def test_the_registration_page_offers_the_add_button_a_blank_block_and_its_static_script(
    client, world
):
    client.force_login(world.secretary_a)

    page = html(client.get(reverse("cases:create")))

    assert 'name="add_party"' in page
    assert '<template id="party-empty-form">' in page
    assert "parties-__prefix__-name" in page
    assert 'src="/static/js/party_formset.js"' in page
    assert 'name="parties-MAX_NUM_FORMS" value="500"' in page
    assert "onclick" not in page


def test_the_form_registers_more_blocks_than_it_started_with(client, world):
    client.force_login(world.secretary_a)
    data = registration_page_data(world)
    data["parties-TOTAL_FORMS"] = "35"
    for n in range(2, 35):
        data[f"parties-{n}-role"] = "applicant"
        data[f"parties-{n}-name"] = f"工人{n}"

    response = client.post(reverse("cases:create"), data)

    assert response.status_code == 302
    assert Party.objects.count() == 35


# ---------------------------------------------------------------------------
# Agents (委托代理人)
# ---------------------------------------------------------------------------


def agent_post(case, party, **overrides):
    return {
        "party": party.pk,
        "name": "王小山",
        "kind": AgentKind.RELATIVE,
        "relation": "父子",
        "id_number": MALE_ID,
        "mobile": "13600001111",
        "power_of_attorney": SimpleUploadedFile("授权委托书.pdf", PDF_BYTES),
        **overrides,
    }


def test_an_agent_is_recorded_with_the_power_of_attorney_kept_privately(client, world, case):
    party = case.parties.get(role=PartyRole.APPLICANT)
    client.force_login(world.secretary_a)

    response = client.post(
        reverse("cases:party_agent_add", args=[case.pk]), agent_post(case, party)
    )

    assert response.status_code == 302
    agent = PartyAgent.objects.get()
    assert agent.party == party
    assert agent.power_of_attorney.kind == AttachmentKind.POWER_OF_ATTORNEY
    page = html(client.get(reverse("cases:detail", args=[case.pk])))
    assert "委托代理人:王小山(近亲属 · 父子)" in page
    assert reverse("cases:attachment_download", args=[agent.power_of_attorney_id]) in page
    # Encrypted at rest like the party's own numbers.
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, mobile FROM cases_partyagent")
        stored = cursor.fetchone()
    assert MALE_ID not in str(stored) and "13600001111" not in str(stored)
    assert PartyAgent.objects.filter(id_number=MALE_ID).get() == agent


def test_an_agent_without_a_power_of_attorney_or_with_a_bad_number_stores_nothing(
    client, world, case
):
    party = case.parties.first()
    client.force_login(world.secretary_a)

    response = client.post(
        reverse("cases:party_agent_add", args=[case.pk]),
        agent_post(case, party, id_number=BAD_ID),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["id_number"] == [
        "身份证号码校验位不正确,请核对后重新输入。"
    ]
    with pytest.raises(ValidationError) as raised:
        services.party_agent_add(
            by=world.secretary_a,
            party=party,
            data={"name": "王小山", "kind": AgentKind.LAWYER},
            power_of_attorney=None,
        )
    assert refusal(raised.value) == {"power_of_attorney": ["请上传当事人签名的授权委托书。"]}
    assert not PartyAgent.objects.exists()
    assert not Attachment.objects.exists()


def test_another_village_s_case_has_no_agent_page_and_its_service_refuses(client, world, case):
    client.force_login(world.secretary_b)

    response = client.get(reverse("cases:party_agent_add", args=[case.pk]))

    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        services.party_agent_add(
            by=world.secretary_b,
            party=case.parties.first(),
            data={"name": "某", "kind": AgentKind.OTHER},
            power_of_attorney=SimpleUploadedFile("a.pdf", PDF_BYTES),
        )


# ---------------------------------------------------------------------------
# Parties from a spreadsheet
# ---------------------------------------------------------------------------


def sheet(*rows) -> bytes:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.append(["身份", "姓名/名称", "身份证号码", "性别", "民族", "代表人"])
    for row in rows:
        worksheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_spreadsheet_of_workers_is_added_to_the_case(world, case):
    content = sheet(
        ("申请人", "工人甲", MALE_ID, "", "汉", "是"),
        ("申请人", "工人乙", FEMALE_ID, "女", "01", ""),
        ("申请人", "工人丙", "", "男", "汉族", "否"),
    )

    result = services.case_parties_import(by=world.secretary_a, case=case, content=content)

    assert result.ok, [str(p) for p in result.problems]
    assert [p.name for p in result.added] == ["工人甲", "工人乙", "工人丙"]
    first = result.added[0]
    assert (first.gender, first.ethnicity, first.is_representative) == ("male", "01", True)
    assert first.birth_date == datetime.date(1980, 5, 17)


def test_one_wrong_row_adds_nobody_and_every_problem_is_named_by_line_and_column(world, case):
    content = sheet(
        ("申请人", "工人甲", MALE_ID, "女", "汉", ""),
        ("申请人", "工人乙", BAD_ID, "", "火星族", ""),
        ("申请人", "工人丙", "", "", "", ""),
    )

    result = services.case_parties_import(by=world.secretary_a, case=case, content=content)

    assert [str(p) for p in result.problems] == [
        "第 2 行 · 性别:性别与身份证号码不符:按号码应为“男”。",
        "第 3 行 · 民族:“火星族”不是可选的值。",
        "第 3 行 · 身份证号码:身份证号码校验位不正确,请核对后重新输入。",
    ]
    assert case.parties.count() == 2


def test_the_import_page_lists_the_problems_and_adds_nobody(client, world, case):
    client.force_login(world.secretary_a)
    content = (
        f"身份,姓名/名称,统一社会信用代码,当事人类型\n被申请人,某公司,{BAD_CREDIT_CODE},法人\n"
    )

    response = client.post(
        reverse("cases:parties_import", args=[case.pk]),
        {"file": SimpleUploadedFile("名单.csv", content.encode("utf-8-sig"))},
    )

    assert response.status_code == 200
    assert "第 2 行 · 统一社会信用代码:统一社会信用代码校验位不正确" in html(response)
    assert case.parties.count() == 2


def test_another_village_s_case_has_no_import_page_and_the_service_refuses(client, world, case):
    client.force_login(world.secretary_b)

    assert client.get(reverse("cases:parties_import", args=[case.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        services.case_parties_import(
            by=world.secretary_b, case=case, content=sheet(("申请人", "某", "", "", "", ""))
        )
