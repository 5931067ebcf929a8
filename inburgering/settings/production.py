"""Production settings: refuse to start without the secrets, and pass ``check --deploy``."""

import os

from django.core.exceptions import ImproperlyConfigured

from inburgering.settings import *  # noqa: F403
from inburgering.settings import env_bool, env_list


def required_env(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"De omgevingsvariabele {name} ontbreekt; de productie-instellingen starten niet zonder."
        )
    return value


SECRET_KEY = required_env("SECRET_KEY")
BSN_KEY = required_env("BSN_KEY")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or [required_env("ALLOWED_HOSTS")]

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# The health check is called over plain HTTP by the container orchestrator.
SECURE_REDIRECT_EXEMPT = [r"^gezondheid$"]
if env_bool("USE_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
