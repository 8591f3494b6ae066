"""Party ID numbers and mobiles at rest (issue 14): the table holds tokens, the model gives
code the clear value, the blind index finds what the clear value would, and neither the
table nor the audit trail ever holds a number in clear."""

import json

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import FieldError
from django.db import connection

from cases import services
from cases.models import Party, PartyRole
from common import personal_data
from common.validators import id_number_check_char, mask_id_number, mask_mobile
from tests.factories import party_rows, register_case

pytestmark = pytest.mark.django_db


def id_number(sequence: int) -> str:
    first17 = f"33068119650312{sequence:03d}"
    return first17 + id_number_check_char(first17)


ID_NUMBER = id_number(123)
MOBILE = "13957500001"


def rows(name="张三", number=ID_NUMBER, mobile=MOBILE) -> list[dict]:
    parties = party_rows(name, "李四")
    parties[0].update(id_number=number, mobile=mobile, gender="")  # the number says it
    return parties


def raw_party_rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_party")
        return cursor.fetchall()


def test_the_model_gives_the_clear_number_and_the_table_a_token(world):
    register_case(world.secretary_a, parties=rows())

    party = Party.objects.get(role=PartyRole.APPLICANT)
    assert (party.id_number, party.mobile) == (ID_NUMBER, MOBILE)
    assert (party.masked_id_number, party.masked_mobile) == (
        mask_id_number(ID_NUMBER),
        mask_mobile(MOBILE),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, mobile FROM cases_party WHERE id = %s", [party.pk])
        stored_id, stored_mobile = cursor.fetchone()
    assert stored_id.startswith("fq1:aes:test-1:")
    assert personal_data.decrypt("id_number", stored_id) == ID_NUMBER
    assert personal_data.decrypt("mobile", stored_mobile) == MOBILE


def test_a_raw_select_of_the_party_table_shows_no_id_number_or_mobile_in_clear(world):
    numbers = [id_number(n) for n in range(100, 105)]
    for n, number in enumerate(numbers):
        register_case(world.secretary_a, parties=rows(number=number, mobile=f"1395750000{n}"))
    clear = [*numbers, *(f"1395750000{n}" for n in range(5))]
    # The parts a masked value shows are not secret; the whole number (or any longer
    # run of it than the mask keeps) must be nowhere in the row.
    fragments = {*clear, *(c[2:-2] for c in clear)}

    table = raw_party_rows()
    if connection.vendor == "postgresql":
        # The whole row as PostgreSQL prints it (what pg_dump or psql would show).
        with connection.cursor() as cursor:
            cursor.execute("SELECT cases_party::text FROM cases_party")
            table += cursor.fetchall()

    assert len(table) >= 10
    text = "\n".join(str(cell) for row in table for cell in row)
    assert [f for f in fragments if f in text] == []
    assert "fq1:aes:test-1:" in text


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL column itself")
def test_on_postgresql_the_numbers_are_text_columns_holding_only_tokens(world):
    register_case(world.secretary_a, parties=rows())

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM cases_party WHERE id_number ~ '^[0-9]{17}[0-9X]$' "
            "OR mobile ~ '^1[0-9]{10}$'"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'cases_party' AND column_name IN ('id_number', 'mobile')"
        )
        assert {row[0] for row in cursor.fetchall()} == {"text"}


def test_the_blind_index_finds_exactly_the_parties_the_clear_value_would(world):
    numbers = [id_number(n) for n in (201, 202, 203)]
    for number in [*numbers, numbers[0]]:  # the first person has two disputes
        register_case(world.secretary_a, parties=rows(number=number))
    register_case(world.secretary_b, parties=rows(number=numbers[1]))
    everyone = list(Party.objects.all())

    for number in [*numbers, id_number(299)]:
        for typed in (number, f"{number[:6]} {number[6:14]} {number[14:]}", number.lower()):
            expected = {p.pk for p in everyone if p.id_number == number}
            assert set(Party.objects.filter(id_number=typed).values_list("pk", flat=True)) == (
                expected
            )
            assert set(
                Party.objects.with_number("id_number", typed).values_list("pk", flat=True)
            ) == (expected)
    assert Party.objects.filter(id_number=numbers[0]).count() == 2
    assert Party.objects.filter(mobile="139 5750 0001").count() == 5
    # No number: compares the column itself.
    assert Party.objects.filter(id_number="").count() == 5


def test_comparing_an_encrypted_column_any_other_way_is_refused_not_silently_empty(world):
    register_case(world.secretary_a, parties=rows())

    for lookup in ("id_number__contains", "id_number__startswith", "mobile__icontains"):
        with pytest.raises(FieldError):
            list(Party.objects.filter(**{lookup: "3306"}))


def test_changing_a_number_moves_its_blind_index_with_it(world):
    case = register_case(world.secretary_a, parties=rows())
    party = case.parties.get(role=PartyRole.APPLICANT)
    new = id_number(777)

    services.case_update(
        case=case,
        by=world.secretary_a,
        data={},
        parties=[{"id": party.pk, "id_number": new}],
    )

    assert not Party.objects.filter(id_number=ID_NUMBER).exists()
    assert list(Party.objects.filter(id_number=new)) == [party]


def test_saving_only_the_mobile_saves_its_blind_index_too(world):
    case = register_case(world.secretary_a, parties=rows())
    party = case.parties.get(role=PartyRole.APPLICANT)

    party.mobile = "13957509999"
    party.save(update_fields=["mobile"])

    assert list(Party.objects.filter(mobile="13957509999")) == [party]
    assert not Party.objects.filter(mobile=MOBILE).exists()


def test_the_audit_trail_never_holds_a_number_or_its_blind_index(world):
    case = register_case(world.secretary_a, parties=rows())
    party = case.parties.get(role=PartyRole.APPLICANT)
    new_number, new_mobile = id_number(555), "13957508888"
    services.case_update(
        case=case,
        by=world.secretary_a,
        data={},
        parties=[{"id": party.pk, "id_number": new_number, "mobile": new_mobile}],
    )
    party.refresh_from_db()
    secrets = [ID_NUMBER, MOBILE, new_number, new_mobile, party.id_number_index, party.mobile_index]

    entries = LogEntry.objects.filter(content_type__model="party")
    assert entries.count() >= 2
    recorded = "\n".join(
        json.dumps(
            [e.changes, e.changes_text, e.object_repr, e.additional_data, e.serialized_data],
            ensure_ascii=False,
            default=str,
        )
        for e in LogEntry.objects.all()
    )
    assert [s for s in secrets if s in recorded] == []
    change = entries.filter(action=LogEntry.Action.UPDATE).get().changes_dict
    assert change["id_number"] == [mask_id_number(ID_NUMBER), mask_id_number(new_number)]
    assert change["mobile"] == [mask_mobile(MOBILE), mask_mobile(new_mobile)]
    assert "id_number_index" not in change and "mobile_index" not in change


def test_a_party_without_numbers_stores_nothing_to_index(world):
    register_case(world.secretary_a, parties=rows(number="", mobile=""))

    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, mobile, id_number_index, mobile_index FROM cases_party")
        assert set(cursor.fetchall()) == {("", "", "", "")}
