import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

# Refuse to start rather than answer every page with a 500 (common.health).
from common.health import require_static_manifest  # noqa: E402

require_static_manifest()
