"""Catalog pages: browse and search the 目录清单; the working group edits it (Art. 20)."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.roles import is_working_group
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.core.forms import applied_filters
from zhengxiang_portal.core.tables import Paginator, sort_queryset
from zhengxiang_portal.exports import xlsx_response

from ..forms.catalog import (
    CatalogFilterForm,
    CatalogItemForm,
    SchemaFieldFormSet,
    SchemaNoteForm,
)
from ..models import CatalogItem, SchemaVersion
from ..selectors.catalog import (
    catalog_item_get,
    catalog_item_list,
    catalog_published_for_export,
    schema_in_force,
    schema_version_get,
    schema_version_latest,
)
from ..selectors.obligations import obligation_list
from ..services.catalog import (
    catalog_item_create,
    catalog_item_publish,
    catalog_item_retire,
    catalog_item_update,
    schema_version_create,
    schema_version_publish,
    user_can_edit_catalog,
)
from ..services.catalog_export import catalog_dcat, catalog_workbook
from ..services.templates import template_filename, template_workbook

ITEM_SORTS = {
    "code": "code",
    "name": "name",
    "provider": "provider__code",
    "sharing_class": "sharing_class",
    "frequency": "frequency",
    "published": "published_at",
    "consumers": "consumer_count",
}
SCHEMA_FIELD_NAMES = (
    "key",
    "label",
    "field_type",
    "required",
    "is_unique_key",
    "max_length",
    "pattern",
    "enum_values",
    "is_sensitive",
    "example",
    "help_text",
)


def _item_or_404(request, pk: int) -> CatalogItem:
    try:
        return catalog_item_get(user=request.user, pk=pk)
    except CatalogItem.DoesNotExist as exc:
        raise Http404 from exc


def _require_editor(request) -> None:
    if not user_can_edit_catalog(request.user):
        raise PermissionDenied(_("只有共治专项工作组成员可以维护目录清单（第二十条）。"))


def item_list_view(request):
    """The 目录清单: search, filter by provider, sharing class and frequency, sort, paginate."""
    wg = is_working_group(request.user)
    form = CatalogFilterForm(request.GET or None, show_status=wg)
    filters = applied_filters(form)
    qs, sort = sort_queryset(
        catalog_item_list(user=request.user, filters=filters), request, ITEM_SORTS, default="code"
    )
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "sharing_catalog/catalog/item_list.html",
        {
            "page": page,
            "form": form,
            "sort": sort,
            "can_edit": user_can_edit_catalog(request.user),
        },
    )


def item_detail_view(request, pk: int):
    """One item: metadata, consumers, the schema in force, its versions, recent obligations."""
    item = _item_or_404(request, pk)
    schema = schema_in_force(item=item)
    versions = list(item.schema_versions.all())
    recent = obligation_list(user=request.user, filters={"item": item}).order_by("-due_date")[:12]
    return render(
        request,
        "sharing_catalog/catalog/item_detail.html",
        {
            "item": item,
            "schema": schema,
            "fields": list(schema.fields.all()) if schema else [],
            "versions": versions,
            "has_draft_version": any(v.published_at is None for v in versions),
            "obligations": list(recent),
            "can_edit": user_can_edit_catalog(request.user),
        },
    )


def _form_errors_from(form, exc: DjangoValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _item_form_view(request, item: CatalogItem | None):
    _require_editor(request)
    form = CatalogItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "consumers"}
        if item is not None and "code" in form.fields and form.fields["code"].disabled:
            data.pop("code", None)
        try:
            if item is None:
                saved = catalog_item_create(
                    actor=request.user, consumers=form.cleaned_data["consumers"], **data
                )
                messages.success(request, _("目录项已创建（草稿），请制定字段规范。"))
                return redirect("sharing_catalog:item_schema", saved.pk)
            saved = catalog_item_update(
                actor=request.user, item=item, consumers=form.cleaned_data["consumers"], **data
            )
            messages.success(request, _("目录项已保存。"))
            return redirect("sharing_catalog:item_detail", saved.pk)
        except DjangoValidationError as exc:
            _form_errors_from(form, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
    return render(request, "sharing_catalog/catalog/item_form.html", {"form": form, "item": item})


def item_create_view(request):
    return _item_form_view(request, None)


def item_edit_view(request, pk: int):
    _require_editor(request)
    return _item_form_view(request, _item_or_404(request, pk))


def _initial_fields(item: CatalogItem) -> list[dict]:
    latest = schema_version_latest(item=item)
    if latest is None:
        return []
    return [
        {
            "key": f.key,
            "label": f.label,
            "field_type": f.field_type,
            "required": f.required,
            "is_unique_key": f.is_unique_key,
            "max_length": f.max_length,
            "pattern": f.pattern,
            "enum_values": "、".join(f.enum_values),
            "is_sensitive": f.is_sensitive,
            "example": f.example,
            "help_text": f.help_text,
        }
        for f in latest.fields.all()
    ]


def item_schema_view(request, pk: int):
    """The schema editor: a formset of fields; saving creates a new version (maybe in force)."""
    _require_editor(request)
    item = _item_or_404(request, pk)
    asked = request.GET.get("extra", "")
    extra = min(max(int(asked), 1), 50) if asked.isdigit() else 3  # blank rows to add (a link)
    if request.method == "POST":
        formset = SchemaFieldFormSet(request.POST, prefix="fields")
        note_form = SchemaNoteForm(request.POST)
    else:
        formset = SchemaFieldFormSet(initial=_initial_fields(item), prefix="fields", form_kwargs={})
        formset.extra = extra
        note_form = SchemaNoteForm()
    if request.method == "POST" and formset.is_valid() and note_form.is_valid():
        kept = [
            f
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and not f.is_blank()
        ]
        specs = [{name: f.cleaned_data.get(name) for name in SCHEMA_FIELD_NAMES} for f in kept]
        try:
            schema = schema_version_create(
                actor=request.user, item=item, fields=specs, note=note_form.cleaned_data["note"]
            )
            if "publish" in request.POST:
                schema_version_publish(actor=request.user, schema=schema)
                messages.success(
                    request,
                    _("字段规范 v%(v)d 已保存并启用。") % {"v": schema.version},
                )
            else:
                messages.success(request, _("字段规范 v%(v)d 已保存。") % {"v": schema.version})
            return redirect("sharing_catalog:item_detail", item.pk)
        except ApplicationError as exc:
            for index, errors in exc.details.get("fields", {}).items():
                for error in errors:
                    kept[int(index)].add_error(None, error)
            for error in exc.details.get("schema", []) or [exc.message]:
                messages.error(request, error)
    return render(
        request,
        "sharing_catalog/catalog/item_schema.html",
        {"item": item, "formset": formset, "note_form": note_form, "more": extra + 5},
    )


def _post_action(request, action, success: str, **kwargs):
    try:
        action(actor=request.user, **kwargs)
        messages.success(request, success)
    except ApplicationError as exc:
        messages.error(request, exc.message)


@require_POST
def item_publish_view(request, pk: int):
    _require_editor(request)
    item = _item_or_404(request, pk)
    _post_action(request, catalog_item_publish, _("目录项已发布，报送任务已生成。"), item=item)
    return redirect("sharing_catalog:item_detail", item.pk)


@require_POST
def item_retire_view(request, pk: int):
    _require_editor(request)
    item = _item_or_404(request, pk)
    _post_action(
        request,
        catalog_item_retire,
        _("目录项已停用。"),
        item=item,
        reason=request.POST.get("reason", ""),
    )
    return redirect("sharing_catalog:item_detail", item.pk)


@require_POST
def schema_publish_view(request, pk: int, version: int):
    _require_editor(request)
    item = _item_or_404(request, pk)
    schema = get_object_or_404(SchemaVersion, item=item, version=version)
    _post_action(
        request,
        schema_version_publish,
        _("字段规范 v%(v)d 已启用。") % {"v": version},
        schema=schema,
    )
    return redirect("sharing_catalog:item_detail", item.pk)


def item_template_view(request, pk: int):
    """Download the Excel template of the schema in force (the working group: any version)."""
    item = _item_or_404(request, pk)
    requested = request.GET.get("version")
    if requested and user_can_edit_catalog(request.user):
        try:
            schema = schema_version_get(item=item, version=int(requested))
        except (ValueError, SchemaVersion.DoesNotExist) as exc:
            raise Http404 from exc
    else:
        schema = schema_in_force(item=item)
    if schema is None:
        raise Http404(_("该目录项尚无启用的字段规范。"))
    return xlsx_response(filename=template_filename(schema), workbook=template_workbook(schema))


def catalog_dcat_view(request):
    """The published catalog as DCAT JSON-LD."""
    document = catalog_dcat(items=catalog_published_for_export(), base_url=settings.PORTAL_BASE_URL)
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2),
        content_type="application/ld+json; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="catalog.jsonld"'
    return response


def catalog_xlsx_view(request):
    """The published catalog as the Excel 目录清单."""
    return xlsx_response(
        filename="蒸湘区财税综合信息平台数据交换共享目录清单.xlsx",
        workbook=catalog_workbook(items=catalog_published_for_export()),
    )
