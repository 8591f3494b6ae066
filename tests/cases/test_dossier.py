"""The dossier (一案一卷, issue 15) opened with pypdf: A4, the contents' page numbers where
each part really starts, scans as pages, a PDF attachment page by page, an unreadable file
listed rather than breaking it, a bookmark per part, one reveal per party for the whole
file, refused with a message before acceptance, 404 outside the area."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from cases.documents import completeness
from cases.documents.registry import KINDS
from cases.models import AttachmentKind, PersonalDataAccess
from cases.services.dossier import dossier_label, dossier_write
from tests import builders
from tests.cases.documents_pdf import A4, page_sizes, read, text_of
from tests.cases.dossier_helpers import attach, closed_case, jpeg_bytes
from tests.factories import register_case
from tests.web.helpers import html, messages_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.FENGQIAO_PRIVATE_DIR = tmp_path / "private"


def build(case, by):
    output = io.BytesIO()
    result = dossier_write(case=case, by=by, output=output)
    return output.getvalue(), result


def page_text(reader, number: int) -> str:
    return "".join(reader.pages[number - 1].extract_text().split())


def has_image(page) -> bool:
    xobjects = page["/Resources"].get_object().get("/XObject", {})
    return any(x.get_object()["/Subtype"] == "/Image" for x in xobjects.values())


def test_the_contents_give_the_page_where_each_part_starts_and_each_part_has_a_bookmark(world):
    case = closed_case(world, sessions=2)
    pdf, result = build(case, world.secretary_a)
    reader = read(pdf)

    assert page_sizes(pdf) == {A4}
    assert len(reader.pages) == result.pages
    assert page_text(reader, 1).startswith("枫源村人民调解委员会人民调解卷宗")
    assert "卷内目录" in page_text(reader, 2)
    readable = [row for row in result.parts if not row["unreadable"]]
    titles = [row["title"] for row in readable]
    assert titles[:3] == [
        "人民调解受理登记表",
        "当事人身份证明:身份证.jpg",
        "人民调解当事人权利义务告知书",
    ]
    assert "人民调解记录(1)" in titles and "人民调解记录(2)" in titles
    for row in readable:
        text = page_text(reader, row["start"])
        if row["title"].startswith("当事人身份证明"):
            # The scanned photo became one A4 page holding the image.
            assert row["pages"] == 1 and has_image(reader.pages[row["start"] - 1])
        elif row["title"].startswith("证据材料"):
            # The uploaded PDF's two pages, in order.
            assert row["pages"] == 2
            assert "附件甲第一页" in text
            assert "附件甲第二页" in page_text(reader, row["start"] + 1)
        else:
            heading = row["title"].split("(")[0]
            assert heading in text, (row, text[:60])
    # The contents print the same numbers.
    contents = page_text(reader, 2)
    for row in readable:
        assert f"{row['title']}{row['start']}" in contents
    outline = [item.title for item in reader.outline]
    assert outline == ["卷宗封面", "卷内目录", *titles, "封底"]
    for item, row in zip(reader.outline[2:], readable, strict=False):
        assert reader.get_destination_page_number(item) == row["start"] - 1


def test_an_unreadable_file_is_listed_and_explained_and_each_party_is_revealed_once(world):
    case = closed_case(world, sessions=1)
    pdf, result = build(case, world.secretary_a)
    text = text_of(pdf)

    unreadable = [row for row in result.parts if row["unreadable"]]
    assert [row["title"] for row in unreadable] == ["履行凭证:坏文件.pdf"]
    assert "履行凭证:坏文件.pdf(文件无法读取,未编入)" in text
    assert "卷宗情况说明" in text
    # One look per party and number for the whole dossier, named after it.
    rows = PersonalDataAccess.objects.filter(party__case=case)
    assert rows.count() == 4
    assert set(rows.values_list("document", flat=True)) == {dossier_label(case)}
    for party in case.parties.all():
        assert party.id_number in text


def test_export_dossier_writes_the_same_pdf_as_the_page(world, client, tmp_path):
    case = closed_case(world, sessions=1, files=False)
    client.force_login(world.secretary_a)
    response = client.get(reverse("cases:dossier_pdf", args=[case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    from_page = b"".join(response.streaming_content)

    target = tmp_path / "卷宗.pdf"
    call_command("export_dossier", case.number, output=str(target), by="secretary_a")
    from_command = target.read_bytes()

    assert len(read(from_command).pages) == len(read(from_page).pages)
    assert text_of(from_command) == text_of(from_page)


def test_export_dossier_refuses_an_unknown_number_and_a_user_out_of_reach(world, tmp_path):
    target = tmp_path / "x.pdf"
    with pytest.raises(CommandError, match="没有编号为“NOPE”的案件"):
        call_command("export_dossier", "NOPE", output=str(target), by="secretary_a")
    case = register_case(world.secretary_a)
    with pytest.raises(CommandError, match="不在“secretary_b”的管辖范围内"):
        call_command("export_dossier", case.number, output=str(target), by="secretary_b")
    with pytest.raises(CommandError, match="尚未受理"):
        call_command("export_dossier", case.number, output=str(target), by="secretary_a")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_case_not_yet_accepted_answers_a_message_not_an_empty_pdf(world, client):
    case = register_case(world.secretary_a)
    with pytest.raises(ValidationError, match="尚未受理"):
        build(case, world.secretary_a)
    client.force_login(world.secretary_a)
    response = client.get(reverse("cases:dossier_pdf", args=[case.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("cases:detail", args=[case.pk])
    assert any("尚未受理" in message for message in messages_of(response))


def test_the_dossier_of_a_case_outside_the_area_is_not_found(world, client):
    case = builders.accepted_case(world)
    client.force_login(world.secretary_b)
    assert client.get(reverse("cases:dossier_pdf", args=[case.pk])).status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_the_case_page_lists_the_required_documents_the_dossier_lacks(world, client):
    case = closed_case(world, sessions=1, files=False, rights=False)
    assert completeness.missing_documents(case) == ["人民调解当事人权利义务告知书(未记录告知日期)"]
    client.force_login(world.secretary_a)
    page = html(client.get(reverse("cases:detail", args=[case.pk])))
    assert "卷宗缺少以下必备文书" in page
    assert "未记录告知日期" in page
    assert reverse("cases:dossier_pdf", args=[case.pk]) in page


def test_every_required_kind_of_the_registry_is_checked_or_always_printed():
    checked = {kind for r in completeness.REQUIREMENTS for kind in r.kinds}
    required = {kind.key for kind in KINDS if kind.required}
    assert required == checked | set(completeness.ALWAYS_PRINTED)


def test_contents_that_run_to_a_second_page_push_every_number_on(world):
    case = closed_case(world, sessions=1, files=False)
    scan = jpeg_bytes((60, 80))
    for number in range(40):
        attach(case, world.secretary_a, f"身份证明{number + 1}.jpg", scan, AttachmentKind.ID_COPY)
    pdf, result = build(case, world.secretary_a)
    reader = read(pdf)

    # The cover, then contents over more than one page, then the body right after.
    first = result.parts[0]
    assert first["title"] == "人民调解受理登记表"
    contents_pages = first["start"] - 2
    assert contents_pages >= 2
    assert "卷内目录" in page_text(reader, 2)
    # The contents' last row is on the page just before the body.
    assert "结案报告表" in page_text(reader, first["start"] - 1)
    assert "人民调解受理登记表" in page_text(reader, first["start"])
    last = [row for row in result.parts if row["title"] == "结案报告表"][0]
    assert "结案报告表" in page_text(reader, last["start"])
    assert len(reader.pages) == result.pages
