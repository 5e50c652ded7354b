"""The Django admin is no side door around 三员分立 (issue 15, "What was seen" 1 and 2).

Who holds a role, a permission, an object permission (act_for_unit), a unit or a liaison link
changes only through a role change request that a second security admin approves. The sweep below
is generated from the admin's URL conf: every admin page (add, change, delete, history, password,
object permissions …) receives, from each of the three admin roles, a POST that would give the
attacker data or roles; afterwards nobody holds anything more, and each attempt is in the audit
trail.
"""

from __future__ import annotations

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import NoReverseMatch, reverse
from guardian.models import GroupObjectPermission, UserObjectPermission

from agencies.models import Liaison, Unit, User, WorkingGroupMember
from agencies.roles import Role, user_roles
from agencies.selectors import acted_unit_ids
from tests.factories import UnitFactory, UserFactory, WorkingGroupMemberFactory, make_liaison
from tests.urlwalk import all_routes
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.security.models import RoleChangeRequest

pytestmark = pytest.mark.django_db

ADMIN_ROLES = [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR]


def _grant_state() -> dict[str, set]:
    """Everything that decides who reads what or holds which role."""
    return {
        "roles": set(User.groups.through.objects.values_list("user_id", "group__name")),
        "user_permissions": set(
            User.user_permissions.through.objects.values_list("user_id", "permission_id")
        ),
        "group_permissions": set(
            Group.permissions.through.objects.values_list("group_id", "permission_id")
        ),
        "groups": set(Group.objects.values_list("name", flat=True)),
        "user_object_permissions": set(
            UserObjectPermission.objects.values_list("user_id", "permission_id", "object_pk")
        ),
        "group_object_permissions": set(
            GroupObjectPermission.objects.values_list("group_id", "permission_id", "object_pk")
        ),
        "units": set(User.objects.exclude(unit=None).values_list("pk", "unit_id")),
        "liaison_accounts": set(
            Liaison.objects.exclude(user=None).values_list("user_id", "unit_id", "is_active")
        ),
        "superusers": set(User.objects.filter(is_superuser=True).values_list("pk", flat=True)),
    }


def _admin_routes():
    """Every admin page that takes a model (generated from the URL conf)."""
    models = {f"{m._meta.app_label}_{m._meta.model_name}": m for m in admin.site._registry}
    routes = []
    for route in all_routes():
        if not route.name.startswith("admin:"):
            continue
        name = route.name.removeprefix("admin:")
        model = next((m for key, m in models.items() if name.startswith(key + "_")), None)
        if model is None:
            continue
        routes.append((route, model))
    return routes


def _url(route, model, attacker: User) -> str | None:
    kwargs = {}
    for key in route.kwargs:
        if key in ("object_id", "id", "pk"):
            obj = model._default_manager.exclude(pk=attacker.pk).order_by("pk").first()
            if obj is None:
                return None
            kwargs[key] = str(obj.pk)
        elif key == "user_id":
            kwargs[key] = str(attacker.pk)
        elif key == "group_id":
            kwargs[key] = str(Group.objects.order_by("pk").first().pk)
        else:
            kwargs[key] = "1"
    try:
        return reverse(route.name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def _field_data(form) -> dict:
    """The form as the page shows it, as POST data."""
    data: dict = {}
    for name, bound in form.fields.items():
        value = form[name].value()
        widget = bound.widget
        if isinstance(widget, forms.MultiWidget):
            for i, part in enumerate(widget.decompress(value)):
                data[f"{name}_{i}"] = "" if part is None else str(part)
        elif isinstance(bound, forms.BooleanField):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif value is not None:
            data[name] = str(value)
    return data


def _grant_payload(page, attacker: User, court: Unit) -> dict:
    """The page's own form, with every field that could grant something set to grant it."""
    data: dict = {}
    context = getattr(page, "context", None) or {}
    adminform = context.get("adminform") if hasattr(context, "get") else None
    if adminform is not None:
        data.update(_field_data(adminform.form))
        for name, field in adminform.form.fields.items():
            queryset = getattr(field, "queryset", None)
            model = getattr(queryset, "model", None)
            if model is Group:
                data[name] = [str(pk) for pk in Group.objects.values_list("pk", flat=True)]
            elif model is Permission:
                data[name] = [str(pk) for pk in Permission.objects.values_list("pk", flat=True)]
            elif model is User:
                data[name] = str(attacker.pk)
            elif model is Unit:
                data[name] = str(court.pk)
    # What a hand-made POST would add (guardian's forms, fields not on the page, a delete).
    data.setdefault("user", str(attacker.pk))
    data.setdefault("unit", str(court.pk))
    data.update(
        {
            "groups": [str(pk) for pk in Group.objects.values_list("pk", flat=True)],
            "user_permissions": [str(pk) for pk in Permission.objects.values_list("pk", flat=True)],
            "permissions": ["act_for_unit", "change_unit", "view_unit"],
            "is_superuser": "on",
            "is_staff": "on",
            "submit_manage_user": "1",
            "submit_manage_group": "1",
            "group": Role.LIAISON.value,
            "post": "yes",
            "password1": "Side#Door-Pass9x",
            "password2": "Side#Door-Pass9x",
            "username": data.get("username") or "sidedoor",
        }
    )
    return data


@pytest.fixture
def court(roles):
    """Another unit with a liaison, whose data the attacker wants."""
    unit = UnitFactory(name="蒸湘区人民法院")
    make_liaison(unit)
    WorkingGroupMemberFactory(unit=unit, user__unit=None, roles=[])
    return unit


def test_admin_has_no_object_permission_pages(client, roles, court):
    """Seen 1: guardian's object-permission page of a unit answered 200 to the system admin."""
    client.force_login(UserFactory(roles=[Role.SYSTEM_ADMIN]))
    url = reverse("admin:agencies_unit_change", args=[court.pk]) + "permissions/"
    assert client.get(url).status_code in (302, 404)
    assert not [
        r
        for r in all_routes()
        if r.name.startswith("admin:") and "permission" in r.route and "password" not in r.route
    ]


def test_system_admin_cannot_grant_itself_a_unit_through_guardian_forms(client, roles, court):
    """Seen 1, the POSTs as made: user-manage with act_for_unit."""
    attacker = UserFactory(roles=[Role.SYSTEM_ADMIN])
    client.force_login(attacker)
    base = reverse("admin:agencies_unit_change", args=[court.pk])
    client.post(base + "permissions/", {"user": attacker.username, "submit_manage_user": "1"})
    client.post(base + f"permissions/user-manage/{attacker.pk}/", {"permissions": ["act_for_unit"]})
    assert acted_unit_ids(user=User.objects.get(pk=attacker.pk)) == frozenset()
    assert (
        LedgerEntry.objects.filter(action="admin", actor=attacker, details__event="request").count()
        == 2
    )


def test_security_admin_cannot_make_itself_a_liaison_in_the_admin(client, roles, court):
    """Seen 2: POST /admin/agencies/liaison/add/ with unit=court, user=self succeeded."""
    attacker = UserFactory(roles=[Role.SECURITY_ADMIN])
    client.force_login(attacker)
    response = client.post(
        reverse("admin:agencies_liaison_add"),
        {"unit": court.pk, "user": attacker.pk, "name": "我", "phone": "1"},
    )
    assert response.status_code in (200, 302)
    attacker = User.objects.get(pk=attacker.pk)
    assert user_roles(attacker) == {Role.SECURITY_ADMIN}
    assert acted_unit_ids(user=attacker) == frozenset()
    assert not Liaison.objects.filter(user=attacker).exists()
    assert attacker.unit_id != court.pk


def test_user_change_form_does_not_move_an_account_into_another_unit(client, roles, court):
    attacker = UserFactory(roles=[Role.SECURITY_ADMIN])
    accomplice = UserFactory()
    client.force_login(attacker)
    url = reverse("admin:agencies_user_change", args=[accomplice.pk])
    data = _grant_payload(client.get(url), attacker, court)
    client.post(url, data)
    accomplice.refresh_from_db()
    assert accomplice.unit_id is None and not accomplice.is_superuser
    assert user_roles(accomplice) == frozenset()
    # At most the group field filed a request, which waits for a second security admin.
    assert not RoleChangeRequest.objects.exclude(status="pending").exists()


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_no_admin_page_grants_data_or_roles(client, court, role):
    attacker = UserFactory(roles=[role])
    client.force_login(attacker)
    routes = _admin_routes()
    assert {m for _r, m in routes} >= {Unit, Liaison, User, WorkingGroupMember}
    tried = 0
    for route, model in routes:
        url = _url(route, model, attacker)
        if url is None:
            continue
        before = _grant_state()
        entries = LedgerEntry.objects.filter(action="admin", details__event="request").count()
        page = client.get(url)
        response = client.post(url, _grant_payload(page, attacker, court))
        tried += 1
        after = _grant_state()
        for key in before:
            assert after[key] == before[key], (
                f"{role} {route.name} {url} -> {response.status_code} changed {key}: "
                f"{after[key] ^ before[key]}"
            )
        assert (
            LedgerEntry.objects.filter(action="admin", details__event="request").count()
            == entries + 1
        ), f"{role} POST {url} left no audit entry"
        forget_attacker = User.objects.get(pk=attacker.pk)
        assert user_roles(forget_attacker) == {role}
        assert acted_unit_ids(user=forget_attacker) == frozenset()
    assert tried >= 20
