"""Writes to the 目录清单 (Art. 20): catalog items, their field schemas, publishing, retiring.

第二十条: 涉税涉费信息共享内容实行目录清单管理 — the working group (共治专项工作组, Art. 3)
keeps the catalog; nobody else creates, changes, publishes or retires an item.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Unit, User
from agencies.roles import is_working_group
from sharing_catalog.errors import CatalogErrorCode
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append

from ..models import CatalogItem, FieldType, SchemaField, SchemaVersion
from ..selectors.catalog import schema_in_force
from .obligations import obligations_generate_current
from .validation.cells import CellError, FieldSpec

CHANGE_CATALOG = "sharing_catalog.change_catalogitem"

MAX_FIELDS = 200  # a wider sheet is a sign the item should be split into several items
TEXT_LIKE_TYPES = frozenset(
    {FieldType.TEXT, FieldType.PHONE, FieldType.CREDIT_CODE, FieldType.ID_NUMBER}
)
# Types whose values identify people or accounts: masked for those who do not need them.
SENSITIVE_BY_DEFAULT = frozenset({FieldType.ID_NUMBER, FieldType.PHONE})

ITEM_EDITABLE_FIELDS = (
    "code",
    "name",
    "description",
    "provider",
    "sharing_class",
    "legal_basis",
    "frequency",
    "due_working_days",
    "grace_working_days",
    "objection_working_days",
    "objection_accept_working_days",
    "transmission",
    "sensitivity",
    "grant_needs_working_group",
    "class_category",
    "class_item",
    "class_catalog",
    "class_detail",
    "resource_code",
    "provider_code",
    "summary",
    "data_format",
    "share_condition",
    "share_method",
    "open_attribute",
    "related_resource_codes",
)


def user_can_edit_catalog(user: User | AnonymousUser) -> bool:
    """Only working-group members with the catalog permission change the catalog (Art. 20)."""
    return bool(user.is_authenticated and is_working_group(user) and user.has_perm(CHANGE_CATALOG))


def _require_editor(actor: User) -> None:
    if not user_can_edit_catalog(actor):
        raise PermissionDenied(_("只有共治专项工作组成员可以维护目录清单（第二十条）。"))


def _item_rules(item: CatalogItem, consumers: Sequence[Unit]) -> None:
    """Rules across fields that the model's own validation cannot see."""
    errors: dict[str, list[str]] = {}
    if item.sharing_class == CatalogItem.SharingClass.CONDITIONAL and not item.share_condition:
        errors.setdefault("share_condition", []).append(
            _("有条件共享的目录项须写明共享条件（第十九条）。")
        )
    if any(unit.pk == item.provider_id for unit in consumers):
        errors.setdefault("consumers", []).append(_("提供单位不能同时是本目录项的需求单位。"))
    if item.frequency == CatalogItem.Frequency.ON_EVENT and item.grace_working_days:
        errors.setdefault("grace_working_days", []).append(_("按事件报送的目录项没有宽限期。"))
    if errors:
        raise DjangoValidationError(errors)


def _apply(item: CatalogItem, fields: dict[str, Any]) -> list[str]:
    unknown = set(fields) - set(ITEM_EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(
            code=CatalogErrorCode.UNKNOWN_FIELD,
            message=_("不能修改这些字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))},
        )
    changed = []
    for name, value in fields.items():
        # compare ids, not (maybe unset) related objects
        attname = getattr(item._meta.get_field(name), "attname", name)
        new = getattr(value, "pk", value) if attname != name else value
        if getattr(item, attname) != new:
            changed.append(name)
        setattr(item, name, value)
    return changed


@transaction.atomic
def catalog_item_create(
    *, actor: User, consumers: Iterable[Unit] = (), **fields: Any
) -> CatalogItem:
    """Create a draft catalog item (目录清单项, Art. 20); only the working group may."""
    _require_editor(actor)
    consumers = list(consumers)
    item = CatalogItem(created_by=actor)
    _apply(item, fields)
    item.full_clean()
    _item_rules(item, consumers)
    item.save()
    item.consumers.set(consumers)
    ledger_append(
        action=LedgerAction.CATALOG,
        category=LedgerCategory.WORKFLOW,
        actor=actor,
        target=item,
        details={"event": "item_created", "code": item.code},
    )
    return item


@transaction.atomic
def catalog_item_update(
    *, actor: User, item: CatalogItem, consumers: Iterable[Unit] | None = None, **fields: Any
) -> CatalogItem:
    """Change an item's metadata; a published item keeps its code (others cite it)."""
    _require_editor(actor)
    item = CatalogItem.objects.select_for_update().get(pk=item.pk)
    if item.status != CatalogItem.Status.DRAFT and fields.get("code", item.code) != item.code:
        raise ApplicationError(
            code=CatalogErrorCode.CODE_FROZEN, message=_("目录项发布后不能修改目录编码。")
        )
    changed = _apply(item, fields)
    consumer_list = list(consumers) if consumers is not None else list(item.consumers.all())
    item.full_clean()
    _item_rules(item, consumer_list)
    item.save()
    if consumers is not None:
        before = set(item.consumers.values_list("pk", flat=True))
        if before != {u.pk for u in consumer_list}:
            item.consumers.set(consumer_list)
            changed.append("consumers")
    ledger_append(
        action=LedgerAction.CATALOG,
        category=LedgerCategory.WORKFLOW,
        actor=actor,
        target=item,
        details={"event": "item_updated", "changed": sorted(changed)},
    )
    return item


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "是", "on"}
    return bool(value)


def _enum_values(raw: Any) -> list[str]:
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        raw = re.split(r"[\n,，、;；|]", raw)
    return [str(v).strip() for v in raw if str(v).strip()]


def _column_limit(name: str) -> int:
    """A SchemaField column's length: the schema editor's limits are the model's own."""
    column = SchemaField._meta.get_field(name)
    return int(getattr(column, "max_length", None) or 0)


def _key_problems(key: str, seen: set[str]) -> list[str]:
    # A field key is what the API and the CSV header use: a lowercase slug that is also a valid
    # Python identifier and PostgreSQL JSON key without quoting, as long as the column allows.
    limit = _column_limit("key")
    if not re.fullmatch(rf"[a-z][a-z0-9_]{{0,{limit - 1}}}", key):
        return [
            _("字段标识须以小写字母开头，只含小写字母、数字和下划线，不超过 %(n)d 位。")
            % {"n": limit}
        ]
    if key in seen:
        return [_("字段标识“%(key)s”重复。") % {"key": key}]
    return []


def _label_problems(label: str, seen: set[str]) -> list[str]:
    limit = _column_limit("label")
    if not label:
        return [_("请填写中文名称。")]
    if len(label) > limit:
        return [_("中文名称不能超过 %(n)d 个字。") % {"n": limit}]
    if label in seen:
        return [_("中文名称“%(label)s”重复。") % {"label": label}]
    return []


def _enum_problems(field_type: str, enum_values: list[str]) -> list[str]:
    if field_type != FieldType.ENUM:
        return [_("只有枚举类型可以设置枚举值。")] if enum_values else []
    if not enum_values:
        return [_("枚举类型须列出可选值。")]
    if len(set(enum_values)) != len(enum_values):
        return [_("枚举值不能重复。")]
    return []


def _pattern_problems(field_type: str, pattern: str) -> list[str]:
    limit = _column_limit("pattern")
    if not pattern:
        return []
    if field_type not in TEXT_LIKE_TYPES:
        return [_("只有文本、电话、证件号码类字段可以设置格式（正则）。")]
    if len(pattern) > limit:
        return [_("格式（正则）不能超过 %(n)d 个字符。") % {"n": limit}]
    try:
        re.compile(pattern)
    except re.error as exc:
        return [_("格式（正则）无法解析：%(error)s") % {"error": exc}]
    return []


def _max_length(field_type: str, raw: Any) -> tuple[int | None, list[str]]:
    """The field's maximum length (None: no limit) and what is wrong with it."""
    if raw in ("", None):
        return None, []
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if value <= 0:
        return value, [_("最大长度须为正整数。")]
    if field_type not in TEXT_LIKE_TYPES and field_type != FieldType.ENUM:
        return value, [_("只有文本类字段可以设置最大长度。")]
    return value, []


def _unique_key_problems(field_type: str, required: bool) -> list[str]:
    """A key must tell rows apart: every row has it, and a yes/no flag cannot."""
    problems = []
    if not required:
        problems.append(_("唯一键字段必须是必填项。"))
    if field_type == FieldType.BOOLEAN:
        problems.append(_("是/否字段不能作为唯一键。"))
    return problems


def _field_clean(
    raw: dict[str, Any], index: int, keys: set[str], labels: set[str]
) -> tuple[dict[str, Any], list[str]]:
    """One field specification normalised, and its problems (keys and labels seen so far)."""
    key = str(raw.get("key") or "").strip()
    label = str(raw.get("label") or "").strip()
    field_type = str(raw.get("field_type") or "").strip()
    required = _bool(raw.get("required", False))
    is_unique_key = _bool(raw.get("is_unique_key", False))
    pattern = str(raw.get("pattern") or "").strip()
    enum_values = _enum_values(raw.get("enum_values"))
    example = str(raw.get("example") or "").strip()
    max_length, problems = _max_length(field_type, raw.get("max_length"))
    problems = [
        *_key_problems(key, keys),
        *_label_problems(label, labels),
        *([] if field_type in FieldType.values else [_("未知的字段类型。")]),
        *_enum_problems(field_type, enum_values),
        *_pattern_problems(field_type, pattern),
        *problems,
        *(_unique_key_problems(field_type, required) if is_unique_key else []),
    ]
    example_error = _example_error(field_type, example, enum_values, pattern) if example else ""
    if example_error:
        problems.append(example_error)
    keys.add(key)
    labels.add(label)
    is_sensitive = raw.get("is_sensitive")
    cleaned = {
        "position": index + 1,
        "key": key,
        "label": label,
        "field_type": field_type,
        "required": required,
        "max_length": max_length,
        "pattern": pattern,
        "enum_values": enum_values,
        "is_unique_key": is_unique_key,
        "is_sensitive": (
            field_type in SENSITIVE_BY_DEFAULT if is_sensitive is None else _bool(is_sensitive)
        ),
        "example": example[: _column_limit("example")],
        "help_text": str(raw.get("help_text") or "").strip()[: _column_limit("help_text")],
    }
    return cleaned, problems


def schema_fields_clean(fields: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate a list of field specifications and return them normalised.

    Rules: keys are lowercase slugs, keys and labels unique; the type is known; an enumeration
    has distinct values and only an enumeration has values; a pattern compiles and belongs to a
    text-like type; a length is positive; the unique key has at least one field, and each of its
    fields is required and not a yes/no flag (a key must tell rows apart); an example fits its
    type. Lengths of keys, labels, patterns, examples and help texts are SchemaField's columns.
    Raises ApplicationError(code="invalid_schema") listing every problem by position.
    """
    problems: dict[int, list[str]] = {}
    schema_problems: list[str] = []
    cleaned: list[dict[str, Any]] = []
    keys: set[str] = set()
    labels: set[str] = set()
    if not fields:
        schema_problems.append(_("字段规范至少要有一个字段。"))
    if len(fields) > MAX_FIELDS:
        schema_problems.append(_("字段不能超过 %(n)d 个。") % {"n": MAX_FIELDS})
    for index, raw in enumerate(fields):
        field, field_problems = _field_clean(raw, index, keys, labels)
        cleaned.append(field)
        if field_problems:
            problems[index] = field_problems
    if fields and not any(f["is_unique_key"] for f in cleaned):
        schema_problems.append(_("至少指定一个唯一键字段，用于识别记录和比较版本差异。"))
    if problems or schema_problems:
        raise ApplicationError(
            code=CatalogErrorCode.INVALID_SCHEMA,
            message=_("字段规范有误，请按提示修改。"),
            details={"fields": problems, "schema": schema_problems},
        )
    return cleaned


def _upload_accepts(field_type: str, example: str) -> bool:
    """The example passes the very check an uploaded cell of this type goes through."""
    try:
        FieldSpec(key="example", label="", field_type=field_type).convert(example)
    except CellError:
        return False
    return True


def _example_error(field_type: str, example: str, enum_values: list[str], pattern: str) -> str:
    """Why an example does not fit its field, or "" (a template must not teach wrong values)."""
    if field_type == FieldType.ENUM and example not in enum_values:
        return _("示例须是枚举值之一。")
    if field_type == FieldType.CREDIT_CODE and not _upload_accepts(field_type, example):
        return _("示例不是有效的统一社会信用代码（GB 32100 校验位）。")
    if field_type == FieldType.ID_NUMBER and not _upload_accepts(field_type, example):
        return _("示例不是有效的居民身份证号码（GB 11643 校验码）。")
    if pattern and field_type in TEXT_LIKE_TYPES and not re.fullmatch(pattern, example):
        return _("示例不符合格式（正则）。")
    return ""


@transaction.atomic
def schema_version_create(
    *, actor: User, item: CatalogItem, fields: Sequence[dict[str, Any]], note: str = ""
) -> SchemaVersion:
    """Add a new (not yet in force) version of an item's field schema."""
    _require_editor(actor)
    if item.status == CatalogItem.Status.RETIRED:
        raise ApplicationError(
            code=CatalogErrorCode.RETIRED, message=_("已停用的目录项不能再修改字段规范。")
        )
    cleaned = schema_fields_clean(fields)
    CatalogItem.objects.select_for_update().filter(pk=item.pk).first()  # serialise numbering
    last = item.schema_versions.aggregate(m=Max("version"))["m"] or 0
    schema = SchemaVersion.objects.create(
        item=item, version=last + 1, note=note[:200], created_by=actor
    )
    SchemaField.objects.bulk_create(SchemaField(schema=schema, **spec) for spec in cleaned)
    ledger_append(
        action=LedgerAction.CATALOG,
        category=LedgerCategory.WORKFLOW,
        actor=actor,
        target=item,
        details={"event": "schema_created", "version": schema.version, "fields": len(cleaned)},
    )
    return schema


@transaction.atomic
def schema_version_publish(*, actor: User, schema: SchemaVersion) -> SchemaVersion:
    """Put a schema version in force; uploads from now on are validated against it."""
    _require_editor(actor)
    schema = SchemaVersion.objects.select_for_update().select_related("item").get(pk=schema.pk)
    if schema.published_at is not None:
        raise ApplicationError(
            code=CatalogErrorCode.ALREADY_PUBLISHED, message=_("该版本已经启用。")
        )
    newer = SchemaVersion.objects.filter(
        item=schema.item, version__gt=schema.version, published_at__isnull=False
    ).exists()
    if newer:
        raise ApplicationError(
            code=CatalogErrorCode.OUTDATED_VERSION,
            message=_("已有更新的版本在用，不能启用旧版本。"),
        )
    schema.published_at = timezone.now()
    schema.save(update_fields=["published_at"])
    ledger_append(
        action=LedgerAction.CATALOG,
        category=LedgerCategory.WORKFLOW,
        actor=actor,
        target=schema.item,
        details={"event": "schema_published", "version": schema.version},
    )
    return schema


@transaction.atomic
def catalog_item_publish(*, actor: User, item: CatalogItem) -> CatalogItem:
    """Publish an item: it joins the 目录清单 everyone sees and its obligations start (Art. 20).

    An item needs a field schema in force first, so that providers know what to send.
    """

    _require_editor(actor)
    item = CatalogItem.objects.select_for_update().get(pk=item.pk)
    if item.status == CatalogItem.Status.PUBLISHED:
        raise ApplicationError(
            code=CatalogErrorCode.ALREADY_PUBLISHED, message=_("该目录项已经发布。")
        )
    if schema_in_force(item=item) is None:
        raise ApplicationError(
            code=CatalogErrorCode.NO_SCHEMA,
            message=_("请先制定并启用字段规范，再发布目录项。"),
        )
    item.status = CatalogItem.Status.PUBLISHED
    item.published_at = item.published_at or timezone.now()
    item.save(update_fields=["status", "published_at", "updated_at"])
    ledger_append(
        action=LedgerAction.CATALOG,
        category=LedgerCategory.WORKFLOW,
        actor=actor,
        target=item,
        details={"event": "item_published"},
    )
    obligations_generate_current(today=timezone.localdate(), items=[item])
    return item


RETIRE_REASON_MAX = 200  # the ledger keeps the reason whole


@transaction.atomic
def catalog_item_retire(*, actor: User, item: CatalogItem, reason: str = "") -> CatalogItem:
    """Retire a published item: no new obligations, no reminders; history stays."""
    _require_editor(actor)
    if len(reason) > RETIRE_REASON_MAX:
        raise ApplicationError(
            code=CatalogErrorCode.REASON_TOO_LONG,
            message=_("停用原因最多 %(n)d 字，请精简后再提交。") % {"n": RETIRE_REASON_MAX},
        )
    item = CatalogItem.objects.select_for_update().get(pk=item.pk)
    if item.status != CatalogItem.Status.PUBLISHED:
        raise ApplicationError(
            code=CatalogErrorCode.NOT_PUBLISHED, message=_("只有已发布的目录项可以停用。")
        )
    item.status = CatalogItem.Status.RETIRED
    item.save(update_fields=["status", "updated_at"])
    ledger_append(
        action=LedgerAction.CATALOG,
        category=LedgerCategory.WORKFLOW,
        actor=actor,
        target=item,
        details={"event": "item_retired", "reason": reason},
    )
    return item
