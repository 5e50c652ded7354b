"""TOTP second factor: enrolment, verification after the password, per-role policy."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.roles import Role
from tests.factories import PASSWORD, UserFactory, make_liaison
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.security.services import role_policy_set, role_requires_2fa

from .conftest import current_token, enrol

pytestmark = pytest.mark.django_db


def _password_login(client, user):
    response = client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.5"
    )
    assert response.status_code == 302
    return response


@pytest.mark.parametrize("role", [Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN, Role.AUDITOR])
def test_admin_roles_require_2fa_by_default(role, roles):
    assert role_requires_2fa(role)


def test_business_roles_do_not_require_2fa_by_default(roles):
    assert not role_requires_2fa(Role.LIAISON)


@pytest.mark.parametrize("role", [Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN, Role.AUDITOR])
def test_admin_without_a_device_is_sent_to_enrol(client, guards_on, roles, role):
    admin = UserFactory(roles=[role])
    _password_login(client, admin)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("security:otp_setup"))


def test_enrolment_shows_a_local_qr_code_and_confirms_with_a_code(client, guards_on, roles):
    admin = UserFactory(roles=[Role.AUDITOR])
    _password_login(client, admin)
    page = client.get(reverse("security:otp_setup"))
    html = page.content.decode()
    assert 'src="data:image/png;base64,' in html and "http" not in page.context["qr"]
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    response = client.post(reverse("security:otp_setup"), {"token": current_token(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("home")).status_code == 200
    assert LedgerEntry.objects.filter(action="account", details__event="2fa_enrolled").exists()


def test_wrong_code_does_not_confirm_enrolment(client, guards_on, roles):
    admin = UserFactory(roles=[Role.AUDITOR])
    _password_login(client, admin)
    client.get(reverse("security:otp_setup"))
    response = client.post(reverse("security:otp_setup"), {"token": "000000"})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=admin, confirmed=True).exists()


def test_enrolled_user_must_enter_a_code_after_the_password(client, guards_on, roles):
    admin = UserFactory(roles=[Role.SECURITY_ADMIN])
    device = enrol(admin)
    _password_login(client, admin)
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("security:otp_verify"))
    bad = client.post(reverse("security:otp_verify"), {"token": "123456"})
    assert bad.status_code == 200 and client.get(reverse("home")).status_code == 302
    # django-otp throttles after a failure (1 s, doubling): the user tries again a bit later.
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):
        good = client.post(reverse("security:otp_verify"), {"token": current_token(device)})
    assert good.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_verification_comes_before_a_forced_password_change(client, guards_on, roles):
    admin = UserFactory(roles=[Role.SECURITY_ADMIN], must_change_password=True)
    device = enrol(admin)
    _password_login(client, admin)
    page = client.get(reverse("security:password_change"))
    assert page["Location"].startswith(reverse("security:otp_verify"))
    assert client.get(reverse("home"))["Location"].startswith(reverse("security:otp_verify"))
    client.post(reverse("security:otp_verify"), {"token": current_token(device)})
    # Verified: now the gate's answer is the forced password change, and that page opens.
    assert client.get(reverse("home"))["Location"].startswith(reverse("security:password_change"))
    assert client.get(reverse("security:password_change")).status_code == 200


@pytest.mark.parametrize("enrolled", [True, False], ids=["enrolled", "must_enrol"])
def test_password_cannot_be_changed_on_the_password_step_alone(client, guards_on, roles, enrolled):
    """Issue 15, seen 3: POST /security/password/ without a code changed the password."""
    admin = UserFactory(roles=[Role.SYSTEM_ADMIN])
    if enrolled:
        enrol(admin)
    _password_login(client, admin)
    response = client.post(
        reverse("security:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Stolen#Pass-2026x",
            "new_password2": "Stolen#Pass-2026x",
        },
    )
    gate = "security:otp_verify" if enrolled else "security:otp_setup"
    assert response.status_code == 302 and response["Location"].startswith(reverse(gate))
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD)
    assert not LedgerEntry.objects.filter(details__event="password_changed").exists()


def test_enrolment_comes_before_a_forced_password_change(client, guards_on, roles):
    admin = UserFactory(roles=[Role.AUDITOR], must_change_password=True)
    _password_login(client, admin)
    assert client.get(reverse("home"))["Location"].startswith(reverse("security:otp_setup"))
    assert client.get(reverse("security:password_change"))["Location"].startswith(
        reverse("security:otp_setup")
    )


def test_every_exempt_url_is_justified_and_exists():
    from tests.urlwalk import all_routes
    from zhengxiang_portal.security.middleware import EXEMPT_URL_NAMES

    names = {r.name for r in all_routes()}
    for name, reason in EXEMPT_URL_NAMES.items():
        assert name in names, f"exempt {name} is no route"
        assert len(reason) > 20, f"exempt {name} needs a reason"
    assert "security:password_change" not in EXEMPT_URL_NAMES


def test_half_signed_in_account_reaches_only_the_exempt_pages(client, guards_on, roles):
    """Walk the URL conf: with the password alone, every other page sends to the second factor."""
    from tests.urlwalk import all_routes, concrete_url
    from zhengxiang_portal.security.middleware import EXEMPT_URL_NAMES

    admin = UserFactory(roles=[Role.SECURITY_ADMIN])
    enrol(admin)
    _password_login(client, admin)
    verify = reverse("security:otp_verify")
    for route in all_routes():
        if route.name in EXEMPT_URL_NAMES or route.route.startswith("api/"):
            continue  # the API refuses a password-only session itself (tests below)
        url = concrete_url(route)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302 and response["Location"].startswith(verify), (
                f"{method.upper()} {route.name} {url} -> {response.status_code}"
            )


def test_security_admin_makes_2fa_mandatory_for_a_role(client, guards_on, security_admin):
    liaison = make_liaison()
    client.force_login(liaison)
    assert client.get(reverse("home")).status_code == 200
    role_policy_set(actor=security_admin, role=Role.LIAISON, require_2fa=True)
    assert client.get(reverse("home"))["Location"].startswith(reverse("security:otp_setup"))


def test_security_admin_can_relax_the_admin_default(security_admin):
    role_policy_set(actor=security_admin, role=Role.AUDITOR, require_2fa=False)
    assert not role_requires_2fa(Role.AUDITOR)
    assert LedgerEntry.objects.filter(action="role", details__event="2fa_policy").exists()


def test_only_the_security_admin_sets_role_policies(client, auditor):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        role_policy_set(actor=auditor, role=Role.LIAISON, require_2fa=True)
    client.force_login(auditor)
    assert client.post(reverse("security:role_policy"), {"role": "liaison"}).status_code == 403


def test_policy_page_lists_every_role(client, security_admin):
    client.force_login(security_admin)
    html = client.get(reverse("security:role_policy")).content.decode()
    for role in Role:
        assert str(role.label) in html


def test_security_admin_resets_a_lost_device(security_admin, roles):
    from zhengxiang_portal.security.services import totp_reset_by_admin

    admin = UserFactory(roles=[Role.AUDITOR])
    enrol(admin)
    assert totp_reset_by_admin(actor=security_admin, user=admin) == 1
    assert not TOTPDevice.objects.filter(user=admin).exists()


def test_stolen_password_cannot_enrol_a_new_device_over_the_owners(client, guards_on, roles):
    admin = UserFactory(roles=[Role.SECURITY_ADMIN])
    owners = enrol(admin)
    _password_login(client, admin)  # password only, no code
    response = client.get(reverse("security:otp_setup"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("security:otp_verify"))
    client.post(reverse("security:otp_setup"), {"token": "123456"})
    assert list(TOTPDevice.objects.filter(user=admin)) == [owners]


def test_password_only_session_cannot_use_the_api(client, guards_on, roles):
    admin = UserFactory(roles=[Role.AUDITOR])
    enrol(admin)
    _password_login(client, admin)
    response = client.get("/api/audit-entries/")
    assert response.status_code in (401, 403)
    assert "双因素" in response.json()["error"]["message"]


def test_verified_session_uses_the_api(client, guards_on, roles):
    admin = UserFactory(roles=[Role.AUDITOR])
    device = enrol(admin)
    _password_login(client, admin)
    client.post(reverse("security:otp_verify"), {"token": current_token(device)})
    assert client.get("/api/audit-entries/").status_code == 200


def test_session_that_must_change_password_cannot_use_the_api(client, guards_on, roles):
    client.force_login(make_liaison(must_change_password=True))
    assert client.get("/api/units/").status_code in (401, 403)


def test_tokens_are_refused_for_roles_that_require_2fa(client, guards_on, roles):
    from rest_framework.authtoken.models import Token

    admin = UserFactory(roles=[Role.AUDITOR])
    liaison = make_liaison()
    admin_token = Token.objects.create(user=admin).key
    liaison_token = Token.objects.create(user=liaison).key
    refused = client.get("/api/audit-entries/", HTTP_AUTHORIZATION=f"Token {admin_token}")
    assert refused.status_code == 401
    assert client.get("/api/units/", HTTP_AUTHORIZATION=f"Token {liaison_token}").status_code == 200


def test_role_policies_are_read_once_then_served_from_the_cache(
    security_admin, django_assert_num_queries
):
    role_policy_set(actor=security_admin, role=Role.LIAISON, require_2fa=True)
    assert role_requires_2fa(Role.LIAISON)  # reads the table again after the change
    with django_assert_num_queries(0):
        assert role_requires_2fa(Role.LIAISON)
        assert role_requires_2fa(Role.AUDITOR)  # no row: the admin default
        assert not role_requires_2fa(Role.TAX_STAFF)


def test_policy_change_is_enforced_on_the_next_page_despite_the_cache(
    client, guards_on, security_admin, django_capture_on_commit_callbacks
):
    liaison = make_liaison()
    client.force_login(liaison)
    assert client.get(reverse("home")).status_code == 200  # the policies are now cached
    with django_capture_on_commit_callbacks(execute=True):
        role_policy_set(actor=security_admin, role=Role.LIAISON, require_2fa=True)
    assert client.get(reverse("home"))["Location"].startswith(reverse("security:otp_setup"))
    with django_capture_on_commit_callbacks(execute=True):
        role_policy_set(actor=security_admin, role=Role.LIAISON, require_2fa=False)
    assert client.get(reverse("home")).status_code == 200


def test_a_worker_that_did_not_see_the_change_applies_it_within_the_cache_ttl(
    client, guards_on, roles
):
    from zhengxiang_portal.security.models import RolePolicy
    from zhengxiang_portal.security.services import _POLICIES_TTL_S

    liaison = make_liaison()
    client.force_login(liaison)
    assert client.get(reverse("home")).status_code == 200
    # Another process changed the row: this process's cache was not told.
    RolePolicy.objects.create(role=Role.LIAISON, require_2fa=True)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=_POLICIES_TTL_S + 1)):
        response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("security:otp_setup"))


def test_a_second_factor_enrolled_or_removed_elsewhere_counts_on_the_next_request(
    client, guards_on, roles
):
    """The gate reads "has a confirmed device" from the account's snapshot (agencies.authz):
    enrolling or removing a device must show on the very next page, in every process."""
    user = make_liaison()  # a business role: 2FA voluntary
    _password_login(client, user)
    assert client.get(reverse("home")).status_code == 200  # no device: the home page
    device = enrol(user)  # e.g. on another session, or by another worker process
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("security:otp_verify"))
    device.delete()
    assert client.get(reverse("home")).status_code == 200
