"""The Celery app: ``celery -A config worker`` / ``celery -A config beat``.

Settings come from Django's, under the CELERY_ prefix (broker, beat schedule, ...).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("fengqiao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
