"""`get_FOO_display` reads a per-field, per-language table (core.models.ChoiceLabels).

The table must say exactly what Django's own `get_FOO_display` says, in each language the
portal speaks, for every choice field of every portal model.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from collaboration.models import CollaborationRequest, Status
from zhengxiang_portal.core.models import ChoiceLabels

PORTAL_APPS = {
    "agencies",
    "sharing_catalog",
    "collaboration",
    "assessment",
    "core",
    "deadlines",
    "ledger",
    "notifications",
    "security",
}


def _choice_fields():
    for model in apps.get_models():
        if model._meta.app_label not in PORTAL_APPS:
            continue
        for field in model._meta.concrete_fields:
            if field.choices:
                yield model, field


def test_every_portal_model_with_choices_uses_the_table():
    missing = sorted(
        {model.__name__ for model, _ in _choice_fields() if not issubclass(model, ChoiceLabels)}
    )
    assert missing == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_labels_match_djangos_own_display_in_each_language(language):
    checked = 0
    with translation.override(language):
        for model, field in _choice_fields():
            for value, _label in field.flatchoices:
                instance = model(**{field.attname: value})
                ours = getattr(instance, f"get_{field.name}_display")()
                django = models.Model._get_FIELD_display(instance, field)
                assert ours == django, (model.__name__, field.name, value)
                assert type(ours) is str
                checked += 1
    assert checked > 100


def test_the_label_follows_the_active_language_on_the_same_object():
    request = CollaborationRequest(status=Status.IN_PROGRESS)
    with translation.override("zh-hans"):
        assert request.get_status_display() == "办理中"
    with translation.override("en"):
        assert request.get_status_display() == "In progress"
    with translation.override("zh-hans"):
        assert request.get_status_display() == "办理中"


def test_a_value_outside_the_choices_is_shown_as_stored():
    assert CollaborationRequest(status="legacy_state").get_status_display() == "legacy_state"
    assert CollaborationRequest(status_before_pause="").get_status_before_pause_display() == ""
