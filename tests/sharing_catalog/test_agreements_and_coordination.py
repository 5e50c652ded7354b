"""Off-platform agreements (Art. 21) and coordination/exemptions (Art. 20)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from sharing_catalog.models import CoordinationRequest, Obligation, OffPlatformAgreement
from sharing_catalog.selectors.governance import agreements_overdue, obligation_is_exempt
from sharing_catalog.services.agreements import (
    agreement_file,
    agreement_mark_migrated,
    agreement_register,
    agreement_remind_overdue,
)
from sharing_catalog.services.coordination import (
    coordination_decide,
    coordination_request_create,
    exemptions_apply,
)
from tests.factories import (
    PASSWORD,
    GovernedItemFactory,
    ObligationFactory,
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
TODAY = timezone.localdate()


def _register(actor, provider, consumer, target=None, **kw):
    return agreement_register(
        actor=actor,
        provider=provider,
        consumer=consumer,
        content="司法拍卖成交信息",
        format_standard="Excel，按约定字段",
        method=OffPlatformAgreement.Method.MEDIA,
        frequency="monthly",
        signed_on=TODAY - dt.timedelta(days=60),
        target_migration_date=target or TODAY + dt.timedelta(days=30),
        **kw,
    )


def _obligation(item, due):
    return ObligationFactory(
        item=item,
        period_start=due - dt.timedelta(days=40),
        period_end=due - dt.timedelta(days=10),
        period_label=f"{due:%Y-%m}",
        due_date=due,
        grace_until=due,
    )


def test_agreement_registered_filed_and_migrated_with_ledger_and_wg_notice(roles):
    provider, consumer = provider_and_consumer()
    wg = WorkingGroupMemberFactory().user
    agreement = _register(consumer, provider.unit, consumer.unit)
    agreement = agreement_file(actor=provider, agreement=agreement)
    assert agreement.status == OffPlatformAgreement.Status.FILED
    assert Notification.objects.filter(recipient=wg, key=f"agreement:{agreement.pk}:filed")
    with pytest.raises(PermissionDenied):
        agreement_mark_migrated(actor=consumer, agreement=agreement)
    agreement = agreement_mark_migrated(actor=wg, agreement=agreement)
    assert agreement.status == OffPlatformAgreement.Status.MIGRATED
    steps = [e.details["step"] for e in LedgerEntry.objects.filter(action=LedgerAction.AGREEMENT)]
    assert steps == ["register", "file", "migrate"]


def test_only_a_party_registers_or_files(roles):
    provider, consumer = provider_and_consumer()
    outsider = make_liaison(UnitFactory())
    with pytest.raises(PermissionDenied):
        _register(outsider, provider.unit, consumer.unit)
    agreement = _register(provider, provider.unit, consumer.unit)
    with pytest.raises(PermissionDenied):
        agreement_file(actor=outsider, agreement=agreement)


def test_working_group_sees_agreements_overdue_for_migration(client, roles):
    provider, consumer = provider_and_consumer()
    wg = WorkingGroupMemberFactory().user
    late = _register(provider, provider.unit, consumer.unit, target=TODAY - dt.timedelta(days=1))
    _register(provider, provider.unit, consumer.unit)  # not yet due
    assert list(agreements_overdue()) == [late]
    assert agreement_remind_overdue() == 1
    assert agreement_remind_overdue() == 0  # once
    client.login(username=wg.username, password=PASSWORD)
    response = client.get(reverse("sharing_catalog:agreement_list"), {"overdue": "1"})
    assert [a.pk for a in response.context["page"].object_list] == [late.pk]
    assert "row--overdue" in response.content.decode()


def test_another_unit_is_refused_agreements_through_page_and_api(client, roles):
    provider, consumer = provider_and_consumer()
    agreement = _register(provider, provider.unit, consumer.unit)
    outsider = make_liaison(UnitFactory())
    client.login(username=outsider.username, password=PASSWORD)
    url = reverse("sharing_catalog:agreement_detail", args=[agreement.pk])
    assert client.get(url).status_code == 404
    assert (
        client.post(
            reverse("sharing_catalog:agreement_action", args=[agreement.pk, "file"])
        ).status_code
        == 404
    )
    assert client.get(f"/api/off-platform-agreements/{agreement.pk}/").status_code == 404
    assert client.post(f"/api/off-platform-agreements/{agreement.pk}/file/").status_code == 404


def test_api_registers_an_agreement(client, roles):
    provider, consumer = provider_and_consumer()
    client.login(username=provider.username, password=PASSWORD)
    response = client.post(
        "/api/off-platform-agreements/",
        {
            "provider": provider.unit.pk,
            "consumer": consumer.unit.pk,
            "content": "用电量",
            "format_standard": "CSV",
            "method": "email",
            "frequency": "monthly",
            "signed_on": "2026-01-05",
            "target_migration_date": "2026-12-31",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "registered"


# --- coordination and exemptions -------------------------------------------------------
def test_exemption_sets_covered_obligations_exempt_and_later_ones_by_the_scan(roles):
    provider, _consumer = provider_and_consumer()
    wg = WorkingGroupMemberFactory().user
    item = GovernedItemFactory(provider=provider.unit)
    covered = _obligation(item, TODAY + dt.timedelta(days=10))
    overdue = _obligation(item, TODAY - dt.timedelta(days=20))
    overdue.status = Obligation.Status.OVERDUE
    overdue.save()
    beyond = _obligation(item, TODAY + dt.timedelta(days=100))
    req = coordination_request_create(
        actor=provider, item=item, reason="policy", reason_text="政策口径尚未明确，暂无法提供"
    )
    assert Notification.objects.filter(recipient=wg, key=f"coordination:{req.pk}:requested")
    with pytest.raises(PermissionDenied):
        coordination_decide(actor=provider, request=req, decision="exempt", exempt_until=TODAY)
    coordination_decide(
        actor=wg, request=req, decision="exempt", exempt_until=TODAY + dt.timedelta(days=60)
    )
    statuses = {o.pk: o.status for o in Obligation.objects.all()}
    assert statuses[covered.pk] == Obligation.Status.EXEMPT
    assert statuses[overdue.pk] == Obligation.Status.EXEMPT
    assert statuses[beyond.pk] == Obligation.Status.OPEN
    # an obligation created later inside the exemption is caught by the scan
    later = _obligation(item, TODAY + dt.timedelta(days=40))
    assert obligation_is_exempt(later)
    assert exemptions_apply() == 1
    later.refresh_from_db()
    assert later.status == Obligation.Status.EXEMPT
    assert not obligation_is_exempt(Obligation.objects.get(pk=beyond.pk))


def test_plan_and_rejection_need_their_fields(roles):
    provider, _c = provider_and_consumer()
    wg = WorkingGroupMemberFactory().user
    item = GovernedItemFactory(provider=provider.unit)
    req = coordination_request_create(
        actor=provider, item=item, reason="technical", reason_text="系统改造中"
    )
    with pytest.raises(ApplicationError):
        coordination_decide(actor=wg, request=req, decision="plan")
    with pytest.raises(ApplicationError):
        coordination_decide(actor=wg, request=req, decision="rejected")
    req = coordination_decide(
        actor=wg, request=req, decision="plan", plan_target_date=TODAY + dt.timedelta(days=90)
    )
    assert req.status == CoordinationRequest.Status.PLAN


def test_only_the_provider_asks_and_one_pending_request_per_item(roles):
    provider, consumer = provider_and_consumer()
    item = GovernedItemFactory(provider=provider.unit)
    with pytest.raises(PermissionDenied):
        coordination_request_create(
            actor=consumer, item=item, reason="policy", reason_text="无法提供"
        )
    coordination_request_create(actor=provider, item=item, reason="policy", reason_text="无法提供")
    with pytest.raises(ApplicationError):
        coordination_request_create(
            actor=provider, item=item, reason="other", reason_text="再次申请"
        )


def test_wg_decides_through_the_page_and_other_units_are_refused(client, roles):
    provider, consumer = provider_and_consumer()
    wg = WorkingGroupMemberFactory().user
    item = GovernedItemFactory(provider=provider.unit)
    req = coordination_request_create(
        actor=provider, item=item, reason="policy", reason_text="口径不一"
    )
    url = reverse("sharing_catalog:coordination_detail", args=[req.pk])
    client.login(username=consumer.username, password=PASSWORD)
    assert client.get(url).status_code == 404
    assert client.get(f"/api/coordination-requests/{req.pk}/").status_code == 404
    client.login(username=provider.username, password=PASSWORD)
    assert client.post(url, {"decision": "rejected", "comment": "x"}).status_code == 403
    api = client.post(
        f"/api/coordination-requests/{req.pk}/decide/",
        {"decision": "rejected", "comment": "x"},
        content_type="application/json",
    )
    assert api.status_code == 403
    client.login(username=wg.username, password=PASSWORD)
    until = (TODAY + dt.timedelta(days=30)).isoformat()
    response = client.post(url, {"decision": "exempt", "exempt_until": until, "comment": "同意"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == CoordinationRequest.Status.EXEMPT


def test_an_exempt_obligation_is_never_marked_overdue_by_the_obligation_scan(roles):
    from sharing_catalog.services.obligations import obligations_scan

    provider, _c = provider_and_consumer()
    wg = WorkingGroupMemberFactory().user
    item = GovernedItemFactory(provider=provider.unit)
    late = _obligation(item, TODAY - dt.timedelta(days=30))
    req = coordination_request_create(
        actor=provider, item=item, reason="management", reason_text="系统迁移期间无法导出"
    )
    coordination_decide(
        actor=wg, request=req, decision="exempt", exempt_until=TODAY + dt.timedelta(days=10)
    )
    obligations_scan()
    late.refresh_from_db()
    assert late.status == Obligation.Status.EXEMPT
    assert late.overdue_at is None


def test_a_coordination_request_on_another_units_item_reveals_no_pending_request(client, roles):
    """Issue 15, seen 5: the API answered 400 "item 必须能构成唯一集合" to another unit."""
    provider, consumer = provider_and_consumer()
    item = GovernedItemFactory(provider=provider.unit)
    coordination_request_create(actor=provider, item=item, reason="policy", reason_text="口径不一")
    client.login(username=consumer.username, password=PASSWORD)
    pending = client.post(
        "/api/coordination-requests/",
        {"item": item.pk, "reason": "policy", "reason_text": "我也要协调"},
        content_type="application/json",
    )
    other = GovernedItemFactory(
        provider=provider.unit
    )  # the same provider's item with nothing pending
    nothing = client.post(
        "/api/coordination-requests/",
        {"item": other.pk, "reason": "policy", "reason_text": "我也要协调"},
        content_type="application/json",
    )
    # The same answer whether or not the item has a pending request: refused, nothing revealed.
    assert pending.status_code == nothing.status_code == 403
    assert pending.json() == nothing.json()
    assert CoordinationRequest.objects.filter(item=item).count() == 1
