"""Settings shared by every deployment; each value that varies comes from the environment.

Absent variables fall back to the embedded default: a SQLite file in the project folder and a
Celery broker on the local file system, so the portal runs on a machine that has only Python.
"""

import datetime as dt
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    # The admin site with 三员分立 access rules (security app); replaces "django.contrib.admin".
    "zhengxiang_portal.security.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "guardian",
    "django_celery_beat",
    "csp",
    "zhengxiang_portal.core",
    "zhengxiang_portal.deadlines",
    "zhengxiang_portal.documents",
    "zhengxiang_portal.ledger",
    "zhengxiang_portal.notifications",
    "zhengxiang_portal.security",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "agencies",
    "sharing_catalog",
    "collaboration",
    "assessment",
]

MIDDLEWARE = [
    "zhengxiang_portal.core.request_context.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhengxiang_portal.core.middleware.IdleSessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "zhengxiang_portal.core.middleware.LoginRequiredMiddleware",
    # Security: second factor, forced password change (after login-required, see security app).
    "zhengxiang_portal.security.middleware.SecurityGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "zhengxiang_portal.core.middleware.DatabaseUnavailableMiddleware",
    # Last, so it turns axes' lockout flag into the Chinese lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zhengxiang_portal.urls"
WSGI_APPLICATION = "zhengxiang_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhengxiang_portal.core.context_processors.portal",
                "zhengxiang_portal.notifications.context_processors.inbox",
                "zhengxiang_portal.deadlines.context_processors.calendar_warning",
            ],
        },
    },
]

# Django's form renderer with <select> drawn in Python (same markup; core/forms.py says why).
FORM_RENDERER = "zhengxiang_portal.core.forms.PortalFormRenderer"

DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'portal.sqlite3'}"
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    # WAL and a busy timeout let the embedded worker write while the web process reads.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side parameters: psycopg prepares a statement a connection runs five times, so
    # PostgreSQL plans each page's joins once per connection instead of on every request.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["server_side_binding"] = env.bool("DATABASE_SERVER_SIDE_BINDING", default=True)
    options["prepare_threshold"] = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "agencies.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out (account, address) pair before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, with the permissions read from the snapshot (agencies.authz).
    "agencies.backends.PortalModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; anonymous users hold no object perms

# 等保 8.1.4.1 password policy; the portal's own validators live in the security app.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "zhengxiang_portal.security.passwords.CharacterClassValidator"},
    {"NAME": "zhengxiang_portal.security.passwords.UsernameNotContainedValidator"},
    {"NAME": "zhengxiang_portal.security.passwords.ChineseCommonPasswordValidator"},
    {"NAME": "zhengxiang_portal.security.passwords.PasswordHistoryValidator"},
]

# Idle sessions expire (等保: 会话超时); every request renews the idle window.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = False  # renewed once a minute by IdleSessionRenewalMiddleware
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files live outside the web root and are only served through permission-checked views.
MEDIA_ROOT = Path(env("PORTAL_MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/files/"  # no route serves this prefix; downloads go through views
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
PORTAL_UPLOAD_MAX_BYTES = env.int("PORTAL_UPLOAD_MAX_BYTES", default=100 * 1024 * 1024)
# Obligation deadlines (sharing_catalog): remind N working days before the due date; escalate to
# the working group N working days after the grace period ends. Read by the scan at call time.
OBLIGATION_REMIND_WORKING_DAYS = env.int("OBLIGATION_REMIND_WORKING_DAYS", default=3)
OBLIGATION_ESCALATE_WORKING_DAYS = env.int("OBLIGATION_ESCALATE_WORKING_DAYS", default=3)
# Collaboration requests (collaboration, Art. 7): remind N working days before the due date;
# escalate to the working group N working days after it; rows claimed per scan. Read at call time.
COLLAB_REMIND_WORKING_DAYS = env.int("COLLAB_REMIND_WORKING_DAYS", default=2)
COLLAB_ESCALATE_WORKING_DAYS = env.int("COLLAB_ESCALATE_WORKING_DAYS", default=3)
COLLAB_SCAN_BATCH_SIZE = env.int("COLLAB_SCAN_BATCH_SIZE", default=100_000)
# Waits on the requester or the working group (collaboration.services.waits, Art. 7 不得拖延 on
# either side; 定期): a clarification, a closing or a ruling still awaited is reminded every N
# working days (weekly); the group rules on a contested refusal within N working days of the
# contest (Art. 20: 及时协调调度), the date its reminders name.
COLLAB_WAIT_REMIND_WORKING_DAYS = env.int("COLLAB_WAIT_REMIND_WORKING_DAYS", default=5)
COLLAB_RULING_WORKING_DAYS = env.int("COLLAB_RULING_WORKING_DAYS", default=10)
# A case the judicial organ returns for administrative handling (Art. 6(三): 不立案、不起诉、
# 判决无罪、免予刑事处罚): the tax bureau records its handling within N working days. 60 working
# days are about the 90 days 《行政处罚法》第六十条 gives to decide a penalty case.
CASE_RETURN_HANDLING_WORKING_DAYS = env.int("CASE_RETURN_HANDLING_WORKING_DAYS", default=60)
# Assessment (Art. 25): an ended period is ready to be frozen N working days after its end (its
# last facts judgeable); the working group's leaders are then asked once, and weekly until frozen.
ASSESSMENT_FREEZE_READY_WORKING_DAYS = env.int("ASSESSMENT_FREEZE_READY_WORKING_DAYS", default=10)
# Working-day calendar (deadlines): the last year whose official schedule the `holidays` package
# carries (0.109: 2026; later years it guesses), and the day (MM-DD) from which admins are warned
# that next year's State Council schedule has not been entered.
CALENDAR_PACKAGE_OFFICIAL_THROUGH = env.int("CALENDAR_PACKAGE_OFFICIAL_THROUGH", default=2026)
CALENDAR_WARNING_FROM = env("CALENDAR_WARNING_FROM", default="11-01")
# Objections (sharing_catalog, Art. 22: 及时解释说明或更正): remind the provider N working days
# before the answer deadline; escalate to the working group N working days after it.
OBJECTION_REMIND_WORKING_DAYS = env.int("OBJECTION_REMIND_WORKING_DAYS", default=1)
OBJECTION_ESCALATE_WORKING_DAYS = env.int("OBJECTION_ESCALATE_WORKING_DAYS", default=2)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))  # file backend only
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="蒸湘区税费精诚共治平台 <noreply@zhengxiang.local>"
)
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# Content Security Policy (django-csp): no inline script, every asset served locally.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Celery -------------------------------------------------------------------------------
# No broker URL: kombu's file-system transport, so worker and beat run without a server.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    # Any process may enqueue (e.g. seed_demo's notifications), not only run_portal: create it.
    _queue_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
        # Broadcast/control messages (celery inspect) too, instead of ./control in the cwd.
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
# Every Redis call has a connect AND a read timeout: a hung Redis (frozen, swapping, full
# network buffers) accepts connections and never answers, and without a read timeout a publish
# from a request waits forever (FACTS: Celery). A publish that gives up leaves the work in the
# database for its sweep. acks_late tasks are redelivered after the visibility timeout if a
# worker dies; the ingestion's lease (INGEST_LEASE_SECONDS) recovers it much sooner.
BROKER_TIMEOUT_SECONDS = env.float("BROKER_TIMEOUT_SECONDS", default=1.0)
REDIS_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
    "socket_timeout": BROKER_TIMEOUT_SECONDS,
    "visibility_timeout": 3600,
}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_TRANSPORT_OPTIONS
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# django-celery-beat's database scheduler, writing beat's own heartbeat (core.beat).
CELERY_BEAT_SCHEDULER = "zhengxiang_portal.core.beat:HeartbeatScheduler"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = False  # opted into per task, only where a re-run is safe
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a web request when the broker is down or hung: one quick retry (a
# connection Redis dropped is re-opened), then the work waits in the database for its periodic
# sweep (zhengxiang_portal.core.dispatch). Worst case ~3 × BROKER_TIMEOUT_SECONDS.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
DJANGO_CELERY_BEAT_TZ_AWARE = True

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous call gets 401 with a WWW-Authenticate challenge.
        # The security app's subclasses: no token for 2FA roles, no half-logged-in session.
        "zhengxiang_portal.security.api.authentication.PortalTokenAuthentication",
        "zhengxiang_portal.security.api.authentication.PortalSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "zhengxiang_portal.core.api.Pagination",
    "EXCEPTION_HANDLER": "zhengxiang_portal.core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env("API_USER_RATE", default="6000/hour"),
        "anon": env("API_ANON_RATE", default="120/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "蒸湘区税费精诚共治平台 API",
    "DESCRIPTION": "Zhengxiang District tax-fee co-governance portal API.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets whose field name ("status") other models use too: name them explicitly.
    "ENUM_NAME_OVERRIDES": {
        "CollaborationRequestStatusEnum": "collaboration.models.Status",
        # A transferred case's stage (a report's, the request's current one, Art. 6(三)), the
        # decisions a case is returned with, and the tax bureau's handling of a returned case.
        "TransferStageEnum": "collaboration.models.TransferOutcome",
        "ReturnDecisionEnum": "collaboration.models.RETURN_DECISION_CHOICES",
        "AdminHandlingEnum": "collaboration.models.AdminHandling",
    },
    # Default-deny (security): the schema and the docs need a login too.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # The error shape and every declared error code (core.errors) as components.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "zhengxiang_portal.core.api.error_codes_schema_hook",
    ],
}

# --- Security (issue 7, docs/SECURITY.md) ------------------------------------------------
# Demo mode (`make run`): demo accounts keep the documented demo password. Off everywhere else:
# seeded accounts must change it; `check --deploy --database default` fails while one keeps it.
PORTAL_DEMO_MODE = env.bool("PORTAL_DEMO_MODE", default=False)
# Periodic password change (等保 8.1.4.1); 0 turns it off.
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=90)
PASSWORD_HISTORY_COUNT = 5  # a new password may not be one of the last 5
# Second factor: mandatory for roles whose RolePolicy says so (the three admins by default).
# Switched off only in test settings, where tests of other apps log admins in without a token.
PORTAL_2FA_ENFORCED = env.bool("PORTAL_2FA_ENFORCED", default=True)
OTP_TOTP_ISSUER = "蒸湘区税费精诚共治平台"
# Addresses of the reverse proxies whose X-Forwarded-For is believed; none: REMOTE_ADDR only.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# Field encryption (AES-256-GCM, security/crypto.py): comma-separated base64 keys, first = current.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
FIELD_HASH_KEY = env("FIELD_HASH_KEY", default="")
# The ledger's chain is keyed (HMAC-SM3) with this secret, which the database never holds: a
# database owner cannot recompute a rewritten chain (docs/SECURITY.md). Required in production.
LEDGER_HMAC_KEY = env("LEDGER_HMAC_KEY", default="")
# Each new chain head (and daily digest) is appended to this file, outside the database, for the
# operator to ship elsewhere; verify_ledger compares the chain with it. Empty: no file.
LEDGER_HEAD_LOG = env("LEDGER_HEAD_LOG", default=str(VAR_DIR / "ledger-heads.log"))
# Audit records (ledger, axes logs) are kept at least this long (等保: ≥ 180 days).
AUDIT_RETENTION_DAYS = 180

# django-axes: lock the (account, address) pair, never an address alone — a whole bureau shares
# one NAT address. Its logs are never pruned by a schedule (its log-reset command defaults to
# 30 days; retention here is AUDIT_RETENTION_DAYS, see tests/security/test_audit.py).
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "zhengxiang_portal.core.network.client_ip"
AXES_LOCKOUT_CALLABLE = "zhengxiang_portal.security.views.lockout_response"
AXES_USERNAME_FORM_FIELD = "username"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Credential stuffing (security/throttle.py): beyond axes' (account, address) lockout, growing
# delays (2 s doubling, capped) for an account failing from any addresses and for an address
# failing on any accounts, counted over a sliding window. Delays, never a lock (等保 8.1.4.1).
LOGIN_THROTTLE_WINDOW_MINUTES = env.int("LOGIN_THROTTLE_WINDOW_MINUTES", default=15)
LOGIN_ACCOUNT_FREE_FAILURES = env.int("LOGIN_ACCOUNT_FREE_FAILURES", default=5)
LOGIN_ADDRESS_FREE_FAILURES = env.int("LOGIN_ADDRESS_FREE_FAILURES", default=10)
LOGIN_THROTTLE_MAX_DELAY_SECONDS = env.int("LOGIN_THROTTLE_MAX_DELAY_SECONDS", default=60)

LOG_FORMAT = env("LOG_FORMAT", default="plain")  # "json" in production: one object per line
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "zhengxiang_portal.core.request_context.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "zhengxiang_portal.core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
# Celery keeps Django's logging configuration (and with it the request id and JSON format).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Background work (ingestion, scans, recomputes) runs at a lower CPU priority than the pages: a
# 200,000-row upload may take longer, a civil servant's click may not (README "Operations").
# 0 leaves the worker's priority alone; 1–19 is the `nice` increment its processes take.
BACKGROUND_CPU_NICE = env.int("BACKGROUND_CPU_NICE", default=10)

# Ingestion recovery (sharing_catalog.sweep_submissions): a submission still "received" after
# this long lost its task; one "processing" longer than the lease lost its worker.
INGEST_REDISPATCH_AFTER_SECONDS = env.int("INGEST_REDISPATCH_AFTER_SECONDS", default=60)
INGEST_LEASE_SECONDS = env.int("INGEST_LEASE_SECONDS", default=120)
# Memory one ingestion may take (issue 16): a workbook whose cells would expand past half of
# it is refused before it is read ("单元格内容总量过大…"), whatever its size on disk.
INGEST_MEMORY_BUDGET_MB = env.int("INGEST_MEMORY_BUDGET_MB", default=600)
# A workbook of at least this many bytes is read and checked by two reader processes (the
# second core), forked by the worker, each capped at INGEST_MEMORY_BUDGET_MB (PostgreSQL only).
INGEST_PARALLEL_READERS = env.bool("INGEST_PARALLEL_READERS", default=True)
INGEST_PARALLEL_MIN_BYTES = env.int("INGEST_PARALLEL_MIN_BYTES", default=1 << 20)

# API: a create call repeated with the same Idempotency-Key within this many seconds returns
# the first answer instead of creating again (zhengxiang_portal.core.idempotency).
IDEMPOTENCY_KEY_TTL_SECONDS = env.int("IDEMPOTENCY_KEY_TTL_SECONDS", default=24 * 3600)

# Liveness (core.heartbeats): the worker (a thread of its own) and beat (its scheduler tick)
# each record a heartbeat this often; /healthz calls one silent for HEALTH_STALE_SECONDS (four
# intervals: one slow write is no alarm) stale, and answers within HEALTH_TIMEOUT_SECONDS.
HEARTBEAT_INTERVAL_SECONDS = env.int("HEARTBEAT_INTERVAL_SECONDS", default=15)
HEALTH_STALE_SECONDS = env.int("HEALTH_STALE_SECONDS", default=60)
HEALTH_TIMEOUT_SECONDS = env.float("HEALTH_TIMEOUT_SECONDS", default=3.0)
