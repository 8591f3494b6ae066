"""The beat sweeps run concurrently (two workers, two beat processes) on PostgreSQL:
each reminder is claimed and sent once, by the row locks and the conditional update, not
by luck. Transactional tests: every sweep commits for real, as in production."""

import datetime
import subprocess
import textwrap
from collections import Counter
from dataclasses import dataclass

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Role, User
from cases.models import Case, FollowUp, Status
from grids.models import Area, AreaLevel
from notifications.models import Notification, NotificationKind
from notifications.reminders import sweep_due_follow_ups, sweep_overdue_cases
from tests.concurrency import run_concurrently
from tests.factories import AreaFactory, UserFactory, area_child, register_case
from tests.followups.helpers import PYTHON, ROOT, child_env, clone_cases, due_follow_ups, stop
from tests.followups.helpers import wait_for as wait_until

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: concurrent sweeps rely on SELECT ... FOR UPDATE SKIP LOCKED "
        "and concurrent transactions; SQLite serialises writers on the whole file",
    ),
    # Not wrapped in one transaction: each sweep's transaction really commits, and the
    # threads / processes see each other's work. serialized_rollback restores the data
    # migrations' rows (lookups, grade policy, follow-up rules) after the flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DUE = 200


def due_visits(world, now: datetime.datetime) -> list[FollowUp]:
    template = register_case(world.secretary_a, world.grid_a)
    return due_follow_ups(
        template,
        world.grid_member_a,
        DUE,
        remind_at=lambda n: now - datetime.timedelta(minutes=n + 1),
    )


@dataclass
class Town:
    village: Area
    supervisor: User


@pytest.fixture
def town(db) -> Town:
    """A town of its own, whose supervisor owns its cases: one report per overdue case."""
    district = AreaFactory(code="339901", name="另一市", level=AreaLevel.DISTRICT)
    town = area_child(district, AreaLevel.TOWN, "另一镇", suffix="101")
    village = area_child(town, AreaLevel.VILLAGE, "另一村", suffix="001")
    supervisor = UserFactory(username="supervisor_t", role=Role.SUPERVISOR, area=town)
    return Town(village=village, supervisor=supervisor)


def overdue_cases(world, town: Town, today: datetime.date) -> list[Case]:
    template = register_case(world.secretary_a, world.village_a)
    return clone_cases(
        template,
        DUE,
        area=town.village,
        status=Status.ACCEPTED,
        owner=town.supervisor,
        deadline=today - datetime.timedelta(days=1),
    )


def assert_each_visit_reminded_once(visits, now) -> None:
    """Every visit has its reminder (the dedupe key is unique, so at most one), to the
    responsible grid member, and was claimed at ``now``."""
    expected = {f"follow-up:{visit.pk}" for visit in visits}
    reminded = Counter(
        Notification.objects.filter(dedupe_key__in=expected).values_list(
            "dedupe_key", "recipient__username"
        )
    )
    assert reminded == Counter({(key, "grid_a"): 1 for key in expected})
    assert set(
        FollowUp.objects.filter(pk__in=[v.pk for v in visits]).values_list("reminded_at", flat=True)
    ) == {now}


def assert_each_case_reported_once(cases, town: Town, deadline: datetime.date) -> None:
    """The town's supervisor has one report for the day, which counts every case once
    (a case claimed twice, or a batch lost between sweeps, would change the count), and
    every case is marked reported for its deadline."""
    reports = Notification.objects.filter(kind=NotificationKind.CASE_OVERDUE)
    assert list(reports.values_list("recipient_id", "item_count")) == [
        (town.supervisor.pk, len(cases))
    ]
    assert len(reports.get().body.splitlines()) == 10
    assert set(
        Case.objects.filter(pk__in=[c.pk for c in cases]).values_list(
            "overdue_reported_for", flat=True
        )
    ) == {deadline}


def test_two_then_four_concurrent_follow_up_sweeps_remind_each_of_200_due_visits_once(world):
    visits = []
    for sweeps, batch in ((2, 10), (4, 7)):
        now = timezone.now()
        due = due_visits(world, now)
        visits += due

        race = run_concurrently(
            sweeps, lambda _, now=now, batch=batch: sweep_due_follow_ups(now=now, batch=batch)
        )
        counts = race.results

        assert race.unfinished == 0
        assert race.errors == []  # no IntegrityError (or anything else) escaped a sweep
        assert sum(counts) == DUE  # each visit claimed by exactly one sweep
        assert len(counts) == sweeps
        assert_each_visit_reminded_once(due, now)
        assert Notification.objects.count() == len(visits)
        # And once more, after the fact: nothing left to claim.
        assert sweep_due_follow_ups(now=now) == 0
    assert Notification.objects.count() == 2 * DUE


def test_two_then_four_concurrent_overdue_sweeps_report_each_of_200_cases_once(world, town):
    reported = []
    for sweeps, batch in ((2, 10), (4, 7)):
        today = timezone.localdate()
        cases = overdue_cases(world, town, today)
        reported += cases

        race = run_concurrently(
            sweeps,
            lambda _, today=today, batch=batch: sweep_overdue_cases(today=today, batch=batch),
        )
        counts = race.results

        assert race.unfinished == 0
        assert race.errors == []
        assert sum(counts) == DUE
        assert_each_case_reported_once(reported, town, today - datetime.timedelta(days=1))
        assert sweep_overdue_cases(today=today) == 0
    assert Notification.objects.count() == 1


BEAT_SCRIPT = textwrap.dedent(
    """
    import datetime, os, pathlib, time
    from notifications.reminders import sweep_due_follow_ups, sweep_overdue_cases
    pathlib.Path(os.environ["DRILL_READY"]).touch()
    go = pathlib.Path(os.environ["DRILL_GO"])
    while not go.exists():
        time.sleep(0.005)
    now = datetime.datetime.fromisoformat(go.read_text())
    reminded = sweep_due_follow_ups(now=now, batch=5)
    reported = sweep_overdue_cases(today=now.date(), batch=5)
    print(f"SWEPT {reminded} {reported}", flush=True)
    """
)


def test_two_beat_processes_sweeping_at_once_remind_and_report_each_item_once(
    world, town, tmp_path
):
    go = tmp_path / "go"
    processes = []
    try:
        # Two beats start (Django takes a few seconds) while the test writes what is due.
        for n in range(2):
            processes.append(
                subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
                    [PYTHON, "manage.py", "shell", "-c", BEAT_SCRIPT],
                    cwd=ROOT,
                    env=child_env(DRILL_READY=str(tmp_path / f"ready-{n}"), DRILL_GO=str(go)),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
        now = timezone.now()
        visits = due_visits(world, now)
        today = timezone.localdate(now)
        cases = overdue_cases(world, town, today)
        started = wait_until(
            lambda: (
                all((tmp_path / f"ready-{n}").exists() for n in range(2))
                or any(p.poll() is not None for p in processes)
            ),
            timeout=60,
            what="both beat processes to start",
        )
        assert started and all(p.poll() is None for p in processes), [
            p.communicate(timeout=10)[0] for p in processes if p.poll() is not None
        ]
        (tmp_path / "go.tmp").write_text(timezone.localtime(now).isoformat())
        (tmp_path / "go.tmp").rename(go)  # both sweep from here, at the same moment
        outputs = [process.communicate(timeout=60)[0] for process in processes]
    finally:
        for process in processes:
            stop(process)

    assert [p.returncode for p in processes] == [0, 0], outputs
    swept = [
        tuple(int(n) for n in line.split()[1:])
        for output in outputs
        for line in output.splitlines()
        if line.startswith("SWEPT ")
    ]
    assert len(swept) == 2, outputs
    assert sum(r for r, _ in swept) == DUE
    assert sum(o for _, o in swept) == DUE
    assert_each_visit_reminded_once(visits, now)
    assert_each_case_reported_once(cases, town, today - datetime.timedelta(days=1))
    assert Notification.objects.count() == DUE + 1
