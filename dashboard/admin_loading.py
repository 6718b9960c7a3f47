"""The admin's "Load fixtures" page: upload a file, see its dry run and every problem, confirm.

It runs the same `fixture_load()` as `manage.py load_fixtures`, so a file is refused with the
same messages, within the upload's own limits (FIXTURE_UPLOAD_MAX_*). The upload is kept in a
server-side file between the dry run and the confirmation, in a folder only this server's user
may read (checked each time); the session holds a random token naming it and the file's SHA-256.
The confirmation carries both and is refused unless they are the session's and the file's: a
second tab that checked another file, or a file changed since, loads nothing. A session keeps
one upload: it is removed when replaced, loaded, refused, or when the dry run fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import stat
import tempfile
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.text import get_valid_filename

from dashboard.loading import Limits, LoadResult, fixture_load
from dashboard.loading.reading import SUFFIX_HELP, file_format
from dashboard.loading.schema import WRITE_ORDER

SESSION_KEY = "dashboard:fixture-upload"
STALE_SECONDS = 24 * 60 * 60
CHANGES_SHOWN = 200
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def upload_dir() -> Path:
    """The folder kept uploads wait in (FIXTURE_UPLOAD_DIR; by default one per user in the
    system's temporary folder), made if missing. Every worker of the server finds it, so it
    cannot be a mkdtemp() of one: instead it must be a real folder (not a link), owned by this
    user, that no one else may read or write; ImproperlyConfigured otherwise."""
    folder = getattr(settings, "FIXTURE_UPLOAD_DIR", None) or (
        Path(tempfile.gettempdir()) / f"dashboard-fixture-uploads-{os.getuid()}"
    )
    folder = Path(folder)
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    found = folder.lstat()
    if (
        not stat.S_ISDIR(found.st_mode)
        or found.st_uid != os.getuid()
        or stat.S_IMODE(found.st_mode) & 0o077
    ):
        raise ImproperlyConfigured(
            f"The upload folder {folder} must be a folder owned by this user, which no one "
            "else may read or write (mode 0700): remove it, or set FIXTURE_UPLOAD_DIR."
        )
    return folder


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
        path, kept = _upload_keep(request, upload)
        name, result = kept["name"], None
        try:
            result = fixture_load(
                paths=[path],
                dry_run=True,
                with_changes=True,
                names={str(path): name},
                limits=Limits.from_settings(upload=True),
            )
        finally:
            if result is None or not (result.ok and result.changed):
                _upload_forget(request)  # nothing to confirm, or the dry run failed
        context = {
            "result": result,
            "name": name,
            "can_confirm": result.ok and result.changed,
            "kept": kept,
        }
    return _page(request, form=form, **context)


def _confirm(request):
    kept = request.session.get(SESSION_KEY)
    path = _upload_path(kept)
    if path is None:
        messages.error(request, "There is no checked file to load: upload it again.")
        return redirect("admin-load-fixtures")
    if request.POST.get("token") != kept["token"]:
        messages.error(
            request,
            f"That page was for a file checked earlier; the file checked last is "
            f"{kept['name']}, shown here. Nothing was loaded: check yours again to load it.",
        )
        return redirect("admin-load-fixtures")
    if request.POST.get("sha256") != kept["sha256"] or _file_hash(path) != kept["sha256"]:
        _upload_forget(request)
        messages.error(
            request, "The file changed after it was checked. Nothing was loaded: upload it again."
        )
        return redirect("admin-load-fixtures")
    try:
        result = fixture_load(
            paths=[path],
            with_changes=True,
            names={str(path): kept["name"]},
            limits=Limits.from_settings(upload=True),
        )
    finally:
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


def _upload_keep(request, upload: UploadedFile) -> tuple[Path, dict]:
    """Copy the upload to a new private file, note it and its hash in the session."""
    _upload_forget(request)
    _stale_remove()
    name = get_valid_filename(Path(upload.name).name)
    suffix = "".join(Path(name).suffixes[-2:]).lower()  # e.g. ".json.gz": it says the format
    token = secrets.token_hex(16)
    path = upload_dir() / f"{token}{suffix}"
    digest = hashlib.sha256()
    # A new file (never one already there, nor through a link), readable by this user only.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with os.fdopen(os.open(path, flags, 0o600), "wb") as copy:
        for chunk in upload.chunks():
            digest.update(chunk)
            copy.write(chunk)
    kept = {"token": token, "suffix": suffix, "name": name, "sha256": digest.hexdigest()}
    request.session[SESSION_KEY] = kept
    return path, kept


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as kept:
        while chunk := kept.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _upload_path(kept) -> Path | None:
    if not isinstance(kept, dict) or not _TOKEN.match(str(kept.get("token", ""))):
        return None
    folder = upload_dir()
    path = folder / f"{kept['token']}{kept.get('suffix', '')}"
    if file_format(path) is None or path.parent != folder or not path.is_file():
        return None
    return path


def _upload_forget(request) -> None:
    path = _upload_path(request.session.pop(SESSION_KEY, None))
    if path is not None:
        path.unlink(missing_ok=True)


def _stale_remove() -> None:
    """Remove uploads that were checked but never confirmed nor replaced (a session that
    ended): sessions' own are removed as they go."""
    cutoff = time.time() - STALE_SECONDS
    for path in upload_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
