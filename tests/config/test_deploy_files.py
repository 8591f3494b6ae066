"""The deploy/ files say what the settings read (issue 12): the environment template lists
every variable, the application server listens on loopback only, and the units are
hardened."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
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


def unit_settings(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit's settings by section, each key's values in order (a key may repeat;
    a line ending in a backslash goes on)."""
    sections: dict[str, dict[str, list[str]]] = {}
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = sections.setdefault(line.strip("[]"), {})
            continue
        key, value = line.split("=", 1)
        section.setdefault(key.strip(), []).append(value.strip())
    return sections


HARDENING = {
    "NoNewPrivileges": ["yes"],
    "ProtectSystem": ["strict"],
    "ProtectHome": ["yes"],
    "PrivateTmp": ["yes"],
    "CapabilityBoundingSet": [""],
    "User": ["fengqiao"],
    "EnvironmentFile": ["/etc/fengqiao/fengqiao.env"],
}


def test_every_unit_runs_as_its_own_user_with_the_system_read_only():
    units = sorted((DEPLOY / "systemd").glob("*.service"))

    assert [u.name for u in units] == [
        "fengqiao-backup.service",
        "fengqiao-beat.service",
        "fengqiao-web.service",
        "fengqiao-worker@.service",
    ]
    for unit in units:
        service = unit_settings(unit)["Service"]
        for key, value in HARDENING.items():
            assert service.get(key) == value, (unit.name, key, service.get(key))
        if unit.name == "fengqiao-backup.service":
            continue
        assert service["Restart"] in (["always"], ["on-failure"]), unit.name
        assert service["ReadWritePaths"] == ["/var/lib/fengqiao"], unit.name


def test_the_backup_runs_nightly_from_a_timer_and_writes_only_to_the_backup_folders():
    service = unit_settings(DEPLOY / "systemd" / "fengqiao-backup.service")["Service"]
    timer = unit_settings(DEPLOY / "systemd" / "fengqiao-backup.timer")

    assert service["Type"] == ["oneshot"]
    assert service["ExecStart"] == [
        "/srv/fengqiao/deploy/backup --env-file /etc/fengqiao/fengqiao.env"
    ]
    # The default FENGQIAO_BACKUP_DIR, and the WAL archive if there is one; not the
    # private files it only reads.
    assert service["ReadWritePaths"] == ["/var/backups/fengqiao -/var/backups/fengqiao-wal"]
    assert service["UMask"] == ["0077"]
    assert "Restart" not in service  # a failed night shows as failed; the next one runs
    assert timer["Timer"]["OnCalendar"] == ["*-*-* 02:30:00"]
    assert timer["Timer"]["Persistent"] == ["true"]
    assert timer["Timer"]["RandomizedDelaySec"]
    assert "Unit" not in timer["Timer"]  # the service of the same name
    assert timer["Install"]["WantedBy"] == ["timers.target"]


def test_systemd_itself_accepts_every_unit(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed (the units are parsed above)")
    # The units as installed, with /srv/fengqiao moved here: systemd checks that each
    # command exists and can be run.
    srv = tmp_path / "srv"
    for program in (".venv/bin/gunicorn", ".venv/bin/celery", "deploy/backup"):
        (srv / program).parent.mkdir(parents=True, exist_ok=True)
        (srv / program).write_text("#!/bin/sh\n")
        (srv / program).chmod(0o755)
    installed = tmp_path / "system"
    installed.mkdir()
    for unit in (DEPLOY / "systemd").iterdir():
        (installed / unit.name).write_text(unit.read_text().replace("/srv/fengqiao", str(srv)))
    (installed / "fengqiao-worker@long.service").write_text(
        (installed / "fengqiao-worker@.service").read_text()
    )
    names = sorted(p.name for p in installed.iterdir() if not p.name.endswith("@.service"))

    result = subprocess.run(  # noqa: S603 - systemd's own checker on our files
        [analyze, "verify", *(f"./{name}" for name in names)],
        cwd=installed,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # verify exits 0 on a line it ignores: anything it says is a finding.
    assert (result.returncode, result.stderr) == (0, ""), result.stderr


def test_nginx_passes_the_client_address_and_limits_the_body_just_above_the_portal():
    site = (DEPLOY / "nginx" / "fengqiao.conf").read_text()
    limit_mb = int(re.search(r"client_max_body_size (\d+)m;", site).group(1))

    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert "Strict-Transport-Security" in site
    assert settings.FENGQIAO_ATTACHMENT_MAX_BYTES < limit_mb * 1024 * 1024


def test_nginx_drops_an_idle_upstream_connection_before_gunicorn_closes_it():
    # Otherwise a request sent on a connection gunicorn is closing is reset (the soak saw
    # it); a reset POST is not retried and reaches the user as a 502.
    site = (DEPLOY / "nginx" / "fengqiao.conf").read_text()
    upstream = re.search(r"upstream fengqiao_web \{(.*?)\}", site, re.S).group(1)
    nginx_idle = int(re.search(r"keepalive_timeout (\d+)s;", upstream).group(1))
    gunicorn_idle = int(
        re.search(r"^keepalive = (\d+)$", (DEPLOY / "gunicorn.conf.py").read_text(), re.M).group(1)
    )

    assert nginx_idle < gunicorn_idle


@pytest.mark.django_db
def test_the_postgresql_settings_file_names_only_real_settings_in_their_units():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("checked against a real PostgreSQL's pg_settings")
    lines = (DEPLOY / "postgresql" / "fengqiao.conf").read_text().splitlines()
    chosen = dict(
        (name.strip(), value.strip())
        for name, value in (line.split("=", 1) for line in lines if line and line[0] != "#")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, vartype, unit FROM pg_settings WHERE name = ANY(%s)", [list(chosen)]
        )
        known = {name: (vartype, unit) for name, vartype, unit in cursor.fetchall()}

    assert set(chosen) == set(known)
    for name, value in chosen.items():
        vartype, unit = known[name]
        if unit in ("8kB", "kB", "MB"):
            # A memory size: a number with one of PostgreSQL's units, never a bare number
            # (read in 8 kB pages for shared_buffers, an easy factor-of-8192 mistake).
            assert re.fullmatch(r"\d+(kB|MB|GB)", value), (name, value)
        else:
            assert re.fullmatch(r"\d+(\.\d+)?", value) and vartype in ("integer", "real"), name
    # The planner is told the cache is bigger than PostgreSQL's own buffers.
    assert chosen["effective_cache_size"] != chosen["shared_buffers"]
