"""Access log with declared purpose (Art. 24, 27) and masking of sensitive fields."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse

from sharing_catalog.models import CatalogItem, SchemaField
from sharing_catalog.services.access import access_log_record, declared_purpose
from sharing_catalog.services.masking import (
    mask_record,
    mask_value,
    record_unmasked_access,
    unmask_grant,
    unmask_revoke,
    user_may_unmask,
)
from tests.factories import (
    PASSWORD,
    GovernedItemFactory,
    UnitFactory,
    UserFactory,
    WorkingGroupMemberFactory,
    make_liaison,
    provider_and_consumer,
)
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db


def schema_fields(item: CatalogItem):
    return list(SchemaField.objects.filter(schema__item=item).order_by("position"))


RECORD = {
    "name": "张三",
    "id_number": "430104199001011234",
    "phone": "13812341234",
    "account": "6222021234567890123",
}


def test_mask_value_formats():
    assert mask_value("430104199001011234", "id_number") == "4301**********1234"
    assert mask_value("13812341234", "phone") == "138****1234"
    assert mask_value("6222021234567890123", "text") == "***************0123"
    assert mask_value("91430400MA4L0XXX1X", "credit_code") == "91430400********1X"
    assert mask_value("123", "text") == "**3"
    assert mask_value(None, "text") == ""


def test_consumer_without_permission_sees_sensitive_fields_masked(roles):
    provider, consumer = provider_and_consumer()
    item = GovernedItemFactory(provider=provider.unit, consumers=[consumer.unit])
    fields = schema_fields(item)
    masked = mask_record(RECORD, fields, consumer, item)
    assert masked == {
        "name": "张三",
        "id_number": "4301**********1234",
        "phone": "138****1234",
        "account": "***************0123",
    }
    assert mask_record(RECORD, fields, provider, item) == RECORD  # the provider's own data


def test_unmask_permission_is_per_item_and_granted_by_provider_or_wg(roles):
    provider, consumer = provider_and_consumer()
    item = GovernedItemFactory(provider=provider.unit, consumers=[consumer.unit])
    other_item = GovernedItemFactory(provider=provider.unit, consumers=[consumer.unit])
    with pytest.raises(PermissionDenied):
        unmask_grant(actor=consumer, item=item, unit=consumer.unit)
    unmask_grant(actor=provider, item=item, unit=consumer.unit)
    consumer = type(consumer).objects.get(pk=consumer.pk)  # fresh permission cache
    assert user_may_unmask(user=consumer, item=item)
    assert not user_may_unmask(user=consumer, item=other_item)
    assert mask_record(RECORD, schema_fields(item), consumer, item) == RECORD
    wg = WorkingGroupMemberFactory().user
    unmask_revoke(actor=wg, item=item, user=consumer)
    consumer = type(consumer).objects.get(pk=consumer.pk)
    assert not user_may_unmask(user=consumer, item=item)
    assert LedgerEntry.objects.filter(action=LedgerAction.ROLE).count() == 2


def test_unmasked_access_by_a_consumer_is_logged(roles):
    provider, consumer = provider_and_consumer()
    item = GovernedItemFactory(provider=provider.unit, consumers=[consumer.unit])
    record_unmasked_access(actor=consumer, item=item, target=item, rows=3)
    record_unmasked_access(actor=provider, item=item, target=item, rows=3)  # own data: no entry
    entry = LedgerEntry.objects.get(action=LedgerAction.UNMASK)
    assert (entry.actor, entry.details["rows"]) == (consumer, 3)


def test_access_log_records_who_unit_what_and_purpose(roles):
    provider, consumer = provider_and_consumer()
    item = GovernedItemFactory(provider=provider.unit, consumers=[consumer.unit])
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    entry = access_log_record(
        actor=consumer,
        item=item,
        target=item,
        action=LedgerAction.DOWNLOAD,
        purpose="collection",
        rows=120,
        digest="c" * 64,
        request=request,
    )
    assert (entry.actor, entry.unit, entry.action) == (consumer, consumer.unit, "download")
    assert entry.details["purpose_label"] == "税费征收管理"
    assert entry.details["rows"] == 120
    assert entry.ip_address == "10.1.2.3"


def test_access_without_purpose_or_entitlement_is_refused(roles):
    provider, consumer = provider_and_consumer()
    item = GovernedItemFactory(provider=provider.unit, consumers=[consumer.unit])
    outsider = make_liaison(UnitFactory())
    with pytest.raises(ApplicationError):
        access_log_record(
            actor=consumer, item=item, target=item, action=LedgerAction.VIEW, purpose=None
        )
    with pytest.raises(ApplicationError):
        access_log_record(
            actor=consumer, item=item, target=item, action=LedgerAction.VIEW, purpose="other"
        )
    with pytest.raises(PermissionDenied):
        access_log_record(
            actor=outsider, item=item, target=item, action=LedgerAction.VIEW, purpose="risk"
        )
    assert not LedgerEntry.objects.exists()


def test_purpose_step_is_remembered_for_the_item_and_refused_to_outsiders(client, roles):
    provider, consumer = provider_and_consumer()
    item = GovernedItemFactory(provider=provider.unit, consumers=[consumer.unit])
    url = reverse("sharing_catalog:purpose", args=[item.pk])
    client.login(username=consumer.username, password=PASSWORD)
    bad = client.post(url, {"purpose": "other", "purpose_text": "", "next": "/inbox/"})
    assert bad.status_code == 200
    assert "须说明具体用途" in bad.content.decode()
    done = client.post(url, {"purpose": "risk", "next": "/inbox/"})
    assert done.status_code == 302
    assert done["Location"] == "/inbox/"
    offsite = client.post(url, {"purpose": "risk", "next": "https://evil.example/"})
    assert offsite["Location"] == reverse("home")
    request = RequestFactory().get("/")
    request.user = consumer  # the declaration is the user's own, not the session's
    assert declared_purpose(request=request, item=item).code == "risk"
    outsider = make_liaison(UnitFactory())
    client.login(username=outsider.username, password=PASSWORD)
    assert client.get(url).status_code == 404


def test_auditor_reviews_and_exports_the_access_log(client, roles):
    provider, consumer = provider_and_consumer()
    item = GovernedItemFactory(provider=provider.unit, consumers=[consumer.unit])
    access_log_record(
        actor=consumer, item=item, target=item, action=LedgerAction.VIEW, purpose="analysis"
    )
    from agencies.roles import Role

    auditor = UserFactory(roles=[Role.AUDITOR])
    client.login(username=auditor.username, password=PASSWORD)
    page = client.get(reverse("ledger:access_log"), {"item": item.pk})
    assert [e.actor for e in page.context["entries"]] == [consumer]
    assert "税费数据分析" in page.content.decode()
    export = client.get(reverse("ledger:access_export", args=["csv"]), {"item": item.pk})
    text = export.content.decode("utf-8-sig")
    assert "analysis" in text
    assert text.count("\r\n") == 2  # header + one entry
