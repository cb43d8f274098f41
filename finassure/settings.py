"""Django settings for finassure, read from the environment only (see README: Configuration)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from finassure.platform.env import env_bool, env_int, env_list, env_str, read_secret

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("FINASSURE_VAR_DIR") or Path.cwd() / "var").resolve()

ENVIRONMENT = (env_str("FINASSURE_ENV", "development") or "development").lower()
if ENVIRONMENT not in {"development", "production", "test"}:
    raise ImproperlyConfigured(f"FINASSURE_ENV must be development, production or test, got {ENVIRONMENT!r}")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("FINASSURE_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("FINASSURE_DEBUG cannot be on when FINASSURE_ENV=production")


def _dev_secret(file_name: str, make: Callable[[], str]) -> str:
    """Development only: keep a generated secret under var/ so restarts keep sessions and data readable."""
    path = VAR_DIR / file_name
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    value = make()
    path.write_text(value, encoding="utf-8")
    path.chmod(0o600)
    return value


SECRET_KEY = read_secret("FINASSURE_SECRET_KEY", required=PRODUCTION) or _dev_secret(
    "secret_key", lambda: secrets.token_urlsafe(50)
)
# Field-encryption keys: "kid:base64key,kid2:base64key"; the active key encrypts, all keys decrypt.
FIELD_ENCRYPTION_KEYS = read_secret("FINASSURE_FIELD_KEYS", required=PRODUCTION) or _dev_secret(
    "field_keys", lambda: "dev1:" + __import__("base64").b64encode(secrets.token_bytes(32)).decode()
)
FIELD_ENCRYPTION_ACTIVE_KEY = env_str("FINASSURE_FIELD_KEY_ACTIVE")

ALLOWED_HOSTS = env_list("FINASSURE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("FINASSURE_CSRF_TRUSTED_ORIGINS", [])

# Demo users may skip 2FA only outside production.
DEMO_2FA_EXEMPT = env_bool("FINASSURE_DEMO_2FA_EXEMPT", False)
if PRODUCTION and DEMO_2FA_EXEMPT:
    raise ImproperlyConfigured("FINASSURE_DEMO_2FA_EXEMPT is refused when FINASSURE_ENV=production")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    "django_prometheus",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "ninja",  # the API docs page then serves Swagger UI from static files, not from a CDN
    "finassure.platform",
    "finassure.accounts",
    "finassure.framework",
    "finassure.governance",
    "finassure.service",
    "finassure.training",
    "finassure.incidents",
    "finassure.security",
    "finassure.monitoring",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "finassure.platform.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "finassure.accounts.middleware.UserLanguageMiddleware",
    "finassure.accounts.middleware.StaffSecurityMiddleware",
    "finassure.platform.middleware.RefuseNulMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "finassure.platform.middleware.ApplicationErrorMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "finassure.urls"
WSGI_APPLICATION = "finassure.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "finassure.platform.context_processors.shell",
            ],
        },
    }
]

DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'finassure.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("FINASSURE_DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so appending to the audit hash chain cannot interleave.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    if not DATABASES["default"]["NAME"].startswith(":"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("FINASSURE_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "finassure.accounts.validators.ComplexityValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "platform:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout (MLPS level 3): N failures per username lock the account until an administrator unlocks it
# or the cool-off passes.
AXES_FAILURE_LIMIT = env_int("FINASSURE_LOCKOUT_ATTEMPTS", 5)
AXES_COOLOFF_TIME = env_int("FINASSURE_LOCKOUT_MINUTES", 30) / 60
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "finassure.accounts.views.lockout_response"
AXES_VERBOSE = False
# Lockout is per account as MLPS asks; per-IP lockout would lock a whole branch behind one NAT address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_ENABLE_ACCESS_FAILURE_LOG = False

# Idle timeout: the session expires 30 minutes after the last request.
SESSION_COOKIE_AGE = env_int("FINASSURE_IDLE_TIMEOUT_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool("FINASSURE_SECURE_COOKIES", PRODUCTION)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_HSTS_SECONDS = env_int("FINASSURE_HSTS_SECONDS", 0)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("FINASSURE_BEHIND_TLS_PROXY") else None

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("FINASSURE_MAX_REQUEST_BYTES", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FINASSURE_MAX_UPLOAD_BYTES = env_int("FINASSURE_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("FINASSURE_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from here after collectstatic
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

TASKS = {"default": {"BACKEND": env_str("FINASSURE_TASK_BACKEND", "django_tasks_db.DatabaseBackend")}}

EMAIL_BACKEND = env_str("FINASSURE_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("FINASSURE_FROM_EMAIL", "finassure@localhost")
# the institution's mail relay, for FINASSURE_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend
EMAIL_HOST = env_str("FINASSURE_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("FINASSURE_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("FINASSURE_EMAIL_USER", "") or ""
EMAIL_HOST_PASSWORD = read_secret("FINASSURE_EMAIL_PASSWORD", required=False) or ""
EMAIL_USE_TLS = env_bool("FINASSURE_EMAIL_TLS", False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("FINASSURE_EMAIL_SSL", False)  # TLS from the start, usually port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set FINASSURE_EMAIL_TLS or FINASSURE_EMAIL_SSL, not both.")
# mail is sent after the request's transaction commits, inside the request: a relay that hangs must not hold it
EMAIL_TIMEOUT = max(1, env_int("FINASSURE_EMAIL_TIMEOUT", 10))
# where people open finassure (e.g. https://finassure.bank.example): links in e-mails are absolute with it
FINASSURE_BASE_URL = (env_str("FINASSURE_BASE_URL", "") or "").rstrip("/")
if FINASSURE_BASE_URL and not FINASSURE_BASE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"FINASSURE_BASE_URL must start with https:// or http://, got {FINASSURE_BASE_URL!r}")

# Audit records younger than this cannot be purged (网络安全法 Art. 21: ≥ 6 months; 184 days covers any 6 months).
AUDIT_RETENTION_DAYS = max(184, env_int("FINASSURE_AUDIT_RETENTION_DAYS", 184))

API_TOKEN_DEFAULT_DAYS = env_int("FINASSURE_API_TOKEN_DAYS", 90)
# An active API token (with its user and grants) is cached per server process for at most this many seconds:
# another process sees a revocation or role change within this bound (accounts/authcache.py); 0 = no cache.
FINASSURE_TOKEN_CACHE_SECONDS = max(0, min(60, env_int("FINASSURE_TOKEN_CACHE_SECONDS", 5)))
METRICS_ALLOWED_IPS = env_list("FINASSURE_METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
PROMETHEUS_EXPORT_MIGRATIONS = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "finassure.platform.logging.RedactPersonalData"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env_str("FINASSURE_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

TITLE = _("finassure")
