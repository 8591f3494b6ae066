"""The deploy/ files say what the settings read (issue 12): the environment template lists
every variable, the application server listens on loopback only, and the units are
hardened."""

import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

DEPLOY = Path(settings.BASE_DIR) / "deploy"
READERS = re.compile(r'(?:env_\w+|os\.environ\.get)\(\s*"([A-Z][A-Z0-9_]+)"')


def variables_read_by(paths) -> set[str]:
    names = set()
    for path in paths:
        names |= set(READERS.findall(path.read_text()))
    return names


def test_the_environment_template_lists_every_variable_the_portal_reads():
    sources = [*(Path(settings.BASE_DIR) / "config" / "settings").glob("*.py")]
    sources.append(DEPLOY / "gunicorn.conf.py")
    read = variables_read_by(sources) - {"DJANGO_SETTINGS_MODULE"}
    template = (DEPLOY / "fengqiao.env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", template, flags=re.MULTILINE))

    assert read - listed == set()
    assert "FENGQIAO_TRUSTED_PROXY_ADDRESSES" in listed


def test_gunicorn_listens_on_loopback_only_and_logs_the_request_id():
    probe = (
        "import runpy; c = runpy.run_path('deploy/gunicorn.conf.py'); "
        "print(c['bind'], c['timeout'], c['graceful_timeout'], c['access_log_format'])"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", probe],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=True,
    )

    assert result.stdout.startswith("['127.0.0.1:8001'] 60 30 ")
    assert "x-request-id" in result.stdout


def test_every_unit_runs_as_its_own_user_with_the_system_read_only():
    units = sorted((DEPLOY / "systemd").glob("*.service"))

    assert [u.name for u in units] == [
        "fengqiao-beat.service",
        "fengqiao-web.service",
        "fengqiao-worker@.service",
    ]
    for unit in units:
        text = unit.read_text()
        for line in ("User=fengqiao", "NoNewPrivileges=yes", "ProtectSystem=strict", "Restart="):
            assert line in text, (unit.name, line)


def test_nginx_passes_the_client_address_and_limits_the_body_just_above_the_portal():
    site = (DEPLOY / "nginx" / "fengqiao.conf").read_text()
    limit_mb = int(re.search(r"client_max_body_size (\d+)m;", site).group(1))

    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert "Strict-Transport-Security" in site
    assert settings.FENGQIAO_ATTACHMENT_MAX_BYTES < limit_mb * 1024 * 1024
