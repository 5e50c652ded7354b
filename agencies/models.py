from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhengxiang_portal.core.models import ChoiceLabels

# The object permission that lets a liaison act for a unit (django-guardian, on Unit).
ACT_FOR_UNIT = "agencies.act_for_unit"


class Role(models.TextChoices):
    LIAISON = "liaison", _("共治单位联络员")
    TAX_STAFF = "tax_staff", _("税务局工作人员")
    WG_LEADER = "wg_leader", _("专项工作组组长")
    WG_MEMBER = "wg_member", _("专项工作组成员")
    AUDITOR = "auditor", _("审计管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")


class UnitKind(models.TextChoices):
    """Every kind of unit Art. 1 names."""

    TAX_BUREAU = "tax_bureau", _("税务部门")
    DISTRICT_DEPARTMENT = "district_department", _("区直部门")
    TOWN_STREET = "town_street", _("镇街")
    CENTRAL_UNIT = "central_unit", _("中央驻区单位")
    PROVINCIAL_UNIT = "provincial_unit", _("省属驻区单位")
    MUNICIPAL_UNIT = "municipal_unit", _("市属驻区单位")
    COURT = "court", _("人民法院")
    PROCURATORATE = "procuratorate", _("人民检察院")
    POLICE = "police", _("公安机关")
    BANK = "bank", _("金融机构")
    INSURER = "insurer", _("保险机构")
    WATER = "water", _("供水企业")
    POWER = "power", _("供电企业")
    GAS = "gas", _("供气企业")
    HEAT = "heat", _("供热企业")
    TELECOM = "telecom", _("通信企业")
    AVIATION = "aviation", _("民航企业")
    RAIL = "rail", _("铁路企业")
    ROAD_PASSENGER = "road_passenger", _("道路客运企业")
    TAX_AGENCY = "tax_agency", _("涉税涉费专业机构")
    INDUSTRY_ASSOCIATION = "industry_association", _("行业协会")


# Art. 1: public-service enterprises, professional agencies and associations are 关联单位.
RELATED_UNIT_KINDS = frozenset(
    {
        UnitKind.BANK,
        UnitKind.INSURER,
        UnitKind.WATER,
        UnitKind.POWER,
        UnitKind.GAS,
        UnitKind.HEAT,
        UnitKind.TELECOM,
        UnitKind.AVIATION,
        UnitKind.RAIL,
        UnitKind.ROAD_PASSENGER,
        UnitKind.TAX_AGENCY,
        UnitKind.INDUSTRY_ASSOCIATION,
    }
)


class Unit(ChoiceLabels, models.Model):
    """A 共治单位 (co-governance unit) or 关联单位 (related unit), Art. 1."""

    class Category(models.TextChoices):
        CO_GOVERNANCE = "co_governance", _("共治单位")
        RELATED = "related", _("关联单位")

    code = models.CharField(_("单位代码"), max_length=32, unique=True)
    name = models.CharField(_("单位名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    kind = models.CharField(_("单位类型"), max_length=32, choices=UnitKind.choices)
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    responsible_department = models.CharField(_("责任部门"), max_length=100, blank=True)
    leader_name = models.CharField(_("分管负责人"), max_length=50, blank=True)
    leader_phone = models.CharField(_("负责人电话"), max_length=30, blank=True)
    leader_user = models.ForeignKey(
        "User",
        verbose_name=_("负责人账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_units",
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        permissions = [("act_for_unit", _("代表本单位办理业务"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=["co_governance", "related"]), name="unit_category_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_tax_bureau(self) -> bool:
        return self.kind == UnitKind.TAX_BUREAU


class User(AbstractUser):
    """A portal account; `unit` is the unit the person works for (none for pure admins)."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    # Raised by agencies.authz whenever the account's roles, permissions or units change: the
    # key of its cached authorisation snapshot. Never written by save() (see below).
    authz_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")  # type: ignore[assignment]  # lazy text is what Django expects
        verbose_name_plural = _("用户")  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A full save of a stale copy must not write back an older authz_version: that would
        # make a snapshot read before a role change current again. Only agencies.authz moves it.
        stale_copy_possible = not self._state.adding and not kwargs.get("force_insert")
        if stale_copy_possible and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "authz_version"
            ]
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class Liaison(models.Model):
    """A unit's liaison (联络员), Art. 3: 及时收集共治单位责任部门和联络员."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="liaisons"
    )
    user = models.OneToOneField(
        User,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="liaison",
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("电话"), max_length=30)
    email = models.EmailField(_("电子邮箱"), blank=True)
    position = models.CharField(_("职务"), max_length=50, blank=True)
    is_primary = models.BooleanField(_("主联络员"), default=False)
    is_active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        ordering = ["unit__code", "-is_primary", "name"]
        verbose_name = _("联络员")
        verbose_name_plural = _("联络员")
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(is_primary=True, is_active=True),
                name="one_primary_liaison_per_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.short_name or self.unit.name} · {self.name}"


class WorkingGroupMember(ChoiceLabels, models.Model):
    """A member of the 共治专项工作组 (Art. 3): 发改、公安、财政、税务、政务服务及大数据 …"""

    class Position(models.TextChoices):
        LEADER = "leader", _("组长")
        DEPUTY_LEADER = "deputy_leader", _("副组长")
        MEMBER = "member", _("成员")
        OFFICE = "office", _("办公室工作人员")

    user = models.OneToOneField(
        User,
        verbose_name=_("账号"),
        on_delete=models.CASCADE,
        related_name="working_group_membership",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所在单位"),
        on_delete=models.PROTECT,
        related_name="working_group_members",
    )
    position = models.CharField(_("职务"), max_length=20, choices=Position.choices)
    duties = models.CharField(_("分工"), max_length=200, blank=True)
    joined_on = models.DateField(_("加入日期"), null=True, blank=True)

    class Meta:
        ordering = ["position", "unit__code"]
        verbose_name = _("专项工作组成员")
        verbose_name_plural = _("专项工作组成员")

    def __str__(self) -> str:
        return f"{self.get_position_display()} · {self.user.display_name}"
