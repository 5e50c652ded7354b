"""Every kind of ledger entry. Adding one needs no migration (the field stores the value)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LedgerCategory(models.TextChoices):
    TRANSFER = "transfer", _("数据传送台账")
    WORKFLOW = "workflow", _("业务协作")
    AUDIT = "audit", _("安全审计")


class LedgerAction(models.TextChoices):
    # data transfer (Art. 22)
    UPLOAD = "upload", _("上传")
    VALIDATE = "validate", _("校验")
    CONFIRM = "confirm", _("确认")
    RECEIVE = "receive", _("接收")
    DOWNLOAD = "download", _("下载")
    VIEW = "view", _("查看")
    CORRECT = "correct", _("更正")
    OBJECTION = "objection", _("异议")
    GRANT = "grant", _("授权")
    AGREEMENT = "agreement", _("线下共享报备")
    EXEMPTION = "exemption", _("协调豁免")
    CATALOG = "catalog", _("目录变更")
    # collaboration (Art. 6, 7)
    REQUEST = "request", _("协作请求")
    # deadline notices and who was told (Art. 20, 28; issue 14)
    DEADLINE = "deadline", _("期限通知")
    # assessment (Art. 25, 28)
    ASSESSMENT = "assessment", _("考核")
    RECTIFICATION = "rectification", _("责令改正")
    # working-day calendar (official schedules, overrides) and the deadlines it moves
    CALENDAR = "calendar", _("工作日历变更")
    # numbered official documents (文号) and their settings (Art. 6, 7, 28; issue 18)
    DOCUMENT = "document", _("发文")
    # security audit (等保 8.1.4.3)
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKOUT = "lockout", _("账号锁定")
    LOGIN_THROTTLED = "login_throttled", _("登录限速")
    LOGOUT = "logout", _("退出")
    ACCOUNT = "account", _("账号变更")
    ROLE = "role", _("角色权限变更")
    ADMIN = "admin", _("后台操作")
    EXPORT = "export", _("导出")
    UNMASK = "unmask", _("查看敏感信息")
    # the ledger itself: the first keyed entry after an unkeyed chain (issue 15)
    CHAIN_EPOCH = "chain_epoch", _("台账链启用密钥")
