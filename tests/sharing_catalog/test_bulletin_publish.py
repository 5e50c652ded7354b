"""Publishing the 报送情况通报 (issue 18 #2): every unit's liaisons and the working group are told
through the one sender, once per period; who was told (and 无人可通知) is recorded."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from sharing_catalog.models import BulletinPublication, Objection
from sharing_catalog.selectors.bulletin import bulletin_period
from sharing_catalog.services.bulletin import bulletin_publish
from tests.factories import UnitFactory, WorkingGroupMemberFactory, make_liaison
from tests.sharing_catalog.test_bulletin import AFTER_Q3, scenario  # noqa: F401 (fixture)
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.notifications.models import Notification

pytestmark = pytest.mark.django_db
TITLE = "2026年第三季度共享数据报送情况通报"


@pytest.fixture
def people(scenario):  # noqa: F811 (the fixture imported above)
    """甲 and 乙 have liaisons, 丙 has nobody on duty; a working group of leader and member."""
    a, b, c = scenario
    group_unit = UnitFactory(code="WG", name="专项工作组办公室")
    leader = WorkingGroupMemberFactory(unit=group_unit, leader=True, user__username="leader").user
    member = WorkingGroupMemberFactory(unit=group_unit, user__username="member").user
    make_liaison(group_unit)  # the office's own liaison: a unit like any other
    UnitFactory(code="Z", name="无职责单位")  # no obligation, no liaison
    return {
        "leader": leader, "member": member, "a": make_liaison(a, username="liaison_a"),
        "b": make_liaison(b, username="liaison_b"), "c_unit": c,
    }  # fmt: skip


def _inbox(user):
    return list(Notification.objects.filter(recipient=user, kind="bulletin"))


@time_machine.travel(AFTER_Q3, tick=False)
def test_publishing_tells_each_units_liaisons_their_standing_and_the_working_group(people):
    # When the leader publishes the third quarter's bulletin
    publication = bulletin_publish(actor=people["leader"], period=bulletin_period("2026-Q3"))
    # Then 甲's liaison has it, with 甲's own line: ranked 3rd of 3 and urged
    (to_a,) = _inbox(people["a"])
    assert to_a.subject == TITLE and to_a.key == "bulletin:2026-Q3"
    assert "予以点名督促：丙局、甲局" in to_a.body
    assert "本单位：应报3期次，按时1，逾期报送1，未报1，按时率33.3%" in to_a.body
    assert "排名第3（共3个单位）" in to_a.body and "本单位被点名督促" in to_a.body
    # 乙's liaison sees 乙 first and not urged
    (to_b,) = _inbox(people["b"])
    assert "排名第1（共3个单位）" in to_b.body and "本单位被点名督促" not in to_b.body
    # the working group has it once each, linked to the bulletin page
    for user in (people["leader"], people["member"]):
        (message,) = _inbox(user)
        assert message.url == reverse("sharing_catalog:bulletin") + "?period=2026-Q3"
    # Then the publication records who was told, and 丙局 as a fact: nobody could be told
    assert {"liaison_a", "liaison_b", "leader", "member"} <= set(publication.told)
    # (a unit with neither a duty in the bulletin nor a liaison is not expected to hear of it)
    assert publication.unreachable == ["丙局"]
    assert "甲局" in publication.who and "专项工作组" in publication.who
    # and a 发文 ledger entry says the same
    entry = LedgerEntry.objects.get(action=LedgerAction.DOCUMENT, target_repr=TITLE)
    assert entry.details["period"] == "2026-Q3" and entry.details["unreachable"] == ["丙局"]
    assert entry.details["told"] == publication.told
    assert entry.details["named"] == ["丙局", "甲局"]


@time_machine.travel(AFTER_Q3, tick=False)
def test_publishing_the_same_period_twice_says_so_and_sends_nothing_more(people):
    bulletin_publish(actor=people["leader"], period=bulletin_period("2026-Q3"))
    sent = Notification.objects.count()
    entries = LedgerEntry.objects.count()
    with pytest.raises(ApplicationError) as refused:
        bulletin_publish(actor=people["member"], period=bulletin_period("2026-q3"))
    assert refused.value.code == "already_published"
    assert "2026年第三季度的通报已于2026-10-20 17:00由" in refused.value.message
    assert "未重复发送" in refused.value.message
    assert Notification.objects.count() == sent and LedgerEntry.objects.count() == entries
    assert BulletinPublication.objects.count() == 1


@time_machine.travel(AFTER_Q3, tick=False)
def test_only_the_working_group_publishes_and_only_a_period_that_has_ended(people):
    with pytest.raises(PermissionDenied):
        bulletin_publish(actor=people["a"], period=bulletin_period("2026-Q3"))
    with pytest.raises(ApplicationError) as running:
        bulletin_publish(actor=people["leader"], period=bulletin_period("2026-10"))
    assert running.value.code == "period_running" and "2026年10月尚未结束" in running.value.message
    assert not Notification.objects.filter(kind="bulletin").exists()
    assert not BulletinPublication.objects.exists()


@time_machine.travel(AFTER_Q3, tick=False)
def test_the_page_publishes_once_and_then_shows_who_was_told(client, people):
    client.force_login(people["leader"])
    page = client.get(reverse("sharing_catalog:bulletin"), {"period": "2026-Q3"}).content.decode()
    assert "发布通报" in page
    response = client.post(reverse("sharing_catalog:bulletin_publish"), {"period": "2026-Q3"})
    assert response.status_code == 302
    assert response["Location"] == reverse("sharing_catalog:bulletin") + "?period=2026-Q3"
    page = client.get(response["Location"]).content.decode()
    assert "已发布2026年第三季度共享数据报送情况通报，已通知" in page  # the flash message
    assert "1个应报单位无人可通知：丙局。" in page
    assert "data-published" in page and "发布通报</button>" not in page
    assert "无人可通知（无在岗联络员）：丙局" in page
    again = client.post(
        reverse("sharing_catalog:bulletin_publish"), {"period": "2026-Q3"}, follow=True
    )
    assert "未重复发送" in again.content.decode()
    # a month still running offers no publishing
    running = client.get(reverse("sharing_catalog:bulletin"), {"period": "2026-10"})
    assert "本期尚未结束，结束后才能发布通报。" in running.content.decode()
    # a liaison cannot publish
    client.force_login(people["a"])
    client.post(reverse("sharing_catalog:bulletin_publish"), {"period": "2026-Q2"})
    assert not BulletinPublication.objects.filter(period_key="2026-Q2").exists()


def _xlsx_row(client, query, unit):
    content = client.get(reverse("sharing_catalog:bulletin_xlsx") + query).content
    sheet = load_workbook(io.BytesIO(content)).active
    rows = {row[1]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    return rows[unit]


def test_a_published_bulletin_keeps_the_figures_it_was_sent_with(client, people):
    # Given the third quarter's bulletin published on 2026-10-20, with 甲局's objection open
    with time_machine.travel(AFTER_Q3, tick=False):
        publication = bulletin_publish(actor=people["leader"], period=bulletin_period("2026-Q3"))
    assert publication.issued_on == dt.date(2026, 10, 20)
    sent = {row["unit_name"]: row for row in publication.rows}
    assert sent["甲局"]["open_objections"] == 1 and sent["甲局"]["rank"] == 3
    # When the objection is closed in November
    Objection.objects.filter(status=Objection.Status.OPEN).update(
        status=Objection.Status.CLOSED, closing_reason="explained"
    )
    client.force_login(people["leader"])
    with time_machine.travel(dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC), tick=False):
        # Then the page, the Excel file and the Word document still show what was sent
        page = client.get(reverse("sharing_catalog:bulletin"), {"period": "2026-Q3"})
        html = page.content.decode()
        assert "data-frozen" in html and "2026-10-20" in html and "查看当前数据" in html
        assert _xlsx_row(client, "?period=2026-Q3", "甲局")[9] == 1  # 未办结异议 as sent
        word = Document(
            io.BytesIO(
                client.get(reverse("sharing_catalog:bulletin_docx") + "?period=2026-Q3").content
            )
        )
        text = "\n".join(p.text for p in word.paragraphs)
        assert "2026年10月20日" in text  # dated when it was issued, not when it is downloaded
        # And the current figures are there to compare, said to be current, on request
        live = client.get(reverse("sharing_catalog:bulletin"), {"period": "2026-Q3", "live": "1"})
        assert "data-live" in live.content.decode()
        assert _xlsx_row(client, "?period=2026-Q3&live=1", "甲局")[9] == 0


def test_a_bulletin_not_yet_published_shows_the_current_figures(client, people):
    client.force_login(people["leader"])
    with time_machine.travel(AFTER_Q3, tick=False):
        html = client.get(reverse("sharing_catalog:bulletin"), {"period": "2026-Q3"}).content
        assert b"data-frozen" not in html and b"data-live" not in html
        assert _xlsx_row(client, "?period=2026-Q3", "甲局")[9] == 1
