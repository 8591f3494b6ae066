"""Settings shared by every environment. Values that differ per deployment come
from the environment through the strict readers in ``config.env``."""

from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from common.personal_data import check_key_ring, decode_key, parse_keys
from config.env import env_bool, env_choice, env_database, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "common",
    "accounts",
    "grids",
    "mediators",
    "cases",
    "reports",
    "notifications",
    # The audit trail (django-auditlog); audit/ scopes it and makes it read-only.
    "audit.auditlog_app.AuditlogInChineseConfig",
    "audit",
    # Log-in lockout; its admin is replaced by scoped, read-only ones in accounts/admin.py.
    "axes",
]

MIDDLEWARE = [
    # First: /healthz and /readyz answer before host checks, HTTPS redirects and sessions.
    "common.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "common.middleware.PrivateDownloadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check: a body whose upload was stopped at the limit is answered
    # 413, whatever part of the form (the token included) it never got to.
    "common.uploads.RefusedUploadMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who changed what, from which address (needs the user).
    "audit.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A temporary password must be replaced before anything else (needs the user).
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    # Last: turns a locked-out log-in into the lockout page (accounts/lockout.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.inbox",
            ],
        },
    },
]

# With no DATABASE_URL the portal runs on a SQLite file, so a laptop needs nothing else.
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    # One runaway query must not hold a web worker (and its connection) for ever: the web
    # unit sets 30 s, the workers far longer, migrations none (deploy/systemd).
    _statement_timeout = env_int("FENGQIAO_DB_STATEMENT_TIMEOUT_MS", 0)
    if _statement_timeout:
        _db_options["options"] = f"-c statement_timeout={_statement_timeout}"
    # psycopg's connection pool, per process (Django 5.1+): instead of a connection per
    # thread kept for CONN_MAX_AGE. With PgBouncer in transaction mode in front, leave it
    # off and keep CONN_MAX_AGE (README "Deploying").
    # Transaction-mode PgBouncer cannot keep a server-side cursor (.iterator()) across
    # transactions: Django then fetches in chunks on the client instead.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
        "FENGQIAO_DB_BEHIND_PGBOUNCER", False
    )
    if env_bool("FENGQIAO_DB_POOL", False):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        _db_options["pool"] = {
            "min_size": env_int("FENGQIAO_DB_POOL_MIN", 2),
            "max_size": env_int("FENGQIAO_DB_POOL_MAX", 8),
            "timeout": 10,
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cases:list"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # 等保 2.0: mixed character classes, on top of the length above.
    {"NAME": "accounts.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]

# ---------------------------------------------------------------------------
# Log-in protection (django-axes) and sessions
# ---------------------------------------------------------------------------
# Axes first: it refuses a locked-out log-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# A whole township office shares one address behind its router: lock the pair of
# username and address, so one forgetful colleague locks out only themselves, there.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env_int("FENGQIAO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("FENGQIAO_LOGIN_COOLOFF_MINUTES", 15))
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_ENABLE_ADMIN = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# nginx in front: how many proxies of ours append to X-Forwarded-For (production: 1).
# 0 reads REMOTE_ADDR only, so a client cannot choose its address with a header.
FENGQIAO_TRUSTED_PROXY_COUNT = env_int("FENGQIAO_TRUSTED_PROXY_COUNT", 0)
# ... and only from connections made by those proxies (addresses or networks, comma
# separated): the header of a client that reaches the application port directly is ignored.
FENGQIAO_TRUSTED_PROXY_ADDRESSES = env_list(
    "FENGQIAO_TRUSTED_PROXY_ADDRESSES", ["127.0.0.1", "::1"]
)
for _proxy in FENGQIAO_TRUSTED_PROXY_ADDRESSES:
    try:
        ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"FENGQIAO_TRUSTED_PROXY_ADDRESSES: {_proxy!r} is not an address or network"
        ) from None
AXES_CLIENT_IP_CALLABLE = "common.client_address.client_address"

# Idle sessions end (a shared office computer left logged in): each request moves the
# expiry on, so only inactivity counts.
SESSION_COOKIE_AGE = env_int("FENGQIAO_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Personal data at rest (common.personal_data; README "Personal data at rest"): party ID
# numbers and mobiles are encrypted with an authenticated cipher, "aes" (AES-256-GCM and
# HMAC-SHA256, the default) or "sm4" (SM4-GCM and HMAC-SM3, for systems assessed under
# 密评). KEYS is "id:base64key,..." (32-byte keys for aes, 16 for sm4); KEY_ID is the one
# new values are written with (the only one when a single key is listed); the others
# still decrypt until `manage.py rotate_personal_data_key` has moved everything to it.
# INDEX_KEY (32 bytes or more) keys the blind index that finds a number. Production
# refuses to start without them; local.py makes a laptop's once under var/.
FENGQIAO_PERSONAL_DATA_CIPHER = env_str("FENGQIAO_PERSONAL_DATA_CIPHER", "aes").strip().lower()
FENGQIAO_PERSONAL_DATA_KEYS = parse_keys(env_str("FENGQIAO_PERSONAL_DATA_KEYS", ""))
FENGQIAO_PERSONAL_DATA_KEY_ID = env_str(
    "FENGQIAO_PERSONAL_DATA_KEY_ID",
    next(iter(FENGQIAO_PERSONAL_DATA_KEYS)) if len(FENGQIAO_PERSONAL_DATA_KEYS) == 1 else "",
).strip()
FENGQIAO_PERSONAL_DATA_INDEX_KEY = decode_key(
    env_str("FENGQIAO_PERSONAL_DATA_INDEX_KEY", ""), name="FENGQIAO_PERSONAL_DATA_INDEX_KEY"
)
if FENGQIAO_PERSONAL_DATA_KEYS or FENGQIAO_PERSONAL_DATA_INDEX_KEY:
    # Whatever is given must work: a typo stops start-up, naming the variable.
    check_key_ring(
        cipher=FENGQIAO_PERSONAL_DATA_CIPHER,
        keys=FENGQIAO_PERSONAL_DATA_KEYS,
        current=FENGQIAO_PERSONAL_DATA_KEY_ID,
        index_key=FENGQIAO_PERSONAL_DATA_INDEX_KEY,
    )

# Who may use the back office, and how (read by common.admin_scoping, which knows no app).
FENGQIAO_ADMIN_ACCESS = "accounts.policy.admin_access"

# Chinese first; English is complete and selectable.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Where collectstatic gathers the hashed files nginx serves.
STATIC_ROOT = Path(env_str("FENGQIAO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

REST_FRAMEWORK = {
    # Machines (court, police, 12345) use tokens, the browser its session. Token first, so
    # a request without credentials gets 401 with a WWW-Authenticate header, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "common.api_policies.LedgerCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "common.api.PortalAutoSchema",
    "EXCEPTION_HANDLER": "common.api.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["common.api_policies.TokenClientRateThrottle"],
    # Throttles key on the client address: X-Forwarded-For only as far as our own proxies
    # (None would take the whole header, which a client can vary at will). The log-in
    # throttle asks common.client_address, which also checks the peer is our proxy.
    "NUM_PROXIES": FENGQIAO_TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        # A pushing system gets a steady allowance; a log-in attempt far less.
        "token_client": env_str("FENGQIAO_API_TOKEN_RATE", "600/min"),
        "token_login": env_str("FENGQIAO_API_LOGIN_RATE", "10/min"),
    },
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "枫桥式矛盾纠纷台账 API",
    "DESCRIPTION": (
        "Cases pushed in by the court, police, petition office and 12345 hotline, and read "
        "back. Every endpoint is scoped to the caller's area; errors are JSON with the field "
        "and a message in the caller's language (Accept-Language)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc from the sidecar package: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set, shared by every field that uses it.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.models.Status",
        "GradeEnum": "cases.models.Grade",
        "HandlingLevelEnum": "cases.models.HandlingLevel",
        "AreaLevelEnum": "grids.models.AreaLevel",
        "AgreementPerformanceEnum": "cases.models.Performance",
        "FollowUpPerformanceEnum": "cases.models.PerformanceCheck",
        "EscalationStatusEnum": "cases.models.EscalationStatus",
        "ResolutionMeansEnum": "cases.models.ResolutionMeans",
        "PartyKindEnum": "cases.models.parties.PartyKind",
        "PartyAgentKindEnum": "cases.models.parties.AgentKind",
    },
}

# Rate-limit counters and other shared state: Redis when there is one, else in-process.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Ledger pagination: enough rows for a desk screen, small enough for a phone.
CASES_PER_PAGE = env_int("FENGQIAO_CASES_PER_PAGE", 25)
# Lists count at most this many rows (common.pagination.CappedPaginator): over it they say
# "共 10,000+ 件", the exact figure one click away, and page deeper by keyset.
FENGQIAO_EXACT_COUNT_LIMIT = env_int("FENGQIAO_EXACT_COUNT_LIMIT", 10000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint tells each step of every PDF at INFO (cases.documents): only its warnings.
    "loggers": {"weasyprint": {"level": "WARNING"}},
}


# ---------------------------------------------------------------------------
# Celery: reminders and deliveries
# ---------------------------------------------------------------------------
# With REDIS_URL, a real Redis broker. Without it, a broker in plain files under var/,
# so web, worker and beat run together on a laptop with nothing else installed.
# Nothing that is due lives only in the broker: the sweeps below find it in the database.
CELERY_BROKER_DIR = BASE_DIR / "var" / "celery-broker"
CELERY_VISIBILITY_TIMEOUT = 2 * 60 * 60
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Redis hands an unacknowledged message to another worker after this long: it must
    # outlast the longest task (late acks), or a long export would run twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
else:
    CELERY_BROKER_URL = "filesystem://"
    (CELERY_BROKER_DIR / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
    }
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")

# Three queues, each with its own workers in production (deploy/), so a big export never
# holds up a reminder and a slow mail server never holds up a sweep:
# - reminders: the beat sweeps (quick, frequent), the default;
# - deliveries: sending email and SMS (and, when they come, webhooks), each with a timeout;
# - long: exports, dossiers and archives (minutes, bounded by FENGQIAO_LONG_TASK_SECONDS).
CELERY_TASK_DEFAULT_QUEUE = "reminders"
CELERY_QUEUES_ALL = ["reminders", "deliveries", "long"]
CELERY_TASK_ROUTES = {
    "notifications.tasks.deliver": {"queue": "deliveries"},
    "reports.tasks.export_ledger_report": {"queue": "long"},
}
# A send that hangs is cut off well inside the window after which another worker may
# claim the same delivery (notifications.services.STALE_CLAIM, 5 minutes), so it can never
# be sent twice: the SMTP or SMS call gives up after FENGQIAO_SEND_TIMEOUT_SECONDS, and the
# task itself is killed after FENGQIAO_SEND_TASK_SECONDS.
FENGQIAO_SEND_TIMEOUT_SECONDS = env_int("FENGQIAO_SEND_TIMEOUT_SECONDS", 30)
EMAIL_TIMEOUT = FENGQIAO_SEND_TIMEOUT_SECONDS
FENGQIAO_SEND_TASK_SECONDS = 2 * 60
# A long job is killed after this (hard limit; the soft one a minute earlier lets it mark
# the report failed), inside the stale window after which a redelivery may claim it again
# (FENGQIAO_EXPORT_STALE_SECONDS) and the broker's visibility timeout.
FENGQIAO_LONG_TASK_SECONDS = env_int("FENGQIAO_LONG_TASK_SECONDS", 50 * 60)

# Every entry names a task that exists (tests/notifications/test_beat_schedule.py checks).
# The sweeps are cheap when nothing is due (partial indexes), and safe to run twice.
CELERY_BEAT_SCHEDULE = {
    # The two reminder sweeps live in notifications.tasks under the names they had when
    # they lived in cases.tasks (queued messages name them so).
    # Follow-up visits: due within hours (the 24-hour call), so look every minute.
    "remind-due-follow-ups": {"task": "cases.tasks.sweep_follow_ups", "schedule": 60.0},
    # Cases past their time limit: a deadline is a date, so every ten minutes is plenty.
    "report-overdue-cases": {"task": "cases.tasks.sweep_overdue_cases", "schedule": 600.0},
    # The monthly review: the day and hour are policy (admin), so check every 15 minutes.
    "monthly-review-reminders": {"task": "reports.tasks.sweep_monthly_reviews", "schedule": 900.0},
    # Judicial confirmation windows closing: a deadline is a date, so hourly is plenty.
    "remind-judicial-confirmations": {
        "task": "notifications.tasks.sweep_judicial_confirmations",
        "schedule": 3600.0,
    },
    # Petition clocks (信访工作条例) near their end or past it: dates, so hourly is plenty.
    "remind-petition-clocks": {
        "task": "notifications.tasks.sweep_petition_clocks",
        "schedule": 3600.0,
    },
    # 重点人员 flags due for review: a date, so hourly is plenty.
    "remind-watch-reviews": {
        "task": "notifications.tasks.sweep_watch_reviews",
        "schedule": 3600.0,
    },
    # Email/SMS not yet sent (broker flushed, worker killed, backend down): every minute.
    "retry-deliveries": {"task": "notifications.tasks.sweep_deliveries", "schedule": 60.0},
}

# The overdue sweep reports at most this many cases per run (every ten minutes): a backlog
# is worked off over several runs instead of holding the reminders queue, where follow-up
# reminders wait behind it. At 1M cases a case costs about 2.6 ms (bench/sweeps.py, load
# average 3.6), so a run at the limit takes under half a minute.
FENGQIAO_OVERDUE_SWEEP_LIMIT = env_int("FENGQIAO_OVERDUE_SWEEP_LIMIT", 10000)

# The case's owner is reminded this many days before the 30-day window for applying for
# judicial confirmation (People's Mediation Law art. 33) closes, where the parties mean to.
FENGQIAO_JUDICIAL_REMINDER_DAYS = env_int("FENGQIAO_JUDICIAL_REMINDER_DAYS", 7)

FENGQIAO_SMS_BACKEND = env_str("FENGQIAO_SMS_BACKEND", "notifications.backends.ConsoleSmsBackend")
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "fengqiao@localhost")
# The office's mail server (production; laptops print mail to the console, tests keep it).
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)

# ---------------------------------------------------------------------------
# Generated reports (ledger exports)
# ---------------------------------------------------------------------------
# Files made for users (the export archive) live here: outside static/ and anything the
# web server serves; the portal hands them out after checking the user's reach.
FENGQIAO_PRIVATE_DIR = Path(env_str("FENGQIAO_PRIVATE_DIR", str(BASE_DIR / "var" / "private")))
# Where private files are kept (common.private_files): "folder" (FENGQIAO_PRIVATE_DIR, one
# node) or "s3", an S3-compatible object store every node shares (MinIO, a domestic cloud's
# object storage). Never public: no URL is ever handed out, downloads go through the views.
FENGQIAO_PRIVATE_STORAGE = env_str("FENGQIAO_PRIVATE_STORAGE", "folder")
if FENGQIAO_PRIVATE_STORAGE == "s3":
    PRIVATE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("FENGQIAO_S3_BUCKET"),
            "endpoint_url": env_str("FENGQIAO_S3_ENDPOINT_URL"),
            "access_key": env_str("FENGQIAO_S3_ACCESS_KEY"),
            "secret_key": env_str("FENGQIAO_S3_SECRET_KEY"),
            "region_name": env_str("FENGQIAO_S3_REGION", "us-east-1"),
            "location": env_str("FENGQIAO_S3_PREFIX", ""),
            "default_acl": "private",
            "file_overwrite": False,
            "addressing_style": "path",
            "signature_version": "s3v4",
            # Were a URL ever asked for, it would be signed and short-lived.
            "querystring_auth": True,
            "querystring_expire": 300,
        },
    }
elif FENGQIAO_PRIVATE_STORAGE == "folder":
    PRIVATE_STORAGE = {"BACKEND": "common.private_files.PrivateFolderStorage"}
else:
    raise ImproperlyConfigured(
        "Environment variable FENGQIAO_PRIVATE_STORAGE must be 'folder' or 's3'."
    )
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": PRIVATE_STORAGE,
}
# A ledger export of at most this many rows is made during the request; a larger one
# becomes a background task with a progress bar and lands in the archive.
FENGQIAO_EXPORT_SYNC_MAX_ROWS = env_int("FENGQIAO_EXPORT_SYNC_MAX_ROWS", 5000)
# A background export still "running" after this many seconds is taken to be dead (its
# worker was killed) and may be claimed again by a redelivered task.
FENGQIAO_EXPORT_STALE_SECONDS = env_int("FENGQIAO_EXPORT_STALE_SECONDS", 3600)
# The paper the office prints the monthly ledger on (reports.print_layout): A4, or A3
# where the office has an A3 printer; on A3 the printed ledger has more columns.
FENGQIAO_LEDGER_PAPER = env_choice("FENGQIAO_LEDGER_PAPER", ("A4", "A3"), "A4")
# Ledger import (all or nothing, checked in the request): a file is refused above these.
# About 14 ms a row on PostgreSQL, so 2,000 rows stay within a proxy's request timeout.
FENGQIAO_IMPORT_MAX_BYTES = env_int("FENGQIAO_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
FENGQIAO_IMPORT_MAX_ROWS = env_int("FENGQIAO_IMPORT_MAX_ROWS", 2000)

# ---------------------------------------------------------------------------
# Attachments (scanned agreements, photos): under FENGQIAO_PRIVATE_DIR/attachments/,
# served only through the portal after the case's scoping check (cases.attachments).
# ---------------------------------------------------------------------------
# One file may be at most this many bytes; the reverse proxy's body limit
# (client_max_body_size) should be a little above it so the portal gives the message.
FENGQIAO_ATTACHMENT_MAX_BYTES = env_int("FENGQIAO_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
# The retention period (保管期限) printed on a dossier's cover; the office's own rule.
FENGQIAO_DOSSIER_RETENTION = env_str("FENGQIAO_DOSSIER_RETENTION", "长期")
# Reading an upload stops as soon as one file passes the largest of the limits above
# (common.uploads), so an oversized body is never received whole.
FILE_UPLOAD_HANDLERS = [
    "common.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# ---------------------------------------------------------------------------
# The mediation documents (cases.documents; README "Documents")
# ---------------------------------------------------------------------------
# The font the PDFs embed: a file (TTF, OTF or TTC) and its family name. Empty: fontconfig
# is asked for WenQuanYi Micro Hei, then Noto Sans/Serif CJK SC (Debian packages).
FENGQIAO_DOCUMENT_FONT = env_str("FENGQIAO_DOCUMENT_FONT", "")
FENGQIAO_DOCUMENT_FONT_FAMILY = env_str("FENGQIAO_DOCUMENT_FONT_FAMILY", "")
# An office's own wording: a folder searched before ours, holding e.g.
# documents/agreement.html (see templates/documents/).
FENGQIAO_TEMPLATE_OVERRIDES = env_str("FENGQIAO_TEMPLATE_OVERRIDES", "")
if FENGQIAO_TEMPLATE_OVERRIDES:
    TEMPLATES[0]["DIRS"].insert(0, Path(FENGQIAO_TEMPLATE_OVERRIDES))

# ---------------------------------------------------------------------------
# Browser security: Content-Security-Policy and response headers
# ---------------------------------------------------------------------------
# The same strict policy in every environment, so development and the browser tests see
# what production serves: scripts and styles only from our own static files (no inline
# <script>, no on*= handlers, no style="" attributes), nothing from the internet, no
# framing. Django 5.2's admin is clean under it (its one inline <style> appears only on a
# change list with actions_on_top and actions_on_bottom both off, which none of ours
# sets); the Swagger UI page is served split (config/urls.py) with its inline styles in a
# static file (templates/api_docs/swagger_ui.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Swagger UI would otherwise show a badge image fetched from an online validator.
SPECTACULAR_SETTINGS["SWAGGER_UI_SETTINGS"] = {"deepLinking": True, "validatorUrl": None}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts never read the session cookie; Lax keeps it off cross-site form posts.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
