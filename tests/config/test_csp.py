"""The Content-Security-Policy is sent on every page, and the pages are written so they
work under it: no inline script, no on*= handler, no style attribute or <style> element,
in our templates, in the Django admin we use, and on the API documentation.
(The browser tests additionally watch Chromium's console for CSP violations.)"""

import re

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from tests.builders import mediating, ready_to_close
from tests.factories import register_case

EXPECTED_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
# A JSON data block is never executed, so CSP does not govern it.
DATA_BLOCK = re.compile(r"""\btype=["']application/(?:ld\+)?json["']""", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def policy_of(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    directives = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in directives}


def inline_scripts(page: str) -> list[str]:
    return [
        attributes
        for attributes in SCRIPT_TAG.findall(page)
        if not re.search(r"\bsrc\s*=", attributes, re.IGNORECASE)
        and not DATA_BLOCK.search(attributes)
    ]


def assert_clean_under_csp(response):
    """What the policy would block, looked for in the HTML the browser receives."""
    assert policy_of(response) == EXPECTED_POLICY
    page = response.content.decode()
    assert inline_scripts(page) == []
    assert EVENT_HANDLER.findall(page) == []
    assert STYLE_ATTRIBUTE.findall(page) == []
    assert STYLE_ELEMENT.findall(page) == []
    assert JAVASCRIPT_URL.findall(page) == []


@pytest.fixture
def cases(world):
    by, mediators = world.secretary_a, [world.mediator_a]
    return {
        "registered": register_case(by),
        "mediating": mediating(register_case(by), by, mediators),
        "with_agreement": ready_to_close(register_case(by), by, mediators),
    }


def _page_urls(world, cases):
    registered, agreed = cases["registered"], cases["with_agreement"]
    party = registered.parties.first()
    return {
        "login": (None, reverse("login")),
        "ledger": ("secretary_a", reverse("cases:list")),
        "ledger_filtered": ("secretary_a", reverse("cases:list") + "?q=纠纷&status=registered"),
        "case_page": ("secretary_a", reverse("cases:detail", args=[agreed.pk])),
        "registration_form": ("secretary_a", reverse("cases:create")),
        "case_edit": ("secretary_a", reverse("cases:edit", args=[registered.pk])),
        "session_form": (
            "secretary_a",
            reverse("cases:session_create", args=[cases["mediating"].pk]),
        ),
        "agreement_print": ("secretary_a", reverse("cases:agreement_print", args=[agreed.pk])),
        "attachment_form": (
            "secretary_a",
            reverse("cases:attachment_upload", args=[agreed.pk]),
        ),
        "case_history": ("clerk_a", reverse("audit:case_history", args=[agreed.pk])),
        "escalations": ("secretary_a", reverse("cases:escalation_inbox")),
        "notifications": ("secretary_a", reverse("notifications:inbox")),
        "dashboard": ("supervisor_a", reverse("reports:dashboard")),
        "reports": ("supervisor_a", reverse("reports:index")),
        "reviews": ("supervisor_a", reverse("reports:review_list")),
        "ledger_export_form": ("supervisor_a", reverse("reports:ledger_export")),
        "export_archive": ("supervisor_a", reverse("reports:export_list")),
        "ledger_import": ("clerk_a", reverse("reports:ledger_import")),
        "not_found": ("secretary_b", reverse("cases:detail", args=[registered.pk])),
        "forbidden": ("grid_member_a", reverse("reports:ledger_export")),
        "admin_index": ("clerk_a", reverse("admin:index")),
        "admin_case_list": ("clerk_a", reverse("admin:cases_case_changelist")),
        "admin_case_list_filtered": (
            "clerk_a",
            reverse("admin:cases_case_changelist") + "?status__exact=registered&o=2",
        ),
        "admin_case_change": ("clerk_a", reverse("admin:cases_case_change", args=[agreed.pk])),
        "admin_follow_ups_by_date": ("clerk_a", reverse("admin:cases_followup_changelist")),
        "admin_party_change": ("clerk_a", reverse("admin:cases_party_change", args=[party.pk])),
        "admin_user_list": ("clerk_a", reverse("admin:accounts_user_changelist")),
        "admin_user_add": ("clerk_a", reverse("admin:accounts_user_add")),
        "api_docs": ("clerk_a", reverse("api-docs")),
    }


PAGES = [
    "login",
    "ledger",
    "ledger_filtered",
    "case_page",
    "registration_form",
    "case_edit",
    "session_form",
    "agreement_print",
    "attachment_form",
    "case_history",
    "escalations",
    "notifications",
    "dashboard",
    "reports",
    "reviews",
    "ledger_export_form",
    "export_archive",
    "ledger_import",
    "not_found",
    "forbidden",
    "admin_index",
    "admin_case_list",
    "admin_case_list_filtered",
    "admin_case_change",
    "admin_follow_ups_by_date",
    "admin_party_change",
    "admin_user_list",
    "admin_user_add",
    "api_docs",
]
EXPECTED_STATUS = {"not_found": 404, "forbidden": 403}


@pytest.mark.parametrize("page", PAGES)
def test_the_page_carries_the_policy_and_nothing_it_would_block(client, world, cases, page):
    username, url = _page_urls(world, cases)[page]
    if username:
        client.force_login(getattr(world, username))

    response = client.get(url)

    assert response.status_code == EXPECTED_STATUS.get(page, 200), url
    assert response["Content-Type"].startswith("text/html")
    assert_clean_under_csp(response)


def test_the_policy_is_sent_in_every_environment_not_only_production():
    # The browser tests and `make run` see the same policy as production: it lives in base.
    assert "csp.middleware.CSPMiddleware" in settings.MIDDLEWARE
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert {name: " ".join(values) for name, values in directives.items()} == EXPECTED_POLICY


def test_the_checks_see_what_a_browser_would_block():
    # The detectors above must not be blind: each flags a page that breaks the policy.
    samples = {
        "inline script": '<script>alert(1)</script><script src="/static/a.js"></script>',
        "handler": '<button type="button" onclick="go()">Go</button>',
        "style attribute": '<div class="x" style="width: 10%">',
        "style element": "<style>body{}</style>",
        "javascript url": '<a href="javascript:go()">',
    }
    assert inline_scripts(samples["inline script"]) == [""]
    assert EVENT_HANDLER.findall(samples["handler"])
    assert STYLE_ATTRIBUTE.findall(samples["style attribute"])
    assert STYLE_ELEMENT.findall(samples["style element"])
    assert JAVASCRIPT_URL.findall(samples["javascript url"])
    # Neither a data block nor an attribute merely named like a handler is flagged.
    assert inline_scripts('<script type="application/json" id="d">{}</script>') == []
    assert not EVENT_HANDLER.findall('<div data-confirm="确定?" data-online="1">')


def test_no_admin_list_turns_on_djangos_one_inline_style():
    # Django 5.2's admin is clean under the policy except for one <style> rule on a change
    # list that shows its actions neither above nor below the table; the policy would
    # block it (the first column would shrink to a checkbox's width).
    inlining = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if not model_admin.actions_on_top and not model_admin.actions_on_bottom
    ]
    assert inlining == []


def test_the_api_docs_start_swagger_ui_from_a_script_file_served_locally(client, world):
    client.force_login(world.clerk_a)
    page = client.get(reverse("api-docs")).content.decode()

    scripts = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", page)
    init_script = [src for src in scripts if not src.startswith(settings.STATIC_URL)]
    assert init_script == ["/api/docs/?script="]
    for asset in re.findall(r"<(?:script|link)\b[^>]*\b(?:src|href)=\"([^\"]+)\"", page):
        assert asset.startswith("/"), asset  # nothing from the internet

    response = client.get(init_script[0])

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "Content-Security-Policy" in response
    body = response.content.decode()
    assert 'url: "/api/schema/"' in body
    # No online validator badge (an image from the internet the policy would block).
    assert '"validatorUrl": null' in body
