"""Receiving a submission at request time (Art. 22: 报送): what the upload page and the API call.

`submission_upload` checks who may submit, stores the file outside the web root (hashed as it is
written, its type decided by its bytes), refuses a file already submitted for the obligation,
creates the Submission as a new version with its ledger entry and enqueues the background
ingestion (`ingest.pipeline.submission_ingest`) after commit; a broker that is down never fails
the upload (the pipeline's sweep sends it later).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.selectors import user_can_act_for
from sharing_catalog.errors import CatalogErrorCode
from sharing_catalog.models import (
    Obligation,
    SchemaVersion,
    Submission,
)
from sharing_catalog.selectors.catalog import schema_in_force
from zhengxiang_portal.core.dispatch import enqueue_on_commit, task_named
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.services import ledger_append

from ..readers import check_size, inspect_file

# sharing_catalog.submission_tasks registers the task under this name; the services send it by
# name, so the tasks module imports them and never the other way round.
INGEST_TASK = "sharing_catalog.ingest_submission"


class DuplicateFile(ApplicationError):
    """The same file (by SHA-256) was already submitted for this obligation."""

    def __init__(self, existing: Submission) -> None:
        super().__init__(
            code=CatalogErrorCode.DUPLICATE_FILE,
            message=_("该文件已于 %(when)s 上传过（第 %(v)s 版），未重复保存。")
            % {
                "when": timezone.localtime(existing.created_at).strftime("%Y-%m-%d %H:%M"),
                "v": existing.version,
            },
            details={"submission": existing.pk, "version": existing.version},
        )
        self.existing = existing


def _media_path(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


def _store_stream(chunks: Iterable[bytes]) -> tuple[Path, str, int]:
    """Write chunks to a temporary file under MEDIA_ROOT, hashing as we go."""
    tmp_dir = _media_path("submissions/tmp")
    tmp_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, name = tempfile.mkstemp(dir=tmp_dir, suffix=".upload")
    with os.fdopen(fd, "wb") as out:
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return Path(name), digest.hexdigest(), size


def submission_upload(
    *,
    obligation: Obligation,
    actor: User,
    uploaded_file: File | None = None,
    rows: list[dict[str, Any]] | None = None,
    source: str = Submission.Source.UPLOAD,
) -> Submission:
    """Store an uploaded file (or API rows) as a new version and queue its validation."""
    item = obligation.item
    if not user_can_act_for(user=actor, unit=item.provider):
        raise PermissionDenied(_("只有提供单位的联络员可以报送数据。"))
    if obligation.status == Obligation.Status.EXEMPT:
        raise ApplicationError(
            code=CatalogErrorCode.EXEMPT, message=_("该报送任务已协调豁免，无需报送。")
        )
    schema = schema_in_force(item=item)  # uploads are checked against the version in force
    if schema is None:
        raise ApplicationError(
            code=CatalogErrorCode.NO_SCHEMA, message=_("该目录项尚未发布字段规范，暂不能报送数据。")
        )
    if uploaded_file is not None:
        filename = Path(uploaded_file.name or "upload").name[:255]
        check_size(uploaded_file.size)
        tmp, sha256, size = _store_stream(uploaded_file.chunks())
    elif rows is not None:
        if not rows:
            raise ApplicationError(code=CatalogErrorCode.NO_ROWS, message=_("没有提交任何数据行。"))
        filename = "api-rows.json"
        payload = json.dumps({"rows": rows}, ensure_ascii=False, sort_keys=True).encode("utf-8")
        check_size(len(payload))
        tmp, sha256, size = _store_stream([payload])
    else:
        raise ApplicationError(code=CatalogErrorCode.NO_FILE, message=_("请选择要上传的文件。"))
    try:
        kind = inspect_file(tmp, filename)
        existing = Submission.objects.filter(obligation=obligation, file_sha256=sha256).first()
        if existing is not None:
            raise DuplicateFile(existing)
        final_name = f"submissions/{obligation.pk}/{uuid.uuid4().hex}.{kind}"
        final_path = _media_path(final_name)
        final_path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, final_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    committed: list[bool] = []
    try:
        with transaction.atomic():
            # Registered before the task's own on_commit hook, so it runs first: from then on
            # the submission row exists and its file must stay, whatever interrupts the request.
            transaction.on_commit(lambda: committed.append(True))
            return _create_submission(
                obligation=obligation,
                actor=actor,
                schema=schema,
                name=final_name,
                filename=filename,
                kind=kind,
                size=size,
                sha256=sha256,
                source=source,
            )
    except IntegrityError as exc:  # the same file raced in from a second request
        final_path.unlink(missing_ok=True)
        existing = Submission.objects.filter(obligation=obligation, file_sha256=sha256).first()
        if existing is not None:
            raise DuplicateFile(existing) from exc
        raise
    except BaseException:
        if not committed:  # rolled back: no row refers to the file
            final_path.unlink(missing_ok=True)
        raise


@transaction.atomic
def _create_submission(
    *,
    obligation: Obligation,
    actor: User,
    schema: SchemaVersion,
    name: str,
    filename: str,
    kind: str,
    size: int,
    sha256: str,
    source: str,
) -> Submission:
    locked = Obligation.objects.select_for_update().get(pk=obligation.pk)
    last = Submission.objects.filter(obligation=locked).aggregate(v=Max("version"))["v"] or 0
    submission = Submission.objects.create(
        obligation=locked,
        version=last + 1,
        uploaded_by=actor,
        unit=locked.item.provider,
        source=source,
        file=name,
        original_filename=filename,
        file_kind=kind,
        file_size=size,
        file_sha256=sha256,
        schema=schema,
    )
    ledger_append(
        action=LedgerAction.UPLOAD,
        actor=actor,
        unit=locked.item.provider,
        target=submission,
        digest=sha256,
        details={"filename": filename, "version": submission.version, "source": source},
    )
    # Sent after commit and never failing the upload: if the broker is down, the submission
    # waits as "received" and submission_ingest_sweep sends it when the broker is back.
    enqueue_on_commit(task_named(INGEST_TASK), submission_id=submission.pk)
    return submission
