"""Every beat entry names a task the worker actually has, and says when to run it: a
typo in a task name would otherwise fail silently, every minute, in production."""

import datetime

import pytest
from celery.schedules import schedule as celery_schedule
from django.conf import settings

from config.celery import app


@pytest.fixture(scope="module")
def registered_tasks() -> set[str]:
    app.loader.import_default_modules()
    return set(app.tasks)


def test_the_beat_schedule_is_not_empty():
    assert settings.CELERY_BEAT_SCHEDULE


@pytest.mark.parametrize("name", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_each_beat_entry_names_a_registered_task(name, registered_tasks):
    entry = settings.CELERY_BEAT_SCHEDULE[name]

    assert entry["task"] in registered_tasks, f"{name}: no task {entry['task']!r}"


@pytest.mark.parametrize("name", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_each_beat_entry_has_a_schedule(name):
    every = settings.CELERY_BEAT_SCHEDULE[name].get("schedule")

    assert isinstance(every, int | float | datetime.timedelta | celery_schedule), name
    if isinstance(every, int | float):
        assert every > 0, name
    if isinstance(every, datetime.timedelta):
        assert every.total_seconds() > 0, name
