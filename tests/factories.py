"""factory_boy factories shared by the whole suite."""

from __future__ import annotations

import datetime as dt

import factory
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from agencies.models import Liaison, Unit, UnitKind, User, WorkingGroupMember
from agencies.roles import Role
from agencies.services import ACT_FOR_UNIT
from assessment.models import Period, RectificationOrder
from assessment.services import order_issue, period_create
from collaboration.demo import ensure_matter_types
from collaboration.models import CollaborationRequest, MatterType
from collaboration.services import request_accept, request_create
from sharing_catalog.models import (
    CatalogItem,
    FieldDisclosure,
    FieldType,
    Objection,
    Obligation,
    Record,
    SchemaField,
    SchemaVersion,
    Submission,
)
from sharing_catalog.services.catalog import (
    catalog_item_create,
    catalog_item_publish,
    schema_version_create,
    schema_version_publish,
)
from tests.sharing_catalog.catalog_helpers import FIELDS, item_data

PASSWORD = "Test-Passw0rd!"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    short_name = factory.LazyAttribute(lambda o: o.name)
    kind = UnitKind.DISTRICT_DEPARTMENT
    category = Unit.Category.CO_GOVERNANCE


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.gov.cn")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save()

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            for role in extracted:
                self.groups.add(Group.objects.get_or_create(name=str(role))[0])


class LiaisonFactory(factory.django.DjangoModelFactory):
    """A unit's liaison (Art. 3) with an account that holds the right to act for the unit."""

    class Meta:
        model = Liaison
        skip_postgeneration_save = True

    unit = factory.SubFactory(UnitFactory)
    user = factory.SubFactory(
        UserFactory, unit=factory.SelfAttribute("..unit"), roles=[Role.LIAISON]
    )
    name = factory.LazyAttribute(lambda o: o.user.full_name)
    phone = "13800000000"
    email = factory.LazyAttribute(lambda o: o.user.email)
    is_primary = True

    @factory.post_generation
    def act_for_unit(self, create, extracted, **kwargs):
        from guardian.shortcuts import assign_perm

        if create:
            assign_perm(ACT_FOR_UNIT, self.user, self.unit)


def make_liaison(unit: Unit | None = None, *, primary: bool = True, **user_kwargs) -> User:
    """A user who is a liaison of `unit` (a new unit if none), with the right to act for it."""
    kwargs = {"unit": unit} if unit is not None else {}
    user_args = {f"user__{name}": value for name, value in user_kwargs.items()}
    return LiaisonFactory(is_primary=primary, **kwargs, **user_args).user


class WorkingGroupMemberFactory(factory.django.DjangoModelFactory):
    """A member of the 共治专项工作组 (Art. 3) sitting for `unit`, with an account of that unit
    holding the working-group role (Role.WG_MEMBER, or Role.WG_LEADER with `leader=True`, a 组长;
    `roles=[...]` gives others). The roles take effect with the `roles` fixture."""

    class Meta:
        model = WorkingGroupMember
        skip_postgeneration_save = True

    class Params:
        leader = factory.Trait(position=WorkingGroupMember.Position.LEADER)

    unit = factory.SubFactory(UnitFactory)
    user = factory.SubFactory(UserFactory, unit=factory.SelfAttribute("..unit"))
    position = WorkingGroupMember.Position.MEMBER

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            leads = self.position == WorkingGroupMember.Position.LEADER
            extracted = [Role.WG_LEADER if leads else Role.WG_MEMBER]
        for role in extracted:
            self.user.groups.add(Group.objects.get_or_create(name=str(role))[0])


def make_tax_bureau() -> Unit:
    return UnitFactory(code="TAX", name="测试税务局", kind=UnitKind.TAX_BUREAU)


def provider_and_consumer() -> tuple[User, User]:
    """A provider liaison and a consumer liaison, each of their own unit."""
    return make_liaison(UnitFactory(name="提供单位")), make_liaison(UnitFactory(name="需求单位"))


class OfficialYearFactory(factory.django.DjangoModelFactory):
    """An entered State Council schedule; tests give it made-up days (never the real one)."""

    class Meta:
        model = "deadlines.OfficialYear"
        django_get_or_create = ("year",)

    year = 2027
    source = "测试数据（虚构，非国务院公布的安排）"
    entered_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from zhengxiang_portal.deadlines.calendar import calendar_changed

        calendar_changed()  # as the services do: the cached calendar must not hide this year
        return super()._create(model_class, *args, **kwargs)


class OfficialDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "deadlines.OfficialDay"

    schedule = factory.SubFactory(OfficialYearFactory)
    day = factory.LazyAttribute(lambda o: dt.date(o.schedule.year, 1, 1))
    is_working_day = False
    name = "测试"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from zhengxiang_portal.deadlines.calendar import calendar_changed

        calendar_changed()
        return super()._create(model_class, *args, **kwargs)


class DocumentSettingsFactory(factory.django.DjangoModelFactory):
    """The working group's numbering settings (one row, pk=1)."""

    class Meta:
        model = "documents.DocumentSettings"
        django_get_or_create = ("pk",)

    pk = 1
    number_template = "蒸税共治〔{year}〕{n}号"
    issuing_unit = "蒸湘区税费精诚共治专项工作组"


class OrderAccountabilityFactory(factory.django.DjangoModelFactory):
    """A 问责 record (Art. 27–28); pass `order` and `recorded_by`."""

    class Meta:
        model = "assessment.OrderAccountability"

    persons = "张三，区市场监管局办公室主任\n李四，信息科科长"
    decision = "给予张三诫勉谈话，李四通报批评。"
    referred_to = "区纪委监委"
    decided_on = factory.LazyFunction(lambda: dt.date(2026, 10, 20))
    recorded_at = factory.LazyFunction(timezone.now)


# --- the catalog (Art. 20, 22) ------------------------------------------------------------------


class CatalogItemFactory(factory.django.DjangoModelFactory):
    """A catalog item, published by default; `schema=[field dicts]` gives it schema version 1
    (published with `schema__published=True`), `consumers=[units]` its consumer units."""

    class Meta:
        model = CatalogItem
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"T-{n:04d}")
    name = factory.Sequence(lambda n: f"测试目录项{n}")
    provider = factory.SubFactory(UnitFactory)
    sharing_class = CatalogItem.SharingClass.UNCONDITIONAL
    legal_basis = "《税收征收管理法》第五条"
    frequency = CatalogItem.Frequency.MONTHLY
    transmission = CatalogItem.Transmission.PLATFORM_UPLOAD
    status = CatalogItem.Status.PUBLISHED

    @factory.post_generation
    def consumers(self, create, extracted, **kwargs):
        if create:
            self.consumers.set(extracted or ())

    @factory.post_generation
    def schema(self, create, extracted, **kwargs):
        if create and extracted is not None:
            add_schema(self, extracted, **kwargs)


class CatalogItemViaServicesFactory(factory.Factory):
    """An item registered as the working group registers one (Art. 20): `catalog_item_create` by
    `actor` (a new working-group member by default) with `item_data`'s values (市场主体登记注销信息,
    code ZX-T-001) and any overrides, schema version 1 of `fields` (catalog_helpers.FIELDS by
    default) created and published, then the item published unless `publish=False`; with the
    services' ledger entries, permissions and generated obligations."""

    class Meta:
        model = CatalogItem

    actor = factory.LazyFunction(lambda: WorkingGroupMemberFactory().user)
    provider = factory.SubFactory(UnitFactory)
    consumers = ()
    fields = None
    publish = True

    @classmethod
    def _create(cls, model_class, *, actor, provider, consumers, fields, publish, **overrides):
        item = catalog_item_create(
            actor=actor, consumers=consumers, **item_data(provider, **overrides)
        )
        schema = schema_version_create(actor=actor, item=item, fields=fields or FIELDS, note="v1")
        schema_version_publish(actor=actor, schema=schema)
        return catalog_item_publish(actor=actor, item=item) if publish else item


class SchemaVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchemaVersion

    item = factory.SubFactory(CatalogItemFactory)
    version = 1


class SchemaFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchemaField

    schema = factory.SubFactory(SchemaVersionFactory)
    position = factory.Sequence(lambda n: n + 1)
    key = factory.Sequence(lambda n: f"field_{n}")
    label = factory.Sequence(lambda n: f"字段{n}")
    field_type = FieldType.TEXT


def add_schema(item, fields, *, published: bool = False, version: int = 1):
    """Schema `version` of `item` with `fields` (dicts of SchemaField values) in that order."""
    schema = SchemaVersionFactory(
        item=item, version=version, published_at=timezone.now() if published else None
    )
    for position, spec in enumerate(fields, start=1):
        SchemaFieldFactory(schema=schema, position=position, **spec)
    return schema


# The item of the grant, masking and objection tests: a name, and three fields masked unless
# the consumer is entitled to them (Art. 24).
GOVERNED_FIELDS = [
    {"key": "name", "label": "姓名", "field_type": FieldType.TEXT},
    {
        "key": "id_number",
        "label": "身份证号",
        "field_type": FieldType.ID_NUMBER,
        "is_sensitive": True,
    },
    {"key": "phone", "label": "电话", "field_type": FieldType.PHONE, "is_sensitive": True},
    {"key": "account", "label": "账号", "field_type": FieldType.TEXT, "is_sensitive": True},
]


class GovernedItemFactory(CatalogItemFactory):
    """A published item (unconditional unless `sharing_class` says otherwise) with the four
    GOVERNED_FIELDS in schema version 1, not published."""

    schema = factory.PostGeneration(
        lambda item, create, extracted, **kwargs: (
            add_schema(item, GOVERNED_FIELDS if extracted is None else extracted, **kwargs)
            if create
            else None
        )
    )


class FieldDisclosureFactory(factory.django.DjangoModelFactory):
    """A consumer's entitlement to see a sensitive field in clear for a purpose (Art. 24), decided
    by a working-group member; pass `item` and `consumer`."""

    class Meta:
        model = FieldDisclosure

    field_key = "legal_id"
    purpose = "collection"
    decided_by = factory.LazyFunction(lambda: WorkingGroupMemberFactory().user)


class ObligationFactory(factory.django.DjangoModelFactory):
    """The obligation of one month of 2026 (`month`, October by default) for `item`."""

    class Meta:
        model = Obligation

    class Params:
        month = 10

    item = factory.SubFactory(CatalogItemFactory)
    period_start = factory.LazyAttribute(lambda o: dt.date(2026, o.month, 1))
    period_end = factory.LazyAttribute(
        lambda o: dt.date(2026, o.month + 1, 1) - dt.timedelta(days=1)
    )
    period_label = factory.LazyAttribute(lambda o: f"2026年{o.month}月")
    due_date = factory.LazyAttribute(lambda o: o.period_end + dt.timedelta(days=7))
    grace_until = factory.LazyAttribute(lambda o: o.period_end + dt.timedelta(days=10))


def _unit_item(unit: Unit, code: str | None) -> CatalogItem:
    """The item `code` (ITEM-<unit code> by default), provided by `unit`, made on first use."""
    code = code or f"ITEM-{unit.code}"
    return CatalogItem.objects.filter(code=code).first() or CatalogItemFactory(
        code=code,
        name=f"{unit.name}登记信息",
        provider=unit,
        legal_basis="《税收征收管理法》第六条",
    )


class DueObligationFactory(ObligationFactory):
    """An obligation of `unit` falling due, its grace ending too, on `due`, for the counting tests
    (assessment, bulletins, exports): the item `code` (ITEM-<unit code> by default) is made on
    first use and shared; the period is the 6 days from 15 days before `due` (one per obligation);
    status fulfilled unless given, at 10:00 UTC on `fulfilled_on` if given."""

    class Params:
        unit = factory.SubFactory(UnitFactory)
        due = dt.date(2026, 10, 10)
        fulfilled_on = None
        code = None

    item = factory.LazyAttribute(lambda o: _unit_item(o.unit, o.code))
    period_start = factory.LazyAttribute(lambda o: o.due - dt.timedelta(days=15))
    period_end = factory.LazyAttribute(lambda o: o.period_start + dt.timedelta(days=5))
    period_label = factory.LazyAttribute(lambda o: f"{o.due:%Y-%m}")
    due_date = factory.SelfAttribute("due")
    grace_until = factory.SelfAttribute("due")
    status = Obligation.Status.FULFILLED
    fulfilled_at = factory.LazyAttribute(
        lambda o: (
            dt.datetime.combine(o.fulfilled_on, dt.time(10), tzinfo=dt.UTC)
            if o.fulfilled_on
            else None
        )
    )


class SubmissionFactory(factory.django.DjangoModelFactory):
    """Version `version` of an obligation's data in `status` (received, the model's default, unless
    given), as the submissions app stores the row, without file content or records, against the
    item's schema version 1 (made if missing). The upload and ingest tests make theirs through
    submission_upload; this is for the counts."""

    class Meta:
        model = Submission

    obligation = factory.SubFactory(DueObligationFactory)
    version = 1
    unit = factory.LazyAttribute(lambda o: o.obligation.item.provider)
    source = Submission.Source.UPLOAD
    file = factory.LazyAttribute(lambda o: f"submissions/test-{o.obligation.pk}-{o.version}.csv")
    original_filename = "数据.csv"
    file_kind = "csv"
    file_sha256 = factory.LazyAttribute(lambda o: f"{o.obligation.pk:032d}{o.version:032d}")
    schema = factory.LazyAttribute(
        lambda o: SchemaVersion.objects.get_or_create(item=o.obligation.item, version=1)[0]
    )
    status = Submission.Status.RECEIVED


class ObjectionFactory(factory.django.DjangoModelFactory):
    """An objection (异议, Art. 19, 22) of `raised_by`'s unit to a submission's records, as the row
    is stored, for the counts and scores (objection_raise and its steps are the rule tests'):
    raised, first answer due `first_deadline`."""

    class Meta:
        model = Objection

    submission = factory.SubFactory(SubmissionFactory)
    item = factory.LazyAttribute(lambda o: o.submission.obligation.item)
    provider = factory.LazyAttribute(lambda o: o.submission.unit)
    raised_by = factory.LazyAttribute(lambda o: LiaisonFactory().user)
    consumer = factory.LazyAttribute(lambda o: o.raised_by.unit)
    category = Objection.Category.ERROR
    description = "金额疑似有误"
    first_deadline = dt.date(2026, 12, 11)
    deadline = factory.SelfAttribute("first_deadline")


class RecordFactory(factory.django.DjangoModelFactory):
    """A stored data row of a submission (row 2, the first under the header, by default)."""

    class Meta:
        model = Record

    submission = factory.SubFactory(SubmissionFactory)
    row_number = 2
    unique_key = factory.Sequence(lambda n: f"key-{n}")
    data = factory.LazyFunction(dict)


# --- collaboration (Art. 6–9) -------------------------------------------------------------------


def the_tax_bureau() -> Unit:
    """The tax bureau of the test, made on first use."""
    return Unit.objects.filter(kind=UnitKind.TAX_BUREAU).first() or make_tax_bureau()


def matter_type(code: str = "tax-info-query") -> MatterType:
    """A matter type of the working group's list (loaded on first use)."""
    ensure_matter_types()
    return MatterType.objects.get(code=code)


class CollaborationRequestFactory(factory.Factory):
    """A collaboration request (Art. 7) raised through `request_create` by `actor` for
    `requesting_unit` to `target_unit`, so it is numbered and has its timeline entry, ledger entry
    and notices. By default a new tax staff member of the tax bureau asks a new unit for a
    涉税信息查询. `accepted_by=user` has the asked unit accept it (request_accept); `raised_at=`
    an aware moment raises (and accepts) it then, the clock stopped."""

    class Meta:
        model = CollaborationRequest

    requesting_unit = factory.LazyFunction(the_tax_bureau)
    actor = factory.LazyAttribute(
        lambda o: UserFactory(unit=o.requesting_unit, roles=[Role.TAX_STAFF])
    )
    target_unit = factory.SubFactory(UnitFactory)
    matter_type = factory.LazyFunction(matter_type)
    subject = "查询某公司股权变更登记信息"
    body = "请提供 2026 年度股权变更登记记录。"
    accepted_by = None
    raised_at = None

    @classmethod
    def _create(cls, model_class, *, accepted_by, raised_at, **kwargs):
        if raised_at is not None:
            with time_machine.travel(raised_at, tick=False):
                return cls._create(model_class, accepted_by=accepted_by, raised_at=None, **kwargs)
        req = request_create(**kwargs)
        if accepted_by is not None:
            req = request_accept(req=req, actor=accepted_by)
        return req


# --- assessment (Art. 25–28) --------------------------------------------------------------------


class PeriodFactory(factory.Factory):
    """An assessment period (Art. 25) opened through `period_create`, with its indicator scheme:
    the third quarter of 2026 by default. With an `actor` the service checks that the actor may
    manage periods; without one the system opens it."""

    class Meta:
        model = Period

    actor = None
    kind = Period.Kind.QUARTER
    year = 2026
    quarter = 3
    check = factory.LazyAttribute(lambda o: o.actor is not None)

    @classmethod
    def _create(cls, model_class, **kwargs):
        return period_create(**kwargs)


class RectificationOrderFactory(factory.Factory):
    """A 责令改正通知 (Art. 28) issued through `order_issue` by `actor` (a new working-group
    leader by default) to `unit` (a new unit), with the service's working-day deadline, notices and
    ledger entry: 未按要求提供数据 unless `failure` says otherwise."""

    class Meta:
        model = RectificationOrder

    actor = factory.LazyFunction(lambda: WorkingGroupMemberFactory(leader=True).user)
    unit = factory.SubFactory(UnitFactory)
    failure = RectificationOrder.Failure.NOT_PROVIDING_DATA
    facts = "三季度登记数据逾期未报送。"
    requirement = "补报逾期数据并说明原因。"

    @classmethod
    def _create(cls, model_class, **kwargs):
        return order_issue(**kwargs)
