"""Files attached to a workflow step (a request's step, a rectification order's reply).

One set of checks for every attachment: the size limit (PORTAL_UPLOAD_MAX_BYTES), a SHA-256 for
the ledger, a file name without path separators, a random stored name. Every file is checked
before any is stored, so a refused upload leaves nothing half-written behind.
"""

from __future__ import annotations

import hashlib
import mimetypes
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.http import FileResponse
from django.utils.translation import gettext as _

from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append

from .errors import ApiErrorCode, ApplicationError
from .models import StoredAttachment

if TYPE_CHECKING:
    from agencies.models import User

T = TypeVar("T", bound=models.Model)


def stored_name(prefix: str, owner_id: Any) -> str:
    """A random path under `prefix/owner_id/`: the user's file name is kept only as metadata."""
    return f"{prefix}/{owner_id}/{uuid.uuid4().hex}"


def attachments_store(
    *, files: Sequence[UploadedFile], build: Callable[..., T], actor: User | None
) -> list[T]:
    """Check every file, then store each as `build(**fields)` (an unsaved attachment model)."""
    limit = settings.PORTAL_UPLOAD_MAX_BYTES
    for upload in files:
        if upload.size is None or upload.size > limit:
            raise ApplicationError(
                code=ApiErrorCode.FILE_TOO_LARGE,
                message=_("附件“%(name)s”超过大小上限（%(mb)d MB）。")
                % {"name": upload.name, "mb": limit // (1024 * 1024)},
            )
    stored: list[T] = []
    for upload in files:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        name = (upload.name or "file").replace("/", "_").replace("\\", "_")[-200:]
        attachment = build(
            original_name=name,
            content_type=(upload.content_type or mimetypes.guess_type(name)[0] or "")[:100],
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
        )
        attachment.file.save(name, upload, save=False)  # type: ignore[attr-defined]
        attachment.save()
        stored.append(attachment)
    return stored


def attachment_response(
    attachment: StoredAttachment, *, actor: User, target: models.Model
) -> FileResponse:
    """Log the download of an attachment the caller was allowed to see (the ledger entry is
    recorded against `target`, the object the attachment belongs to) and serve it as a file."""
    ledger_append(
        action=LedgerAction.DOWNLOAD,
        category=LedgerCategory.AUDIT,
        actor=actor,
        target=target,
        digest=attachment.sha256,
        details={"attachment": attachment.pk, "name": attachment.original_name},
    )
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type="application/octet-stream",
    )
