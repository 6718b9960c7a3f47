"""The security policy: a strict CSP every page keeps to, the production settings that
`check --deploy` accepts, static files as WhiteNoise serves them, and friendly error pages that
leak nothing, including when the database is out of reach."""

import atexit
import functools
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from tests.test_views import LISTS, detail_urls

ROOT = Path(__file__).resolve().parent.parent

# Directives a strict policy must state: where scripts, styles and forms may come from, no
# plugins, no framing, no <base> elsewhere.
REQUIRED = ["default-src", "script-src", "style-src", "object-src", "base-uri", "form-action"]
REQUIRED += ["frame-ancestors"]


def strictness_problems(policy: dict) -> list[str]:
    """What makes a served Content-Security-Policy weaker than this project's: a missing
    directive, inline code or eval allowed, any host or scheme allowed, data: outside images."""
    problems = [f"no {name}" for name in REQUIRED if name not in policy]
    for name in ["object-src", "frame-ancestors"]:
        if policy.get(name) != ["'none'"]:
            problems.append(f"{name} is not 'none'")
    for name, sources in policy.items():
        for source in sources:
            weak = "unsafe" in source or "*" in source or source.endswith(":")
            if weak and not (name == "img-src" and source == "data:"):
                problems.append(f"{name} allows {source}")
            if "://" in source or (source and not source.startswith("'") and ":" not in source):
                problems.append(f"{name} allows the host {source}")
    return problems


def test_a_weak_policy_is_told_apart():
    """The check itself: each weakness a policy could gain is found."""
    assert strictness_problems({"script-src": ["'self'"]})
    strict = {name: ["'self'"] for name in REQUIRED} | {
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "img-src": ["'self'", "data:"],
    }
    assert strictness_problems(strict) == []
    for weak in ["'unsafe-inline'", "'unsafe-eval'", "*", "https:", "data:", "cdn.example.org"]:
        assert strictness_problems(strict | {"script-src": ["'self'", weak]}), weak


# --- Running the real settings in a fresh interpreter -----------------------------------------


def production_env(**extra):
    """The environment of a production start: debug off, a real key, a host name, and nothing
    of this test run's own DJANGO_* or DATABASE_URL variables."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="dashboard.example.org,testserver",
    )
    env.update(extra)
    if "DJANGO_STATIC_ROOT" not in extra:
        env["DJANGO_STATIC_ROOT"] = collected_static()
    return env


@functools.cache
def collected_static() -> str:
    """A folder collectstatic has filled, once per test run, as a deployment has one: pages
    name their stylesheet through its manifest."""
    folder = tempfile.mkdtemp(prefix="dashboard-static-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    command = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"]
    env = production_env(DJANGO_STATIC_ROOT=folder)
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return folder


def run(args, env, timeout=120):
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def manage(*args, **env):
    return run([sys.executable, "manage.py", *args], production_env(**env))


def python(code, **env):
    """Run `code` after django.setup() under the production settings; return its process."""
    prelude = "import django, json\ndjango.setup()\n"
    return run([sys.executable, "-c", prelude + code], production_env(**env))


def production_settings(**env):
    names = [
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
        "CSRF_TRUSTED_ORIGINS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECURE_REFERRER_POLICY",
        "X_FRAME_OPTIONS",
    ]
    process = python(
        "from django.conf import settings\n"
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))",
        **env,
    )
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


def test_check_deploy_reports_nothing_with_only_the_required_variables():
    process = manage("check", "--deploy", "--fail-level", "WARNING")
    assert process.returncode == 0, process.stdout + process.stderr
    assert "System check identified no issues" in process.stdout
    assert "WARNING" not in process.stdout + process.stderr


def test_debug_off_turns_every_hardening_on():
    values = production_settings()
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 60 * 60
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and values["SECURE_HSTS_PRELOAD"]
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["X_FRAME_OPTIONS"] == "DENY"


def test_each_hardening_can_be_turned_off_behind_a_tls_proxy():
    values = production_settings(
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_HSTS_SECONDS="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_SECURE_PROXY_SSL_HEADER="1",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://dashboard.example.org",
    )
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert not values["SESSION_COOKIE_SECURE"] and not values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://dashboard.example.org"]


def test_debug_turns_the_https_hardening_off_for_local_work():
    values = production_settings(DJANGO_DEBUG="1")
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert not values["SESSION_COOKIE_SECURE"]


def test_plain_http_is_redirected_and_https_carries_hsts():
    process = python(
        "from django.test import Client\n"
        "client = Client()\n"
        "plain = client.get('/deals/?q=x', HTTP_HOST='dashboard.example.org')\n"
        # The admin sends an anonymous visitor to its login page: a response with no
        # template, so this works before any collectstatic.
        "secure = client.get('/admin/', secure=True)\n"
        "probe = client.get('/health/')\n"
        "print(json.dumps([plain.status_code, plain.get('Location'),"
        " secure.get('Strict-Transport-Security'), probe.status_code]))",
        DATABASE_URL="sqlite:///:memory:",
    )
    assert process.returncode == 0, process.stderr
    status, location, hsts, probe = json.loads(process.stdout)
    assert status == 301 and location == "https://dashboard.example.org/deals/?q=x"
    assert hsts == "max-age=31536000; includeSubDomains; preload"
    # The load balancer's health probe answers over plain HTTP.
    assert probe == 200


# --- Static files -----------------------------------------------------------------------------


def test_collectstatic_writes_compressed_hashed_files_that_whitenoise_serves(tmp_path):
    process = manage("collectstatic", "--noinput", DJANGO_STATIC_ROOT=str(tmp_path))
    # A vendored file naming a missing source map, or a stylesheet naming a missing image,
    # fails the manifest storage's post-processing here.
    assert process.returncode == 0, process.stdout + process.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in ["dashboard/dashboard.css", "dashboard/charts.js", "admin/css/base.css"]:
        assert manifest[name] != name
        assert (tmp_path / (manifest[name] + ".gz")).exists()
    assert "dashboard/vendor/chartjs/chart.umd.min.js" in manifest

    process = python(
        "from django.templatetags.static import static\n"
        "from django.test import Client\n"
        "url = static('dashboard/dashboard.css')\n"
        "response = Client().get(url, secure=True, HTTP_ACCEPT_ENCODING='gzip')\n"
        "print(json.dumps([url, response.status_code, response.get('Content-Encoding'),"
        " response.get('Cache-Control')]))",
        DJANGO_STATIC_ROOT=str(tmp_path),
        DATABASE_URL="sqlite:///:memory:",
    )
    assert process.returncode == 0, process.stderr
    url, status, encoding, cache_control = json.loads(process.stdout)
    assert url == "/static/" + manifest["dashboard/dashboard.css"]
    assert status == 200 and encoding == "gzip"
    assert "immutable" in cache_control


# --- Content-Security-Policy ------------------------------------------------------------------


def policy_of(response):
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts and styles, event-handler
    attributes, javascript: links, and resources from other origins."""

    RESOURCE_ATTRS = {
        "script": "src",
        "img": "src",
        "iframe": "src",
        "embed": "src",
        "source": "src",
        "object": "data",
        "link": "href",
        "form": "action",
    }

    def __init__(self):
        super().__init__()
        self.problems = []
        self._script_inline = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name == "style":
                self.problems.append(f'<{tag} style="{value}">')
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in {"href", "src", "action"} and (value or "").lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}={value}>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            self._script_inline = "src" not in attrs and attrs.get("type") != "application/json"
        resource = attrs.get(self.RESOURCE_ATTRS.get(tag, ""), "") or ""
        if tag == "link" and "stylesheet" not in (attrs.get("rel") or "") + "icon":
            resource = ""
        if resource.startswith(("http:", "https:", "//")):
            self.problems.append(f"<{tag}> from another origin: {resource}")

    def handle_data(self, data):
        if self._script_inline and data.strip():
            self.problems.append(f"inline <script>: {data.strip()[:60]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script_inline = False


def csp_problems(html):
    parser = InlineCode()
    parser.feed(html)
    return parser.problems


def assert_keeps_to_the_policy(response, url):
    assert response.status_code in {200, 301, 302, 400, 403, 404, 405}, url
    assert strictness_problems(policy_of(response)) == [], url
    assert csp_problems(response.content.decode()) == [], url


def test_the_policy_served_is_strict(client, db):
    policy = policy_of(client.get("/health/"))
    assert strictness_problems(policy) == []
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]


def test_every_dashboard_page_keeps_to_the_policy(client, india_russia):
    urls = [url for url in routes() if not url.startswith("/admin/")]
    urls += [f"{reverse(f'dashboard:{name}')}?q=S-400&sort=-title&page=1" for name in LISTS]
    urls += detail_urls()
    urls += ["/deals/no-such-deal/", "/search/?q=nothing-at-all"]
    for url in urls:
        assert_keeps_to_the_policy(client.get(url), url)


def routes(patterns=None, prefix=""):
    """Every address the URL configuration names that takes no parameter."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, route)
        elif not any(char in route for char in "<^($"):
            yield "/" + route


def admin_urls():
    urls = [url for url in routes() if url.startswith("/admin/")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        first = model._default_manager.first()
        if first is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
            urls.append(reverse("admin:{}_{}_history".format(*info), args=[first.pk]))
    return urls


def test_every_admin_page_keeps_to_the_policy(staff_client, india_russia):
    for url in admin_urls():
        assert_keeps_to_the_policy(staff_client.get(url), url)
    assert_keeps_to_the_policy(Client().get(reverse("admin:login")), "login")


# --- Error pages ------------------------------------------------------------------------------


def test_not_found_is_friendly(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()


def test_permission_denied_is_friendly(rf, db):
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    response = permission_denied(rf.get("/"), PermissionDenied())
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()


def test_an_expired_form_is_a_friendly_403(db):
    response = Client(enforce_csrf_checks=True).post(reverse("admin:login"), {"username": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "security check failed" in html
    assert csp_problems(html) == []


def test_a_bad_request_is_friendly(client, db):
    response = client.get("/", HTTP_HOST="not-this-site.example")
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_a_server_error_is_friendly(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


UNREACHABLE = {
    "postgresql": "postgres://postgres@127.0.0.1:1/nowhere",
    "sqlite": "sqlite:////nonexistent-folder/for/tests/db.sqlite3",
}
LEAKS = ["Traceback", "DATABASES", "SECRET_KEY", "OperationalError", "127.0.0.1", "nowhere"]


@pytest.mark.parametrize("database", sorted(UNREACHABLE))
def test_an_unreachable_database_shows_service_unavailable(database):
    process = python(
        "from django.test import Client\n"
        "client = Client()\n"
        "for url in ['/', '/deals/', '/deals/s-400-2018/', '/search/?q=S-400', '/ready/']:\n"
        "    response = client.get(url, secure=True)\n"
        "    print(json.dumps({'url': url, 'status': response.status_code,"
        " 'retry_after': response.get('Retry-After'),"
        " 'csp': response.get('Content-Security-Policy'),"
        " 'body': response.content.decode()}))",
        DATABASE_URL=UNREACHABLE[database],
    )
    assert process.returncode == 0, process.stderr
    pages = [json.loads(line) for line in process.stdout.splitlines()]
    assert len(pages) == 5
    for page in pages:
        assert page["status"] == 503, page["url"]
        assert page["retry_after"] == "60"
        assert page["csp"]
        assert "Service unavailable" in page["body"]
        assert "try again" in page["body"]
        for leak in LEAKS:
            assert leak not in page["body"], (page["url"], leak)
    # The details go to the log instead.
    assert "Database unavailable while serving GET /deals/" in process.stderr


def test_a_file_that_is_not_a_database_shows_service_unavailable(tmp_path):
    garbage = tmp_path / "db.sqlite3"
    garbage.write_bytes(b"not a database, " * 512)
    process = python(
        "from django.test import Client\n"
        "for url in ['/deals/', '/ready/']:\n"
        "    print(Client().get(url, secure=True).status_code)",
        DATABASE_URL=f"sqlite:///{garbage}",
    )
    assert process.returncode == 0, process.stderr
    assert process.stdout.split() == ["503", "503"]
    assert "Database unavailable while serving GET /deals/" in process.stderr


def test_ready_answers_when_the_database_does(client, db):
    response = client.get("/ready/")
    assert (response.status_code, response.content) == (200, b"ready")


def test_a_server_error_leaves_a_line_in_the_log_with_debug_off():
    # With debug off Django's own defaults send server errors only to e-mail; here they reach
    # stderr, where gunicorn shows them.
    process = python(
        "from django.test import Client\n"
        "from django.urls import path\n"
        "from config import urls\n"
        "def broken(request):\n"
        "    raise ValueError('the view broke')\n"
        "urls.urlpatterns.insert(0, path('broken/', broken))\n"
        "client = Client(raise_request_exception=False)\n"
        "print(client.get('/broken/', secure=True).status_code)",
    )
    assert process.returncode == 0, process.stderr
    assert process.stdout.split() == ["500"]
    assert "Internal Server Error: /broken/" in process.stderr
    assert "ValueError: the view broke" in process.stderr
