"""factory_boy factories shared by the whole suite."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group

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
