"""Admin for the catalog: every model is browsable; publishing goes through the service."""

import pytest

from sharing_catalog.models import CatalogItem
from tests.factories import (
    CatalogItemViaServicesFactory,
    UnitFactory,
    UserFactory,
    WorkingGroupMemberFactory,
)
from zhengxiang_portal.core.schedules import registered_schedules

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(roles):
    return CatalogItemViaServicesFactory(
        actor=WorkingGroupMemberFactory().user, provider=UnitFactory(), publish=False
    )


@pytest.mark.parametrize("model", ["catalogitem", "schemaversion", "obligation"])
def test_admin_change_lists_load(client, item, model):
    # The admin opens by role, not by the superuser flag (三员分立, security app); the page
    # itself needs the model's view permission, granted here explicitly.
    from django.contrib.auth.models import Permission

    from agencies.roles import Role

    user = UserFactory(roles=[Role.SYSTEM_ADMIN])
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="sharing_catalog", codename=f"view_{model}")
    )
    client.force_login(user)
    assert client.get(f"/admin/sharing_catalog/{model}/").status_code == 200


def test_admin_publish_action_still_requires_the_working_group(client, item):
    admin = UserFactory(is_staff=True, is_superuser=True)  # a superuser is not the working group
    client.force_login(admin)
    client.post(
        "/admin/sharing_catalog/catalogitem/",
        {"action": "publish_items", "_selected_action": [item.pk]},
    )
    item.refresh_from_db()
    assert item.status == CatalogItem.Status.DRAFT


def test_obligation_tasks_are_scheduled():
    tasks = {s.task: s for s in registered_schedules()}
    assert tasks["sharing_catalog.scan_obligations"].every_seconds == 15 * 60
    assert tasks["sharing_catalog.generate_obligations"].crontab == "10 0 * * *"
