"""Issue 14 (8): the request form, the step explanations, the contest reply and 回避 in rulings."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from collaboration.actions import ACTIONS
from collaboration.models import RefusalRuling, Status, TimelineEntry
from collaboration.services import (
    request_accept,
    request_contest,
    request_refuse,
    request_reply_contest,
    request_rule,
)
from tests.factories import CollaborationRequestFactory, WorkingGroupMemberFactory
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.notifications.models import Notification

pytestmark = pytest.mark.django_db


def detail(req) -> str:
    return reverse("collaboration:request_detail", args=[req.pk])


def step(req, name: str) -> str:
    return reverse("collaboration:request_action", args=[req.pk, name])


@pytest.fixture
def contested(world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    request_refuse(
        req=req, actor=world.market_liaison, justification="该信息不属于本局登记职责范围。"
    )
    return request_contest(
        req=req, actor=world.staff, reason="股权变更登记属市场监管部门法定职责。"
    )


# --- 5: a short explanation beside each step, from the step table ---------------------------


def test_every_step_carries_its_explanation():
    assert all(str(action.hint).strip() for action in ACTIONS.values())


def test_after_accepting_answer_and_start_each_say_what_they_do(client, world):
    # given an accepted request
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    request_accept(req=req, actor=world.market_liaison)
    # when the assignee opens it
    client.force_login(world.market_liaison)
    content = client.get(detail(req)).content.decode()
    # then 答复 and 开始办理 each come with the explanation of the step table
    for name in ("answer", "start"):
        assert step(req, name) in content
        assert str(ACTIONS[name].hint) in content
    assert "办完后再“答复”" in content


# --- 6: the refusing unit answers the contest before the ruling -------------------------------


def test_refusing_unit_replies_to_the_contest_and_the_timeline_records_it(
    world, contested, django_capture_on_commit_callbacks
):
    # when the refusing unit replies before the working group rules
    with django_capture_on_commit_callbacks(execute=True):
        entry = request_reply_contest(
            req=contested,
            actor=world.market_liaison,
            reply="登记档案属本局，但股权变更信息由省局系统集中管理。",
            files=[SimpleUploadedFile("说明.pdf", b"%PDF-1.4")],
        )
    # then the reply is in the timeline with its file, the state still awaits the ruling
    contested.refresh_from_db()
    assert contested.status == Status.CONTESTED
    assert entry.action == TimelineEntry.Action.REPLY_CONTEST
    assert entry.actor_unit == world.market
    assert entry.attachments.get().original_name == "说明.pdf"
    # and the working group and the requester are told
    told = set(
        Notification.objects.filter(key__contains=":reply_contest:").values_list(
            "recipient", flat=True
        )
    )
    assert {world.wg.pk, world.staff.pk} <= told


def test_only_the_refusing_unit_may_reply_to_a_contest(world, contested):
    for who in (world.staff, world.other_liaison, world.wg):
        with pytest.raises(PermissionDenied):
            request_reply_contest(req=contested, actor=who, reply="不是承办单位的答复")
    assert not contested.timeline.filter(action="reply_contest").exists()


def test_no_reply_once_ruled(world, contested):
    request_rule(req=contested, actor=world.wg, justified=True, comment="拒绝理由成立。")
    with pytest.raises(ApplicationError):
        request_reply_contest(req=contested, actor=world.market_liaison, reply="补充说明")


def test_the_reply_form_is_offered_to_the_refusing_unit_through_the_page(client, world, contested):
    client.force_login(world.market_liaison)
    assert step(contested, "reply_contest") in client.get(detail(contested)).content.decode()
    response = client.post(
        step(contested, "reply_contest"), {"reply_contest-reply": "本局已说明拒绝依据。"}
    )
    assert response.status_code == 302
    content = client.get(detail(contested)).content.decode()
    assert "拒绝单位答复异议" in content and "本局已说明拒绝依据。" in content
    client.force_login(world.staff)
    assert step(contested, "reply_contest") not in client.get(detail(contested)).content.decode()


# --- 7: a member whose own unit is a party may not rule (回避) ---------------------------------


@pytest.mark.parametrize("party", ["bureau", "market"])
def test_a_working_group_member_of_a_party_may_not_rule(client, world, contested, party):
    # given a working-group member seated for the requester (tax) or the refusing unit
    member = WorkingGroupMemberFactory(
        unit=getattr(world, party), user__username=f"wg-{party}"
    ).user
    # when they try to rule
    with pytest.raises(PermissionDenied, match="回避"):
        request_rule(req=contested, actor=member, justified=True, comment="本单位理由成立。")
    # then nothing changed, and the page neither offers the ruling nor accepts it
    contested.refresh_from_db()
    assert contested.status == Status.CONTESTED and contested.refusal_ruling == ""
    client.force_login(member)
    page = client.get(detail(contested)).content.decode()
    assert step(contested, "rule") not in page and "须回避" in page
    response = client.post(
        step(contested, "rule"), {"rule-ruling": "justified", "rule-comment": "理由成立"}
    )
    assert response.status_code == 403
    assert contested.number not in client.get("/").content.decode()  # not in its 待裁定 panel


def test_a_member_of_an_uninvolved_unit_rules(world, contested):
    member = WorkingGroupMemberFactory(unit=world.other, user__username="wg-other").user
    req = request_rule(req=contested, actor=member, justified=False, comment="拒绝理由不成立。")
    assert req.refusal_ruling == RefusalRuling.UNJUSTIFIED


# --- 4: the new-request form --------------------------------------------------------------------


def _options(html: str, select_name: str) -> str:
    start = html.index(f'name="{select_name}"')
    return html[start : html.index("</select>", start)]


def test_target_units_are_grouped_by_kind_sorted_and_exclude_the_requester(client, world):
    # given tax staff opening the form
    client.force_login(world.staff)
    html = client.get(reverse("collaboration:request_create")).content.decode()
    targets = _options(html, "target_unit")
    # then units come in one group per kind, the requester's own bureau is not offered
    assert '<optgroup label="区直部门">' in targets and '<optgroup label="公安机关">' in targets
    assert world.bureau.name not in targets
    assert targets.index(world.other.name) < targets.index(world.market.name)  # OTHER < SAMR
    assert targets.index("区直部门") < targets.index("公安机关")  # in the kinds' order


def test_assignee_choices_follow_the_chosen_unit(client, world):
    client.force_login(world.staff)
    url = reverse("collaboration:request_form_assignees")
    # when the market bureau is chosen, only its liaisons are offered
    html = client.get(url, {"target_unit": world.market.pk}).content.decode()
    assert str(world.market_liaison) in html
    assert str(world.other_liaison) not in html and str(world.police_liaison) not in html
    # an id that is not a target the user may pick offers nobody
    html = client.get(url, {"target_unit": world.bureau.pk}).content.decode()
    assert str(world.staff2) not in html and "<option" in html
    # the form's select asks for this fragment when the unit changes
    form = client.get(reverse("collaboration:request_create")).content.decode()
    assert f'hx-get="{url}"' in form and 'hx-target="#id_assignee"' in form


def test_an_assignee_of_another_unit_is_refused_on_the_field_and_nothing_is_created(client, world):
    client.force_login(world.staff)
    response = client.post(
        reverse("collaboration:request_create"),
        {
            "requesting_unit": world.bureau.pk,
            "target_unit": world.market.pk,
            "matter_type": world.mt("tax-info-query").pk,
            "subject": "股权变更信息查询",
            "body": "请提供股权变更登记记录。",
            "priority": "normal",
            "assignee": world.other_liaison.pk,
        },
    )
    assert response.status_code == 200
    assert "所选承办人不属于该承办单位" in response.content.decode()
    assert response.context["form"].has_error("assignee")
    from collaboration.models import CollaborationRequest

    assert not CollaborationRequest.objects.exists()


def test_the_form_shows_the_default_deadline_before_submitting(client, world):
    import datetime as dt

    import time_machine

    mt = world.mt("tax-info-query")  # 5 working days
    client.force_login(world.staff)
    tz = dt.timezone(dt.timedelta(hours=8))
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, tzinfo=tz), tick=False):
        # when a matter type is chosen, the fragment gives its deadline by the working calendar
        html = client.get(
            reverse("collaboration:request_form_deadline"), {"matter_type": mt.pk}
        ).content.decode()
        assert "默认办理期限：2026-11-09" in html
        assert f"{mt.default_working_days} 个工作日" in html
        # and the form asks for it when the matter type changes
        form = client.get(reverse("collaboration:request_create")).content.decode()
    assert 'hx-target="#deadline-preview"' in form and 'id="deadline-preview"' in form


def test_the_form_endpoints_are_for_those_who_may_raise_requests(client, world):
    client.force_login(world.outsider)
    for name in ("request_form_assignees", "request_form_deadline"):
        assert client.get(reverse(f"collaboration:{name}")).status_code == 403
