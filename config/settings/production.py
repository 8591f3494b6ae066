"""Production: every secret from the environment, HTTPS terminated by nginx in front.

Start-up stops, naming the variable, when something a production server must have is
missing or unsafe: a real secret key, the host names, the database, and debug left off.
``manage.py check --deploy --fail-level WARNING`` passes on these settings
(tests/config/test_deploy.py runs it).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY, env_bool, env_int, env_list

# Django's own bar for a secret key (security.W009): long and not a repeated pattern.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT_CHARACTERS = 5


def _refuse(message: str):
    raise ImproperlyConfigured(message)


if (
    len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
    or len(set(SECRET_KEY)) < SECRET_KEY_MIN_DISTINCT_CHARACTERS
    or SECRET_KEY.startswith("django-insecure-")
):
    _refuse(
        f"Environment variable DJANGO_SECRET_KEY must be a random string of at least "
        f"{SECRET_KEY_MIN_LENGTH} characters, e.g. from "
        f"`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )

# Debug pages show settings and local variables (ID numbers among them) to whoever
# triggers an error. A leftover DJANGO_DEBUG=true from a laptop must not switch them on.
if env_bool("DJANGO_DEBUG", False):
    _refuse(
        "Environment variable DJANGO_DEBUG is true, but production never runs in debug "
        "mode; unset it (use config.settings.local on a laptop)."
    )
DEBUG = False

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
    _refuse(
        "Environment variable DJANGO_ALLOWED_HOSTS must list the portal's host names, "
        "comma-separated (no '*')."
    )

# Production never falls back to the SQLite file a laptop uses.
if not os.environ.get("DATABASE_URL"):
    _refuse("Environment variable DATABASE_URL is required in production.")

# Personal data is never written in clear, nor with a key anybody else has: production
# has no embedded or generated keys (base.py has already checked any that are given).
_missing_keys = [
    name
    for name in ("FENGQIAO_PERSONAL_DATA_KEYS", "FENGQIAO_PERSONAL_DATA_INDEX_KEY")
    if not os.environ.get(name, "").strip()
]
if _missing_keys:
    _refuse(
        f"Environment variable {' and '.join(_missing_keys)} must be set in production: the "
        f'keys that encrypt and index personal data (README "Personal data at rest"). '
        f"Make them with `python3 -c 'import base64, os; "
        f"print(base64.b64encode(os.urandom(32)).decode())'`; "
        f"FENGQIAO_PERSONAL_DATA_KEYS=<key id>:<key>, FENGQIAO_PERSONAL_DATA_INDEX_KEY=<key>."
    )

# nginx terminates TLS and sets X-Forwarded-Proto itself (overwriting what the client
# sent), so the header can be trusted to tell a request that came in over HTTPS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Origins (scheme://host) allowed to post forms besides the portal's own host, e.g. when
# nginx serves it under a second name.
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# One year, subdomains included. Not "preload": that asks browser makers to hard-code
# HTTPS for the whole registrable domain (a county's gov.cn domain, not ours to commit)
# and takes months to undo; on an internal government network it does nothing at all.
# Hence check --deploy's reminder to preload (security.W021) is silenced on purpose.
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = False
SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "security.W021"]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    "private": PRIVATE_STORAGE,  # noqa: F405
}
