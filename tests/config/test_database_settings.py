"""Production's database connection (issue 12): a statement timeout per process kind and
psycopg's connection pool, both from the environment."""

import json
import os

import pytest

from tests.config.test_deploy import production_env, run

PROBE = """
import json
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SHOW statement_timeout")
    timeout = cursor.fetchone()[0]
print(json.dumps({"timeout": timeout, "pooled": connection.pool is not None}))
"""


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs the PostgreSQL server CI provides",
)
def test_a_web_process_gets_its_statement_timeout_and_a_pooled_connection():
    # The server's own maintenance database: the run's named one may not exist (pytest
    # makes test_<name>), and this probe reads nothing.
    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    env = production_env(
        DATABASE_URL=f"{server}/postgres",
        FENGQIAO_DB_STATEMENT_TIMEOUT_MS="30000",
        FENGQIAO_DB_POOL="true",
    )

    result = run(["-c", PROBE], env)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "timeout": "30s",
        "pooled": True,
    }


SETTINGS_PROBE = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({"options": db.get("OPTIONS", {}), "max_age": db["CONN_MAX_AGE"]}))
"""


def test_without_the_variables_there_is_no_timeout_and_no_pool():
    result = run(["-c", SETTINGS_PROBE], production_env())

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert "statement_timeout" not in answer["options"].get("options", "")
    assert "pool" not in answer["options"]
    assert answer["max_age"] == 60
