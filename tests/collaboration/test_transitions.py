"""The state machine is declared once (issue 19 #1): the services' checks, the page's forms and
the API's actions all come from `collaboration.transitions.TRANSITIONS`."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from rest_framework.test import APIClient

from collaboration.actions import ACTIONS
from collaboration.api.serializers import STEP_SERIALIZERS
from collaboration.models import Status, TimelineEntry
from collaboration.permissions import allowed_actions, step_allows, step_check
from collaboration.services import request_accept, request_answer, request_close, request_refuse
from collaboration.services.common import StepRun
from collaboration.transitions import TRANSITIONS, Side, entry_action, step_move
from tests.factories import CollaborationRequestFactory
from zhengxiang_portal.core.errors import ApplicationError

pytestmark = pytest.mark.django_db


def test_every_step_has_its_form_service_and_api_input_and_nothing_else_does():
    assert set(ACTIONS) == set(TRANSITIONS) == set(STEP_SERIALIZERS)


def test_every_step_is_an_api_action(world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    for name in TRANSITIONS:
        url = reverse(f"collaboration-request-{name.replace('_', '-')}", args=[req.pk])
        assert url == f"/api/requests/{req.pk}/{name.replace('_', '-')}/"


def test_every_target_state_is_a_status_and_every_side_is_known():
    for name, step in TRANSITIONS.items():
        assert set(step.targets) <= set(Status.values), name
        assert step.sources <= set(Status.values), name
        assert set(step.tell) <= {Side.TARGET, Side.REQUESTER, Side.WORKING_GROUP}, name


def test_allowed_actions_are_the_steps_the_check_lets_through(world):
    # Given requests in several states and the people around them
    fresh = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    accepted = request_accept(
        req=CollaborationRequestFactory(actor=world.staff, target_unit=world.market),
        actor=world.market_liaison,
    )
    refused = request_refuse(
        req=CollaborationRequestFactory(actor=world.staff, target_unit=world.market),
        actor=world.market_liaison,
        justification="不属于本单位职责范围。",
    )
    people = [world.staff, world.market_liaison, world.other_liaison, world.wg]
    for req in (fresh, accepted, refused):
        for user in people:
            offered = allowed_actions(user, req)
            # Then a step is offered exactly when the services' own check passes
            for name in TRANSITIONS:
                try:
                    step_check(user, req, name)
                except (PermissionDenied, ApplicationError):
                    passes = False
                else:
                    passes = True
                assert (name in offered) == passes == step_allows(user, req, name), (
                    req.status,
                    user.username,
                    name,
                )


def test_a_step_out_of_its_states_is_refused_with_invalid_status(world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    with pytest.raises(ApplicationError) as exc:
        request_close(req=req, actor=world.staff)
    assert exc.value.code == "invalid_status"


def test_the_wrong_side_is_refused_before_the_state_is_looked_at(world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    with pytest.raises(PermissionDenied):
        request_close(req=req, actor=world.market_liaison)


def test_step_move_goes_only_where_the_table_says(world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    assert step_move(req, "accept") == Status.SUBMITTED and req.status == Status.ACCEPTED
    with pytest.raises(ValueError):
        step_move(req, "rule", Status.CLOSED)


def test_the_api_offers_the_same_steps_as_the_page(client, world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    api = APIClient()
    api.force_authenticate(world.market_liaison)
    listed = api.get(f"/api/requests/{req.pk}/").json()["allowed_actions"]
    client.force_login(world.market_liaison)
    html = client.get(reverse("collaboration:request_detail", args=[req.pk])).content.decode()
    shown = [name for name in TRANSITIONS if f"/requests/{req.pk}/{name}/" in html]
    assert listed == shown == allowed_actions(world.market_liaison, req)


# --- a step done is recorded, then told, in one call (StepRun.record_and_tell) ----------------


def test_every_step_records_under_a_timeline_action():
    for name in TRANSITIONS:
        assert entry_action(name) in TimelineEntry.Action.values, name
    assert entry_action("attach") == TimelineEntry.Action.COMMENT


def test_a_step_that_tells_needs_a_subject_and_one_that_tells_nobody_takes_none(world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    with pytest.raises(ValueError):  # close tells the target: a notice needs its subject
        StepRun(
            req=req, actor=world.staff, name="close", side=Side.REQUESTER, before=req.status
        ).record_and_tell()
    with pytest.raises(ValueError):  # start tells nobody: a subject would be sent to no one
        StepRun(
            req=req, actor=world.market_liaison, name="start", side=Side.TARGET, before=req.status
        ).record_and_tell(subject="已开始办理")
    assert not req.timeline.exclude(action=TimelineEntry.Action.SUBMIT).exists()


def test_a_step_nobody_can_be_told_of_is_recorded_as_such(world, caplog):
    from agencies.models import Liaison, User, WorkingGroupMember

    # Given an answered request whose target unit, and the working group, have nobody on duty
    req = request_accept(
        req=CollaborationRequestFactory(actor=world.staff, target_unit=world.market),
        actor=world.market_liaison,
    )
    req = request_answer(req=req, actor=world.market_liaison, answer="已核实，情况属实。")
    User.objects.filter(pk=world.market_liaison.pk).update(is_active=False)
    Liaison.objects.filter(unit=world.market).update(is_active=False)
    WorkingGroupMember.objects.all().delete()
    # When the requester closes it
    request_close(req=req, actor=world.staff)
    # Then the step stands on the timeline, which says that nobody could be told, and the
    # operators see an error: the entry claims no notice
    entry = TimelineEntry.objects.get(request=req, action=TimelineEntry.Action.CLOSE)
    assert entry.to_status == Status.CLOSED
    assert entry.details["told"] == []
    assert entry.details["who"].startswith("无人可通知")
    assert "reached nobody" in caplog.text
