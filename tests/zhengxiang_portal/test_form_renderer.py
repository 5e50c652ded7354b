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


@pytest.mark.parametrize(
    ("widget", "value"),
    [
        (forms.TextInput(), 'a <b> & "c"'),
        (forms.TextInput(attrs={"maxlength": 100, "required": True, "disabled": False}), None),
        (forms.TextInput(), ""),
        (forms.TextInput(), mark_safe("<em>safe</em>")),
        (forms.DateInput(attrs={"type": "date"}), dt.date(2026, 11, 27)),
        (forms.DateInput(), "2026-13-45"),  # what a user typed stays as typed
        (forms.NumberInput(attrs={"step": "0.01"}), 3.5),
        (forms.EmailInput(), "a@b.cn"),
        (forms.PasswordInput(), "secret"),  # render_value=False: no value
        (forms.HiddenInput(), 7),
        (forms.CheckboxInput(), True),
        (forms.CheckboxInput(), False),
        (forms.SearchInput(), gettext_lazy("状态")),
        (forms.Textarea(), "x"),  # another template: Django's path
        (forms.ClearableFileInput(), None),  # another template: Django's path
    ],
)
def test_input_markup_is_exactly_djangos(widget, value):
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


def test_plain_inputs_and_selects_do_not_go_through_the_template_engine(monkeypatch):
    def engine_render(*_a, **_kw):
        raise AssertionError("rendered through a template")

    monkeypatch.setattr(DjangoTemplates, "render", engine_render)
    renderer = PortalFormRenderer()
    assert (
        forms.DateInput().render("d", dt.date(2026, 1, 2), renderer=renderer).startswith("<input")
    )
    assert forms.CheckboxInput().render("c", True, renderer=renderer).endswith(" checked>")
    assert forms.Select(choices=CHOICES).render("s", "a", renderer=renderer).startswith("<select")


@pytest.mark.django_db
def test_a_short_choice_list_is_read_in_one_query_and_renders_the_same(
    django_assert_num_queries,
):
    from zhengxiang_portal.core.forms import ShortModelChoiceField

    UnitFactory(name="区财政局")
    UnitFactory(name="区法院")
    units = Unit.objects.order_by("pk")

    class Plain(forms.Form):
        unit = forms.ModelChoiceField(queryset=units, required=False)

    class Short(forms.Form):
        unit = ShortModelChoiceField(queryset=units, required=False)

    chosen = units.last()
    with django_assert_num_queries(1):  # Django's: two, each a server-side cursor on PostgreSQL
        short_html = str(Short(initial={"unit": chosen.pk})["unit"])
    assert short_html == str(Plain(initial={"unit": chosen.pk})["unit"])
    assert str(Short({"unit": chosen.pk})["unit"]) == str(Plain({"unit": chosen.pk})["unit"])
    assert Short({"unit": chosen.pk}).is_valid()
    assert not Short({"unit": 10**9}).is_valid()  # validation still asks the queryset
