"""Who must hear of an event concerning a unit: one rule (issue 14, 应通知对象)."""

import pytest

from agencies.models import Liaison
from agencies.roles import Role
from agencies.selectors import (
    NoticeBasis,
    NoticeBook,
    notice_recipients,
    units_without_active_person,
    user_recipients,
    working_group_recipients,
)
from tests.factories import (
    UnitFactory,
    UserFactory,
    WorkingGroupMemberFactory,
    make_liaison,
    make_tax_bureau,
)

pytestmark = pytest.mark.django_db


def test_an_active_assignee_is_told_alone(roles):
    unit = UnitFactory()
    make_liaison(unit)
    assignee = make_liaison(unit, primary=False, full_name="承办人甲")
    who = notice_recipients(unit=unit, assignee=assignee)
    assert who.users == (assignee,)
    assert who.basis == NoticeBasis.ASSIGNEE
    assert not who.fell_back
    assert "承办人甲" in who.who


def test_an_assignee_no_longer_on_duty_gives_way_to_the_units_liaisons(roles):
    unit = UnitFactory()
    liaison = make_liaison(unit)
    off_duty = make_liaison(unit, primary=False)
    Liaison.objects.filter(user=off_duty).update(is_active=False)
    assert notice_recipients(unit=unit, assignee=off_duty).users == (liaison,)


def test_an_inactive_assignee_gives_way_to_the_units_liaisons(roles):
    unit = UnitFactory(name="区医保局")
    liaison = make_liaison(unit, full_name="联络员乙")
    assignee = UserFactory(unit=unit, is_active=False)
    who = notice_recipients(unit=unit, assignee=assignee)
    assert who.users == (liaison,)
    assert who.basis == NoticeBasis.LIAISONS
    assert who.who == "区医保局 联络员乙"


def test_inactive_liaisons_and_liaisons_without_account_are_not_told(roles):
    unit = UnitFactory()
    off_duty = make_liaison(unit)
    Liaison.objects.filter(user=off_duty).update(is_active=False)
    Liaison.objects.create(unit=unit, name="无账号", phone="1")
    disabled = make_liaison(unit, primary=False)
    disabled.is_active = False
    disabled.save()
    member = WorkingGroupMemberFactory().user
    who = notice_recipients(unit=unit)
    assert who.users == (member,)
    assert who.fell_back


def test_the_tax_bureau_without_liaison_tells_its_tax_staff(roles):
    # Given the demo's shape: the tax bureau has tax staff and a working-group leader, no liaison
    bureau = make_tax_bureau()
    staff = UserFactory(unit=bureau, roles=[Role.TAX_STAFF], full_name="刘税明")
    UserFactory(unit=bureau, roles=[Role.WG_LEADER])
    UserFactory(unit=bureau, roles=[Role.TAX_STAFF], is_active=False)
    UserFactory(unit=UnitFactory(), roles=[Role.TAX_STAFF])  # tax staff of another unit
    # When the rule is asked who must hear of an event addressed to the bureau
    who = notice_recipients(unit=bureau)
    # Then the bureau's active tax staff are told, and nobody else
    assert who.users == (staff,)
    assert who.basis == NoticeBasis.STAFF
    assert who.who == "测试税务局 刘税明"


def test_a_unit_with_nobody_active_goes_to_the_working_group_at_once(roles):
    unit = UnitFactory(name="区医保局")
    member = WorkingGroupMemberFactory(user__full_name="陈晓岚").user
    who = notice_recipients(unit=unit)
    assert who.users == (member,)
    assert who.basis == NoticeBasis.WORKING_GROUP
    assert who.fell_back
    assert who.who == "专项工作组 陈晓岚（区医保局无在岗人员）"
    assert who.details() == {
        "told": [member.username],
        "who": who.who,
        "basis": "working_group",
        "fell_back": True,
    }


def test_nobody_at_all_is_said_and_never_claims_a_notice(roles):
    unit = UnitFactory(name="区医保局")
    who = notice_recipients(unit=unit)
    assert who.nobody
    assert who.users == ()
    assert who.basis == NoticeBasis.NOBODY
    assert who.who.startswith("无人可通知")
    assert who.details()["told"] == []


def test_with_leader_adds_the_units_active_leader_once(roles):
    unit = UnitFactory()
    liaison = make_liaison(unit)
    leader = UserFactory(unit=unit)
    unit.leader_user = leader
    unit.save()
    assert notice_recipients(unit=unit).users == (liaison,)
    assert notice_recipients(unit=unit, with_leader=True).users == (liaison, leader)


def test_an_off_duty_liaison_keeping_the_role_is_not_told(roles):
    # Given a liaison taken off duty whose account still holds the liaison role
    unit = UnitFactory()
    off_duty = make_liaison(unit)
    Liaison.objects.filter(user=off_duty).update(is_active=False)
    member = WorkingGroupMemberFactory().user
    # Then the unit has nobody active and the working group is told
    assert notice_recipients(unit=unit).users == (member,)
    assert unit in units_without_active_person()


def test_escalation_audience_is_the_working_group_leaders_else_the_whole_group(roles):
    member = WorkingGroupMemberFactory().user
    assert working_group_recipients(leaders_only=True).users == (member,)
    leader = WorkingGroupMemberFactory(leader=True).user
    assert working_group_recipients(leaders_only=True).users == (leader,)
    assert set(working_group_recipients().users) == {leader, member}


def test_a_named_person_is_told_else_the_rule_for_their_unit(roles):
    unit = UnitFactory()
    liaison = make_liaison(unit)
    requester = UserFactory(unit=unit)
    assert user_recipients(user=requester, unit=unit).users == (requester,)
    requester.is_active = False
    requester.save()
    assert user_recipients(user=requester, unit=unit).users == (liaison,)


def test_two_audiences_add_up_each_person_once_and_say_both(roles):
    provider, consumer = UnitFactory(name="甲局"), UnitFactory(name="乙局")
    a = make_liaison(provider, full_name="甲")
    b = make_liaison(consumer, full_name="乙")
    both = notice_recipients(unit=provider) + notice_recipients(unit=consumer)
    assert both.users == (a, b)
    assert both.who == "甲局 甲；乙局 乙"
    assert (both + notice_recipients(unit=provider)).users == (a, b)


def test_a_book_answers_for_many_units_in_a_constant_number_of_queries(
    roles, django_assert_num_queries
):
    bureau = make_tax_bureau()
    staff = UserFactory(unit=bureau, roles=[Role.TAX_STAFF])
    units = [UnitFactory() for _ in range(5)]
    liaisons = [make_liaison(u) for u in units[:3]]
    member = WorkingGroupMemberFactory().user
    # units, liaisons, role holders (+ their groups), then the working group once
    with django_assert_num_queries(5):
        book = NoticeBook(unit_ids=[bureau.pk, *(u.pk for u in units)])
        answers = [book.recipients(u.pk) for u in (bureau, *units)]
    assert [a.users for a in answers] == [
        (staff,),
        *((liaison,) for liaison in liaisons),
        (member,),
        (member,),
    ]


def test_units_without_an_active_person_are_listed(roles):
    bureau = make_tax_bureau()
    UserFactory(unit=bureau, roles=[Role.TAX_STAFF])
    staffed = UnitFactory()
    make_liaison(staffed)
    empty = UnitFactory()
    bureau_without_staff_elsewhere = UnitFactory()
    UserFactory(unit=bureau_without_staff_elsewhere, roles=[Role.TAX_STAFF])  # wrong role here
    inactive = UnitFactory(is_active=False)
    flagged = set(units_without_active_person())
    assert flagged == {empty, bureau_without_staff_elsewhere}
    assert inactive not in flagged
