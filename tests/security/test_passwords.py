"""Password policy (等保 8.1.4.1): complexity, history, common passwords, periodic change."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.demo import DEMO_PASSWORD
from agencies.models import User
from tests.factories import PASSWORD, UserFactory
from zhengxiang_portal.security.checks import check_default_accounts
from zhengxiang_portal.security.services import password_change

pytestmark = pytest.mark.django_db


def _codes(password: str, user=None) -> set[str]:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        return {e.code for e in exc.error_list}
    return set()


def test_password_shorter_than_10_is_refused():
    assert "password_too_short" in _codes("Ab1!xyz9")


def test_password_needs_three_character_classes():
    assert "password_too_simple" in _codes("abcdefghijkl9")
    assert _codes("Abcdefghijk9") == set()


def test_password_containing_the_username_is_refused():
    user = UserFactory(username="wanglihua")
    assert "password_contains_username" in _codes("Wanglihua#2026x", user=user)


@pytest.mark.parametrize("common", ["123456qwe", "a1234567890", "Zhengxiang@123", "Admin@123456"])
def test_chinese_common_passwords_are_refused(common):
    assert _codes(common) & {"password_too_common", "password_too_short", "password_too_simple"}


def test_chinese_common_password_with_a_year_suffix_is_refused():
    assert "password_too_common" in _codes("Zhengxiang@2025")


def test_new_password_cannot_be_one_of_the_last_five():
    user = UserFactory()
    passwords = [f"Rotate#Pass{i}x" for i in range(6)]
    for pw in passwords:
        password_change(user=user, new_password=pw)
    # The last five (1..5) are refused, the sixth-last (0) is allowed again.
    for pw in passwords[1:]:
        assert "password_reused" in _codes(pw, user=user)
    assert "password_reused" not in _codes(passwords[0], user=user)


def test_password_change_page_is_chinese_and_changes_the_password(client):
    user = UserFactory(must_change_password=True)
    client.force_login(user)
    page = client.get(reverse("security:password_change"))
    assert "修改密码" in page.content.decode() and "当前密码" in page.content.decode()
    response = client.post(
        reverse("security:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Neu#Passwort9",
            "new_password2": "Neu#Passwort9",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Neu#Passwort9") and not user.must_change_password
    assert user.password_history.count() == 1


def test_weak_new_password_is_refused_with_a_chinese_message(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("security:password_change"),
        {"old_password": PASSWORD, "new_password1": "a1234567890", "new_password2": "a1234567890"},
    )
    assert response.status_code == 200
    assert "常见" in response.content.decode() or "三类" in response.content.decode()


def test_user_flagged_must_change_is_forced_to_the_change_page(client, roles):
    user = UserFactory(must_change_password=True)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("security:password_change"))


def test_expired_password_forces_a_change(client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    user = UserFactory()
    user.password_changed_at = timezone.now() - dt.timedelta(days=91)
    user.save()
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("security:password_change"))


def test_password_within_max_age_is_not_forced(client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    user = UserFactory()
    user.password_changed_at = timezone.now() - dt.timedelta(days=89)
    user.save()
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200


def test_max_age_zero_turns_periodic_change_off(client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    user = UserFactory()
    user.password_changed_at = timezone.now() - dt.timedelta(days=900)
    user.save()
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200


def test_password_expires_as_time_passes(client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    with time_machine.travel(dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC), tick=False):
        user = UserFactory()
        user.password_changed_at = timezone.now()
        user.save()
    with time_machine.travel(dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC), tick=False):
        client.force_login(user)
        assert client.get(reverse("home"))["Location"].startswith(
            reverse("security:password_change")
        )


def test_demo_mode_seeds_accounts_that_keep_the_demo_password(settings, demo):
    assert not User.objects.filter(must_change_password=True).exists()


def test_outside_demo_mode_seeded_accounts_must_change_password(settings, db):
    from django.core.management import call_command

    settings.PORTAL_DEMO_MODE = False
    call_command("seed_demo", verbosity=0)
    assert User.objects.count() > 0
    assert not User.objects.filter(must_change_password=False).exists()


def test_outside_demo_mode_a_login_with_the_demo_password_forces_a_change(client, settings, demo):
    settings.PORTAL_DEMO_MODE = False
    User.objects.update(must_change_password=False)
    response = client.post(
        reverse("login"), {"username": "liaison_finance", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert User.objects.get(username="liaison_finance").must_change_password
    assert client.get(reverse("home"))["Location"].startswith(reverse("security:password_change"))


def test_deploy_check_fails_while_an_account_keeps_the_demo_password(settings, demo):
    settings.PORTAL_DEMO_MODE = False
    errors = check_default_accounts(None, databases=["default"])
    assert {e.id for e in errors} == {"security.E011"}
    assert len(errors) == User.objects.filter(is_active=True).count()


def test_deploy_check_is_clean_once_passwords_are_changed(settings, db):
    settings.PORTAL_DEMO_MODE = False
    UserFactory()
    assert check_default_accounts(None, databases=["default"]) == []


def test_deploy_check_refuses_superusers(settings, db):
    settings.PORTAL_DEMO_MODE = False
    UserFactory(is_superuser=True)
    assert [e.id for e in check_default_accounts(None, databases=["default"])] == ["security.E010"]


def test_demo_has_no_superuser(demo):
    assert not User.objects.filter(is_superuser=True).exists()
