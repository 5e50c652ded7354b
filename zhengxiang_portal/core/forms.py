"""The form renderer: Django's, with <select> and <input> drawn in Python instead of templates.

Django renders a select through `select.html`, which includes `select_option.html` and
`attrs.html` for every option. The list pages' filter forms (units, statuses, categories …) had
60 such options a page, about a quarter of the request list's rendering time on the 2-core build
machine. `PortalFormRenderer` writes the same markup, byte for byte, from the same widget context
(`tests/zhengxiang_portal/test_form_renderer.py` compares it with Django's templates); any other
template, or a select whose options use another template, goes through Django unchanged.

The same for the one-line `<input>` widgets (text, date, number, checkbox …), whose templates only
include `input.html` and `attrs.html`: the filter forms' date and keyword fields cost as much to
render through the template engine as the rows of the table under them.

Also here, for the list pages' filter forms: `ShortModelChoiceField` (a unit list read once, in
one SELECT), `applied_filters` (the valid filters of a GET form; the wrong ones are shown) and
`export_refused` (an export with a wrong filter exports nothing and says why).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template import Context
from django.template.base import render_value_in_context
from django.template.defaultfilters import stringformat
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext as _

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
# Django's widget templates that are exactly `{% include "django/forms/widgets/input.html" %}`.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "search",
        "email",
        "url",
        "tel",
        "number",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "checkbox",
        "color",
    )
)


class PortalFormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE and _plain_options(context["widget"]):
            return _select_html(context["widget"])
        if template_name in INPUT_TEMPLATES:
            return _input_html(context["widget"])
        return super().render(template_name, context, request=request)


def _plain_options(widget: dict[str, Any]) -> bool:
    return all(
        option.get("template_name") == OPTION_TEMPLATE
        for _group, options, _index in widget["optgroups"]
        for option in options
    )


def _value(value: Any, ctx: Context) -> str:
    """`{{ value }}` as the template engine prints it (localized, escaped)."""
    return render_value_in_context(value, ctx)


def _formatted(value: Any) -> Any:
    """`value|stringformat:'s'`: a safe input stays safe (the filter is is_safe)."""
    text = stringformat(value, "s")
    return mark_safe(text) if isinstance(value, SafeData) else text  # noqa: S308


def _attrs(attrs: dict[str, Any], ctx: Context) -> str:
    """attrs.html: ` name="value"`, a bare ` name` for True, nothing for False."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(" " + _value(name, ctx))
        if value is not True:
            out.append('="' + _value(_formatted(value), ctx) + '"')
    return "".join(out)


def _select_html(widget: dict[str, Any]) -> str:
    """select.html and select_option.html, whitespace included (the renderer strips the ends)."""
    ctx = Context(autoescape=True)
    out = ['<select name="', _value(widget["name"], ctx), '"', _attrs(widget["attrs"], ctx), ">"]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            out.append('\n  <optgroup label="' + _value(group_name, ctx) + '">')
        for option in options:
            out.append(
                '\n  <option value="'
                + _value(_formatted(option["value"]), ctx)
                + '"'
                + _attrs(option["attrs"], ctx)
                + ">"
                + _value(option["label"], ctx)
                + "</option>\n"  # select_option.html ends with a newline
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out).strip()


def _input_html(widget: dict[str, Any]) -> str:
    """input.html with attrs.html."""
    ctx = Context(autoescape=True)
    out = [
        '<input type="',
        _value(widget["type"], ctx),
        '" name="',
        _value(widget["name"], ctx),
        '"',
    ]
    if widget["value"] is not None:
        out.append(' value="' + _value(_formatted(widget["value"]), ctx) + '"')
    out.append(_attrs(widget["attrs"], ctx) + ">")
    return "".join(out)


class _OneQueryChoices(ModelChoiceIterator):
    """The choices read once, in one SELECT.

    Django reads them through a server-side cursor (DECLARE, FETCH, FETCH, CLOSE on PostgreSQL:
    four round trips), and a <select> reads them twice (the `required` check, then the options).
    The widget holds one iterator per form instance, that is per request: the rows kept here
    live as long as the form.
    """

    _rows: list | None = None

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self._rows is None:
            self._rows = list(self.queryset.all())
        for obj in self._rows:
            yield self.choice(obj)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files (Django's documented recipe for <input multiple>)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ShortModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField for the short lists of the filter forms (units, statuses' items)."""

    iterator = _OneQueryChoices


def applied_filters(form: forms.Form) -> dict[str, Any]:
    """The filters of a list page's GET form that are valid.

    A wrong one (a date typed by hand, an id from an old link) is shown next to its field with
    its error and left out; the others still apply. An empty query filters nothing.
    """
    if not form.is_bound:
        return {}
    form.is_valid()
    return dict(form.cleaned_data)


def export_refused(request: HttpRequest, form: forms.Form, list_url: str) -> HttpResponse | None:
    """An export asked with a wrong filter: nothing is exported; back to the list, which shows it.

    A list leaves a wrong filter out and shows the rest (`applied_filters`); a download cannot
    show anything, and leaving the filter out would hand over more records than were asked for.
    None when the filters are valid (or there are none): export.
    """
    if not form.is_bound or form.is_valid():
        return None
    problems = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        text = " ".join(str(e) for e in errors)  # an ErrorList yields its messages
        problems.append(f"{field.label}：{text}" if field is not None and field.label else text)
    message = _("筛选条件有误，未导出：%(problems)s") % {"problems": " ".join(problems)}
    messages.error(request, message)
    return redirect(f"{list_url}?{request.GET.urlencode()}")
