"""Production settings, loaded in a fresh process with a production environment, the way
the server starts: `check --deploy` finds nothing to warn about, the security headers and
HTTPS redirect behave behind nginx, and a missing or unsafe setting stops start-up."""

import base64
import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

HOST = "tiaojie.zhuji.example.gov.cn"
# A deployment's personal data keys (README "Personal data at rest").
KEY = base64.b64encode(os.urandom(32)).decode()
INDEX_KEY = base64.b64encode(os.urandom(32)).decode()


def production_env(**overrides) -> dict[str, str]:
    """What a deployment provides (README, "Deploying"); nothing from the test run leaks in.
    The database URL points at a closed local port: nothing here may need a connection."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": "postgres://fengqiao@127.0.0.1:1/fengqiao",
        "FENGQIAO_TRUSTED_PROXY_COUNT": "1",
        "FENGQIAO_PERSONAL_DATA_KEYS": f"2026-1:{KEY}",
        "FENGQIAO_PERSONAL_DATA_INDEX_KEY": INDEX_KEY,
    }
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_a_production_environment():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr
    # The one check silenced on purpose (no HSTS preload; see production.py).
    assert "(1 silenced)" in result.stdout


PROBE = """
import json
import django

django.setup()
from django.conf import settings
from django.test import Client

client = Client(HTTP_HOST=%(host)r)
plain = client.get("/api/v1/cases/?page=2")
proxied = client.get("/api/v1/cases/", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "plain": {"status": plain.status_code, "location": plain.get("Location")},
    "proxied": {"status": proxied.status_code, "headers": dict(proxied.headers)},
    "settings": {
        name: getattr(settings, name)
        for name in (
            "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
            "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_SAMESITE",
        )
    },
}))
"""


@pytest.fixture(scope="module")
def production_probe() -> dict:
    result = run(["-c", PROBE % {"host": HOST}], production_env())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_plain_http_is_redirected_to_https(production_probe):
    assert production_probe["plain"] == {
        "status": 301,
        "location": f"https://{HOST}/api/v1/cases/?page=2",
    }


def test_behind_nginx_a_forwarded_https_request_gets_the_security_headers(production_probe):
    proxied = production_probe["proxied"]
    headers = proxied["headers"]

    # 401: the API asks for credentials, i.e. the request was not redirected again.
    assert proxied["status"] == 401
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "script-src 'self';" in headers["Content-Security-Policy"] + ";"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_cookies_are_secure_http_only_and_same_site_lax(production_probe):
    assert production_probe["settings"] == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_SAMESITE": "Lax",
    }


LOAD_SETTINGS = "from django.conf import settings; settings.DEBUG"


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "short-but-not-empty"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "ab" * 40}, "DJANGO_SECRET_KEY"),
        (
            {"DJANGO_SECRET_KEY": "django-insecure-" + secrets.token_urlsafe(50)},
            "DJANGO_SECRET_KEY",
        ),
        ({"DJANGO_DEBUG": "true"}, "DJANGO_DEBUG"),
        ({"DJANGO_DEBUG": "ture"}, "DJANGO_DEBUG"),
        ({"DJANGO_ALLOWED_HOSTS": None}, "DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_ALLOWED_HOSTS": "*"}, "DJANGO_ALLOWED_HOSTS"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"FENGQIAO_PERSONAL_DATA_KEYS": None}, "FENGQIAO_PERSONAL_DATA_KEYS"),
        ({"FENGQIAO_PERSONAL_DATA_INDEX_KEY": None}, "FENGQIAO_PERSONAL_DATA_INDEX_KEY"),
        ({"FENGQIAO_PERSONAL_DATA_KEYS": "2026-1:not-base64!"}, "FENGQIAO_PERSONAL_DATA_KEYS"),
        (
            {"FENGQIAO_PERSONAL_DATA_KEYS": f"a:{KEY},b:{KEY}"},
            "FENGQIAO_PERSONAL_DATA_KEY_ID",
        ),
        ({"FENGQIAO_PERSONAL_DATA_CIPHER": "sm4"}, "FENGQIAO_PERSONAL_DATA_KEYS"),
        ({"FENGQIAO_PERSONAL_DATA_CIPHER": "des"}, "FENGQIAO_PERSONAL_DATA_CIPHER"),
    ],
    ids=[
        "no-secret-key",
        "short-secret-key",
        "repetitive-secret-key",
        "django-insecure-key",
        "debug-on",
        "debug-misspelt",
        "no-allowed-hosts",
        "any-host",
        "no-database-url",
        "no-personal-data-keys",
        "no-blind-index-key",
        "malformed-personal-data-key",
        "two-keys-none-current",
        "sm4-with-an-aes-sized-key",
        "unknown-cipher",
    ],
)
def test_production_refuses_to_start_when_a_setting_is_missing_or_unsafe(overrides, named):
    result = run(["-c", LOAD_SETTINGS], production_env(**overrides))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr.strip().splitlines()[-1]


def test_debug_off_explicitly_is_accepted():
    result = run(["-c", LOAD_SETTINGS], production_env(DJANGO_DEBUG="false"))

    assert result.returncode == 0, result.stderr
