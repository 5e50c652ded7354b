"""List pages' filter forms: a wrong filter is shown with its error; the right ones still apply."""

from __future__ import annotations

import pytest

from agencies.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_a_mistyped_date_is_named_and_the_other_filters_still_apply(client, demo):
    assert client.login(username="wg_leader", password=DEMO_PASSWORD)
    everything = client.get("/requests/")
    wanted = everything.context["page"].object_list[0]
    response = client.get("/requests/", {"q": wanted.number, "unit": "不是编号"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error" id="id_unit_error" role="alert"' in html
    assert "选择一个有效的选项" in html  # Django's own message, in the portal's language
    assert [r.pk for r in response.context["page"].object_list] == [wanted.pk]


def test_a_date_out_of_the_calendar_on_the_obligation_list(client, demo):
    assert client.login(username="tax_staff", password=DEMO_PASSWORD)
    response = client.get("/catalog/obligations/", {"due_from": "2026-13-45"})
    assert response.status_code == 200
    assert 'id="id_due_from_error"' in response.content.decode()
    assert response.context["page"].paginator.count > 0  # nothing else filtered it out
