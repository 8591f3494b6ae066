"""Developer laptop: the embedded defaults (SQLite, debug on, console mail)."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "local-development-only-not-secret")
os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

# Personal data keys: the environment's if it has them, else this laptop's own, made
# once under var/ and kept (common.personal_data.local_keys).
if not os.environ.get("FENGQIAO_PERSONAL_DATA_KEYS"):
    from pathlib import Path

    from common.personal_data import local_keys

    _keys_file = Path(__file__).resolve().parents[2] / "var" / "personal_data_keys.env"
    for _name, _value in local_keys(_keys_file).items():
        os.environ.setdefault(_name, _value)

from .base import *  # noqa: E402,F403

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
