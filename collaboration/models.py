"""Collaboration requests (协作事项) between the tax bureau and units (Art. 6, 7).

Art. 7: units answer the tax bureau's requests, and the tax bureau answers theirs:
"不得无故拒绝、拖延".
Deadlines are working days from `zhengxiang_portal.deadlines.calendar`; reminder, overdue and
escalation state lives here and is acted on by a periodic scan (no ETA tasks).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhengxiang_portal.core.models import ChoiceLabels, StoredAttachment
from zhengxiang_portal.core.uploads import stored_name


class Category(models.TextChoices):
    """The five kinds of co-operation of Art. 6 (一)–(五)."""

    ENFORCEMENT = "enforcement", _("征管协作")
    SUPERVISION = "supervision", _("监管协作")
    JUDICIAL = "judicial", _("司法协作")
    SERVICE = "service", _("服务协作")
    OTHER = "other", _("其他协作")


class Priority(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    ACCEPTED = "accepted", _("已受理")
    IN_PROGRESS = "in_progress", _("办理中")
    AWAITING_CLARIFICATION = "awaiting_clarification", _("待补充说明")
    ANSWERED = "answered", _("已答复")
    REOPENED = "reopened", _("已退回重办")
    CLOSED = "closed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")
    REFUSED = "refused", _("已拒绝")
    CONTESTED = "contested", _("拒绝异议待裁定")
    RETURNED = "returned", _("退回行政处理")


# The clock runs in these states; the deadline scan and "overdue" consider only them.
RUNNING_STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED)
# States in which the request is still open (the requester may withdraw).
OPEN_STATUSES = (*RUNNING_STATUSES, Status.AWAITING_CLARIFICATION)


class TransferOutcome(models.TextChoices):
    """A stage a judicial organ reports on a transferred case (Art. 6(三): 反馈处理结果).

    A case goes through several (已受理, 立案, 移送审查起诉, 起诉, 判决 …); its current stage is the
    latest one reported.
    """

    RECEIVED = "received", _("已受理")
    FILED = "filed", _("立案")
    NOT_FILED = "not_filed", _("不立案")
    WITHDRAWN = "withdrawn", _("撤案")
    FOR_PROSECUTION = "for_prosecution", _("移送审查起诉")
    PROSECUTED = "prosecuted", _("起诉")
    NOT_PROSECUTED = "not_prosecuted", _("不起诉")
    JUDGED = "judged", _("判决")
    ACQUITTED = "acquitted", _("判决无罪")
    EXEMPTED = "exempted", _("免予刑事处罚")
    OTHER = "other", _("其他")


# Art. 6(三): "司法机关依法作出不立案、不起诉、判决无罪或免予刑事处罚的案件，对相关当事人需要给予
# 行政处罚的，应当向同级税务部门提出意见、及时移送": the decisions with which a case comes back.
RETURN_STAGES = (
    TransferOutcome.NOT_FILED,
    TransferOutcome.NOT_PROSECUTED,
    TransferOutcome.ACQUITTED,
    TransferOutcome.EXEMPTED,
)


# The decisions a case is returned with, as choices (the return form and the API's input).
RETURN_DECISION_CHOICES = [
    (value, label) for value, label in TransferOutcome.choices if value in RETURN_STAGES
]


class AdminHandling(models.TextChoices):
    """What the tax bureau did with a case returned for administrative handling (Art. 6(三))."""

    PENALTY = "penalty", _("行政处罚")
    NO_PENALTY = "no_penalty", _("不予行政处罚")


class RefusalRuling(models.TextChoices):
    NONE = "", _("未裁定")
    JUSTIFIED = "justified", _("拒绝有正当理由")
    UNJUSTIFIED = "unjustified", _("无故拒绝")


class MatterType(ChoiceLabels, models.Model):
    """A kind of matter the working group keeps, with its default deadline in working days."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("事项类型"), max_length=50, unique=True)
    category = models.CharField(_("协作类别"), max_length=16, choices=Category.choices)
    default_working_days = models.PositiveSmallIntegerField(_("默认办理时限（工作日）"))
    is_case_transfer = models.BooleanField(
        _("案件移送"),
        default=False,
        help_text=_("接收机关须确认接收并反馈处理结果（第六条第三项）。"),
    )
    legal_basis = models.CharField(_("依据"), max_length=300, blank=True)
    description = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("协作事项类型")
        verbose_name_plural = _("协作事项类型")
        constraints = [
            models.CheckConstraint(
                condition=Q(default_working_days__gte=1), name="matter_type_days_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RequestNumberSequence(models.Model):
    """The last number handed out in a year; the row lock serialises allocation."""

    year = models.PositiveSmallIntegerField(_("年度"), primary_key=True)
    last = models.PositiveIntegerField(_("已用序号"), default=0)

    class Meta:
        verbose_name = _("协作请求编号")
        verbose_name_plural = _("协作请求编号")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class CollaborationRequest(ChoiceLabels, models.Model):
    """A collaboration request (协作请求) from one unit to another, one of them the tax bureau."""

    number = models.CharField(_("编号"), max_length=20, unique=True)
    category = models.CharField(_("协作类别"), max_length=16, choices=Category.choices)
    matter_type = models.ForeignKey(
        MatterType, verbose_name=_("事项类型"), on_delete=models.PROTECT, related_name="requests"
    )
    subject = models.CharField(_("事项标题"), max_length=200)
    body = models.TextField(_("请求内容"))
    legal_basis = models.CharField(_("法律依据"), max_length=500, blank=True)
    priority = models.CharField(
        _("紧急程度"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    # No single-column index on the two unit keys: the composite indexes below lead with them.
    requesting_unit = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("请求单位"),
        on_delete=models.PROTECT,
        related_name="outgoing_requests",
        db_index=False,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("请求人"),
        on_delete=models.PROTECT,
        related_name="collaboration_requests_made",
    )
    target_unit = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("承办单位"),
        on_delete=models.PROTECT,
        related_name="incoming_requests",
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="collaboration_requests_assigned",
    )
    status = models.CharField(
        _("状态"), max_length=24, choices=Status.choices, default=Status.SUBMITTED
    )
    status_before_pause = models.CharField(
        _("暂停前状态"), max_length=24, choices=Status.choices, blank=True
    )

    # Deadline (working days, Art. 7 不得拖延); the clock pauses while clarification is awaited.
    submitted_at = models.DateTimeField(_("提交时间"))
    submitted_on = models.DateField(_("提交日期"))
    working_days_allowed = models.PositiveSmallIntegerField(_("办理时限（工作日）"))
    due_date = models.DateField(_("办理期限"))
    paused_on = models.DateField(_("计时暂停日"), null=True, blank=True)
    remaining_working_days = models.PositiveSmallIntegerField(
        _("暂停时剩余工作日"), null=True, blank=True
    )
    paused_working_days = models.PositiveSmallIntegerField(_("累计暂停工作日"), default=0)
    # Each deadline change starts a new reminder "level", so the new deadline is reminded again.
    deadline_version = models.PositiveSmallIntegerField(_("期限版本"), default=1)
    reminded_at = models.DateTimeField(_("到期提醒时间"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(_("逾期通知时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("上报工作组时间"), null=True, blank=True)

    # Answer
    answer = models.TextField(_("答复内容"), blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_on = models.DateField(_("答复日期"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_late = models.BooleanField(_("逾期答复"), null=True, blank=True)
    working_days_to_answer = models.PositiveSmallIntegerField(
        _("答复用时（工作日）"), null=True, blank=True
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    # Refusal (Art. 7: 不得无故拒绝) and the working group's ruling
    refusal_reason = models.TextField(_("拒绝理由"), blank=True)
    refused_at = models.DateTimeField(_("拒绝时间"), null=True, blank=True)
    contest_reason = models.TextField(_("异议理由"), blank=True)
    contested_at = models.DateTimeField(_("提出异议时间"), null=True, blank=True)
    refusal_ruling = models.CharField(
        _("工作组裁定"), max_length=12, choices=RefusalRuling.choices, blank=True, default=""
    )
    ruling_comment = models.TextField(_("裁定意见"), blank=True)
    ruled_at = models.DateTimeField(_("裁定时间"), null=True, blank=True)
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("裁定人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    # Case transfer (案件移送, Art. 6(三))
    acknowledged_at = models.DateTimeField(_("确认接收时间"), null=True, blank=True)
    outcome = models.CharField(
        _("处理结果"), max_length=16, choices=TransferOutcome.choices, blank=True
    )
    outcome_note = models.TextField(_("结果说明"), blank=True)
    outcome_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)

    # The way back (Art. 6(三)): returned for administrative handling, and what the bureau did.
    returned_at = models.DateTimeField(_("退回行政处理时间"), null=True, blank=True)
    admin_due_date = models.DateField(_("行政处理期限"), null=True, blank=True)
    admin_reminded_at = models.DateTimeField(_("行政处理到期提醒时间"), null=True, blank=True)
    admin_overdue_at = models.DateTimeField(_("行政处理逾期通知时间"), null=True, blank=True)
    admin_result = models.CharField(
        _("行政处理结果"), max_length=16, choices=AdminHandling.choices, blank=True
    )
    admin_decision_number = models.CharField(_("处罚决定书文号"), max_length=80, blank=True)
    admin_decided_on = models.DateField(_("行政处理决定日期"), null=True, blank=True)
    admin_note = models.TextField(_("行政处理说明"), blank=True)
    admin_recorded_at = models.DateTimeField(_("行政处理登记时间"), null=True, blank=True)
    admin_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("行政处理登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    admin_handled_late = models.BooleanField(_("逾期行政处理"), null=True, blank=True)

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("协作请求")
        verbose_name_plural = _("协作请求")
        constraints = [
            models.CheckConstraint(
                condition=~Q(requesting_unit=models.F("target_unit")),
                name="request_between_two_units",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""),
                name="request_refusal_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(admin_result="penalty") | ~Q(admin_decision_number=""),
                name="request_penalty_has_decision_number",
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | Q(admin_due_date__isnull=False),
                name="request_returned_has_admin_deadline",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_date"], name="request_status_due"),
            models.Index(fields=["target_unit", "status"], name="request_target_status"),
            models.Index(fields=["requesting_unit", "status"], name="request_origin_status"),
            models.Index(fields=["target_unit", "due_date"], name="request_target_due"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_case_transfer(self) -> bool:
        return self.matter_type.is_case_transfer

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES

    @property
    def awaits_admin_handling(self) -> bool:
        return self.status == Status.RETURNED

    @property
    def pending_extension(self) -> Extension | None:
        for ext in self.extensions.all():
            if ext.status == Extension.Status.PENDING:
                return ext
        return None


class Extension(ChoiceLabels, models.Model):
    """An assignee's request for a later deadline; the requester approves or declines it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已同意")
        DECLINED = "declined", _("未同意")

    request = models.ForeignKey(
        CollaborationRequest,
        verbose_name=_("协作请求"),
        on_delete=models.CASCADE,
        related_name="extensions",
    )
    reason = models.TextField(_("延期理由"))
    previous_due_date = models.DateField(_("原办理期限"))
    new_due_date = models.DateField(_("申请延至"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_comment = models.TextField(_("审批意见"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status="pending"),
                name="one_pending_extension_per_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request.number} → {self.new_due_date:%Y-%m-%d}"


class TimelineEntry(ChoiceLabels, models.Model):
    """One step of a request's history: who did what, when, with which comment and files."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("提交请求")
        ASSIGN = "assign", _("指定承办人")
        ACCEPT = "accept", _("受理")
        ACKNOWLEDGE = "acknowledge", _("确认接收移送案件")
        START = "start", _("开始办理")
        ASK_CLARIFICATION = "ask_clarification", _("要求补充说明")
        ANSWER_CLARIFICATION = "answer_clarification", _("补充说明")
        ANSWER = "answer", _("答复")
        REPORT_OUTCOME = "report_outcome", _("反馈处理结果")
        RETURN_CASE = "return_case", _("退回行政处理")
        RECORD_HANDLING = "record_handling", _("登记行政处理结果")
        HANDLING_REMIND = "handling_remind", _("行政处理到期提醒")
        HANDLING_OVERDUE = "handling_overdue", _("行政处理逾期通知")
        REFUSE = "refuse", _("拒绝")
        CONTEST = "contest", _("对拒绝提出异议")
        REPLY_CONTEST = "reply_contest", _("拒绝单位答复异议")
        RULE = "rule", _("工作组裁定")
        ASK_EXTENSION = "ask_extension", _("申请延期")
        APPROVE_EXTENSION = "approve_extension", _("同意延期")
        DECLINE_EXTENSION = "decline_extension", _("不同意延期")
        CLOSE = "close", _("办结")
        REOPEN = "reopen", _("退回重办")
        WITHDRAW = "withdraw", _("撤回")
        COMMENT = "comment", _("补充材料")
        REMIND = "remind", _("到期提醒")
        OVERDUE = "overdue", _("逾期通知")
        ESCALATE = "escalate", _("上报工作组")

    request = models.ForeignKey(
        CollaborationRequest,
        verbose_name=_("协作请求"),
        on_delete=models.CASCADE,
        related_name="timeline",
    )
    action = models.CharField(_("动作"), max_length=24, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_unit = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("操作单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    comment = models.TextField(_("说明"), blank=True)
    from_status = models.CharField(_("原状态"), max_length=24, blank=True)
    to_status = models.CharField(_("新状态"), max_length=24, blank=True)
    details = models.JSONField(_("详情"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        indexes = [models.Index(fields=["request", "created_at"], name="timeline_request_time")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.get_action_display()}"


class TransferReport(ChoiceLabels, models.Model):
    """One progress report (案件进展反馈) of a judicial organ on a transferred case (Art. 6(三)).

    A case has several (已受理, 立案, 移送审查起诉, 起诉, 判决 …); the latest is its current stage.
    `returned` marks the report with which the case came back for administrative handling.
    Its attachments hang on its timeline entry.
    """

    request = models.ForeignKey(
        CollaborationRequest,
        verbose_name=_("协作请求"),
        on_delete=models.CASCADE,
        related_name="transfer_reports",
    )
    stage = models.CharField(_("案件进展"), max_length=16, choices=TransferOutcome.choices)
    occurred_on = models.DateField(_("日期"))
    note = models.TextField(_("说明"))
    returned = models.BooleanField(_("退回行政处理"), default=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("反馈人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reporter_unit = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("反馈单位"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("反馈时间"))
    timeline_entry = models.OneToOneField(
        TimelineEntry,
        verbose_name=_("办理记录"),
        on_delete=models.CASCADE,
        related_name="transfer_report",
    )

    class Meta:
        ordering = ["occurred_on", "reported_at", "id"]
        verbose_name = _("案件进展反馈")
        verbose_name_plural = _("案件进展反馈")
        indexes = [
            models.Index(fields=["request", "occurred_on"], name="transfer_report_request_day")
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.get_stage_display()} {self.occurred_on:%Y-%m-%d}"


def _attachment_path(instance: Attachment, filename: str) -> str:
    return stored_name("collaboration", instance.request_id)


class Attachment(StoredAttachment):
    """A file attached to a request or one of its steps, served only through a checked view."""

    request = models.ForeignKey(
        CollaborationRequest,
        verbose_name=_("协作请求"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    timeline_entry = models.ForeignKey(
        TimelineEntry,
        verbose_name=_("办理记录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    file = models.FileField(_("文件"), upload_to=_attachment_path, max_length=200)

    class Meta(StoredAttachment.Meta):
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
