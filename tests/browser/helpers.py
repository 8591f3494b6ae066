"""What the browser journeys share: screen sizes, logging in through the form, and
reading what the page shows."""

from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:
    # Without the package every test stops at the ``browser`` fixture, which skips or
    # (when the browser tests are required) fails with the reason.
    expect = None

# The CI artefacts: a screenshot of every journey's last page, the printed agreement.
OUTPUT = Path(__file__).resolve().parents[1] / "output" / "browser"

PASSWORD = "Fengqiao-test-2026!"
# An ordinary phone, as a village secretary holds it.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}

# The live server answers from another thread, so the data must be committed;
# serialized_rollback puts back the data migrations' lookups (sources, dispute types,
# grade policies) that the flush after each test removes.
LIVE_DB = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def with_password(*users):
    """Give ``world``'s users a password that passes the strong-password rules."""
    for user in users:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return users


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Through the real login form, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, page.locator(".alert-danger").all_inner_texts()


def success_messages(page) -> list[str]:
    return [text.strip() for text in page.locator(".alert-success").all_inner_texts()]
