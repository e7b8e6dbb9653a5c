"""Loupe settings: one module, driven by environment variables.

With no environment set, Loupe runs the embedded default: SQLite, local files
under LOUPE_DATA_DIR, a file cache there too, and in-process tasks.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "loupe-development-key-never-use-in-production"  # noqa: S105


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name).lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {value!r}.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = env_str(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_float(name: str, default: float) -> float:
    value = env_str(name)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}.") from None
    if not 0 < number < float("inf"):
        raise ImproperlyConfigured(f"{name} must be a positive number, not {value!r}.")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = env_str(name)
    if not value:
        return list(default or [])
    items = [item.strip() for item in value.split(",")]
    if not all(items):
        raise ImproperlyConfigured(f"{name} must be a comma-separated list without empty items.")
    return items


LOUPE_ENV = env_str("LOUPE_ENV", "development")
if LOUPE_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"LOUPE_ENV must be 'development' or 'production', not {LOUPE_ENV!r}.")
PRODUCTION = LOUPE_ENV == "production"

DATA_DIR = Path(env_str("LOUPE_DATA_DIR") or BASE_DIR / "var").resolve()

DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or DEV_SECRET_KEY
if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG is refused in production: its error pages show settings and code.")
    if SECRET_KEY == DEV_SECRET_KEY:
        raise ImproperlyConfigured("Production needs DJANGO_SECRET_KEY; the development key is refused.")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 characters long.")
    if not env_str("DJANGO_ALLOWED_HOSTS"):
        raise ImproperlyConfigured("Production needs DJANGO_ALLOWED_HOSTS.")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("LOUPE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env_str("LOUPE_SITE_NAME", "Loupe")

INSTALLED_APPS = [
    "newsroom",
    "galleries",
    "api",
    "newsroom.apps.LoupeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_tasks_db",
    "reversion",
    "storages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside the page cache, so a cached API answer carries its CORS header too.
    "api.middleware.cross_origin_reads",
    "newsroom.middleware.JsonErrorsMiddleware",
    "newsroom.middleware.reject_null_characters",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and CSRF: a cached public page is answered without them.
    "galleries.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "newsroom.context_processors.site",
            ],
        },
    },
    # Two measured hot surfaces, comment threads and a gallery's photos, render with Jinja2 (docs/public-site.md).
    {
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "newsroom.jinja.environment"},
    },
]

# Database: SQLite under LOUPE_DATA_DIR unless DATABASE_URL names another.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    try:
        _database = dj_database_url.parse(DATABASE_URL)
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {error}") from None
    if _database["ENGINE"] == "django.db.backends.postgresql":
        from psycopg_pool import ConnectionPool

        def _check_pooled_connection(connection) -> None:
            # psycopg's pool pauses longer after each dead connection it meets (1 s, 2 s, 4 s…), so a pool
            # full of connections a database restart killed would make requests time out one by one. At the
            # first dead one, every idle connection is tested at once and the dead ones replaced.
            try:
                ConnectionPool.check_connection(connection)
            except Exception:
                if pool := getattr(connection, "_pool", None):
                    pool.check()
                raise

        _database.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("LOUPE_DB_POOL_MIN", 1),
            "max_size": env_int("LOUPE_DB_POOL_MAX", 10, minimum=1),
            # After the database restarts, every pooled connection is dead: each is tried before it is
            # handed out, so no request pays for one. A request waits at most this long for a connection.
            "check": _check_pooled_connection,
            "timeout": env_int("LOUPE_DB_POOL_TIMEOUT", 5, minimum=1),
            # psycopg's pool doubles its pause between reconnection attempts without limit: after a long outage
            # it would wait minutes before trying again, and requests would time out waiting for it. Giving up
            # after 3 s lets the next request start a fresh attempt at once, so no request waits longer than
            # that for the database once it is back.
            "reconnect_timeout": 3,
        }
        # Fail fast while the database is unreachable instead of hanging on the operating system's timeout.
        _database["OPTIONS"].setdefault("connect_timeout", env_int("LOUPE_DB_CONNECT_TIMEOUT", 3, minimum=1))
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    _database = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "db.sqlite3",
        # Each web process keeps its connection: opening one (and its PRAGMAs) on every request costs
        # more than most queries. PostgreSQL's pool does the same job there.
        "CONN_MAX_AGE": None,
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set, so every web process and worker on every
# machine shares rate limits and page caches. Without it, caches in the data
# directory, shared by every process on this machine: a purge after a publish,
# an edit or a withdrawal reaches all of them, and so do the rate limits.
# "counters" holds rate limits and view counts; on files it has a directory of
# its own, so a flood of cached pages cannot push the limits out.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    # Redis down or hung must not take pages with it: short timeouts, and after a failure the cache is
    # skipped for a few seconds (newsroom/cache.py). Pages then render uncached; rate limits count in
    # each process's memory instead, a stricter rule since each process counts alone.
    _redis = {
        "BACKEND": "newsroom.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("LOUPE_CACHE_PREFIX", "loupe"),
        "OPTIONS": {
            "socket_connect_timeout": env_float("LOUPE_REDIS_TIMEOUT", 0.25),
            "socket_timeout": env_float("LOUPE_REDIS_TIMEOUT", 0.25),
            "retry_after": env_float("LOUPE_REDIS_RETRY_AFTER", 5.0),
        },
    }
    CACHES = {"default": _redis, "counters": {**_redis, "OPTIONS": {**_redis["OPTIONS"], "fallback": "local"}}}
else:
    CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.FileCache",
            "LOCATION": DATA_DIR / "cache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
        "counters": {
            "BACKEND": "newsroom.cache.FileCache",
            "LOCATION": DATA_DIR / "counters",
            "OPTIONS": {"MAX_ENTRIES": 20000},
        },
    }

# Background jobs: in-process on the embedded default and in tests; the
# database queue (manage.py db_worker) in production.
TASK_BACKEND = env_str("LOUPE_TASK_BACKEND", "database" if PRODUCTION else "immediate")
if TASK_BACKEND not in {"immediate", "database"}:
    raise ImproperlyConfigured(f"LOUPE_TASK_BACKEND must be 'immediate' or 'database', not {TASK_BACKEND!r}.")
TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"
        if TASK_BACKEND == "immediate"
        else "django_tasks_db.DatabaseBackend",
    }
}

# Storage: "default" holds public renditions, "renditions" the working copies
# of every rendition (public or not), "originals" the private uploads. Local
# directories by default, S3 buckets when LOUPE_S3_BUCKET is set.
MEDIA_URL = env_str("LOUPE_MEDIA_URL", "/media/")
MEDIA_ROOT = DATA_DIR / "media"
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]

S3_BUCKET = env_str("LOUPE_S3_BUCKET")
if S3_BUCKET:
    from botocore.config import Config

    _s3_timeout = env_float("LOUPE_S3_TIMEOUT", 10.0)
    _s3 = {
        # A hung storage server costs a request or a job seconds, not botocore's default minute per try.
        "client_config": Config(
            connect_timeout=_s3_timeout, read_timeout=_s3_timeout, retries={"max_attempts": 3, "mode": "standard"}
        ),
        "endpoint_url": env_str("LOUPE_S3_ENDPOINT_URL") or None,
        "region_name": env_str("LOUPE_S3_REGION") or None,
        "access_key": env_str("LOUPE_S3_ACCESS_KEY_ID") or None,
        "secret_key": env_str("LOUPE_S3_SECRET_ACCESS_KEY") or None,
        "file_overwrite": False,
    }
    _private_bucket = env_str("LOUPE_S3_PRIVATE_BUCKET")
    if not _private_bucket:
        raise ImproperlyConfigured("LOUPE_S3_PRIVATE_BUCKET is required with LOUPE_S3_BUCKET.")
    _public_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3,
            "bucket_name": S3_BUCKET,
            "querystring_auth": False,
            "custom_domain": env_str("LOUPE_S3_CUSTOM_DOMAIN") or None,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
    _private = {**_s3, "bucket_name": _private_bucket, "querystring_auth": True, "querystring_expire": 300}
    STORAGES = {
        "default": _public_storage,
        "renditions": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**_private, "location": "renditions"}},
        "originals": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**_private, "location": "originals"}},
    }
else:
    STORAGES = {
        "default": {
            "BACKEND": "galleries.storage.WholeFileSystemStorage",
            "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
        },
        "renditions": {
            "BACKEND": "galleries.storage.WholeFileSystemStorage",
            "OPTIONS": {"location": DATA_DIR / "renditions", "base_url": None},
        },
        "originals": {
            "BACKEND": "galleries.storage.WholeFileSystemStorage",
            "OPTIONS": {"location": DATA_DIR / "private", "base_url": None},
        },
    }
STORAGES["staticfiles"] = {
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    if not DEBUG
    else "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0
# Browsers and feed readers ask for /favicon.ico and /apple-touch-icon.png at the root, whatever pages link to.
WHITENOISE_ROOT = BASE_DIR / "static" / "loupe" / "icons"
if DEBUG:
    # WhiteNoise serves from the finders in development but still expects the folder.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Uploads: limits checked before any pixel is decoded.
LOUPE_UPLOAD_MAX_BYTES = env_int("LOUPE_UPLOAD_MAX_BYTES", 80 * 1024 * 1024, minimum=1)
LOUPE_UPLOAD_MAX_PIXELS = env_int("LOUPE_UPLOAD_MAX_PIXELS", 100_000_000, minimum=1)
LOUPE_UPLOAD_MIN_SIDE = env_int("LOUPE_UPLOAD_MIN_SIDE", 200, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640
# How long a render keeps retrying (with growing pauses) while storage is unreachable before the photo is
# marked failed; periodic queues such photos again once the storage answers.
LOUPE_STORAGE_RETRY_SECONDS = env_int("LOUPE_STORAGE_RETRY_SECONDS", 15 * 60)
# A task worker whose heartbeat is older than this is taken for dead and its job queued again.
LOUPE_WORKER_LOST_SECONDS = env_int("LOUPE_WORKER_LOST_SECONDS", 45, minimum=15)

# Content Credentials (C2PA): public files are signed with the newsroom's certificate (docs/provenance.md).
# Without one, development signs with a test chain it makes once under LOUPE_DATA_DIR; production refuses to
# start unless a certificate is configured or signing is turned off.
LOUPE_C2PA_SIGNING = env_bool("LOUPE_C2PA_SIGNING", True)
LOUPE_C2PA_CERT_CHAIN = env_str("LOUPE_C2PA_CERT_CHAIN")
LOUPE_C2PA_PRIVATE_KEY = env_str("LOUPE_C2PA_PRIVATE_KEY")
LOUPE_C2PA_ALGORITHM = env_str("LOUPE_C2PA_ALGORITHM", "es256").lower()
LOUPE_C2PA_TIMESTAMP_URL = env_str("LOUPE_C2PA_TIMESTAMP_URL")
LOUPE_C2PA_TRUST_ANCHORS = env_str("LOUPE_C2PA_TRUST_ANCHORS")
LOUPE_C2PA_PUBLISHER = env_str("LOUPE_C2PA_PUBLISHER") or SITE_NAME
if LOUPE_C2PA_ALGORITHM not in {"es256", "es384", "es512", "ps256", "ps384", "ps512", "ed25519"}:
    raise ImproperlyConfigured(
        f"LOUPE_C2PA_ALGORITHM must be one of es256, es384, es512, ps256, ps384, ps512, ed25519, "
        f"not {LOUPE_C2PA_ALGORITHM!r}."
    )
if bool(LOUPE_C2PA_CERT_CHAIN) != bool(LOUPE_C2PA_PRIVATE_KEY):
    raise ImproperlyConfigured("LOUPE_C2PA_CERT_CHAIN and LOUPE_C2PA_PRIVATE_KEY go together: set both or neither.")
for _name in ("LOUPE_C2PA_CERT_CHAIN", "LOUPE_C2PA_PRIVATE_KEY", "LOUPE_C2PA_TRUST_ANCHORS"):
    if globals()[_name] and not Path(globals()[_name]).is_file():
        raise ImproperlyConfigured(f"{_name} names {globals()[_name]!r}, which is not a readable file.")
if PRODUCTION and LOUPE_C2PA_SIGNING and not LOUPE_C2PA_CERT_CHAIN:
    raise ImproperlyConfigured(
        "Production signs public photos with the newsroom's certificate: set LOUPE_C2PA_CERT_CHAIN and "
        "LOUPE_C2PA_PRIVATE_KEY (docs/provenance.md), or LOUPE_C2PA_SIGNING=false to publish unsigned files."
    )
# Declared AI-generated photos need the item's "AI-generated" label before a gallery is approved or published.
LOUPE_AI_LABEL_REQUIRED = env_bool("LOUPE_AI_LABEL_REQUIRED", True)

# Newsroom policy.
LOUPE_REQUIRE_TWO_PEOPLE = env_bool("LOUPE_REQUIRE_TWO_PEOPLE", False)
LOUPE_COMMENTS_ENABLED = env_bool("LOUPE_COMMENTS_ENABLED", True)
LOUPE_COMMENT_MAX_DEPTH = env_int("LOUPE_COMMENT_MAX_DEPTH", 3, minimum=1)
LOUPE_COMMENTS_CLOSE_AFTER_DAYS = env_int("LOUPE_COMMENTS_CLOSE_AFTER_DAYS", 30)
# Comment policy (newsroom/moderation.py): length and links allowed, approved comments before a reader's next
# ones skip the queue, how fast a person can write one, how long a form stays good, how long a repeat counts as
# a duplicate, reports that hide a comment until a moderator looks.
LOUPE_COMMENT_MAX_LENGTH = env_int("LOUPE_COMMENT_MAX_LENGTH", 3000, minimum=1)
LOUPE_COMMENT_MAX_LINKS = env_int("LOUPE_COMMENT_MAX_LINKS", 2)
LOUPE_COMMENT_TRUSTED_AFTER = env_int("LOUPE_COMMENT_TRUSTED_AFTER", 1)
LOUPE_COMMENT_MIN_SECONDS = env_int("LOUPE_COMMENT_MIN_SECONDS", 3)
LOUPE_COMMENT_FORM_MAX_AGE = env_int("LOUPE_COMMENT_FORM_MAX_AGE", 2 * 60 * 60, minimum=1)
LOUPE_COMMENT_DUPLICATE_HOURS = env_int("LOUPE_COMMENT_DUPLICATE_HOURS", 24)
LOUPE_COMMENT_REPORTS_TO_HIDE = env_int("LOUPE_COMMENT_REPORTS_TO_HIDE", 3, minimum=1)
# Comments a reader (one address, one account) may post per window of seconds; comment votes per window.
LOUPE_COMMENT_RATE_LIMIT = env_int("LOUPE_COMMENT_RATE_LIMIT", 5, minimum=1)
LOUPE_COMMENT_RATE_WINDOW = env_int("LOUPE_COMMENT_RATE_WINDOW", 60, minimum=1)
LOUPE_COMMENT_VOTE_RATE_LIMIT = env_int("LOUPE_COMMENT_VOTE_RATE_LIMIT", 30, minimum=1)
# Failed admin sign-ins allowed per address, and per account name, in a window of seconds.
LOUPE_LOGIN_FAILURE_LIMIT = env_int("LOUPE_LOGIN_FAILURE_LIMIT", 10, minimum=1)
LOUPE_LOGIN_FAILURE_WINDOW = env_int("LOUPE_LOGIN_FAILURE_WINDOW", 15 * 60, minimum=1)
LOUPE_IP_SALT = env_str("LOUPE_IP_SALT") or SECRET_KEY
# How many proxies (load balancer, CDN) stand in front of Loupe and append to X-Forwarded-For. Zero: the
# header is ignored, since anyone can write it. Too high: readers can pick the address they are counted as.
LOUPE_TRUSTED_PROXIES = env_int("LOUPE_TRUSTED_PROXIES", 0)
LOUPE_PAGE_CACHE_SECONDS = env_int("LOUPE_PAGE_CACHE_SECONDS", 300)
# The read API (/api/v1/): whether it answers without a key, and how many requests a minute it takes from one
# address without a key (each key carries its own limit).
LOUPE_API_ANONYMOUS = env_bool("LOUPE_API_ANONYMOUS", True)
LOUPE_API_ANONYMOUS_RATE_LIMIT = env_int("LOUPE_API_ANONYMOUS_RATE_LIMIT", 300, minimum=1)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("LOUPE_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Development mail goes to the console; production (or any named host) uses SMTP.
_smtp_host = env_str("LOUPE_SMTP_HOST", "localhost" if PRODUCTION else "")
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend"
        if _smtp_host
        else "django.core.mail.backends.console.EmailBackend",
        "OPTIONS": {
            "host": _smtp_host,
            "port": env_int("LOUPE_SMTP_PORT", 587),
            "username": env_str("LOUPE_SMTP_USER"),
            "password": env_str("LOUPE_SMTP_PASSWORD"),
            "use_tls": env_bool("LOUPE_SMTP_TLS", True),
        }
        if _smtp_host
        else {},
    }
}
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "Loupe <newsroom@localhost>")

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", *env_list("LOUPE_CSP_IMG_SRC")],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOUPE_LOG_LEVEL", "INFO")},
    # libvips reports every resize it plans at INFO; its warnings and errors still come through.
    "loggers": {"django.db.backends": {"level": "INFO"}, "pyvips": {"level": "WARNING"}},
}
