"""Masking and the access log applied to the submission records page, download and API."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from sharing_catalog.models import CatalogItem
from sharing_catalog.services.grants import grant_apply, grant_decide_provider
from sharing_catalog.services.masking import unmask_grant
from tests.factories import PASSWORD
from tests.sharing_catalog.submission_builders import (  # noqa: F401 (fixture)
    World,
    good_row,
    id_number,
    private_media_root,
)
from tests.sharing_catalog.test_objections import confirmed_version
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.ledger.selectors import ACCESS_ACTIONS

pytestmark = pytest.mark.django_db


def _sensitive_world(**kw) -> World:
    world = World(**kw)
    world.item.schema_versions.get().fields.filter(key__in=["legal_id", "phone"]).update(
        is_sensitive=True
    )
    world.v1 = confirmed_version(world, [good_row(n) for n in range(1, 4)])
    return world


def _declare(client, world):
    client.post(reverse("sharing_catalog:purpose", args=[world.item.pk]), {"purpose": "collection"})


def test_download_is_masked_and_logged_with_purpose(client, roles):
    world = _sensitive_world()
    client.login(username=world.consumer_liaison.username, password=PASSWORD)
    url = reverse("sharing_catalog:submission_export", args=[world.v1.pk, "csv"])
    assert client.get(url).status_code == 302  # purpose first
    _declare(client, world)
    response = client.get(url)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    id_col, phone_col = rows[0].index("法定代表人身份证号码"), rows[0].index("联系电话")
    assert rows[1][id_col] == id_number(1)[:4] + "*" * 10 + id_number(1)[-4:]
    assert rows[1][phone_col] == "139****0000"
    entry = LedgerEntry.objects.get(action=LedgerAction.DOWNLOAD, actor=world.consumer_liaison)
    assert (entry.details["purpose"], entry.details["masked"], entry.details["rows"]) == (
        "collection",
        True,
        3,
    )


def test_unmask_permission_shows_clear_values_and_logs_unmask(client, roles):
    world = _sensitive_world()
    unmask_grant(actor=world.liaison, item=world.item, user=world.consumer_liaison)
    client.login(username=world.consumer_liaison.username, password=PASSWORD)
    _declare(client, world)
    response = client.get(reverse("sharing_catalog:submission_records", args=[world.v1.pk]))
    assert id_number(1) in response.content.decode()
    assert LedgerEntry.objects.filter(action=LedgerAction.UNMASK).count() == 1


def test_the_provider_sees_its_own_data_in_clear_without_a_purpose_step(client, roles):
    world = _sensitive_world()
    client.login(username=world.liaison.username, password=PASSWORD)
    response = client.get(reverse("sharing_catalog:submission_records", args=[world.v1.pk]))
    assert response.status_code == 200
    assert id_number(1) in response.content.decode()
    assert not LedgerEntry.objects.filter(action=LedgerAction.VIEW).exists()


def test_api_records_need_a_purpose_and_are_masked(client, roles):
    world = _sensitive_world()
    client.login(username=world.consumer_liaison.username, password=PASSWORD)
    url = f"/api/submissions/{world.v1.pk}/records/"
    refused = client.get(url)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "purpose_required"
    response = client.get(url, {"purpose": "risk"})
    assert response.status_code == 200
    data = response.json()["results"][0]["data"]
    assert data["phone"] == "139****0000"
    assert "*" in data["legal_id"]
    download = client.get(f"/api/submissions/{world.v1.pk}/download/", {"fmt": "csv"})
    assert download.status_code == 400
    ok = client.get(f"/api/submissions/{world.v1.pk}/download/", {"fmt": "csv", "purpose": "risk"})
    assert ok.status_code == 200
    assert "139****0000" in ok.content.decode("utf-8-sig")
    # the access log holds the view and the download, not the refused attempts (the client's
    # login is audited too, but it is no access to shared records)
    actions = list(
        LedgerEntry.objects.filter(
            actor=world.consumer_liaison, action__in=ACCESS_ACTIONS
        ).values_list("action", flat=True)
    )
    assert actions == ["view", "download"]


def test_a_conditional_item_stays_hidden_until_a_grant_is_approved(client, roles):
    world = _sensitive_world(sharing_class=CatalogItem.SharingClass.CONDITIONAL)
    client.login(username=world.consumer_liaison.username, password=PASSWORD)
    detail = reverse("sharing_catalog:submission_detail", args=[world.v1.pk])
    assert client.get(detail).status_code == 404
    assert client.get(reverse("sharing_catalog:received_list")).context["page"].paginator.count == 0
    assert client.get(f"/api/submissions/{world.v1.pk}/").status_code == 404
    grant = grant_apply(
        actor=world.consumer_liaison,
        item=world.item,
        consumer=world.consumer,
        purpose="risk",
        legal_basis="《税收征收管理法》第五条",
    )
    assert client.get(detail).status_code == 404
    grant_decide_provider(actor=world.liaison, grant=grant, approve=True)
    assert client.get(detail).status_code == 200
    assert client.get(f"/api/submissions/{world.v1.pk}/").status_code == 200


def test_rows_seen_in_clear_on_an_objection_page_are_recorded_as_unmasked(client, roles):
    # Given an objection naming two rows, and the consumer's liaison allowed to see them in clear
    from sharing_catalog.services.objections import objection_raise

    world = _sensitive_world()
    objection = objection_raise(
        actor=world.consumer_liaison, submission=world.v1, category="error",
        description="身份证号码有误", rows=(2, 3), fields=["legal_id"],
    )  # fmt: skip
    detail = reverse("sharing_catalog:objection_detail", args=[objection.pk])
    client.login(username=world.consumer_liaison.username, password=PASSWORD)
    # Masked, nothing in clear: no unmask record
    page = client.get(detail).content.decode()
    assert id_number(1) not in page
    assert not LedgerEntry.objects.filter(action=LedgerAction.UNMASK).exists()
    # When the provider grants the right to see sensitive fields in clear
    unmask_grant(actor=world.liaison, item=world.item, user=world.consumer_liaison)
    page = client.get(detail).content.decode()
    # Then the page shows them, and that is recorded: who, which rows, which fields
    assert id_number(1) in page
    entry = LedgerEntry.objects.get(action=LedgerAction.UNMASK, actor=world.consumer_liaison)
    assert entry.details["rows"] == 2
    assert entry.details["fields"] == ["legal_id", "phone"]
    # The provider's own people see their data in clear without an unmask record
    client.login(username=world.liaison.username, password=PASSWORD)
    assert id_number(1) in client.get(detail).content.decode()
    assert LedgerEntry.objects.filter(action=LedgerAction.UNMASK).count() == 1
