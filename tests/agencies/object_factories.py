"""Objects owned by a unit, for the generated cross-unit access tests (tests/object_access.py)."""

from __future__ import annotations

from agencies.models import Liaison
from tests.factories import make_liaison
from tests.object_access import ListCase, ObjectCase, list_factory, object_factory


@object_factory("agencies:unit_detail", "unit-detail")
def unit(unit):
    return ObjectCase(kwargs={"pk": unit.pk}, owner=make_liaison(unit))


@object_factory("liaison-detail")
def liaison(unit):
    owner = make_liaison(unit)
    return ObjectCase(kwargs={"pk": Liaison.objects.get(user=owner).pk}, owner=owner)


@list_factory("unit-list")
def units(unit):
    return ListCase(id_field="id", ids={unit.pk})


@list_factory("liaison-list")
def liaisons(unit):
    make_liaison(unit)
    return ListCase(
        id_field="id", ids=set(Liaison.objects.filter(unit=unit).values_list("pk", flat=True))
    )
