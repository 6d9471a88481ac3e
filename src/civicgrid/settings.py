"""Settings, all from the environment, with safe development defaults.

Production mode (CIVICGRID_ENV=production) refuses to start while any secret
still has its development value: a district must never run on keys that are
published in this repository.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("CIVICGRID_VAR_DIR", Path.cwd() / "var")).resolve()

ENVIRONMENT = os.environ.get("CIVICGRID_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"

DEV_SECRET_KEY = "dev-only-insecure-secret-key-civicgrid-do-not-use-in-production"
# 32 bytes, urlsafe base64 (Fernet format). Development only.
DEV_DATA_KEY = "ZGV2LW9ubHktZGF0YS1rZXktMzItYnl0ZXMtbG9uZyE="

SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
# Comma-separated list; the first key encrypts, all keys decrypt (rotation).
# HMAC key for exact-lookup hashes of identity numbers and phones; never rotated casually
# (every hash would have to be recomputed), so it is separate from the encryption keys.
DEV_LOOKUP_KEY = "dev-only-lookup-hash-key-civicgrid"
DATA_LOOKUP_KEY = os.environ.get("CIVICGRID_LOOKUP_KEY", DEV_LOOKUP_KEY)
DATA_ENCRYPTION_KEYS = [
    k.strip() for k in os.environ.get("CIVICGRID_DATA_KEYS", DEV_DATA_KEY).split(",") if k.strip()
]

DEBUG = os.environ.get("DEBUG", "0" if PRODUCTION else "1") == "1"
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]


# Set when nginx (deploy/nginx.conf) sits in front and sets X-Real-IP; never otherwise.
TRUST_PROXY_HEADERS = os.environ.get("CIVICGRID_TRUST_PROXY", "0") == "1"


def _refuse_development_secrets() -> None:
    problems = []
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 40:
        problems.append("SECRET_KEY 未设置或过短")
    if DEV_DATA_KEY in DATA_ENCRYPTION_KEYS:
        problems.append("CIVICGRID_DATA_KEYS 仍为开发密钥")
    if DATA_LOOKUP_KEY == DEV_LOOKUP_KEY or len(DATA_LOOKUP_KEY) < 32:
        problems.append("CIVICGRID_LOOKUP_KEY 未设置或过短")
    if DEBUG:
        problems.append("生产模式下 DEBUG 必须为 0")
    if not ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS 未设置")
    if problems:
        raise ImproperlyConfigured("生产模式拒绝启动：" + "；".join(problems))


if PRODUCTION:
    _refuse_development_secrets()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "ninja",  # its bundled Swagger UI: the API docs then work offline, without a CDN
    "django_tasks",
    "civicgrid.core.tasks_app.TasksDBConfig",  # django_tasks_db, named in Chinese
    "civicgrid.core",
    "civicgrid.regions",
    "civicgrid.departments",
    "civicgrid.cases",
    "civicgrid.people",
    "civicgrid.hotline",
    "civicgrid.open311",
    "civicgrid.dashboard",
    "civicgrid.api",
    "civicgrid.mediation",
    "civicgrid.orgs",
    "civicgrid.procurement",
    "civicgrid.care",
    "civicgrid.services",
    "civicgrid.affairs",
    "civicgrid.selfgov",
    "civicgrid.workforce",
]

MIDDLEWARE = [
    # Compresses HTML and JSON responses (Django's version pads each response against BREACH).
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files compressed (Brotli/gzip, built by collectstatic) and cached, with or without nginx.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "civicgrid.core.middleware.CleanInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "civicgrid.core.middleware.NavBadgeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "civicgrid.core.middleware.RequestContextMiddleware",
    "civicgrid.core.middleware.BadParameterMiddleware",
]

ROOT_URLCONF = "civicgrid.urls"
WSGI_APPLICATION = "civicgrid.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civicgrid.core.context_processors.civicgrid",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'civicgrid.sqlite3'}"),
        # Production keeps connections between requests (a new PostgreSQL connection costs more than
        # an intake's queries), checked before reuse so a restarted database costs one failed check.
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "600" if PRODUCTION else "0")),
        conn_health_checks=os.environ.get("DB_CONN_HEALTH_CHECKS", "1" if PRODUCTION else "0") == "1",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that skips the SELECT 1 on a connection in steady use
    # (core/pgbackend/base.py).
    DATABASES["default"]["ENGINE"] = "civicgrid.core.pgbackend"
    # Django's queries bind on the client and are never prepared. Intake's statements are prepared on
    # purpose (cases/onewrite.py bound_cursor); psycopg needs a threshold set for that, and one this
    # high never prepares anything else on its own.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 1_000_000_000)
# SQLite has no covering indexes: it builds the board's rollup index (dashboard rollup_answers)
# without its included columns, which is all SQLite needs there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker and the web server use the file at once. secure_delete overwrites deleted
    # rows with zeros, so an erased or anonymised resident's data does not linger in the file's free pages.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;",
         "timeout": 20,
         "transaction_mode": "IMMEDIATE"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTHENTICATION_BACKENDS = ["civicgrid.core.backends.RoleBackend"]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"

# Navigation badges (counts) are kept per user this many seconds (core/nav.py); 0 computes them on every page.
NAV_BADGE_SECONDS = int(os.environ.get("CIVICGRID_NAV_BADGE_SECONDS", 30))

# Sessions end after 8 working hours or when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 8 * 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
if PRODUCTION:
    # TLS ends at nginx (deploy/nginx.conf), which redirects HTTP and sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUST_PROXY_HEADERS else None
    SECURE_SSL_REDIRECT = os.environ.get("CIVICGRID_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("CIVICGRID_HSTS_SECONDS", 31536000))
X_FRAME_OPTIONS = "DENY"

# Sign-in throttling (core/throttle.py): failures allowed per (address, account) and per address
# before a back-off that starts at LOGIN_BACKOFF_SECONDS and doubles up to the maximum. There is no
# per-account lock: a stranger must not be able to lock an officer out of their own account.
LOGIN_PAIR_FAILURES = int(os.environ.get("LOGIN_PAIR_FAILURES", 5))
LOGIN_ADDRESS_FAILURES = int(os.environ.get("LOGIN_ADDRESS_FAILURES", 20))
LOGIN_BACKOFF_SECONDS = int(os.environ.get("LOGIN_BACKOFF_SECONDS", 60))
LOGIN_BACKOFF_MAX_SECONDS = int(os.environ.get("LOGIN_BACKOFF_MAX_SECONDS", 3600))
LOGIN_THROTTLE_WINDOW_SECONDS = int(os.environ.get("LOGIN_THROTTLE_WINDOW_SECONDS", 24 * 3600))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Project-wide assets (app.css, vendored Leaflet/htmx/ECharts) live outside any app.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # collectstatic writes hashed names plus .br/.gz beside each text file; WhiteNoise (or nginx's
    # gzip_static) serves them with a year's cache. Before collectstatic (development, tests) the
    # plain names are served from the app folders.
    "staticfiles": {"BACKEND": "civicgrid.staticstorage.CompressedStaticStorage"},
}
# Development and tests serve straight from the app folders; production serves STATIC_ROOT only.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Behind nginx: hand permitted media files over with X-Accel-Redirect to this internal location.
MEDIA_X_ACCEL_PREFIX = os.environ.get("CIVICGRID_MEDIA_X_ACCEL", "")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A larger upload (a scanned document, a photo) is spooled to disk before it is checked and re-encoded:
# into a folder of our own that only the service user can read, not the shared /tmp. Stored uploads
# are readable by the service user only.
FILE_UPLOAD_TEMP_DIR = str(VAR_DIR / "upload-tmp")
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# Scale-out (deploy/README.md, the [scale] extra): with CIVICGRID_REDIS_URL the task queue lives in
# Redis (RQ) instead of the database, so several workers take tasks without polling PostgreSQL.
REDIS_URL = os.environ.get("CIVICGRID_REDIS_URL", "")
if REDIS_URL:
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 1800}}

# Office hours used for working-time deadlines: list of (start, end) "HH:MM" pairs.
OFFICE_HOURS = [
    tuple(span.split("-"))
    for span in os.environ.get("CIVICGRID_OFFICE_HOURS", "09:00-12:00,13:30-17:30").split(",")
]

# Base-map tiles are optional: the map draws region polygons (with labels) without them.
# e.g. CIVICGRID_MAP_TILE_URL="https://tiles.example.gov.cn/{z}/{x}/{y}.png" (see README).
MAP_TILE_URL = os.environ.get("CIVICGRID_MAP_TILE_URL", "")
# The tile provider's required credit; shown only when tiles are configured.
MAP_TILE_ATTRIBUTION = os.environ.get("CIVICGRID_MAP_TILE_ATTRIBUTION", "")
# The installation's own credit line on every map (plain text, no links, no third-party symbols).
MAP_ATTRIBUTION = os.environ.get("CIVICGRID_MAP_ATTRIBUTION", "")


def _origin(url: str) -> str:
    """scheme://host[:port] of a tile URL template, for the CSP's img-src."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


# Content-Security-Policy (django-csp): no inline script anywhere: every script is a static file
# and data reaches it through json_script or data- attributes, so an injected <script> or on*
# attribute never runs. Styles keep 'unsafe-inline' because Leaflet, ECharts and htmx position
# elements with style attributes; a style cannot run code.
_TILE_ORIGIN = _origin(MAP_TILE_URL)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        # data:/blob: for Leaflet's and ECharts' generated images and the photo previews.
        "img-src": ["'self'", "data:", "blob:"] + ([_TILE_ORIGIN] if _TILE_ORIGIN else []),
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Permissions-Policy: location for the report forms and the roster ("use my location"); photos
# are taken through <input type=file capture>, which needs no camera permission; everything else off.
# Only features Chromium recognises (an unknown name is a console error on every page).
PERMISSIONS_POLICY = {
    "geolocation": ["self"],
    "camera": [],
    "microphone": [],
    "payment": [],
    "usb": [],
    "serial": [],
    "hid": [],
    "midi": [],
    "magnetometer": [],
    "gyroscope": [],
    "accelerometer": [],
    "autoplay": [],
    "display-capture": [],
    "encrypted-media": [],
    "fullscreen": [],
    "idle-detection": [],
    "picture-in-picture": [],
    "publickey-credentials-get": [],
    "screen-wake-lock": [],
    "xr-spatial-tracking": [],
    "browsing-topics": [],
    "interest-cohort": [],
}

# Grid gaps/overlaps smaller than this (in square metres) are tolerated on import.
GRID_TILING_TOLERANCE_M2 = float(os.environ.get("CIVICGRID_GRID_TOLERANCE_M2", 1.0))

# Stricter time limits (working hours) by intake channel; the stricter of category and channel applies.
# The hotline's default: accept within 30 min, dispatch within 1 h, handle within 5 working days;
# urgent: 10 min, 30 min, 1 working day. Override with CIVICGRID_CASE_CHANNEL_LIMITS as JSON.
CASE_CHANNEL_LIMITS = json.loads(os.environ.get("CIVICGRID_CASE_CHANNEL_LIMITS", "null") or "null") or {
    "hotline": {"accept": 0.5, "dispatch": 1, "handle": 35,
                "urgent_accept": 1 / 6, "urgent_dispatch": 0.5, "urgent_handle": 7},
}

# An unsolved or unsatisfied call-back: "review" (回访复核 decides; the default) or "reopen" (the operator
# may also reopen at once, as an explicit confirmed choice). See hotline/services.py.
HOTLINE_UNHAPPY_ACTION = os.environ.get("CIVICGRID_HOTLINE_UNHAPPY_ACTION", "review")
SMS_BACKEND = os.environ.get("CIVICGRID_SMS_BACKEND", "civicgrid.core.sms.ConsoleSMSBackend")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every line (runserver's access log included) loses identity and phone numbers: see core/logmask.py.
    "filters": {"mask_pii": {"()": "civicgrid.core.logmask.MaskPII"}},
    "formatters": {"django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}",
                                     "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_pii"]},
                 "django.server": {"class": "logging.StreamHandler", "formatter": "django.server",
                                   "filters": ["mask_pii"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"civicgrid": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": False},
                "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False}},
}
