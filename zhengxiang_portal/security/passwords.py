"""Password policy of 等保 2.0 level 3 (8.1.4.1 身份鉴别): complexity, history, common passwords.

Django's validators give the length (≥ 10), similarity and its common-password list; these add
three-of-four character classes, "does not contain the username", a list of passwords common in
China and "not one of the last 5" (PasswordHistory).
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User

from .models import PasswordHistory

# Passwords seen most often in Chinese leaks and default-password habits; compared
# case-insensitively, with and without a trailing year or "!".
CHINESE_COMMON_PASSWORDS = frozenset(
    p.lower()
    for p in [
        "123456qwe",
        "123456qwer",
        "qwe123456",
        "a123456789",
        "a1234567890",
        "aa123456789",
        "abc123456789",
        "1qaz2wsx3edc",
        "1qaz@wsx3edc",
        "1qaz@WSX#EDC",
        "qwer1234!@#$",
        "woaini1314",
        "woaini521",
        "5201314abc",
        "iloveyou1314",
        "zhang123456",
        "wang123456",
        "li123456789",
        "Admin@123",
        "Admin@1234",
        "Admin@12345",
        "admin123456",
        "Passw0rd!",
        "P@ssw0rd123",
        "Password@123",
        "Huawei@123",
        "Huawei12#$",
        "Changeme_123",
        "Zhengxiang@123",
        "Zhengxiang@2026",
        "Zhengxiang123",
        "zhengxiang@123456",
        "Hengyang@123",
        "Hengyang@2026",
        "Hunan@123456",
        "Shuiwu@123",
        "Shuiwu@123456",
        "Tax@123456",
        "Gongzhi@123",
        "Qwer1234!@#$",
        "Aa123456!",
        "Aa123456789",
        "Abc@123456",
        "abcd@1234",
        "Welcome@123",
        "Root@123456",
        "Test@123456",
    ]
)

_TRAILING_NOISE = re.compile(r"(19|20)\d{2}[!@#.]*$|[!@#.]+$")
# Words that, padded only with digits and symbols, make a guessable password ("Admin@2026",
# "Zhengxiang#123"): the portal's own name, the district and city, the office, vendor defaults.
COMMON_BASE_WORDS = frozenset(
    {
        "admin",
        "administrator",
        "root",
        "test",
        "guest",
        "user",
        "password",
        "passwd",
        "psswrd",
        "passwrd",
        "pssword",
        "welcome",
        "changeme",
        "qwer",
        "qwerty",
        "asdf",
        "abc",
        "abcd",
        "huawei",
        "zhengxiang",
        "hengyang",
        "hunan",
        "shuiwu",
        "gongzhi",
        "tax",
        "caizheng",
        "woaini",
        "iloveyou",
        "china",
        "zhongguo",
    }
)


class CharacterClassValidator:
    """At least three of: upper case, lower case, digits, other characters."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: User | None = None) -> None:
        classes = [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、特殊字符中的至少三类。"),
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("密码须包含大写字母、小写字母、数字、特殊字符中的至少三类。")


class UsernameNotContainedValidator:
    """The password may not contain the account name (in any case)."""

    def validate(self, password: str, user: User | None = None) -> None:
        username = (getattr(user, "username", "") or "").lower()
        if len(username) >= 3 and username in password.lower():
            raise ValidationError(_("密码不能包含用户名。"), code="password_contains_username")

    def get_help_text(self) -> str:
        return _("密码不能包含用户名。")


class ChineseCommonPasswordValidator:
    """Refuse passwords on the list of passwords common in China (and simple variants)."""

    def validate(self, password: str, user: User | None = None) -> None:
        lowered = password.lower()
        stripped = _TRAILING_NOISE.sub("", lowered)
        letters = re.sub(r"[^a-z]", "", lowered)
        if (
            lowered in CHINESE_COMMON_PASSWORDS
            or stripped in CHINESE_COMMON_PASSWORDS
            or letters in COMMON_BASE_WORDS
        ):
            raise ValidationError(
                _("该密码过于常见或是默认密码，请换一个。"), code="password_too_common"
            )

    def get_help_text(self) -> str:
        return _("不能使用常见密码或默认密码。")


class PasswordHistoryValidator:
    """The new password may not be one of the account's last N (settings.PASSWORD_HISTORY_COUNT)."""

    def validate(self, password: str, user: User | None = None) -> None:
        if user is None or getattr(user, "pk", None) is None:
            return

        count = getattr(settings, "PASSWORD_HISTORY_COUNT", 5)
        hashes = list(
            PasswordHistory.objects.filter(user_id=user.pk).values_list("password_hash", flat=True)[
                :count
            ]
        )
        # The current password counts too (it may predate the history table).
        current = getattr(user, "password", "")
        if current and current not in hashes:
            hashes.insert(0, current)
        if any(check_password(password, h) for h in hashes[:count]):
            raise ValidationError(
                _("新密码不能与最近 %(count)d 次使用过的密码相同。") % {"count": count},
                code="password_reused",
            )

    def get_help_text(self) -> str:
        return _("不能与最近 5 次使用过的密码相同。")


def password_record(user: User) -> None:
    """Store the user's current password hash in the history and stamp the change time.

    Called by the password-change service after `set_password` and `save`.
    """

    if not user.password or not user.has_usable_password():
        return
    PasswordHistory.objects.create(user=user, password_hash=user.password)
    keep = getattr(settings, "PASSWORD_HISTORY_COUNT", 5)
    old = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[keep:]
    PasswordHistory.objects.filter(pk__in=list(old)).delete()


def password_expired(user: User, *, now: dt.datetime | None = None) -> bool:
    """True when the password is older than PASSWORD_MAX_AGE_DAYS (0 = never expires)."""
    max_age = getattr(settings, "PASSWORD_MAX_AGE_DAYS", 90)
    if not max_age:
        return False
    changed = getattr(user, "password_changed_at", None) or getattr(user, "date_joined", None)
    if changed is None:
        return False
    return (now or timezone.now()) - changed > dt.timedelta(days=max_age)
