"""The ledger import reports, row by row, the earlier disputes of each row's parties that
the importer may see; it never refuses a row for them."""

from django.core.files.uploadedfile import SimpleUploadedFile

from reports import importing
from tests.factories import party_rows, register_case
from tests.reports.test_import import ID_A, URL, row, xlsx


def earlier(by):
    rows = party_rows("张三", "李四")
    rows[0]["id_number"] = ID_A
    return register_case(by, parties=rows)


def test_each_imported_row_lists_the_earlier_visible_disputes_of_its_parties(world):
    before = earlier(world.secretary_a)
    rows = [row(), row(案件名称="另一起", 当事人一方="王五", 一方身份证号="", 一方联系电话="")]

    result = importing.import_ledger(by=world.clerk_a, content=xlsx(rows), file_name="a.xlsx")

    assert result.ok
    first, second = result.cases
    assert {c["number"] for c in first.repeats["parties"][0]["cases"]} == {before.number}
    assert first.repeats["same_pair"] == [{"id": before.pk, "number": before.number}]
    # 李四 of the second row (no numbers) is the same name in the same village as in
    # the earlier case and the first row, which the file registered just before.
    assert {c["number"] for c in second.repeats["parties"][0]["cases"]} == {
        before.number,
        first.number,
    }


def test_a_dry_run_lists_the_repeats_too_and_keeps_nothing(world):
    earlier(world.secretary_a)

    result = importing.import_ledger(
        by=world.clerk_a, content=xlsx([row()]), file_name="a.xlsx", dry_run=True
    )

    assert result.ok and not result.cases
    assert [case.line for case in result.repeat_rows] == [2]


def test_another_town_s_cases_are_not_reported(world):
    earlier(world.secretary_b)

    result = importing.import_ledger(by=world.clerk_a, content=xlsx([row()]), file_name="a.xlsx")

    assert result.ok
    assert result.cases[0].repeats is None


def test_the_import_page_shows_the_repeats_after_importing(client, world):
    before = earlier(world.secretary_a)
    client.force_login(world.clerk_a)
    upload = SimpleUploadedFile("a.xlsx", xlsx([row()]))

    response = client.post(URL, {"file": upload}, follow=True)

    page = response.content.decode()
    assert "此人近 24 个月内另有 1 起纠纷" in page
    assert before.number in page
