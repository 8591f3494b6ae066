"""/healthz and /readyz (issue 12): answered to a probe without log-in, host check or
HTTPS redirect, naming the failing checks and nothing else; and production refuses to
start without its static manifest."""

import json

import pytest
from django.test import Client

from tests.config.test_deploy import production_env, run


def test_healthz_answers_alive_to_any_probe_without_log_in(db):
    response = Client(HTTP_HOST="10.0.0.9").get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
    assert response["Cache-Control"] == "no-store"
    assert "sessionid" not in response.cookies


def test_readyz_is_ready_when_database_migrations_broker_and_storage_answer(db, settings, tmp_path):
    settings.FENGQIAO_PRIVATE_DIR = tmp_path / "private"

    response = Client(HTTP_HOST="127.0.0.1").get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready"}
    assert list((tmp_path / "private").iterdir()) == []  # the probe file is gone again


def test_readyz_names_a_private_folder_it_cannot_write_and_says_nothing_else(
    db, settings, tmp_path
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.FENGQIAO_PRIVATE_DIR = blocker / "private"

    response = Client().get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "failing": ["private_storage"]}


READYZ_PROBE = """
import json
import django
django.setup()
from django.test import Client
response = Client(HTTP_HOST="127.0.0.1").get("/readyz")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    result = run(
        ["manage.py", "collectstatic", "--noinput", "-v", "0"],
        production_env(FENGQIAO_STATIC_ROOT=str(root)),
    )
    assert result.returncode == 0, result.stderr
    return root


def test_in_production_readyz_reports_an_unreachable_database(collected_static, tmp_path):
    env = production_env(
        FENGQIAO_STATIC_ROOT=str(collected_static), FENGQIAO_PRIVATE_DIR=str(tmp_path)
    )

    result = run(["-c", READYZ_PROBE], env)

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert {"database", "migrations"} <= set(answer["body"]["failing"])
    assert "static_manifest" not in answer["body"]["failing"]


def test_production_refuses_to_start_without_the_static_manifest(tmp_path):
    env = production_env(FENGQIAO_STATIC_ROOT=str(tmp_path / "empty"))

    result = run(["-c", "import config.wsgi"], env)

    assert result.returncode != 0
    assert "collectstatic" in result.stderr.strip().splitlines()[-1]


def test_production_starts_once_the_static_files_are_collected(collected_static):
    env = production_env(FENGQIAO_STATIC_ROOT=str(collected_static))

    result = run(["-c", "import config.wsgi; print('loaded')"], env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("loaded")
