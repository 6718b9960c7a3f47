"""Settings for Defence Ties Dashboard, read from the environment.

DJANGO_DEBUG        "1"/"true" turns debug on; off otherwise.
DJANGO_SECRET_KEY   required when debug is off.
DJANGO_ALLOWED_HOSTS comma-separated host names.
DATABASE_URL        e.g. postgres://user@host:5432/name; a SQLite file by default.
DJANGO_SECURE_*     turn parts of the HTTPS hardening off when DJANGO_DEBUG is off (README).
DASHBOARD_LOGIN_REQUIRED "1" makes every page need a login; reading is open otherwise.
DJANGO_AXES_*       the sign-in lock-out: failures allowed, minutes locked (README).
DASHBOARD_PAGE_CACHE_SECONDS how long rendered pages are cached (3600; 0 renders every view).
DASHBOARD_API_*     the web API's throttling (README, "Web API").
DJANGO_LOG_LEVEL    what reaches the log on stderr (WARNING; INFO, DEBUG for more).
DASHBOARD_EXPORT_*  the exports' row cap and anonymous rate (README, "Exports").
DASHBOARD_FIXTURE_UPLOAD_DIR where the admin's upload page keeps a checked file (private).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_rate(name: str, default: str) -> str | None:
    """A throttle rate such as "120/minute"; "off" (or empty) for none."""
    value = os.environ.get(name, default).strip()
    return None if value.lower() in {"", "off", "none"} else value


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(set DJANGO_DEBUG=1 for local development)."
        )
    SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tables2",
    "csp",
    "axes",
    "simple_history",
    "rest_framework",
    # Before the dashboard, whose admin replaces authtoken's token admin.
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The data version, read once a request, keys everything cached (dashboard/cache.py).
    "dashboard.cache.DataVersionMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After authentication: history rows written during a request record its user.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last but for axes (which handles no exceptions), so that it is the first to see an
    # exception a view raises.
    "dashboard.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a sign-in its backend refused as locked out into the
    # lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "dashboard.context_processors.page_cache",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis when REDIS_URL is set (shared by every server process); otherwise a per-process cache,
# which is right for one process such as `make run`.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Pages cache their rendered content for this long. Cached pieces are keyed
# by the data version (dashboard/cache.py), so an edit or a load shows at once; 0 turns it off.
DASHBOARD_PAGE_CACHE_SECONDS = int(os.environ.get("DASHBOARD_PAGE_CACHE_SECONDS", "3600"))
# An export holds at most this many rows (0: no cap); past it, the reader is asked to narrow
# the filters. XLSX, the slowest, writes 50,000 deals in about 10 s on a busy two-core machine,
# inside gunicorn's 30 s timeout (bench/README.md).
DASHBOARD_EXPORT_MAX_ROWS = int(os.environ.get("DASHBOARD_EXPORT_MAX_ROWS", "50000"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
# In production WhiteNoise serves what `collectstatic` wrote: compressed, under hashed names that
# browsers may cache for ever. Debug serves the source files as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security ----------------------------------------------------------------------------------
# With debug off every hardening is on; each can be turned off for a deployment that does it
# elsewhere, say a proxy that terminates TLS (README, "Serving in production").
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe over plain HTTP, straight to the server.
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^ready/$"]
SECURE_HSTS_SECONDS = int(
    os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0" if DEBUG else str(365 * 24 * 60 * 60))
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER"):
    # Only behind a proxy that sets this header itself: otherwise a client could claim HTTPS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Every script and style comes from this site's own static files, so nothing inline needs to run
# and no third party is trusted. Chart data travels in `json_script` blocks, which are data.
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
    },
}

FIXTURE_DIRS = [BASE_DIR / "fixtures"]
# The admin's "Load fixtures" page takes uploads up to this size, so a request stays short;
# `manage.py load_fixtures` streams files of any size.
FIXTURE_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
# What one load may hold (dashboard/loading/reading.py, Limits), checked before a parser sees
# the file, so that no file can crash, fill or stall the process; a file over any limit is
# refused with one line naming it and the record. A fixture nests 5 deep, and no number in it
# has more than about 20 digits. FIXTURE_MAX_DIGITS stays at most 4,300 (Python's own limit on
# reading an integer); FIXTURE_MAX_STRING_BYTES at least 64 KB.
FIXTURE_MAX_DECOMPRESSED_BYTES = 8 * 2**30  # each file, once decompressed (the command)
FIXTURE_MAX_RECORDS = 5_000_000  # the batch (the command)
FIXTURE_UPLOAD_MAX_DECOMPRESSED_BYTES = 200 * 2**20  # the admin's upload page
FIXTURE_UPLOAD_MAX_RECORDS = 200_000  # the admin's upload page
FIXTURE_MAX_DEPTH = 10  # arrays and objects inside one another, from the file's top
FIXTURE_MAX_DIGITS = 100  # of one number
FIXTURE_MAX_STRING_BYTES = 16 * 2**20  # one string as written (a source's full text)
FIXTURE_MAX_ERRORS = 1000  # problems kept and shown; the rest are counted
# Where the upload page keeps a checked file until it is confirmed: a folder only the server's
# user may use (checked). None: one per user in the system's temporary folder.
FIXTURE_UPLOAD_DIR = os.environ.get("DASHBOARD_FIXTURE_UPLOAD_DIR") or None

DJANGO_TABLES2_TEMPLATE = "django_tables2/dashboard_table.html"

# --- Who may do what ---------------------------------------------------------------------------
# Reading is open unless DASHBOARD_LOGIN_REQUIRED is on; then every page needs a login but the
# sign-in page itself, /health/, /ready/ and the static files (README, "Who may do what").
# Writing is the admin's, for staff in the groups that migration 0004 creates.
DASHBOARD_LOGIN_REQUIRED = env_bool("DASHBOARD_LOGIN_REQUIRED")
if DASHBOARD_LOGIN_REQUIRED:
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        # Django's LoginRequiredMiddleware, with every admin page sent to the admin's sign-in.
        "dashboard.middleware.LoginRequiredMiddleware",
    )
# The dashboard's own sign-in page: the admin's refuses users who are not staff.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = LOGOUT_REDIRECT_URL = "dashboard:overview"

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out sign-in is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# After this many failed sign-ins a username is locked from the address that failed only, so an
# attacker elsewhere cannot lock its owner, or everyone, out.
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_AXES_FAILURE_LIMIT", "5"))
axes_cooloff_minutes = int(os.environ.get("DJANGO_AXES_COOLOFF_MINUTES", "15"))
if AXES_FAILURE_LIMIT < 1 or axes_cooloff_minutes < 1:
    # A cool-off of 0 would lock for good.
    raise ImproperlyConfigured(
        "DJANGO_AXES_FAILURE_LIMIT and DJANGO_AXES_COOLOFF_MINUTES must be at least 1."
    )
AXES_COOLOFF_TIME = timedelta(minutes=axes_cooloff_minutes)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"

# --- The web API (dashboard/api/, README "Web API") -----------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a request without credentials is answered 401 with
        # `WWW-Authenticate: Token`.
        "dashboard.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["dashboard.api.permissions.AdminRules"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("DASHBOARD_API_ANON_RATE", "120/minute"),
        "failed_authentication": env_rate("DASHBOARD_API_FAILED_AUTH_RATE", "10/hour"),
        # The list pages' exports (?_export=), for anonymous readers (dashboard/views.py).
        "export": env_rate("DASHBOARD_EXPORT_ANON_RATE", "10/minute"),
    },
    # Throttles count the address the request comes from. DRF would otherwise believe any
    # X-Forwarded-For header, so that a client could name a new address with every request.
    "NUM_PROXIES": int(os.environ.get("DASHBOARD_API_NUM_PROXIES", "0")),
    "EXCEPTION_HANDLER": "dashboard.api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Defence Ties Dashboard API",
    "DESCRIPTION": (
        "Every record and every analysis of the dashboard as JSON, with the same filters as "
        "the pages. Reading is open unless the site asks for a login; writing takes a token "
        "(or a signed-in session) of a user whose group allows it, as in the admin."
    ),
    "VERSION": "1",
    # References are written as a record's key and read as a short object.
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/",
    # Swagger UI's files come from this site's own static files: no CDN, as the CSP asks.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "DealKind": "dashboard.models.Deal.Kind",
        "PersonKind": "dashboard.models.Person.Kind",
        "StatementKind": "dashboard.models.Statement.Kind",
        "DealStage": "dashboard.models.Deal.Stage",
        "PlatformCategory": "dashboard.models.Platform.Category",
        "DatePrecision": "dashboard.partial_dates.PRECISION_CHOICES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "dashboard.api.schema.document_errors",
    ],
}


# --- Logging -------------------------------------------------------------------------------------
# Everything worth a look goes to stderr, where gunicorn and runserver show it: with debug off,
# Django's own defaults would send a server error only to e-mail, which is not set up.
LOG_LEVEL = os.environ.get("DJANGO_LOG_LEVEL", "WARNING").strip().upper() or "WARNING"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {"django": {"handlers": ["stderr"], "level": LOG_LEVEL, "propagate": False}},
}
