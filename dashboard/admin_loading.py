"""The admin's "Load fixtures" page: upload a file, see its dry run and every problem, confirm.

It runs the same `fixture_load()` as `manage.py load_fixtures`, so a file is refused with the
same messages. The upload is kept in a server-side temporary file between the dry run and the
confirmation; the session holds only a random token naming it, never a path from the client.
"""

from __future__ import annotations

import re
import secrets
import tempfile
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.text import get_valid_filename

from dashboard.loading import LoadResult, fixture_load
from dashboard.loading.reading import SUFFIX_HELP, file_format
from dashboard.loading.schema import WRITE_ORDER

SESSION_KEY = "dashboard:fixture-upload"
UPLOAD_DIR = Path(tempfile.gettempdir()) / "dashboard-fixture-uploads"
STALE_SECONDS = 24 * 60 * 60
CHANGES_SHOWN = 200
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def upload_limit() -> int:
    return getattr(settings, "FIXTURE_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)


def size_shown(size: int) -> str:
    return f"{size / 2**20:.0f} MB" if size >= 2**20 else f"{max(1, round(size / 1024))} KB"


def user_can_load(user) -> bool:
    """Staff who may add and change every kind of dashboard record."""
    perms = [
        f"{model._meta.app_label}.{action}_{model._meta.model_name}"
        for model in WRITE_ORDER
        for action in ("add", "change")
    ]
    return user.is_active and user.is_staff and user.has_perms(perms)


class FixtureUploadForm(forms.Form):
    file = forms.FileField(label="Fixture file", help_text=f"A {SUFFIX_HELP} file.")

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if file_format(Path(upload.name)) is None:
            raise forms.ValidationError(f"Upload a {SUFFIX_HELP} file.")
        limit = upload_limit()
        if upload.size > limit:
            raise forms.ValidationError(
                f"This file is {size_shown(upload.size)}; this page takes files up to "
                f"{size_shown(limit)}. Load larger files on the server with "
                "“python manage.py load_fixtures PATH”, which streams them."
            )
        return upload


def fixture_load_view(request):
    if not user_can_load(request.user):
        raise PermissionDenied
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(request)
    form = FixtureUploadForm(request.POST or None, request.FILES or None)
    context = {}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        path, name = _upload_keep(request, upload)
        result = fixture_load(
            paths=[path], dry_run=True, with_changes=True, names={str(path): name}
        )
        if not (result.ok and result.changed):
            _upload_forget(request)  # nothing to confirm
        context = {"result": result, "name": name, "can_confirm": result.ok and result.changed}
    return _page(request, form=form, **context)


def _confirm(request):
    kept = request.session.get(SESSION_KEY)
    path = _upload_path(kept)
    if path is None:
        messages.error(request, "There is no checked file to load: upload it again.")
        return redirect("admin-load-fixtures")
    result = fixture_load(paths=[path], with_changes=True, names={str(path): kept["name"]})
    _upload_forget(request)
    return _page(request, form=FixtureUploadForm(), result=result, name=kept["name"], loaded=True)


def _page(request, *, form, result: LoadResult | None = None, **context):
    changes = (result.changes or []) if result else []
    return TemplateResponse(
        request,
        "admin/load_fixtures.html",
        {
            **admin.site.each_context(request),
            "title": "Load fixtures",
            "form": form,
            "result": result,
            "changes": changes[:CHANGES_SHOWN],
            "changes_more": max(0, len(changes) - CHANGES_SHOWN),
            "limit": size_shown(upload_limit()),
            **context,
        },
    )


# --- the kept upload ---------------------------------------------------------------------------


def _upload_keep(request, upload: UploadedFile) -> tuple[Path, str]:
    """Copy the upload to a new temporary file and note it in the session."""
    _upload_forget(request)
    _stale_remove()
    UPLOAD_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = get_valid_filename(Path(upload.name).name)
    suffix = "".join(Path(name).suffixes[-2:]).lower()  # e.g. ".json.gz": it says the format
    token = secrets.token_hex(16)
    path = UPLOAD_DIR / f"{token}{suffix}"
    with path.open("wb") as kept:
        for chunk in upload.chunks():
            kept.write(chunk)
    request.session[SESSION_KEY] = {"token": token, "suffix": suffix, "name": name}
    return path, name


def _upload_path(kept) -> Path | None:
    if not isinstance(kept, dict) or not _TOKEN.match(str(kept.get("token", ""))):
        return None
    path = UPLOAD_DIR / f"{kept['token']}{kept.get('suffix', '')}"
    if file_format(path) is None or path.parent != UPLOAD_DIR or not path.is_file():
        return None
    return path


def _upload_forget(request) -> None:
    path = _upload_path(request.session.pop(SESSION_KEY, None))
    if path is not None:
        path.unlink(missing_ok=True)


def _stale_remove() -> None:
    """Remove uploads that were checked but never confirmed nor replaced."""
    if not UPLOAD_DIR.is_dir():
        return
    cutoff = time.time() - STALE_SECONDS
    for path in UPLOAD_DIR.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
