"""Numbered documents (文号): a per-year sequence in the working group's template, never reused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from agencies.roles import Role
from tests.factories import DocumentSettingsFactory, UnitFactory, UserFactory
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.documents.models import DocumentSettings, IssuedDocument
from zhengxiang_portal.documents.services import (
    document_issue,
    document_settings_update,
)
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db
KIND = IssuedDocument.Kind.RECTIFICATION_NOTICE


@pytest.fixture
def wg(roles):
    return UserFactory(roles=[Role.WG_LEADER], username="wgl")


def _issue(target, actor, day, kind=KIND):
    return document_issue(
        kind=kind, target=target, actor=actor, unit=target, issuing_unit="工作组",
        addressee=target.name, today=day,
    )  # fmt: skip


def test_numbers_count_per_year_in_the_configured_template(wg):
    DocumentSettingsFactory(number_template="蒸共治〔{year}〕{n}号")
    a, b, c = UnitFactory(), UnitFactory(), UnitFactory()
    first = _issue(a, wg, dt.date(2026, 3, 1))
    second = _issue(b, wg, dt.date(2026, 12, 30))
    next_year = _issue(c, wg, dt.date(2027, 1, 4))
    assert [first.number, second.number, next_year.number] == [
        "蒸共治〔2026〕1号",
        "蒸共治〔2026〕2号",
        "蒸共治〔2027〕1号",
    ]


def test_a_new_template_applies_to_later_numbers_and_the_serial_continues(wg):
    DocumentSettingsFactory()
    _issue(UnitFactory(), wg, dt.date(2026, 5, 1))
    document_settings_update(actor=wg, number_template="蒸税函〔{year}〕{n}号", issuing_unit="办")
    later = _issue(UnitFactory(), wg, dt.date(2026, 5, 2))
    assert later.number == "蒸税函〔2026〕2号" and later.serial == 2


def test_an_object_gets_one_number_and_a_refused_second_issue_uses_none(wg):
    unit = UnitFactory()
    _issue(unit, wg, dt.date(2026, 5, 1))
    with pytest.raises(ApplicationError) as exc:
        _issue(unit, wg, dt.date(2026, 5, 1))
    assert exc.value.code == "already_issued"
    assert _issue(UnitFactory(), wg, dt.date(2026, 5, 1)).serial == 2  # 2 was not burnt


def test_issuing_is_a_ledger_entry_naming_the_number(wg):
    unit = UnitFactory()
    doc = _issue(unit, wg, dt.date(2026, 5, 1))
    entry = LedgerEntry.objects.get(action=LedgerAction.DOCUMENT)
    assert entry.details["number"] == doc.number and entry.unit == unit
    assert entry.actor == wg


@pytest.mark.parametrize(
    "template", ["蒸税共治〔{year}〕号", "蒸税共治〔2026〕{n}号", "{year}{n}{x}", "{year}{n", ""]
)
def test_a_template_without_year_and_n_is_refused_and_nothing_changes(wg, template):
    with pytest.raises(ApplicationError) as exc:
        document_settings_update(actor=wg, number_template=template, issuing_unit="办")
    assert exc.value.code == "invalid_number_template"
    assert not DocumentSettings.objects.exists()
    assert not LedgerEntry.objects.filter(action=LedgerAction.DOCUMENT).exists()


def test_only_the_working_group_sets_the_numbering(roles):
    staff = UserFactory(roles=[Role.TAX_STAFF])
    with pytest.raises(PermissionDenied):
        document_settings_update(actor=staff, number_template="{year}-{n}", issuing_unit="办")


def test_settings_page_saves_the_template_and_logs_the_change(client, wg):
    client.force_login(wg)
    url = reverse("documents:settings")
    assert "蒸税共治〔{year}〕{n}号" in client.get(url).content.decode()
    data = {"number_template": "蒸办〔{year}〕{n}号", "issuing_unit": "专项工作组"}
    response = client.post(url, data)
    assert response.status_code == 302
    assert DocumentSettings.objects.get().number_template == "蒸办〔{year}〕{n}号"
    entry = LedgerEntry.objects.get(action=LedgerAction.DOCUMENT)
    assert entry.details["number_template"] == "蒸办〔{year}〕{n}号"


def test_settings_page_shows_a_bad_template_as_a_form_error(client, wg):
    client.force_login(wg)
    response = client.post(
        reverse("documents:settings"), {"number_template": "无序号", "issuing_unit": "办"}
    )
    assert response.status_code == 200
    assert "文号模板须且只能包含" in response.content.decode()
    assert not DocumentSettings.objects.exists()


def test_settings_page_is_closed_to_others(client, roles):
    client.force_login(UserFactory(roles=[Role.TAX_STAFF]))
    assert client.get(reverse("documents:settings")).status_code == 403


def test_the_order_list_links_the_working_group_to_the_numbering_settings(client, wg):
    client.force_login(wg)
    page = client.get(reverse("assessment:order_list")).content.decode()
    assert reverse("documents:settings") in page
