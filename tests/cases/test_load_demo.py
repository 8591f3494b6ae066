from django.core.management import call_command

from accounts.models import Role, User
from cases.models import Case, Status


def test_the_demo_has_a_user_of_every_role_and_cases_in_every_state(db, capsys):
    call_command("load_demo", cases=30)

    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)
    printed = capsys.readouterr().out
    assert "shuji" in printed and "Fengqiao-demo-2026" in printed
    assert User.objects.get(username="shuji").check_password("Fengqiao-demo-2026")


def test_loading_the_demo_twice_changes_nothing(db, capsys):
    call_command("load_demo", cases=5)
    before = (Case.objects.count(), User.objects.count())

    call_command("load_demo", cases=5)

    assert (Case.objects.count(), User.objects.count()) == before
    assert "跳过" in capsys.readouterr().out
