"""Test run: SQLite by default, PostgreSQL when DATABASE_URL points at it."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Fixed, public test keys for personal data (never used anywhere else).
os.environ.setdefault(
    "FENGQIAO_PERSONAL_DATA_KEYS", "test-1:dGVzdC1rZXktYWVzLTI1Ni10aGlydHktdHdvLWJ5dGU="
)
os.environ.setdefault(
    "FENGQIAO_PERSONAL_DATA_INDEX_KEY", "dGVzdC1ibGluZC1pbmRleC1rZXktdGhpcnR5LXR3b2I="
)

from .base import *  # noqa: E402,F403

# Hashing passwords properly costs ~100 ms per user; tests create hundreds.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": PRIVATE_STORAGE,  # noqa: F405
}

# Counters (rate limits) must not leak between tests or runs: keep them in-process.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Tests run tasks with task.apply(); what the code queues goes to Redis when CI provides
# one (the end-to-end worker test reads it there), else nowhere.
CELERY_BROKER_URL = REDIS_URL or "memory://"  # noqa: F405
CELERY_BROKER_TRANSPORT_OPTIONS = {}

# Django empties the tables between transactional tests with TRUNCATE, which the audit
# tables refuse outside a declared maintenance session (audit/migrations/0002).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    _options = DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
    _options["options"] = f"{_options.get('options', '')} -c fengqiao.audit_maintenance=on".strip()
    _options.pop("pool", None)  # the test runner makes and drops databases itself
