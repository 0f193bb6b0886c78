"""Rapport settings: configured by environment variables only (see docs/configuration.md)."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from rapport.lib.env import envbool, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent

# An empty RAPPORT_DATA_DIR means the default too (never the current directory).
DATA_DIR = Path(envstr("RAPPORT_DATA_DIR") or str(PROJECT_DIR / "data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = envbool("DEBUG", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data dir."""
    key = envstr("SECRET_KEY")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "rapport.accounts",
    "rapport.customers",
    "rapport.tickets",
    "rapport.intake",
    "rapport.outbox",
    "rapport.mail",
    "rapport.notify",
    "rapport.jobs",
    "rapport.rules",
    "rapport.sla",
    "rapport.promises",
    "rapport.agents",
    "rapport.realtime",
    "rapport.webchat",
    "rapport.phone",
    "rapport.telegram",
    "rapport.search",
    "rapport.kb",
    "rapport.reviews",
    "rapport.feedback",
    "rapport.suggest",
    "rapport.followups",
    "rapport.reports",
    "rapport.macros",
    "rapport.approvals",
    "rapport.ideas",
    "rapport.training",
    "rapport.sideconv",
    "rapport.api",
    "rapport.webhooks",
    "rapport.portal",
    "rapport.security",
    "rapport.privacy",
    "rapport.demo",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "rapport.security.middleware.CSPMiddleware",  # docs/security.md: strict CSP
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "rapport.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "rapport.privacy.audit.AuditMiddleware",  # docs/privacy.md: who viewed what
    "rapport.lib.unavailable.DatabaseUnavailableMiddleware",  # a database outage is a 503
]

ROOT_URLCONF = "rapport.urls"
ASGI_APPLICATION = "rapport.asgi.application"
WSGI_APPLICATION = "rapport.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "rapport.notify.context_processors.notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite (WAL, IMMEDIATE transactions so concurrent writers queue instead of failing) in the
# data directory by default; PostgreSQL (or anything dj-database-url knows) by DATABASE_URL.
_DATABASE_URL = envstr("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'rapport.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        _DATABASE_URL,
        # A new PostgreSQL connection costs 4–6 ms a request (bench/): keep them for a minute.
        conn_max_age=envint("DB_CONN_MAX_AGE", 0 if _DATABASE_URL.startswith("sqlite") else 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and envbool("DB_POOL", False):
    # A pool of connections (psycopg_pool, Django's OPTIONS["pool"]) instead of one connection
    # per request: set by rapport/asgi.py, where every request runs on a thread of its own. A
    # request borrows a connection and gives it back when it ends; at most DB_POOL_MAX_SIZE
    # are open per process (a request waits up to DB_POOL_TIMEOUT seconds for one when all
    # are in use); a connection PostgreSQL has closed is replaced when next borrowed
    # (conn_health_checks above: the pool checks it first). 32: the web chat's and the relay's
    # five long-lived threads keep theirs, and a request holds its connection throughout (a
    # log-in through its password hash); 16 ran out under bench/load.py on a starved machine.
    # Several server processes on one PostgreSQL: their max sizes must fit max_connections.
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections, not Django
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": envint("DB_POOL_MIN_SIZE", 2),
        "max_size": envint("DB_POOL_MAX_SIZE", 32),
        "timeout": envint("DB_POOL_TIMEOUT", 30),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, with writers queued on a lock file (rapport/lib/sqlite/base.py).
    DATABASES["default"]["ENGINE"] = "rapport.lib.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
            "PRAGMA busy_timeout=20000;PRAGMA cache_size=-65536;PRAGMA temp_store=MEMORY"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inbox"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": envint("RAPPORT_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Log-in throttling per username + IP address, and the second factor (docs/security.md).
AUTHENTICATION_BACKENDS = ["rapport.security.backends.ThrottledModelBackend"]
RAPPORT_LOGIN_MAX_FAILURES = envint("RAPPORT_LOGIN_MAX_FAILURES", 5)
RAPPORT_LOGIN_LOCKOUT_MINUTES = envint("RAPPORT_LOGIN_LOCKOUT_MINUTES", 15)

# --- Redis: realtime layer, cache and task queue beyond one machine -------------------------
REDIS_URL = envstr("REDIS_URL")
# Web processes on this machine without Redis (`uvicorn --workers N`, which reads
# WEB_CONCURRENCY too): above 1, each web process relays its own events to the others and the
# cache is shared (docs/scaling.md, "Two web processes on one machine"). 1 (the default): the
# in-process layer and cache of one process, as ever. With REDIS_URL it changes nothing.
RAPPORT_WEB_PROCESSES = max(1, envint("RAPPORT_WEB_PROCESSES", envint("WEB_CONCURRENCY", 1)))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": envstr("CACHE_PREFIX", "rapport"),
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 reads with a 5 s socket timeout by default; the layer's blocking
            # BZPOPMIN waits longer on an idle socket: without this, every idle consumer dies.
            # Its asyncio pool also refuses (MaxConnectionsError, no wait) a 101st connection
            # in use: 1,000 chat visitors saying hello at once on a busy server failed 300-660
            # welcomes that way (issue #6, bench/ws_chat.py --redis).
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": None, "max_connections": 4096}]
            },
        }
    }
    TASKS = {"default": {"BACKEND": "django_tasks_rq.backend.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    # RQ workers must run django-tasks' Job class (plain RQ jobs cannot call a Task): set here,
    # so a bare `manage.py rqworker default` works. Workers and scheduler: docs/background.md.
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
    INSTALLED_APPS.append("django_rq")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if RAPPORT_WEB_PROCESSES > 1:
        # Several web processes: presence and rate limits in a cache they share, a SQLite file
        # of its own (not the database: no wait for its write lock; docs/scaling.md).
        CACHES = {
            "default": {
                "BACKEND": "rapport.realtime.cache.SQLiteCache",
                "LOCATION": str(DATA_DIR / "cache.sqlite3"),
            }
        }
    # Channels' in-process layer, walking its channels once a second rather than per message.
    # With several web processes each has its own, and they tell each other through the relay
    # table (rapport/realtime/relay.py).
    CHANNEL_LAYERS = {"default": {"BACKEND": "rapport.realtime.layers.InMemoryChannelLayer"}}
    TASKS = {
        "default": {
            "BACKEND": envstr("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        }
    }

# --- Languages and time -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = envstr("TIME_ZONE", "UTC")

# --- Static and uploaded files -------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Security (docs/security.md) -------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script, no eval, nothing framed, nothing from elsewhere. The chat widget runs on
# other sites under *their* policy; its endpoints answer CORS for the widget's allowed origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "media-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# RAPPORT_ENV=production: HTTPS only (redirect, HSTS, secure cookies); `manage.py check
# --deploy` is clean with it (rapport/security/tests/test_deploy.py).
RAPPORT_ENV = envstr("RAPPORT_ENV", "development")
if RAPPORT_ENV not in ("development", "production"):
    raise ImproperlyConfigured(
        f"RAPPORT_ENV must be development or production, not {RAPPORT_ENV!r}"
    )
if RAPPORT_ENV == "production":
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off with RAPPORT_ENV=production")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = envlist("SECURE_REDIRECT_EXEMPT", [])
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] = True
if envbool("BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("MAX_UPLOAD_BYTES", 25 * 1024 * 1024)

# --- Rapport policy limits ------------------------------------------------------------------
RAPPORT_MAX_BODY_CHARS = envint("RAPPORT_MAX_BODY_CHARS", 200_000)
# Deferred intake (docs/intake.md): the raw-MIME endpoint only stores what it receives (202)
# and `manage.py intake_worker` processes it in batches. `make run` turns it on and starts the
# worker; off, the endpoint processes each message before it answers.
RAPPORT_INTAKE_DEFERRED = envbool("RAPPORT_INTAKE_DEFERRED", False)
RAPPORT_INBOX_PAGE_SIZE = 25
RAPPORT_COUNT_CAP = 1000  # live counts are exact up to this many, then shown as "1000+"

# --- REST API v1 and outgoing webhooks (docs/api.md, docs/webhooks.md) ----------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rapport.api.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # the web UI, with CSRF
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rapport.api.auth.HasScope"],
    "DEFAULT_PAGINATION_CLASS": "rapport.api.pagination.Cursor",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rapport API",
    "DESCRIPTION": "REST API v1 of the Rapport service desk (docs/api.md).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # vendored assets: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "rapport.tickets.models.Status",
        "ArticleStatusEnum": "rapport.kb.models.Status",
        "ArticleLanguageEnum": "rapport.kb.models.Language",
        "ChannelEnum": "rapport.lib.channels.Channel",
        "IdentityKindEnum": "rapport.lib.channels.IdentityKind",
        "CustomerKindEnum": "rapport.customers.models.CustomerKind",
        "EventKindEnum": "rapport.tickets.models.EventKind",
        "UserLanguageEnum": LANGUAGES,
    },
}
RAPPORT_API_RATE_LIMIT = envint("RAPPORT_API_RATE_LIMIT", 600)  # requests per token per window
RAPPORT_API_RATE_WINDOW = envint("RAPPORT_API_RATE_WINDOW", 60)  # seconds
# Webhooks to loopback/private addresses are refused (SSRF) unless this is set.
RAPPORT_WEBHOOKS_ALLOW_PRIVATE = envbool("RAPPORT_WEBHOOKS_ALLOW_PRIVATE", False)
RAPPORT_WEBHOOK_TIMEOUT = envint("RAPPORT_WEBHOOK_TIMEOUT", 10)  # seconds
RAPPORT_WEBHOOK_MAX_ATTEMPTS = envint("RAPPORT_WEBHOOK_MAX_ATTEMPTS", 12)  # ~ a day of retries
RAPPORT_WEBHOOK_DISABLE_AFTER = envint("RAPPORT_WEBHOOK_DISABLE_AFTER", 20)  # failures in a row
RAPPORT_WEBHOOK_BATCH = envint("RAPPORT_WEBHOOK_BATCH", 200)  # claimed per round
RAPPORT_WEBHOOK_CONCURRENCY = envint("RAPPORT_WEBHOOK_CONCURRENCY", 8)  # per endpoint
# A delivery left "sending" this long (its worker died) is sent again by the sweep.
RAPPORT_WEBHOOK_STUCK_AFTER = envint("RAPPORT_WEBHOOK_STUCK_AFTER", 300)  # seconds

# --- System e-mail to agents (rule notifications; customers' mail goes through mailboxes) ---
# Without EMAIL_HOST (the one-machine default) such mail is written to files in the data
# directory instead of failing against a mail server that is not there.
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if envstr("EMAIL_HOST")
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = DATA_DIR / "agent-mail"
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "rapport@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
