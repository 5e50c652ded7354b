"""Governance objects owned by a unit, for the generated cross-unit access tests
(tests/security/test_object_access.py; registry in tests/object_access.py).

Imported at the bottom of tests/sharing_catalog/object_factories.py (the loader imports only
`tests/*/object_factories.py`). Ownership, as the selectors scope it:

- an access grant belongs to the consumer unit that applied and to the item's provider;
- an off-platform agreement to its provider and its consumer;
- a coordination request (or exemption) to the provider unit that asked;
- an objection to the raising consumer and to the provider;
- the records of a submission to the provider and the entitled consumers.

The "other unit" of the test is a liaison of a fresh unit, party to none of these.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from agencies.models import Liaison
from sharing_catalog.models import CatalogItem, CoordinationRequest, OffPlatformAgreement
from sharing_catalog.services import objections as objection_services
from sharing_catalog.services.agreements import agreement_register
from sharing_catalog.services.coordination import coordination_request_create
from sharing_catalog.services.grants import grant_apply, grant_decide_provider
from sharing_catalog.services.ingest.pipeline import submission_ingest
from sharing_catalog.services.ingest.upload import submission_upload
from sharing_catalog.services.submissions import submission_confirm
from tests.factories import (
    GovernedItemFactory,
    ObligationFactory,
    UnitFactory,
    WorkingGroupMemberFactory,
    make_liaison,
)
from tests.object_access import ListCase, ObjectCase, list_factory, object_factory
from tests.sharing_catalog.submission_builders import AuctionItemFactory, good_row, xlsx_file

BASIS = "《税收征收管理法》第五条"
CONDITIONAL = CatalogItem.SharingClass.CONDITIONAL


def _liaison(unit):
    """The unit's liaison (one primary liaison per unit), made on first use."""
    existing = Liaison.objects.filter(unit=unit, is_primary=True).select_related("user").first()
    return existing.user if existing else make_liaison(unit)


# --- access grants (有条件共享) -------------------------------------------------------------
def _grant(*, provider, consumer, approve: bool = False):
    """A grant of `consumer` for a conditional item of `provider`; returns the grant and the
    two liaisons."""
    provider_liaison, consumer_liaison = _liaison(provider), _liaison(consumer)
    item = GovernedItemFactory(provider=provider, consumers=[consumer], sharing_class=CONDITIONAL)
    grant = grant_apply(
        actor=consumer_liaison, item=item, consumer=consumer, purpose="risk", legal_basis=BASIS
    )
    if approve:
        grant = grant_decide_provider(actor=provider_liaison, grant=grant, approve=True)
    return grant, provider_liaison, consumer_liaison


@object_factory("access-grant-detail", "sharing_catalog:grant_detail")
def grant_of_the_consumer(unit):
    """The unit applied for the grant: its liaison sees it."""
    grant, _provider, consumer_liaison = _grant(provider=UnitFactory(), consumer=unit)
    return ObjectCase(kwargs={"pk": grant.pk}, owner=consumer_liaison)


@object_factory("access-grant-decide")
def grant_to_decide(unit):
    """The unit provides the item: its liaison decides the application."""
    grant, provider_liaison, _consumer = _grant(provider=unit, consumer=UnitFactory())
    return ObjectCase(
        kwargs={"pk": grant.pk},
        owner=provider_liaison,
        method="post",
        data={"approve": "true", "comment": "同意"},
    )


@object_factory("sharing_catalog:grant_decide")
def grant_to_decide_page(unit):
    grant, provider_liaison, _consumer = _grant(provider=unit, consumer=UnitFactory())
    return ObjectCase(
        kwargs={"pk": grant.pk, "level": "provider"},
        owner=provider_liaison,
        method="post",
        data={"approve": "1", "comment": "同意"},
    )


@object_factory("access-grant-revoke", "sharing_catalog:grant_revoke")
def grant_to_revoke(unit):
    """An approved grant on the unit's item: its provider liaison may revoke it."""
    grant, provider_liaison, _consumer = _grant(provider=unit, consumer=UnitFactory(), approve=True)
    return ObjectCase(
        kwargs={"pk": grant.pk},
        owner=provider_liaison,
        method="post",
        data={"reason": "用途已结束"},
    )


@object_factory("sharing_catalog:grant_apply")
def grant_apply_on_an_unpublished_item(unit):
    """Applying for a PUBLISHED conditional item is open to every unit by design (the catalog
    is public, Art. 20; the provider then decides). What must not show across units is an item
    that is not public: a retired conditional item of the unit. No one may apply for it, its
    provider included, so there is no positive control."""
    item = GovernedItemFactory(
        provider=unit, sharing_class=CONDITIONAL, status=CatalogItem.Status.RETIRED
    )
    return ObjectCase(kwargs={"item_pk": item.pk})


@list_factory("access-grant-list")
def grants(unit):
    as_consumer, _p, _c = _grant(provider=UnitFactory(), consumer=unit)
    as_provider, _p, _c = _grant(provider=unit, consumer=UnitFactory())
    return ListCase(id_field="id", ids={as_consumer.pk, as_provider.pk})


# --- off-platform agreements (Art. 21) -----------------------------------------------------
def _agreement(unit):
    """An agreement the unit (provider) registered with a consumer unit."""
    liaison = _liaison(unit)
    today = timezone.localdate()
    agreement = agreement_register(
        actor=liaison,
        provider=unit,
        consumer=UnitFactory(),
        content="司法拍卖成交信息",
        format_standard="Excel，按约定字段",
        method=OffPlatformAgreement.Method.MEDIA,
        frequency="monthly",
        signed_on=today - dt.timedelta(days=60),
        target_migration_date=today + dt.timedelta(days=30),
    )
    return agreement, liaison


@object_factory("agreement-detail", "sharing_catalog:agreement_detail")
def agreement(unit):
    agreement, liaison = _agreement(unit)
    return ObjectCase(kwargs={"pk": agreement.pk}, owner=liaison)


@object_factory("agreement-file")
def agreement_to_file(unit):
    agreement, liaison = _agreement(unit)
    return ObjectCase(kwargs={"pk": agreement.pk}, owner=liaison, method="post")


@object_factory("sharing_catalog:agreement_action")
def agreement_to_file_page(unit):
    agreement, liaison = _agreement(unit)
    return ObjectCase(kwargs={"pk": agreement.pk, "step": "file"}, owner=liaison, method="post")


@object_factory("agreement-migrate")
def agreement_to_migrate(unit):
    agreement, _liaison = _agreement(unit)
    return ObjectCase(
        kwargs={"pk": agreement.pk}, owner=WorkingGroupMemberFactory().user, method="post"
    )


@list_factory("agreement-list")
def agreements(unit):
    as_provider, _liaison = _agreement(unit)
    # and one where the unit is the consumer
    other = UnitFactory()
    as_consumer = agreement_register(
        actor=make_liaison(other),
        provider=other,
        consumer=unit,
        content="不动产登记信息",
        format_standard="CSV",
        method=OffPlatformAgreement.Method.MEDIA,
        frequency="monthly",
        signed_on=timezone.localdate() - dt.timedelta(days=10),
        target_migration_date=timezone.localdate() + dt.timedelta(days=90),
    )
    return ListCase(id_field="id", ids={as_provider.pk, as_consumer.pk})


# --- coordination requests and exemptions (Art. 20) ----------------------------------------
def _coordination(unit):
    liaison = _liaison(unit)
    item = GovernedItemFactory(provider=unit)
    req = coordination_request_create(
        actor=liaison,
        item=item,
        reason=CoordinationRequest.Reason.TECHNICAL,
        reason_text="系统改造期间无法导出数据",
    )
    return req, liaison


@object_factory("coordination-detail", "sharing_catalog:coordination_detail")
def coordination(unit):
    req, liaison = _coordination(unit)
    return ObjectCase(kwargs={"pk": req.pk}, owner=liaison)


@object_factory("coordination-decide")
def coordination_to_decide(unit):
    req, _liaison = _coordination(unit)
    return ObjectCase(
        kwargs={"pk": req.pk},
        owner=WorkingGroupMemberFactory().user,
        method="post",
        data={
            "decision": CoordinationRequest.Status.EXEMPT,
            "exempt_until": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            "comment": "同意豁免",
        },
    )


@list_factory("coordination-list")
def coordinations(unit):
    req, _liaison = _coordination(unit)
    return ListCase(id_field="id", ids={req.pk})


# --- records of a submission, the purpose step, unmask management --------------------------
class _Shared:
    """An item the unit provides to one consumer unit, with a confirmed version (v1)."""

    def __init__(self, unit) -> None:
        self.provider_liaison = make_liaison(unit)
        self.consumer = UnitFactory()
        self.consumer_liaison = make_liaison(self.consumer)
        self.item = AuctionItemFactory(provider=unit, consumers=[self.consumer])
        self.obligation = ObligationFactory(item=self.item)
        self.v1 = self.confirmed_version([good_row(n) for n in (1, 2, 3)])

    def confirmed_version(self, rows):
        submission = submission_upload(
            obligation=self.obligation,
            actor=self.provider_liaison,
            uploaded_file=xlsx_file(rows),
        )
        submission_ingest(submission_id=submission.pk)
        submission.refresh_from_db()
        return submission_confirm(submission=submission, actor=self.provider_liaison)


@object_factory("sharing_catalog:submission_records")
def submission_records(unit):
    """The provider reads its own records (no purpose step); another unit gets 404."""
    shared = _Shared(unit)
    return ObjectCase(kwargs={"pk": shared.v1.pk}, owner=shared.provider_liaison)


@object_factory("sharing_catalog:objection_raise")
def objection_raise(unit):
    """An entitled consumer raises an objection to the unit's confirmed records."""
    shared = _Shared(unit)
    return ObjectCase(
        kwargs={"pk": shared.v1.pk},
        owner=shared.consumer_liaison,
        method="post",
        data={"category": "error", "description": "成交金额明显错误", "rows": ["2"]},
    )


@object_factory("sharing_catalog:purpose")
def purpose_step(unit):
    """The purpose step of an item the unit consumes (not public records of another unit)."""
    item = AuctionItemFactory(provider=UnitFactory(), consumers=[unit])
    return ObjectCase(kwargs={"item_pk": item.pk}, owner=make_liaison(unit))


@object_factory("sharing_catalog:unmask_manage")
def unmask_manage(unit):
    """Who may see the unit's sensitive fields in clear is the provider's (and WG's) business."""
    item = AuctionItemFactory(provider=unit, consumers=[UnitFactory()])
    return ObjectCase(kwargs={"item_pk": item.pk}, owner=make_liaison(unit))


# --- objections (异议, Art. 19, 22) ---------------------------------------------------------
def _objection(unit, *, state: str = "raised"):
    """An objection of a consumer unit to the records the unit provides, in `state`:
    raised (awaits the provider), explained (awaits the consumer), or arbitration."""
    shared = _Shared(unit)
    o = objection_services.objection_raise(
        actor=shared.consumer_liaison,
        submission=shared.v1,
        category="error",
        description="成交金额明显错误",
        rows=[2, 3],  # data rows start under the header row
        fields=["amount"],
    )
    if state in ("explained", "arbitration"):
        o = objection_services.objection_explain(
            actor=shared.provider_liaison, objection=o, explanation="金额按合同原值填报"
        )
    if state == "arbitration":
        o = objection_services.objection_request_arbitration(
            actor=shared.consumer_liaison, objection=o, reason="双方对口径有分歧"
        )
    return o, shared


@object_factory("objection-detail", "sharing_catalog:objection_detail")
def objection(unit):
    o, shared = _objection(unit)
    return ObjectCase(kwargs={"pk": o.pk}, owner=shared.provider_liaison)


@object_factory("objection-explain")
def objection_to_explain(unit):
    o, shared = _objection(unit)
    return ObjectCase(
        kwargs={"pk": o.pk},
        owner=shared.provider_liaison,
        method="post",
        data={"text": "金额按合同原值填报"},
    )


@object_factory("objection-correct")
def objection_to_correct(unit):
    o, shared = _objection(unit)
    v2 = shared.confirmed_version([good_row(n, amount="999.00") for n in (1, 2, 3)])
    return ObjectCase(
        kwargs={"pk": o.pk},
        owner=shared.provider_liaison,
        method="post",
        data={"correction": v2.pk},
    )


@object_factory("objection-accept")
def objection_to_accept(unit):
    o, shared = _objection(unit, state="explained")
    return ObjectCase(kwargs={"pk": o.pk}, owner=shared.consumer_liaison, method="post")


@object_factory("objection-dispute")
def objection_to_dispute(unit):
    o, shared = _objection(unit, state="explained")
    return ObjectCase(
        kwargs={"pk": o.pk},
        owner=shared.consumer_liaison,
        method="post",
        data={"text": "解释不能成立"},
    )


@object_factory("objection-arbitrate")
def objection_to_arbitrate(unit):
    o, shared = _objection(unit)
    return ObjectCase(
        kwargs={"pk": o.pk},
        owner=shared.provider_liaison,
        method="post",
        data={"text": "双方对口径有分歧"},
    )


@object_factory("objection-rule")
def objection_to_rule(unit):
    o, _shared = _objection(unit, state="arbitration")
    return ObjectCase(
        kwargs={"pk": o.pk},
        owner=WorkingGroupMemberFactory().user,
        method="post",
        data={"upheld": "true", "text": "提供单位应予更正"},
    )


@object_factory("objection-close")
def objection_to_close(unit):
    o, shared = _objection(unit)
    return ObjectCase(
        kwargs={"pk": o.pk},
        owner=shared.consumer_liaison,
        method="post",
        data={"reason": "withdrawn"},
    )


@object_factory("sharing_catalog:objection_action")
def objection_action_page(unit):
    o, shared = _objection(unit)
    return ObjectCase(
        kwargs={"pk": o.pk, "step": "explain"},
        owner=shared.provider_liaison,
        method="post",
        data={"explanation": "金额按合同原值填报"},
    )


@list_factory("objection-list")
def objections(unit):
    o, _shared = _objection(unit)  # the unit answers it as provider
    return ListCase(id_field="id", ids={o.pk})
