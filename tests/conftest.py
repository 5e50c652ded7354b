"""Shared fixtures. In CI (CI=true) a test that would skip for want of a service fails instead."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache

from agencies.services import roles_sync

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str) -> None:
    """Skip when `condition` is false — or fail, in CI, where every service must be present."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def roles(db):
    """Role groups with their permissions, as `manage.py setup_portal` creates them."""
    roles_sync()


@pytest.fixture
def demo(db):
    """The whole demo data set, as `make run` loads it."""
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
