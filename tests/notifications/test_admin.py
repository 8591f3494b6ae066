"""The back office for follow-up policy and notifications: clerks edit the rules,
supervisors view them; notifications and deliveries are read-only and scoped to the
recipients in the user's area; nothing is deleted."""

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from cases.models import FollowUpRule, ResponsibilityRule, WorkflowPolicy
from notifications.models import Channel, Delivery, Notification, NotificationKind
from notifications.services import notify
from tests.admin.conftest import admin_url, form_errors, post_data_from
from tests.factories import UserFactory


def _request_for(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


POLICY_MODELS = (FollowUpRule, ResponsibilityRule, WorkflowPolicy)


@pytest.mark.parametrize("model", POLICY_MODELS)
def test_clerks_and_supervisors_open_the_policy_pages(client, world, model):
    row = model.objects.first()
    for user in (world.clerk_a, world.supervisor_a):
        client.force_login(user)
        assert client.get(admin_url(model, "changelist")).status_code == 200, user
        assert client.get(admin_url(model, "change", row.pk)).status_code == 200, user


@pytest.mark.parametrize("model", POLICY_MODELS)
def test_nobody_deletes_a_policy_row(client, world, model):
    row = model.objects.first()
    client.force_login(world.clerk_a)

    assert client.post(admin_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()
    assert admin.site._registry[model].has_delete_permission(_request_for(world.clerk_a)) is False


def test_a_clerk_changes_a_follow_up_rule(client, world):
    rule = FollowUpRule.objects.get(kind="phone")
    client.force_login(world.clerk_a)
    data = post_data_from(client.get(admin_url(FollowUpRule, "change", rule.pk)))
    data["offset_amount"] = "12"

    response = client.post(admin_url(FollowUpRule, "change", rule.pk), data)

    assert response.status_code == 302
    assert FollowUpRule.objects.get(pk=rule.pk).offset_amount == 12


def test_a_clerk_changes_a_responsibility_rule(client, world):
    rule = ResponsibilityRule.objects.get(grade="red", level="town")
    client.force_login(world.clerk_a)
    data = post_data_from(client.get(admin_url(ResponsibilityRule, "change", rule.pk)))
    data["role"] = "supervisor"

    response = client.post(admin_url(ResponsibilityRule, "change", rule.pk), data)

    assert response.status_code == 302
    assert ResponsibilityRule.objects.get(pk=rule.pk).role == "supervisor"


def test_a_supervisor_only_views_the_rules(client, world):
    rule = FollowUpRule.objects.get(kind="phone")
    client.force_login(world.clerk_a)
    data = post_data_from(client.get(admin_url(FollowUpRule, "change", rule.pk)))
    data["offset_amount"] = "12"
    client.force_login(world.supervisor_a)

    response = client.post(admin_url(FollowUpRule, "change", rule.pk), data)

    assert response.status_code == 403
    assert FollowUpRule.objects.get(pk=rule.pk).offset_amount == 24


def test_others_have_no_access_to_the_rules(client, world):
    client.force_login(world.secretary_a)

    assert client.get(admin_url(FollowUpRule, "changelist")).status_code == 302  # to login


def test_the_workflow_policy_is_one_row_that_cannot_be_added_again(client, world):
    assert WorkflowPolicy.objects.count() == 1
    client.force_login(world.clerk_a)

    assert client.get(admin_url(WorkflowPolicy, "add")).status_code == 403
    model_admin = admin.site._registry[WorkflowPolicy]
    assert model_admin.has_add_permission(_request_for(world.clerk_a)) is False


def test_the_workflow_policy_can_be_added_back_as_the_row_the_workflow_reads(client, world):
    WorkflowPolicy.objects.all().delete()
    client.force_login(world.clerk_a)

    response = client.post(
        admin_url(WorkflowPolicy, "add"),
        {"auto_propose_escalation": "on", "review_day": "5", "review_hour": "9", "_save": "保存"},
    )

    assert response.status_code == 302
    assert WorkflowPolicy.objects.get().pk == 1
    assert WorkflowPolicy.current().review_day == 5


def test_a_clerk_edits_the_workflow_policy_within_its_bounds(client, world):
    policy = WorkflowPolicy.current()
    client.force_login(world.clerk_a)
    url = admin_url(WorkflowPolicy, "change", policy.pk)
    data = post_data_from(client.get(url))

    data["review_day"] = "31"
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "review_day" in form_errors(refused)

    data["review_day"] = "15"
    data.pop("auto_propose_escalation", None)
    assert client.post(url, data).status_code == 302
    policy.refresh_from_db()
    assert (policy.review_day, policy.auto_propose_escalation) == (15, False)


def test_a_clerk_switches_off_counting_continuing_sessions_as_failed_attempts(client, world):
    policy = WorkflowPolicy.current()
    assert policy.continuing_session_counts_as_failed is True
    client.force_login(world.clerk_a)
    url = admin_url(WorkflowPolicy, "change", policy.pk)
    form = client.get(url)
    assert "继续调解计入本级调解未成次数" in form.content.decode()
    data = post_data_from(form)
    assert data["continuing_session_counts_as_failed"] == "on"

    data.pop("continuing_session_counts_as_failed")
    assert client.post(url, data).status_code == 302

    policy.refresh_from_db()
    assert (policy.continuing_session_counts_as_failed, policy.auto_propose_escalation) == (
        False,
        True,
    )


def test_the_review_day_and_hour_bounds_are_the_policys_own_and_the_admin_shows_its_words(
    client, world
):
    policy = WorkflowPolicy.current()
    policy.review_day, policy.review_hour = 29, 24
    with pytest.raises(ValidationError) as excinfo:
        policy.full_clean()
    assert excinfo.value.message_dict == {
        "review_day": ["请填写1至28之间的日期。"],
        "review_hour": ["请填写0至23之间的时刻。"],
    }

    client.force_login(world.clerk_a)
    url = admin_url(WorkflowPolicy, "change", policy.pk)
    data = {**post_data_from(client.get(url)), "review_day": "29", "review_hour": "24"}
    errors = form_errors(client.post(url, data))
    assert errors["review_day"] == ["请填写1至28之间的日期。"]
    assert errors["review_hour"] == ["请填写0至23之间的时刻。"]
    assert (WorkflowPolicy.current().review_day, WorkflowPolicy.current().review_hour) == (1, 8)


# ---------------------------------------------------------------------------
# Notifications and deliveries: read-only, scoped by the recipient's area
# ---------------------------------------------------------------------------


@pytest.fixture
def sent(world):
    """A notification (with email and SMS) to someone in town_a, one to someone in town_b."""
    near = UserFactory(
        username="near", email="near@example.org", mobile="13900000001", area=world.village_a
    )
    far = UserFactory(username="far", email="far@example.org", area=world.village_b)
    rows = {}
    for user in (near, far):
        rows[user.username], _ = notify(
            recipient=user,
            kind=NotificationKind.CASE_OVERDUE,
            title=f"给{user.username}的通知",
            dedupe_key=f"admin-test:{user.pk}",
        )
    return rows


def test_clerks_and_supervisors_see_the_notifications_of_their_area_only(world, sent):
    model_admin = admin.site._registry[Notification]
    for user in (world.clerk_a, world.supervisor_a):
        listed = set(model_admin.get_queryset(_request_for(user)))
        assert listed == {sent["near"]}, user
    assert set(model_admin.get_queryset(_request_for(world.supervisor_district))) == {
        sent["near"],
        sent["far"],
    }


def test_clerks_see_the_deliveries_of_their_area_only(world, sent):
    model_admin = admin.site._registry[Delivery]

    listed = model_admin.get_queryset(_request_for(world.clerk_a))

    assert {(d.notification_id, d.channel) for d in listed} == {
        (sent["near"].pk, Channel.EMAIL),
        (sent["near"].pk, Channel.SMS),
    }


def test_notification_pages_open_and_outside_the_area_answer_404(client, world, sent):
    client.force_login(world.clerk_a)
    near_delivery = Delivery.objects.filter(notification=sent["near"]).first()
    far_delivery = Delivery.objects.filter(notification=sent["far"]).first()

    assert client.get(admin_url(Notification, "changelist")).status_code == 200
    assert client.get(admin_url(Delivery, "changelist")).status_code == 200
    assert client.get(admin_url(Notification, "change", sent["near"].pk)).status_code == 200
    assert client.get(admin_url(Delivery, "change", near_delivery.pk)).status_code == 200
    assert client.get(admin_url(Notification, "change", sent["far"].pk)).status_code == 404
    assert client.get(admin_url(Delivery, "change", far_delivery.pk)).status_code == 404


@pytest.mark.parametrize("model", [Notification, Delivery])
def test_notifications_and_deliveries_are_read_only_even_for_a_clerk(client, world, sent, model):
    request = _request_for(world.clerk_a)
    model_admin = admin.site._registry[model]
    row = model_admin.get_queryset(request).first()
    client.force_login(world.clerk_a)

    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request, row) is False
    assert model_admin.has_delete_permission(request, row) is False
    assert client.get(admin_url(model, "add")).status_code == 403
    assert client.post(admin_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


def test_the_notification_page_shows_its_deliveries(client, world, sent):
    client.force_login(world.clerk_a)

    page = client.get(admin_url(Notification, "change", sent["near"].pk)).content.decode()

    assert "near@example.org" in page
    assert "13900000001" in page
