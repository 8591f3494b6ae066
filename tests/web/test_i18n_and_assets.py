"""Chinese first, English on request; and nothing loads from the internet, since
government networks are often cut off from it (DOMAIN §1)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.factories import register_case
from tests.web.helpers import LOGIN_URL, html_lang

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"
TEMPLATES = sorted(TEMPLATES_DIR.rglob("*.html"))
BOOTSTRAP_FILES = ["vendor/bootstrap/bootstrap.min.css", "vendor/bootstrap/bootstrap.bundle.min.js"]


def test_the_login_page_is_chinese_by_default(client):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    assert html_lang(response) == "zh-hans"
    assert "登录" in response.content.decode()


def test_the_ledger_and_the_case_page_are_chinese_by_default(client, world):
    case = register_case(world.secretary_a)
    client.force_login(world.secretary_a)

    for url in (reverse("cases:list"), reverse("cases:detail", args=[case.pk])):
        assert html_lang(client.get(url)) == "zh-hans", url


def test_choosing_english_switches_the_login_page_to_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": LOGIN_URL})

    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    page = client.get(LOGIN_URL)
    assert html_lang(page) == "en"
    assert 'lang="en" selected' in page.content.decode()


def test_choosing_chinese_again_switches_back(client):
    client.post(reverse("set_language"), {"language": "en"})
    client.post(reverse("set_language"), {"language": "zh-hans"})

    assert html_lang(client.get(LOGIN_URL)) == "zh-hans"


def test_the_template_directory_is_not_empty():
    names = {p.relative_to(TEMPLATES_DIR).as_posix() for p in TEMPLATES}
    assert {"base.html", "cases/case_list.html", "registration/login.html"} <= names


@pytest.mark.parametrize(
    "template", TEMPLATES, ids=lambda p: p.relative_to(TEMPLATES_DIR).as_posix()
)
def test_no_template_loads_anything_from_the_internet(template):
    text = template.read_text(encoding="utf-8")

    assert "http://" not in text
    assert "https://" not in text
    # Protocol-relative URLs (//cdn...) are remote too.
    assets = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]*)\"", text) + re.findall(
        r"<link\b[^>]*\bhref=\"([^\"]*)\"", text
    )
    for url in assets:
        assert url.startswith("{% static ") or not re.match(r"^\s*(\w+:)?//", url), url


def test_every_static_file_the_templates_name_is_found_by_the_finders():
    names = set()
    for template in TEMPLATES:
        names |= set(re.findall(r"{% static ['\"]([^'\"]+)['\"] %}", template.read_text("utf-8")))

    assert set(BOOTSTRAP_FILES) <= names
    missing = [name for name in sorted(names) if finders.find(name) is None]
    assert missing == []


@pytest.mark.parametrize("name", BOOTSTRAP_FILES)
def test_bootstrap_is_vendored_and_served_by_the_static_finders(name):
    vendored = Path(settings.BASE_DIR) / "static" / name

    assert vendored.is_file()
    assert vendored.stat().st_size > 10_000
    assert Path(finders.find(name)) == vendored
    # The vendored copy itself pulls in nothing remote (a source map comment is harmless).
    text = vendored.read_text(encoding="utf-8")
    assert not re.search(r"@import\s+url\(\s*['\"]?(https?:)?//", text)


def test_the_pages_point_at_the_vendored_bootstrap(client):
    page = client.get(LOGIN_URL).content.decode()

    assert '<link rel="stylesheet" href="/static/vendor/bootstrap/bootstrap.min.css">' in page
    assert '<script src="/static/vendor/bootstrap/bootstrap.bundle.min.js"></script>' in page
