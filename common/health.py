"""Health answers for the load balancer and the service manager, and the start-up check
that production has its static manifest.

``/healthz``: the process is up (nothing else is touched). ``/readyz``: it can serve —
the database answers, every migration is applied, the broker answers, the private
folder takes a file, and (with hashed static names) the manifest is there. Both are
answered by ``HealthCheckMiddleware`` ahead of everything else: no log-in, no session,
no host check (a probe asks for 127.0.0.1), no HTTPS redirect, and nothing about the
data in the answer, only which checks failed. Cheap enough to poll every few seconds:
the migration check, the only costly one, is remembered once it has passed.
"""

import io
import json
import uuid

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse

_migrations_applied = False


def _database() -> bool:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _migrations() -> bool:
    global _migrations_applied
    if not _migrations_applied:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        targets = executor.loader.graph.leaf_nodes()
        _migrations_applied = not executor.migration_plan(targets)
    return _migrations_applied


def _broker() -> bool:
    from config.celery import app

    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)
    return True


def _private_storage() -> bool:
    from common import private_files

    name, _size, _sha256 = private_files.save_private(
        f".ready-{uuid.uuid4().hex}", io.BytesIO(b"ok")
    )
    private_files.delete_private(name)
    return True


def static_manifest_present() -> bool:
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestStaticFilesStorage):
        return True  # names are not hashed: nothing to look up
    return storage.exists(storage.manifest_name)


CHECKS = {
    "database": _database,
    "migrations": _migrations,
    "broker": _broker,
    "private_storage": _private_storage,
    "static_manifest": static_manifest_present,
}


def failing_checks() -> list[str]:
    failing = []
    for name, check in CHECKS.items():
        try:
            passed = check()
        except Exception:  # any failure to answer is "not ready"
            passed = False
        if not passed:
            failing.append(name)
    return failing


def _answer(status: int, body: dict) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    PATHS = ("/healthz", "/readyz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.rstrip("/") not in self.PATHS or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        if request.path_info.rstrip("/") == "/healthz":
            return _answer(200, {"status": "alive"})
        failing = failing_checks()
        if failing:
            return _answer(503, {"status": "not ready", "failing": failing})
        return _answer(200, {"status": "ready"})


def require_static_manifest() -> None:
    """Called as the application server loads the portal: without ``collectstatic`` every
    page would be a 500, and a worker started that early would never recover."""
    if not static_manifest_present():
        raise ImproperlyConfigured(
            "The static files manifest is missing: run `python manage.py collectstatic "
            "--noinput` before starting the portal."
        )
