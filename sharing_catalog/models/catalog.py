"""The data-exchange catalog (目录清单, Art. 20) and its versioned field schemas."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhengxiang_portal.core.models import ChoiceLabels


class CatalogItem(ChoiceLabels, models.Model):
    """One item of the 目录清单 (Art. 20): what a provider unit shares, with whom, how, and when.

    The metadata fields follow China's government information resource catalog guide
    (政务信息资源目录编制指南: 分类 类/项/目/细目, 资源代码, 提供方代码, 摘要, 格式, 共享条件,
    共享方式, 开放属性, 发布日期, 关联资源代码).
    """

    class SharingClass(models.TextChoices):
        UNCONDITIONAL = "unconditional", _("无条件共享")
        CONDITIONAL = "conditional", _("有条件共享")
        NOT_SHARED = "not_shared", _("不予共享")

    class Frequency(models.TextChoices):
        DAILY = "daily", _("每日")
        WEEKLY = "weekly", _("每周")
        MONTHLY = "monthly", _("每月")
        QUARTERLY = "quarterly", _("每季度")
        HALF_YEARLY = "half_yearly", _("每半年")
        YEARLY = "yearly", _("每年")
        ON_EVENT = "on_event", _("按事件")

    class Transmission(models.TextChoices):
        PLATFORM_UPLOAD = "platform_upload", _("平台上传")
        API = "api", _("接口推送")
        OFF_PLATFORM = "off_platform", _("线下共享")

    class Sensitivity(models.TextChoices):
        PUBLIC = "public", _("公开")
        INTERNAL = "internal", _("内部")
        SENSITIVE = "sensitive", _("敏感")
        CONFIDENTIAL = "confidential", _("涉密（不上平台）")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        RETIRED = "retired", _("已停用")

    class OpenAttribute(models.TextChoices):
        OPEN = "open", _("无条件开放")
        CONDITIONAL = "conditional", _("有条件开放")
        CLOSED = "closed", _("不予开放")

    code = models.CharField(_("目录编码"), max_length=40, unique=True)
    name = models.CharField(_("信息资源名称"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    provider = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("提供单位"),
        on_delete=models.PROTECT,
        related_name="provided_items",
    )
    consumers = models.ManyToManyField(
        "agencies.Unit", verbose_name=_("需求单位"), related_name="consumed_items", blank=True
    )
    sharing_class = models.CharField(_("共享类型"), max_length=16, choices=SharingClass.choices)
    legal_basis = models.TextField(_("法律依据"))
    frequency = models.CharField(_("更新周期"), max_length=16, choices=Frequency.choices)
    due_working_days = models.PositiveSmallIntegerField(
        _("报送期限（期末后工作日）"),
        default=5,
        help_text=_("每期结束后第几个工作日内完成报送，如“期末后 5 个工作日”。"),
    )
    grace_working_days = models.PositiveSmallIntegerField(_("宽限期（工作日）"), default=0)
    objection_working_days = models.PositiveSmallIntegerField(
        _("异议答复期限（工作日）"), default=5
    )
    objection_accept_working_days = models.PositiveSmallIntegerField(
        _("异议答复确认期限（工作日）"),
        default=3,
        help_text=_(
            "提供单位答复异议后，提出单位在此期限内认可或提出异议；"
            "逾期未表示的，按提供单位的答复办结。"
        ),
    )
    transmission = models.CharField(_("传送方式"), max_length=16, choices=Transmission.choices)
    sensitivity = models.CharField(
        _("敏感程度"), max_length=16, choices=Sensitivity.choices, default=Sensitivity.INTERNAL
    )
    grant_needs_working_group = models.BooleanField(
        _("授权须专项工作组审批"),
        default=False,
        help_text=_("有条件共享的数据，除提供单位外还须专项工作组同意。"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    # 政务信息资源目录 core metadata
    class_category = models.CharField(_("类"), max_length=50, blank=True)
    class_item = models.CharField(_("项"), max_length=50, blank=True)
    class_catalog = models.CharField(_("目"), max_length=50, blank=True)
    class_detail = models.CharField(_("细目"), max_length=50, blank=True)
    resource_code = models.CharField(_("资源代码"), max_length=60, blank=True)
    provider_code = models.CharField(_("提供方代码"), max_length=60, blank=True)
    summary = models.TextField(_("摘要"), blank=True)
    data_format = models.CharField(_("格式"), max_length=50, blank=True, default="电子表格")
    share_condition = models.CharField(_("共享条件"), max_length=200, blank=True)
    share_method = models.CharField(_("共享方式"), max_length=100, blank=True)
    open_attribute = models.CharField(
        _("开放属性"), max_length=16, choices=OpenAttribute.choices, default=OpenAttribute.CLOSED
    )
    published_at = models.DateTimeField(_("发布日期"), null=True, blank=True)
    related_resource_codes = models.CharField(_("关联资源代码"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("目录清单项")
        verbose_name_plural = _("目录清单")
        indexes = [models.Index(fields=["status", "provider"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class FieldType(models.TextChoices):
    TEXT = "text", _("文本")
    INTEGER = "integer", _("整数")
    DECIMAL = "decimal", _("小数/金额")
    DATE = "date", _("日期")
    DATETIME = "datetime", _("日期时间")
    BOOLEAN = "boolean", _("是/否")
    ENUM = "enum", _("枚举")
    CREDIT_CODE = "credit_code", _("统一社会信用代码")
    ID_NUMBER = "id_number", _("居民身份证号码")
    PHONE = "phone", _("电话号码")


class SchemaVersion(models.Model):
    """A version of an item's field schema; the highest published version is in force."""

    item = models.ForeignKey(
        CatalogItem,
        verbose_name=_("目录项"),
        on_delete=models.CASCADE,
        related_name="schema_versions",
    )
    version = models.PositiveIntegerField(_("版本"))
    note = models.CharField(_("变更说明"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["item", "-version"]
        verbose_name = _("字段规范版本")
        verbose_name_plural = _("字段规范版本")
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="schema_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} v{self.version}"


class SchemaField(ChoiceLabels, models.Model):
    """One field of a schema version: key, Chinese label, type and rules."""

    schema = models.ForeignKey(
        SchemaVersion, verbose_name=_("字段规范"), on_delete=models.CASCADE, related_name="fields"
    )
    position = models.PositiveSmallIntegerField(_("顺序"))
    key = models.SlugField(_("字段标识"), max_length=50)
    label = models.CharField(_("中文名称"), max_length=50)
    field_type = models.CharField(_("类型"), max_length=16, choices=FieldType.choices)
    required = models.BooleanField(_("必填"), default=False)
    max_length = models.PositiveIntegerField(_("最大长度"), null=True, blank=True)
    pattern = models.CharField(_("格式（正则）"), max_length=200, blank=True)
    enum_values = models.JSONField(_("枚举值"), default=list, blank=True)
    is_unique_key = models.BooleanField(_("唯一键组成部分"), default=False)
    is_sensitive = models.BooleanField(
        _("敏感字段"), default=False, help_text=_("证件号码、电话、账号等，对无权限者脱敏显示。")
    )
    example = models.CharField(_("示例"), max_length=100, blank=True)
    help_text = models.CharField(_("填写说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["schema", "position"]
        verbose_name = _("字段")
        verbose_name_plural = _("字段")
        constraints = [
            models.UniqueConstraint(fields=["schema", "key"], name="schema_field_key_unique"),
            models.UniqueConstraint(fields=["schema", "label"], name="schema_field_label_unique"),
            models.CheckConstraint(
                condition=~Q(field_type="enum") | ~Q(enum_values=[]),
                name="schema_field_enum_has_values",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.key})"
