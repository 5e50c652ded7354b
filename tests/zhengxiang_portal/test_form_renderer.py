"""The portal's form renderer draws <select> in Python: exactly Django's markup, only faster."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from agencies.models import Unit
from tests.factories import UnitFactory
from zhengxiang_portal.core.forms import PortalFormRenderer

CHOICES = [
    ("", gettext_lazy("全部")),
    ("a", 'A <b> & "c"'),
    (3, 3),
    ("safe", mark_safe("<em>safe</em>")),
    ("day", dt.date(2026, 11, 27)),
    ("组", [("x", "X"), ("y", gettext_lazy("状态"))]),
]


def _both(widget: forms.Widget, name: str, value, attrs=None) -> tuple[str, str]:
    return (
        widget.render(name, value, attrs=attrs, renderer=DjangoTemplates()),
        widget.render(name, value, attrs=attrs, renderer=PortalFormRenderer()),
    )


@pytest.mark.parametrize(
    ("widget", "value"),
    [
        (forms.Select(choices=CHOICES), "a"),
        (forms.Select(choices=CHOICES), None),
        (forms.Select(choices=CHOICES, attrs={"class": "x", "required": True, "hidden": False}), 3),
        (forms.Select(choices=[]), ""),
        (forms.SelectMultiple(choices=CHOICES), ["a", "x"]),
        (forms.NullBooleanSelect(), True),
        (forms.RadioSelect(choices=CHOICES), "a"),  # another template: Django's path
    ],
)
def test_select_markup_is_exactly_djangos(widget, value):
    django_html, portal_html = _both(widget, "field", value, attrs={"id": "id_field"})
    assert portal_html == django_html


@pytest.mark.django_db
def test_model_choice_field_renders_exactly_as_django():
    UnitFactory(name="区财政局 <测试>")
    UnitFactory(name="区法院")

    class Filter(forms.Form):
        unit = forms.ModelChoiceField(queryset=Unit.objects.order_by("pk"), required=False)

    chosen = Unit.objects.order_by("pk").last()
    django_html = str(Filter({"unit": chosen.pk}, renderer=DjangoTemplates())["unit"])
    portal_html = str(Filter({"unit": chosen.pk}, renderer=PortalFormRenderer())["unit"])
    assert portal_html == django_html
    assert f'value="{chosen.pk}" selected' in portal_html


def test_the_portal_uses_it(settings):
    assert settings.FORM_RENDERER == "zhengxiang_portal.core.forms.PortalFormRenderer"
