"""Rotating the personal data key (`manage.py rotate_personal_data_key`, issue 14): in
batches, resumable after an interruption, values intact, and the same code encrypts the
numbers of rows that were stored in clear (the migration of existing parties)."""

import base64
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from cases.models import Case, Party
from cases.search import search_cases
from common import personal_data
from common.encrypted_fields import reencrypt
from common.validators import id_number_check_char
from tests.factories import party_rows, register_case

pytestmark = pytest.mark.django_db

OLD_ID = "test-1"
NEW_KEY = base64.b64decode(personal_data.generate_key("aes"))
SM4_KEY = base64.b64decode(personal_data.generate_key("sm4"))


def id_number(sequence: int) -> str:
    first17 = f"33068119700101{sequence:03d}"
    return first17 + id_number_check_char(first17)


def new_key_current(**extra):
    return override_settings(
        FENGQIAO_PERSONAL_DATA_KEYS={**settings.FENGQIAO_PERSONAL_DATA_KEYS, "new": NEW_KEY},
        FENGQIAO_PERSONAL_DATA_KEY_ID="new",
        **extra,
    )


@pytest.fixture
def people(world) -> dict[int, tuple[str, str]]:
    """Twelve cases: each applicant with an ID number and mobile, each respondent none."""
    for n in range(12):
        parties = party_rows(f"申请人{n}", f"被申请人{n}")
        parties[0].update(id_number=id_number(n), mobile=f"139575{n:05d}", gender="")
        register_case(world.secretary_a, parties=parties)
    return {p.pk: (p.id_number, p.mobile) for p in Party.objects.all()}


def last_applicant(people) -> int:
    return max(pk for pk, (number, _mobile) in people.items() if number)


def stored() -> dict[int, tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, id_number, mobile FROM cases_party")
        return {pk: (i, m) for pk, i, m in cursor.fetchall()}


def keys_in_use() -> dict[str, int]:
    counts: dict[str, int] = {}
    for values in stored().values():
        for value in values:
            if value:
                key_id = value.split(":")[2] if personal_data.is_token(value) else "clear"
                counts[key_id] = counts.get(key_id, 0) + 1
    return counts


def rotate(**options) -> str:
    out = io.StringIO()
    call_command("rotate_personal_data_key", stdout=out, **options)
    return out.getvalue()


def test_a_rotation_stopped_after_some_batches_goes_on_where_it_stopped(people):
    with new_key_current():
        first = rotate(batch_size=5, stop_after_batches=2)

        # Ten of the twelve parties with numbers moved: two batches of five.
        assert keys_in_use() == {"new": 20, OLD_ID: 4}
        assert "本次处理 10 行,尚余 2 行" in first
        assert "再次运行本命令 (不带参数) 即可接着做" in first
        # Every value still reads back, whichever key it is under now.
        assert {p.pk: (p.id_number, p.mobile) for p in Party.objects.all()} == people

        second = rotate(batch_size=5)

        assert keys_in_use() == {"new": 24}
        assert "本次处理 2 行,尚余 0 行" in second
        assert "旧密钥可从环境变量中移除" in second
    # The old key can go: everything reads with the new one alone.
    with override_settings(
        FENGQIAO_PERSONAL_DATA_KEYS={"new": NEW_KEY}, FENGQIAO_PERSONAL_DATA_KEY_ID="new"
    ):
        assert {p.pk: (p.id_number, p.mobile) for p in Party.objects.all()} == people
        # One line per model with numbers: parties, their agents and 重点人员.
        assert rotate().count("本次处理 0 行") == 3


def test_numbers_are_still_found_during_and_after_a_rotation(world, people):
    number = people[last_applicant(people)][0]
    with new_key_current():
        rotate(batch_size=1, stop_after_batches=1)
        assert search_cases(Case.objects.all(), number).count() == 1
        rotate()
        assert search_cases(Case.objects.all(), number).count() == 1


def test_switching_the_cipher_to_sm4_re_encrypts_everything_with_sm4(people):
    with override_settings(
        FENGQIAO_PERSONAL_DATA_CIPHER="sm4",
        FENGQIAO_PERSONAL_DATA_KEYS={**settings.FENGQIAO_PERSONAL_DATA_KEYS, "sm4-1": SM4_KEY},
        FENGQIAO_PERSONAL_DATA_KEY_ID="sm4-1",
    ):
        rotate(batch_size=7)

        assert keys_in_use() == {"sm4-1": 24}
        assert all(v.startswith("fq1:sm4:sm4-1:") for pair in stored().values() for v in pair if v)
        assert {p.pk: (p.id_number, p.mobile) for p in Party.objects.all()} == people


def make_clear(pks) -> None:
    """Rows as they were before encryption (or as a bulk load around the services wrote
    them): numbers in clear, no blind index."""
    with connection.cursor() as cursor:
        for pk in pks:
            party = Party.objects.get(pk=pk)
            cursor.execute(
                "UPDATE cases_party SET id_number = %s, mobile = %s, id_number_index = '', "
                "mobile_index = '' WHERE id = %s",
                [party.id_number, party.mobile, pk],
            )


def test_numbers_stored_in_clear_are_encrypted_and_indexed_by_the_same_command(people):
    make_clear(people)
    assert keys_in_use() == {"clear": 24}
    number = people[last_applicant(people)][0]
    assert not Party.objects.filter(id_number=number).exists()

    output = rotate(batch_size=4)

    assert keys_in_use() == {OLD_ID: 24}
    assert {p.pk: (p.id_number, p.mobile) for p in Party.objects.all()} == people
    assert Party.objects.filter(id_number=number).count() == 1
    assert "Party: 12 / 12" in output.replace("cases.", "")


def test_the_migration_backwards_puts_the_numbers_back_in_clear_and_forwards_again(people):
    # What migration 0036 does each way (common.encrypted_fields.reencrypt).
    done, left = reencrypt(Party, batch_size=5, to_clear=True)

    assert (done, left) == (12, 0)
    assert {pk: values for pk, values in stored().items()} == people

    done, left = reencrypt(Party, batch_size=5, max_batches=1)
    assert (done, left) == (5, 7)
    done, left = reencrypt(Party, batch_size=5)
    assert (done, left) == (7, 0)
    assert keys_in_use() == {OLD_ID: 24}
    assert Party.objects.filter(mobile=people[last_applicant(people)][1]).count() == 1


def test_after_a_new_index_key_a_reindex_stopped_halfway_resumes_after_the_last_row(people):
    number = people[last_applicant(people)][1]
    with override_settings(FENGQIAO_PERSONAL_DATA_INDEX_KEY=b"n" * 32):
        assert not Party.objects.filter(mobile=number).exists()

        first = rotate(reindex=True, batch_size=8, stop_after_batches=1)
        resume = int(first.split("--reindex --after ")[1].split()[0])
        rotate(reindex=True, batch_size=8, after=resume)

        assert Party.objects.filter(mobile=number).count() == 1
        assert all(
            Party.objects.filter(id_number=i, mobile=m).exists() for i, m in people.values() if i
        )
    assert keys_in_use() == {OLD_ID: 24}
