"""Submissions of an obligation's data, their validation report, stored records and receipts.

Art. 22: the provider uploads, checks and confirms (校核、确认) the data; the consumer receives it
with a record (接收有记录); every step is a ledger entry.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengxiang_portal.core.models import ChoiceLabels


class Submission(ChoiceLabels, models.Model):
    """One version of the data uploaded (or pushed by API) for an obligation."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("页面上传")
        API_JSON = "api_json", _("接口推送（JSON）")
        API_FILE = "api_file", _("接口推送（文件）")

    class Status(models.TextChoices):
        RECEIVED = "received", _("已接收")
        PROCESSING = "processing", _("校验中")
        INVALID = "invalid", _("校验未通过")
        VALIDATED = "validated", _("校验通过待确认")
        CONFIRMED = "confirmed", _("已确认")
        SUPERSEDED = "superseded", _("已被新版本替代")

    class Stage(models.TextChoices):
        """Where an ingestion is, in words a person understands (issue 16 point 3)."""

        READING = "reading", _("读取文件")
        VALIDATING = "validating", _("逐行校验")
        STORING = "storing", _("写入数据库")
        DONE = "done", _("完成")

    FINAL_STATUSES = frozenset({"invalid", "validated", "confirmed", "superseded"})
    # A finished validation's outcome: passed (validated, confirmed, later superseded) or not.
    # The bulletin's and the assessment's first-pass rates both count by these (第二十二、二十五条).
    PASSED_STATUSES = frozenset({"validated", "confirmed", "superseded"})
    FAILED_STATUSES = frozenset({"invalid"})

    obligation = models.ForeignKey(
        "sharing_catalog.Obligation",
        verbose_name=_("报送任务"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    version = models.PositiveIntegerField(_("版本"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit = models.ForeignKey(
        "agencies.Unit", verbose_name=_("报送单位"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    # Stored under MEDIA_ROOT (outside the web root); served only through permission-checked views.
    file = models.FileField(_("文件"), upload_to="submissions/%Y/%m/", max_length=300)
    original_filename = models.CharField(_("原文件名"), max_length=255)
    file_kind = models.CharField(_("文件类型"), max_length=8)
    file_size = models.PositiveBigIntegerField(_("文件大小"), default=0)
    file_sha256 = models.CharField(_("文件 SHA-256"), max_length=64)
    schema = models.ForeignKey(
        "sharing_catalog.SchemaVersion",
        verbose_name=_("字段规范版本"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    claim_token = models.CharField(max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(_("处理次数"), default=0)
    stage = models.CharField(_("处理阶段"), max_length=16, choices=Stage.choices, blank=True)
    rows_total = models.PositiveIntegerField(_("总行数"), default=0)
    rows_processed = models.PositiveIntegerField(_("已处理行数"), default=0)
    row_count = models.PositiveIntegerField(_("有效数据行数"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    report = models.JSONField(_("校验报告"), default=dict, blank=True)
    # The ingestion's lease: renewed with every progress update; an attempt silent for longer
    # than INGEST_LEASE_SECONDS lost its worker and may be taken over.
    lease_renewed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(_("校验完成时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    supersedes = models.ForeignKey(
        "self",
        verbose_name=_("替代的版本"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="superseded_by",
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        ordering = ["obligation", "-version"]
        verbose_name = _("数据报送")
        verbose_name_plural = _("数据报送")
        constraints = [
            models.UniqueConstraint(
                fields=["obligation", "version"], name="submission_version_unique"
            ),
            models.UniqueConstraint(
                fields=["obligation", "file_sha256"], name="submission_same_file_once"
            ),
        ]
        indexes = [models.Index(fields=["status", "confirmed_at"])]

    def __str__(self) -> str:
        return f"{self.obligation_id} v{self.version}"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES

    @property
    def progress_percent(self) -> int:
        if self.is_final:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(self.rows_processed * 100 / self.rows_total))

    @property
    def rows_passed(self) -> int:
        """Rows that passed their own checks; a refused file keeps none but still counts them."""
        return int(self.report.get("valid_rows", self.row_count) or 0)

    @property
    def header_error_count(self) -> int:
        return int(self.report.get("header_errors", 0) or 0)

    @property
    def key_checked(self) -> bool:
        """False when a unique-key column was missing, so duplicates could not be compared."""
        return bool(self.report.get("key_checked", True))


class SubmissionError(models.Model):
    """One validation error, located by Excel cell (A1), column label and value."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="errors", verbose_name=_("数据报送")
    )
    row = models.PositiveIntegerField(_("行号"), null=True, blank=True)
    column = models.CharField(_("列"), max_length=4, blank=True)
    cell = models.CharField(_("单元格"), max_length=16, blank=True)
    field_label = models.CharField(_("字段"), max_length=50, blank=True)
    value = models.CharField(_("填写值"), max_length=200, blank=True)
    message = models.CharField(_("错误说明"), max_length=300)

    class Meta:
        ordering = ["submission", "id"]
        verbose_name = _("校验错误")
        verbose_name_plural = _("校验错误")

    def __str__(self) -> str:
        return f"{self.cell or '-'} {self.message}"


class Record(models.Model):
    """One validated data row of a submission, keyed by the schema's unique key."""

    # No separate index on the foreign key: the unique (submission, row_number) index leads with
    # it, and one index fewer to maintain makes the bulk COPY of a large file faster.
    # No per-row foreign-key constraint either: a database trigger checks each INSERT or UPDATE
    # statement's rows as a set, locking their submissions as a foreign key does; a deleted
    # submission takes its records with it (migration 0010; issue 16 point 6: the per-row
    # check took ~0.8 s of the database's time for 200,000 rows).
    submission = models.ForeignKey(
        Submission,
        on_delete=models.CASCADE,
        related_name="records",
        verbose_name=_("数据报送"),
        db_index=False,
        db_constraint=False,
    )
    row_number = models.PositiveIntegerField(_("行号"))
    unique_key = models.TextField(_("唯一键"))
    data = models.JSONField(_("数据"))

    class Meta:
        ordering = ["submission", "row_number"]
        verbose_name = _("数据记录")
        verbose_name_plural = _("数据记录")
        constraints = [
            models.UniqueConstraint(fields=["submission", "row_number"], name="record_row_once"),
        ]

    def __str__(self) -> str:
        return f"{self.submission_id}:{self.row_number}"


class Receipt(models.Model):
    """A consumer unit's acknowledgement of a confirmed submission (接收有记录, Art. 22)."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="receipts", verbose_name=_("数据报送")
    )
    unit = models.ForeignKey(
        "agencies.Unit", verbose_name=_("接收单位"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("接收记录")
        verbose_name_plural = _("接收记录")
        constraints = [
            models.UniqueConstraint(fields=["submission", "unit"], name="receipt_once_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.submission_id} → {self.unit_id}"
