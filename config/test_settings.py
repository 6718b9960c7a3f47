"""Settings the test suite runs with: the main settings, with a fixed key and fast hashing."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The test client and the live server speak plain HTTP: no redirect to HTTPS, cookies that travel
# over it. Everything else (CSP, HSTS on secure requests, nosniff) stays as in production.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
# Static files straight from the apps, as in debug: the manifest storage needs a collectstatic run
# (tests/test_security.py does one for the production set-up).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS = True
# Reading is open, whatever the environment says; tests/test_permissions.py turns the login
# requirement on where it checks it.
DASHBOARD_LOGIN_REQUIRED = False
MIDDLEWARE = [m for m in MIDDLEWARE if m != "dashboard.middleware.LoginRequiredMiddleware"]  # noqa: F405
# A test reads many exports as one anonymous client; tests/test_exports.py turns the limit on.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],  # noqa: F405
        "export": None,
    },
}
