"""Conditional sharing grants: apply, approve (provider, then WG), reject, revoke, expire."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from sharing_catalog.models import AccessGrant, CatalogItem
from sharing_catalog.services.grants import (
    grant_apply,
    grant_decide_provider,
    grant_decide_working_group,
    grant_expire_due,
    grant_revoke,
)
from tests.factories import (
    PASSWORD,
    GovernedItemFactory,
    UnitFactory,
    WorkingGroupMemberFactory,
    make_liaison,
    provider_and_consumer,
)
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.notifications.models import Notification

pytestmark = pytest.mark.django_db
S = AccessGrant.Status
BASIS = "《税收征收管理法》第五条"


@pytest.fixture
def setup(roles):
    provider, consumer = provider_and_consumer()
    item = GovernedItemFactory(
        provider=provider.unit,
        consumers=[consumer.unit],
        sharing_class=CatalogItem.SharingClass.CONDITIONAL,
    )
    return provider, consumer, item


def _apply(consumer, item, **kw):
    return grant_apply(
        actor=consumer, item=item, consumer=consumer.unit, purpose="risk", legal_basis=BASIS, **kw
    )


def test_apply_notifies_the_provider_and_writes_the_ledger(setup):
    provider, consumer, item = setup
    grant = _apply(consumer, item)
    assert grant.status == S.REQUESTED
    assert Notification.objects.filter(recipient=provider, key=f"grant:{grant.pk}:requested")
    entry = LedgerEntry.objects.get(action=LedgerAction.GRANT)
    assert entry.details["step"] == "apply"
    assert entry.details["item_id"] == item.pk


def test_a_second_open_application_is_refused(setup):
    _provider, consumer, item = setup
    first = _apply(consumer, item)
    with pytest.raises(ApplicationError) as exc:
        _apply(consumer, item)
    assert exc.value.code == "grant_exists"
    assert exc.value.details["grant_id"] == first.pk


def test_only_conditional_published_items_take_applications(setup):
    provider, consumer, _item = setup
    unconditional = GovernedItemFactory(provider=provider.unit, consumers=[consumer.unit])
    with pytest.raises(ApplicationError, match="有条件共享"):
        _apply(consumer, unconditional)


def test_one_may_apply_only_for_ones_own_unit(setup):
    _provider, consumer, item = setup
    outsider = make_liaison(UnitFactory())
    with pytest.raises(PermissionDenied):
        grant_apply(
            actor=outsider, item=item, consumer=consumer.unit, purpose="risk", legal_basis=BASIS
        )


def test_provider_approval_makes_the_grant_live_with_a_default_year(setup):
    provider, consumer, item = setup
    grant = grant_decide_provider(actor=provider, grant=_apply(consumer, item), approve=True)
    assert grant.status == S.APPROVED
    assert grant.valid_from == timezone.localdate()
    assert grant.valid_until == timezone.localdate() + dt.timedelta(days=365)
    assert Notification.objects.filter(recipient=consumer, key=f"grant:{grant.pk}:approved")


def test_another_unit_cannot_decide_the_providers_application(setup):
    _provider, consumer, item = setup
    outsider = make_liaison(UnitFactory())
    with pytest.raises(PermissionDenied):
        grant_decide_provider(actor=outsider, grant=_apply(consumer, item), approve=True)


def test_rejection_needs_a_reason(setup):
    provider, consumer, item = setup
    grant = _apply(consumer, item)
    with pytest.raises(ApplicationError):
        grant_decide_provider(actor=provider, grant=grant, approve=False)
    grant = grant_decide_provider(actor=provider, grant=grant, approve=False, comment="用途不符")
    assert grant.status == S.REJECTED


def test_working_group_decides_after_the_provider_when_the_catalog_says_so(setup):
    provider, consumer, item = setup
    item.grant_needs_working_group = True
    item.save()
    wg = WorkingGroupMemberFactory().user
    grant = grant_decide_provider(actor=provider, grant=_apply(consumer, item), approve=True)
    assert (grant.status, grant.wg_decision) == (S.REQUESTED, AccessGrant.Decision.PENDING)
    assert Notification.objects.filter(recipient=wg, key=f"grant:{grant.pk}:wg_pending")
    with pytest.raises(PermissionDenied):
        grant_decide_working_group(actor=provider, grant=grant, approve=True)
    grant = grant_decide_working_group(actor=wg, grant=grant, approve=True)
    assert grant.status == S.APPROVED
    assert grant.decided_by == wg


def test_revoke_ends_access(setup):
    provider, consumer, item = setup
    grant = grant_decide_provider(actor=provider, grant=_apply(consumer, item), approve=True)
    with pytest.raises(PermissionDenied):
        grant_revoke(actor=consumer, grant=grant, reason="x")
    grant = grant_revoke(actor=provider, grant=grant, reason="合作终止")
    assert grant.status == S.REVOKED


def test_expiry_scan_expires_once_and_tells_the_consumer_once(setup):
    provider, consumer, item = setup
    grant = grant_decide_provider(
        actor=provider,
        grant=_apply(consumer, item),
        approve=True,
        valid_until=timezone.localdate() + dt.timedelta(days=2),
    )
    assert grant_expire_due(today=timezone.localdate() + dt.timedelta(days=2)) == 0
    assert grant_expire_due(today=timezone.localdate() + dt.timedelta(days=3)) == 1
    assert grant_expire_due(today=timezone.localdate() + dt.timedelta(days=4)) == 0
    grant.refresh_from_db()
    assert grant.status == S.EXPIRED
    assert (
        Notification.objects.filter(recipient=consumer, key=f"grant:{grant.pk}:expired").count()
        == 1
    )


# --- pages and API -------------------------------------------------------------------------
def test_consumer_applies_through_the_page_and_provider_approves(client, setup):
    provider, consumer, item = setup
    client.login(username=consumer.username, password=PASSWORD)
    response = client.post(
        reverse("sharing_catalog:grant_apply", args=[item.pk]),
        {
            "consumer": consumer.unit.pk,
            "purpose": "collection",
            "purpose_text": "",
            "legal_basis": BASIS,
        },
    )
    grant = AccessGrant.objects.get()
    assert response.status_code == 302
    client.login(username=provider.username, password=PASSWORD)
    listing = client.get(reverse("sharing_catalog:grant_list"))
    assert [g.pk for g in listing.context["inbox"]] == [grant.pk]
    client.post(
        reverse("sharing_catalog:grant_decide", args=[grant.pk, "provider"]),
        {"approve": "1", "comment": "同意"},
    )
    grant.refresh_from_db()
    assert grant.status == S.APPROVED


def test_another_units_liaison_gets_404_on_the_grant_page_and_api(client, setup):
    _provider, consumer, item = setup
    grant = _apply(consumer, item)
    outsider = make_liaison(UnitFactory())
    client.login(username=outsider.username, password=PASSWORD)
    assert client.get(reverse("sharing_catalog:grant_detail", args=[grant.pk])).status_code == 404
    response = client.post(
        reverse("sharing_catalog:grant_decide", args=[grant.pk, "provider"]), {"approve": "1"}
    )
    assert response.status_code == 404
    assert client.get(f"/api/access-grants/{grant.pk}/").status_code == 404
    assert (
        client.post(f"/api/access-grants/{grant.pk}/decide/", {"approve": True}).status_code == 404
    )
    assert client.get("/api/access-grants/").json()["count"] == 0


def test_api_apply_and_decide(client, setup):
    provider, consumer, item = setup
    client.login(username=consumer.username, password=PASSWORD)
    response = client.post(
        "/api/access-grants/",
        {"item": item.pk, "consumer": consumer.unit.pk, "purpose": "risk", "legal_basis": BASIS},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    # the consumer cannot approve its own application
    denied = client.post(
        f"/api/access-grants/{pk}/decide/", {"approve": True}, content_type="application/json"
    )
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "permission_denied"
    client.login(username=provider.username, password=PASSWORD)
    approved = client.post(
        f"/api/access-grants/{pk}/decide/", {"approve": True}, content_type="application/json"
    )
    assert approved.json()["status"] == "approved"
    again = client.post(
        f"/api/access-grants/{pk}/decide/", {"approve": True}, content_type="application/json"
    )
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "not_pending"


def test_grant_list_query_count_is_flat(client, roles, django_assert_max_num_queries):
    provider = make_liaison(UnitFactory())
    items = [
        GovernedItemFactory(
            provider=provider.unit, sharing_class=CatalogItem.SharingClass.CONDITIONAL
        )
        for _ in range(6)
    ]
    for item in items:
        applicant = make_liaison(UnitFactory())
        _apply(applicant, item)
    client.login(username=provider.username, password=PASSWORD)
    client.get(reverse("sharing_catalog:grant_list"))  # warm: the account's authorisation snapshot
    with django_assert_max_num_queries(7):  # 6 measured; flat in the number of grants
        response = client.get(reverse("sharing_catalog:grant_list"))
    assert len(response.context["inbox"]) == 6
    assert response.context["page"].paginator.count == 6
