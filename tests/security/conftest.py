"""Fixtures of the security tests: each guard the test settings switch off is switched on here."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.roles import Role
from tests.factories import UserFactory


@pytest.fixture
def guards_on(settings):
    """The production behaviour: lockout (axes) and the second factor enforced."""
    settings.AXES_ENABLED = True
    settings.PORTAL_2FA_ENFORCED = True
    return settings


@pytest.fixture
def security_admin(roles):
    return UserFactory(username="sec_a", roles=[Role.SECURITY_ADMIN])


@pytest.fixture
def security_admin_2(roles):
    return UserFactory(username="sec_b", roles=[Role.SECURITY_ADMIN])


@pytest.fixture
def auditor(roles):
    return UserFactory(username="audit_a", roles=[Role.AUDITOR])


@pytest.fixture
def system_admin(roles):
    return UserFactory(username="sys_a", roles=[Role.SYSTEM_ADMIN])


def current_token(device: TOTPDevice) -> str:
    """The code an authenticator app would show now for `device`."""
    token = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return str(token).zfill(device.digits)


def enrol(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
