"""deploy/backup and deploy/restore on several nodes' storage (issue 12): the private files
of an S3-compatible bucket (moto's server, started here) are copied into the backup with
their checksums and restored into an empty bucket, through the same storage API as the
folder of the restore drill (tests/deploy/test_restore_drill.py). The database here is
only migrated: the drill covers data of every kind."""

import base64
import hashlib
import json
import os
import secrets
import shutil
import subprocess

import pytest

from tests.config.test_private_storage import s3_client, s3_server  # noqa: F401 - fixture
from tests.deploy.test_restore_drill import (
    ROOT,
    _unavailable,
    manage,
    psql,
    run,
    url,
    write_env,
)

TAG = f"fq_drill_s3_{os.getpid()}"
SOURCE, COPY = f"{TAG}_source", f"{TAG}_copy"
OBJECTS = {
    "attachments/3/1f0c.pdf": b"%PDF-1.4\n%%EOF\n",
    "attachments/3/empty.png": b"",
    "exports/2026/12/ledger-1-ab.xlsx": secrets.token_bytes(3 * 1024 * 1024 + 17),
    "archives/2026/调解卷宗.zip": secrets.token_bytes(1000),
}


def bucket_checksums(client, bucket: str) -> dict[str, str]:
    listing = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {
        item["Key"]: hashlib.sha256(
            client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        ).hexdigest()
        for item in listing
    }


@pytest.fixture
def databases():
    if not shutil.which("psql") or not shutil.which("pg_dump"):
        _unavailable("psql/pg_dump are not installed (apt-get install postgresql-client)")
    try:
        psql("SELECT 1")
    except subprocess.CalledProcessError as error:
        _unavailable(f"no PostgreSQL: {error.stderr.strip()}")
    for database in (SOURCE, COPY):
        psql(f"CREATE DATABASE {database}")
    yield
    for database in (SOURCE, COPY):
        psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def test_a_backup_copies_a_bucket_and_restores_it_into_an_empty_one(
    databases,
    s3_server,  # noqa: F811 - the fixture imported above
    tmp_path,
):
    client = s3_client(s3_server)
    source_bucket, copy_bucket = f"{TAG}-source".replace("_", "-"), f"{TAG}-copy".replace("_", "-")
    for bucket in (source_bucket, copy_bucket):
        client.create_bucket(Bucket=bucket)
    for key, body in OBJECTS.items():
        client.put_object(Bucket=source_bucket, Key=key, Body=body)
    common = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "FENGQIAO_PERSONAL_DATA_KEYS": f"drill-1:{base64.b64encode(secrets.token_bytes(32)).decode()}",
        "FENGQIAO_PERSONAL_DATA_INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "FENGQIAO_PRIVATE_STORAGE": "s3",
        "FENGQIAO_S3_ENDPOINT_URL": s3_server,
        "FENGQIAO_S3_ACCESS_KEY": "testing",
        "FENGQIAO_S3_SECRET_KEY": "testing",
        "FENGQIAO_BACKUP_DIR": tmp_path / "backups",
    }
    source_env = write_env(
        tmp_path / "source.env",
        **common,
        DATABASE_URL=url(None, SOURCE),
        FENGQIAO_S3_BUCKET=source_bucket,
    )
    copy_env = write_env(
        tmp_path / "copy.env",
        **common,
        DATABASE_URL=url(None, COPY),
        FENGQIAO_S3_BUCKET=copy_bucket,
    )
    manage(source_env, "migrate", "-v0")

    run([str(ROOT / "deploy" / "backup"), "--env-file", str(source_env)], source_env)
    (backup,) = (tmp_path / "backups").glob("fengqiao-*")
    manifest = json.loads((backup / "manifest.json").read_text())
    expected = {key: hashlib.sha256(body).hexdigest() for key, body in OBJECTS.items()}
    assert manifest["storage"]["backend"] == "storages.backends.s3.S3Storage"
    assert {f["name"]: f["sha256"] for f in manifest["storage"]["files"]} == expected

    restored = run(
        [str(ROOT / "deploy" / "restore"), str(backup), "--env-file", str(copy_env)], copy_env
    )

    assert "complete and verified" in restored.stdout
    assert bucket_checksums(client, copy_bucket) == expected
