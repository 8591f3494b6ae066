"""The restore drill (issue 12): a portal with data of every kind is backed up with
deploy/backup, restored with deploy/restore into a new database and a new private folder,
started on the restored copy, and compared with the original: the row count of every
table, the checksum of every private file, and the audit tables still refusing DELETE and
TRUNCATE.

One test, run once: it fills a real PostgreSQL database of its own through
``manage.py`` under the production settings, the two database roles of README
"Deploying" (an owner that migrates and restores, an application role that does not own
the tables), and throws everything away afterwards. Without PostgreSQL or pg_dump it
skips, unless FENGQIAO_STACK_TESTS=required (set by .ci/run), where that is a failure.
"""

import base64
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SERVER = os.environ.get("FENGQIAO_DRILL_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("FENGQIAO_DRILL_REDIS", "redis://127.0.0.1:6379/7")
CASES = int(os.environ.get("FENGQIAO_DRILL_CASES", "60"))
REQUIRED = os.environ.get("FENGQIAO_STACK_TESTS", "") == "required"
TAG = f"fq_drill_{os.getpid()}"
OWNER, APP = f"{TAG}_owner", f"{TAG}_app"
SOURCE, COPY = f"{TAG}_source", f"{TAG}_copy"

# Data of every kind the demo does not make: attachments (private files), a finished
# export (a private file the worker writes), and looks at personal data (audited rows).
FILL = """
import datetime, json
from django.core.files.uploadedfile import SimpleUploadedFile
from accounts.models import User
from cases import attachments
from cases.models import AttachmentKind, Case, Party, PersonalDataAccess
from cases.policy import Action
from cases.services.personal_data import personal_data_reveal
from reports import archive
from reports.periods import Period

secretary = User.objects.get(username="shuji")
added = 0
for case in Case.objects.order_by("pk"):
    pdf = b"%PDF-1.4\\n1 0 obj <<>> endobj\\n% case " + str(case.pk).encode() + b"\\n%%EOF\\n"
    try:
        attachments.attachment_add(case=case, by=secretary, kind=AttachmentKind.AGREEMENT_SCAN,
                                   upload=SimpleUploadedFile(f"协议{case.pk}.pdf", pdf))
    except Exception:
        continue
    added += 1
    if added == 6:
        break
for party in Party.objects.order_by("pk")[:40]:
    for action in (Action.REVEAL_ID_NUMBER, Action.REVEAL_MOBILE):
        try:
            personal_data_reveal(party=party, by=secretary, action=action)
        except Exception:
            pass
today = datetime.date.today()
report = archive.request_export(by=secretary, area=secretary.area,
                                period=Period(today.replace(month=1, day=1), today), fmt="xlsx")
archive.run_report(report.pk)
report.refresh_from_db()
print(json.dumps({"attachments": added, "reveals": PersonalDataAccess.objects.count(),
                  "export": report.status, "export_file": report.file_path,
                  "error": report.error}))
"""

# The portal on the restored copy, as the application role: ready, a case page, and an
# attachment and the export downloaded through the permission checks.
JOURNEY = """
import hashlib, json
from django.test import Client
from django.urls import reverse
from accounts.models import User
from cases.models import Attachment
from reports.models import GeneratedReport

client = Client()
ready = client.get("/readyz", secure=True)
client.force_login(User.objects.get(username="shuji"))
attachment = Attachment.objects.order_by("pk").first()
page = client.get(reverse("cases:detail", args=[attachment.case_id]), secure=True)
download = client.get(reverse("cases:attachment_download", args=[attachment.pk]), secure=True)
body = b"".join(download.streaming_content) if download.status_code == 200 else b""
report = GeneratedReport.objects.exclude(file_path="").order_by("pk").first()
export = client.get(reverse("reports:export_download", args=[report.pk]), secure=True)
print(json.dumps({
    "ready": [ready.status_code, ready.content.decode()],
    "case_page": page.status_code,
    "download": download.status_code,
    "download_matches": hashlib.sha256(body).hexdigest() == attachment.sha256,
    "export": export.status_code,
}))
"""


def _unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"{reason} (FENGQIAO_STACK_TESTS=required)", pytrace=False)
    pytest.skip(reason)


def url(user: str | None, database: str) -> str:
    """The server's address as ``user`` (trust authentication, as on the CI machine), or
    as the administrator it names."""
    server = urlsplit(SERVER)
    host = server.netloc.rsplit("@", 1)[-1]
    return f"postgres://{user or server.username}@{host}/{database}"


def psql(sql: str, database: str = "postgres", user: str | None = None) -> str:
    return subprocess.run(  # noqa: S603 - psql from PATH, our own statements
        [shutil.which("psql"), url(user, database), "-XAtqv", "ON_ERROR_STOP=1", "-c", sql],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def write_env(path: Path, **values) -> Path:
    """An environment file like /etc/fengqiao/fengqiao.env."""
    path.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
    return path


def env_of(path: Path) -> dict[str, str]:
    values = dict(line.split("=", 1) for line in path.read_text().splitlines())
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(path.parent),
        "FENGQIAO_PYTHON": sys.executable,  # what deploy/backup and deploy/restore run
        **values,
    }


def run(command: list[str], env_file: Path, extra_env=None) -> subprocess.CompletedProcess:
    """A command as the services run it: only the environment file's variables."""
    result = subprocess.run(  # noqa: S603 - our own scripts and interpreter
        command,
        cwd=ROOT,
        env={**env_of(env_file), **(extra_env or {})},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, (command, result.stdout[-3000:], result.stderr[-3000:])
    return result


def manage(env_file: Path, *args: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "manage.py", *args], env_file)


def files_of(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def counts_of(database: str) -> dict[str, int]:
    tables = psql(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", database
    ).split()
    return {t: int(psql(f'SELECT count(*) FROM "{t}"', database)) for t in tables}  # noqa: S608


@pytest.fixture
def drill(tmp_path):
    if not shutil.which("psql") or not shutil.which("pg_dump"):
        _unavailable("psql/pg_dump are not installed (apt-get install postgresql-client)")
    try:
        psql("SELECT 1")
    except subprocess.CalledProcessError as error:
        _unavailable(f"no PostgreSQL at {SERVER}: {error.stderr.strip()}")
    for role in (OWNER, APP):
        psql(f"DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN")
    psql(f"CREATE DATABASE {SOURCE} OWNER {OWNER}")
    psql(f"CREATE DATABASE {COPY} OWNER {OWNER}")
    yield tmp_path
    for database in (SOURCE, COPY):
        psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    for role in (OWNER, APP):
        psql(f"DROP ROLE IF EXISTS {role}")


def restore(backup: Path, env_file: Path) -> subprocess.CompletedProcess:
    """deploy/restore into the copy, as the owner of its database."""
    return subprocess.run(  # noqa: S603 - our own script
        [str(ROOT / "deploy" / "restore"), str(backup), "--env-file", str(env_file)]
        + ["--database-url", url(OWNER, COPY)],
        env=env_of(env_file),
        capture_output=True,
        text=True,
        timeout=900,
    )


def grant_app(database: str) -> None:
    psql(
        f"GRANT USAGE ON SCHEMA public TO {APP}; "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP}; "
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP};",
        database,
        user=OWNER,
    )


def test_a_backup_restores_into_a_new_database_and_folder_with_every_row_file_and_trigger(drill):
    common = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "FENGQIAO_PERSONAL_DATA_KEYS": f"drill-1:{base64.b64encode(secrets.token_bytes(32)).decode()}",
        "FENGQIAO_PERSONAL_DATA_INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "DJANGO_ALLOWED_HOSTS": "testserver,localhost",
        "REDIS_URL": REDIS,
        "FENGQIAO_PRIVATE_STORAGE": "folder",
        "FENGQIAO_STATIC_ROOT": drill / "static",
    }
    source_private, copy_private = drill / "source-private", drill / "copy-private"
    source_env = write_env(
        drill / "source.env",
        **common,
        DATABASE_URL=url(APP, SOURCE),
        FENGQIAO_PRIVATE_DIR=source_private,
        FENGQIAO_BACKUP_DIR=drill / "backups",
    )
    copy_env = write_env(
        drill / "copy.env", **common, DATABASE_URL=url(APP, COPY), FENGQIAO_PRIVATE_DIR=copy_private
    )
    as_owner = write_env(drill / "owner.env", **{**common, "DATABASE_URL": url(OWNER, SOURCE)})

    # A portal with data of every kind, deployed as README "Deploying" says.
    manage(as_owner, "migrate", "--noinput")
    grant_app(SOURCE)
    manage(as_owner, "collectstatic", "--noinput")
    manage(source_env, "load_demo", "--cases", str(CASES))
    filling = manage(source_env, "shell", "-c", FILL)
    filled = json.loads(filling.stdout.strip().splitlines()[-1])
    assert filled["attachments"] > 0, filled
    assert filled["reveals"] > 0, filled
    assert filled["export"] == "done", (filled["error"], filling.stderr[-3000:])
    source_counts = counts_of(SOURCE)
    source_files = files_of(source_private)
    for table in (
        "cases_case",
        "cases_attachment",
        "cases_personaldataaccess",
        "auditlog_logentry",
        "reports_generatedreport",
    ):
        assert source_counts[table] > 0, table
    assert any(name.startswith("attachments/") for name in source_files)
    assert filled["export_file"] in source_files

    # Back up as the services would: their environment file, their (non-owner) role.
    started = time.monotonic()
    run([str(ROOT / "deploy" / "backup"), "--env-file", str(source_env)], source_env)
    backup_seconds = time.monotonic() - started
    (backup,) = (drill / "backups").glob("fengqiao-*")
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["tables"] == source_counts
    assert {f["name"]: f["sha256"] for f in manifest["storage"]["files"]} == source_files

    # A damaged backup is refused before anything is touched.
    damaged = drill / "damaged"
    shutil.copytree(backup, damaged)
    victim = damaged / "files" / filled["export_file"]
    victim.write_bytes(victim.read_bytes()[:-1] + b"!")
    refused = restore(damaged, copy_env)
    assert refused.returncode == 2, refused.stderr
    assert f"files/{filled['export_file']}" in refused.stderr
    assert counts_of(COPY) == {}
    assert not copy_private.exists()

    # Restore into a new, empty database (as its owner) and a new, empty folder.
    started = time.monotonic()
    restored = restore(backup, copy_env)
    restore_seconds = time.monotonic() - started
    assert restored.returncode == 0, (restored.stdout[-3000:], restored.stderr[-3000:])
    print(f"drill: {CASES} cases, backup {backup_seconds:.1f} s, restore {restore_seconds:.1f} s")
    assert "complete and verified" in restored.stdout

    assert counts_of(COPY) == source_counts
    assert files_of(copy_private) == source_files

    # The portal starts on the copy, as the application role, and serves the files.
    manage(copy_env, "check")
    journey = json.loads(manage(copy_env, "shell", "-c", JOURNEY).stdout.strip().splitlines()[-1])
    assert journey == {
        "ready": [200, '{"status": "ready"}'],
        "case_page": 200,
        "download": 200,
        "download_matches": True,
        "export": 200,
    }

    # The audit tables are append-only again, even for the owner of the tables.
    before = counts_of(COPY)  # the journey's log-in added a session
    for statement in ("DELETE FROM auditlog_logentry", "TRUNCATE cases_personaldataaccess"):
        with pytest.raises(subprocess.CalledProcessError) as refused:
            psql(statement, COPY, user=OWNER)
        assert "append-only" in refused.value.stderr, refused.value.stderr
    assert counts_of(COPY) == before

    # A second restore into the now full copy is refused, and changes nothing.
    again = restore(backup, copy_env)
    assert again.returncode == 2, again.stderr
    assert "not empty" in again.stderr
    assert counts_of(COPY) == before
