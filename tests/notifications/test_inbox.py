"""The in-app inbox: a user's own notifications only, the unread badge on every page,
and marking read (one, or all) by POST."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification, NotificationKind
from notifications.services import notify
from notifications.views import NOTIFICATIONS_PER_PAGE
from tests.factories import register_case
from tests.web.helpers import LOGIN_URL, html

INBOX = "/notifications/"


def _notify(user, key: str, minutes_ago: int = 0, **extra) -> Notification:
    notification, created = notify(
        recipient=user,
        kind=NotificationKind.CASE_OVERDUE,
        title=f"通知{key}",
        dedupe_key=f"test:{key}",
        **extra,
    )
    assert created
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
    )
    return notification


def _titles(response) -> list[str]:
    """The notification titles listed, top to bottom."""
    return re.findall(r"(通知[\w-]+)", html(response))


def _badge(response) -> str | None:
    match = re.search(r'class="badge[^"]*notification-badge">(\d+)<', html(response))
    return match.group(1) if match else None


@pytest.fixture
def inbox(world):
    """Three notifications for secretary_a (the oldest already read), one for secretary_b."""
    mine = [
        _notify(world.secretary_a, "a-old", minutes_ago=30),
        _notify(world.secretary_a, "a-mid", minutes_ago=20),
        _notify(world.secretary_a, "a-new", minutes_ago=10),
    ]
    Notification.objects.filter(pk=mine[0].pk).update(read_at=timezone.now())
    theirs = _notify(world.secretary_b, "b-only")
    return {"mine": mine, "theirs": theirs}


def test_the_inbox_needs_a_login(client):
    response = client.get(INBOX)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def test_the_inbox_lists_only_the_users_own_notifications_newest_first(client, world, inbox):
    client.force_login(world.secretary_a)

    response = client.get(reverse("notifications:inbox"))

    assert response.status_code == 200
    assert _titles(response) == ["通知a-new", "通知a-mid", "通知a-old"]
    assert "通知b-only" not in html(response)


def test_unread_notifications_are_highlighted(client, world, inbox):
    client.force_login(world.secretary_a)

    page = html(client.get(INBOX))

    assert page.count("notification-unread") == 2
    assert page.count("标为已读") == 2 + 1  # one per unread item, and 全部标为已读


def test_each_notification_links_to_its_link(client, world):
    case = register_case(world.secretary_a)
    _notify(world.secretary_a, "linked", case=case, link=f"/cases/{case.pk}/")
    _notify(world.secretary_a, "elsewhere", link="https://example.com/phish")
    client.force_login(world.secretary_a)

    page = html(client.get(INBOX))

    assert f'<a href="/cases/{case.pk}/">通知linked</a>' in page
    # A link off the site is not offered.
    assert "example.com" not in page


def test_the_badge_counts_the_users_unread_notifications_on_every_page(client, world, inbox):
    case = register_case(world.secretary_a)
    client.force_login(world.secretary_a)

    for url in (INBOX, reverse("cases:list"), reverse("cases:detail", args=[case.pk])):
        response = client.get(url)
        assert response.context["unread_notifications"] == 2, url
        assert _badge(response) == "2", url
        assert f'href="{INBOX}"' in html(response), url


def test_no_badge_without_unread_notifications(client, world):
    client.force_login(world.secretary_a)

    response = client.get(reverse("cases:list"))

    assert response.context["unread_notifications"] == 0
    assert _badge(response) is None
    assert f'href="{INBOX}"' in html(response)


def test_marking_one_notification_read(client, world, inbox):
    mid = inbox["mine"][1]
    client.force_login(world.secretary_a)

    response = client.post(reverse("notifications:mark_read", args=[mid.pk]))

    assert response.status_code == 302
    assert response["Location"] == INBOX
    mid.refresh_from_db()
    assert mid.read_at is not None
    assert Notification.objects.get(pk=inbox["mine"][2].pk).read_at is None
    assert _badge(client.get(INBOX)) == "1"


def test_marking_all_read_leaves_other_users_notifications_unread(client, world, inbox):
    client.force_login(world.secretary_a)

    response = client.post(reverse("notifications:mark_all_read"))

    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=world.secretary_a, read_at__isnull=True)
    assert Notification.objects.get(pk=inbox["theirs"].pk).read_at is None
    page = client.get(INBOX)
    assert page.context["unread_notifications"] == 0
    assert _badge(page) is None


def test_marking_read_returns_to_the_page_posted_from_but_never_off_site(client, world, inbox):
    client.force_login(world.secretary_a)
    url = reverse("notifications:mark_read", args=[inbox["mine"][2].pk])

    assert client.post(url, {"next": f"{INBOX}?page=2"})["Location"] == f"{INBOX}?page=2"
    assert client.post(url, {"next": "https://evil.example/"})["Location"] == INBOX


def test_another_users_notification_answers_404_and_stays_unread(client, world, inbox):
    theirs = inbox["theirs"]
    client.force_login(world.secretary_a)

    response = client.post(reverse("notifications:mark_read", args=[theirs.pk]))

    assert response.status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_marking_read_takes_only_post(client, world, inbox):
    client.force_login(world.secretary_a)
    mine = inbox["mine"][2]

    assert client.get(reverse("notifications:mark_read", args=[mine.pk])).status_code == 405
    assert client.get(reverse("notifications:mark_all_read")).status_code == 405
    assert Notification.objects.get(pk=mine.pk).read_at is None


def test_the_inbox_is_paginated(client, world):
    total = NOTIFICATIONS_PER_PAGE + 3
    for i in range(total):
        _notify(world.secretary_a, f"n{i:02d}", minutes_ago=total - i)
    client.force_login(world.secretary_a)

    first = client.get(INBOX)
    second = client.get(INBOX, {"page": 2})

    assert len(_titles(first)) == NOTIFICATIONS_PER_PAGE
    assert _titles(first)[0] == f"通知n{total - 1:02d}"
    assert len(_titles(second)) == 3
    assert _titles(second)[-1] == "通知n00"
