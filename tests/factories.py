"""factory_boy factories shared by the whole suite."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from agencies.models import Liaison, Unit, UnitKind, User
from agencies.roles import Role
from agencies.services import ACT_FOR_UNIT

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


def make_liaison(unit: Unit | None = None, *, primary: bool = True, **user_kwargs) -> User:
    """A user who is a liaison of `unit` (a new unit if none), with the right to act for it."""
    from guardian.shortcuts import assign_perm

    unit = unit or UnitFactory()
    user = UserFactory(unit=unit, roles=[Role.LIAISON], **user_kwargs)
    Liaison.objects.create(
        unit=unit,
        user=user,
        name=user.full_name,
        phone="13800000000",
        email=user.email,
        is_primary=primary,
    )
    assign_perm(ACT_FOR_UNIT, user, unit)
    return user


def make_tax_bureau() -> Unit:
    return UnitFactory(code="TAX", name="测试税务局", kind=UnitKind.TAX_BUREAU)


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
