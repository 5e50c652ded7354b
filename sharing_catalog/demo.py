"""Zhengxiang demo catalog: the 目录清单 items the regulation names, schemas and obligations.

The items and their schemas are data (demo_data/catalog.yaml, named fields, checked on loading by
`demo_items`); this module turns them into catalog items, schemas and the obligations' history.

Idempotent: items are matched by code, a schema is only created for an item that has none, and
obligations are unique per period. Runs after agencies.demo (units and the working group exist).
Past obligations are marked fulfilled on time, one late and one left overdue; the submission
demo may attach submissions to any of them (obligation_mark_fulfilled keeps the first date).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.utils import timezone

from agencies.models import Unit, User
from zhengxiang_portal.core.demo_data import DemoDataError, load_demo_data
from zhengxiang_portal.core.errors import ApplicationError

from . import demo_governance
from .models import CatalogItem, FieldType, Obligation, SchemaField, SchemaVersion
from .services.catalog import (
    catalog_item_create,
    catalog_item_publish,
    schema_fields_clean,
    schema_version_create,
    schema_version_publish,
)
from .services.obligations import (
    obligation_mark_fulfilled,
    obligations_generate,
    obligations_scan,
    period_before,
    period_containing,
)
from .services.record_codec import rotate_records

C = CatalogItem.SharingClass
Fq = CatalogItem.Frequency
T = CatalogItem.Transmission
S = CatalogItem.Sensitivity
DISTRICT = "430408"  # 蒸湘区 administrative division code
DATA_FILE = Path(__file__).parent / "demo_data" / "catalog.yaml"


@dataclass(frozen=True)
class DemoField:
    """One field of a demo item's schema: SchemaField's columns by name."""

    key: str
    label: str
    field_type: str = field(metadata={"choices": FieldType})
    required: bool = False
    is_unique_key: bool = False
    enum_values: tuple[str, ...] = ()
    max_length: int | None = None
    pattern: str = ""
    example: str = ""
    help_text: str = ""
    is_sensitive: bool | None = None  # None: the type's default (ID numbers, phones)

    def spec(self) -> dict[str, Any]:
        """The field as the schema services take it."""
        return {**asdict(self), "enum_values": list(self.enum_values)}


@dataclass(frozen=True)
class DemoItem:
    """One 目录清单 item of the demo: CatalogItem's columns by name, units by code."""

    code: str
    name: str
    provider: str
    consumers: tuple[str, ...]
    sharing_class: str = field(metadata={"choices": C})
    frequency: str = field(metadata={"choices": Fq})
    due_working_days: int
    grace_working_days: int
    transmission: str = field(metadata={"choices": T})
    sensitivity: str = field(metadata={"choices": S})
    legal_basis: str
    class_category: str
    class_item: str
    class_catalog: str
    class_detail: str
    summary: str
    fields: tuple[DemoField, ...]
    share_condition: str = ""

    def field_specs(self) -> list[dict[str, Any]]:
        return [f.spec() for f in self.fields]


@dataclass(frozen=True)
class DemoCatalog:
    items: tuple[DemoItem, ...]


def demo_items(path: Path = DATA_FILE) -> tuple[DemoItem, ...]:
    """The demo catalog's items, each schema checked by the schema editor's own rules."""
    items = load_demo_data(path, DemoCatalog).items
    for index, item in enumerate(items):
        try:
            schema_fields_clean(item.field_specs())
        except ApplicationError as exc:
            problems = exc.details.get("fields", {})
            said = [
                f"fields[{i}] {item.fields[i].key}: {' '.join(map(str, messages))}"
                for i, messages in problems.items()
            ] + [str(m) for m in exc.details.get("schema", [])]
            raise DemoDataError(
                f"{path.name} → items[{index}] {item.code} → {'; '.join(said)}"
            ) from exc
    return items


OVERDUE_ITEM = "ZX-ML-006"  # 供电用电量信息: its last ended period is left overdue
LATE_ITEM = "ZX-ML-008"  # 财政资金拨付信息: one period confirmed after the grace period


def _create_item(actor: User, units: dict[str, Unit], spec: DemoItem) -> CatalogItem:
    code, provider, sensitivity = spec.code, spec.provider, spec.sensitivity
    fields = spec.field_specs()
    item = CatalogItem.objects.filter(code=code).first()
    if item is None:
        item = catalog_item_create(
            actor=actor,
            consumers=[units[c] for c in spec.consumers],
            code=code,
            name=spec.name,
            provider=units[provider],
            sharing_class=spec.sharing_class,
            legal_basis=spec.legal_basis,
            frequency=spec.frequency,
            due_working_days=spec.due_working_days,
            grace_working_days=spec.grace_working_days,
            transmission=spec.transmission,
            sensitivity=sensitivity,
            grant_needs_working_group=(
                spec.sharing_class == C.CONDITIONAL and sensitivity == S.SENSITIVE
            ),
            class_category=spec.class_category,
            class_item=spec.class_item,
            class_catalog=spec.class_catalog,
            class_detail=spec.class_detail,
            resource_code=f"{DISTRICT}-{provider}-{code[-3:]}",
            provider_code=provider,
            summary=spec.summary,
            description=spec.summary,
            share_condition=spec.share_condition,
            share_method={
                T.PLATFORM_UPLOAD: "平台上传（Excel/CSV）",
                T.API: "接口推送",
                T.OFF_PLATFORM: "线下报备（第二十一条）",
            }[spec.transmission],
            open_attribute=(
                CatalogItem.OpenAttribute.CONDITIONAL
                if sensitivity == S.PUBLIC
                else CatalogItem.OpenAttribute.CLOSED
            ),
        )
    if not item.schema_versions.exists():
        schema = schema_version_create(actor=actor, item=item, fields=fields, note="首版")
        schema_version_publish(actor=actor, schema=schema)
    else:
        _seal_identity_fields(item, fields)
    if item.status == CatalogItem.Status.DRAFT:
        item = catalog_item_publish(actor=actor, item=item)
    return item


def _seal_identity_fields(item: CatalogItem, fields: list[dict]) -> None:
    """Mark the identity numbers the spec calls sensitive in a schema seeded before it said so.

    A database seeded before 被执行人证件号码 was marked sensitive (issue 14) holds it in clear;
    re-seeding marks the field and re-seals those rows (records_rotate seals values stored in
    clear). Until then the codec reads values stored in clear as they are, so nothing becomes
    unreadable either way.
    """

    keys = [f["key"] for f in fields if f["is_sensitive"]]
    marked = SchemaField.objects.filter(schema__item=item, key__in=keys, is_sensitive=False).update(
        is_sensitive=True
    )
    if marked:
        rotate_records()


def _history(items: list[CatalogItem], today: dt.date) -> None:
    """Obligations of the last few periods; past ones confirmed, except the demo's exceptions."""
    for item in items:
        period = period_containing(item.frequency, today)
        periods = []
        depth = {Fq.WEEKLY: 6, Fq.MONTHLY: 4, Fq.QUARTERLY: 2}.get(item.frequency, 1)
        while period is not None and len(periods) < depth:
            periods.append(period)
            period = period_before(item.frequency, period)
        for p in periods:
            obligations_generate(day=p.start, items=[item])
    overdue_kept = False
    for obligation in (
        Obligation.objects.filter(item__in=items, status=Obligation.Status.OPEN)
        .select_related("item")
        .order_by("-due_date")
    ):
        if obligation.grace_until >= today:
            continue  # still within its deadline: the provider's to-do
        if obligation.item.code == OVERDUE_ITEM and not overdue_kept:
            overdue_kept = True  # the latest ended period stays unpaid: overdue on the next scan
            continue
        local = timezone.get_current_timezone()
        day = obligation.due_date - dt.timedelta(days=1)
        if obligation.item.code == LATE_ITEM and obligation.period_start.month % 2 == 1:
            day = obligation.grace_until + dt.timedelta(days=3)
        at = dt.datetime.combine(day, dt.time(15, 30), tzinfo=local)
        obligation_mark_fulfilled(obligation=obligation, at=at)


def _seed_catalog() -> str:
    actor = User.objects.get(username="wg_leader")
    units = {u.code: u for u in Unit.objects.all()}
    items = [_create_item(actor, units, spec) for spec in demo_items()]
    # The catalog went live in the spring; publication dates say so.
    launch = timezone.now() - dt.timedelta(days=200)
    CatalogItem.objects.filter(pk__in=[i.pk for i in items], published_at__gt=launch).update(
        published_at=launch
    )
    SchemaVersion.objects.filter(item__in=items, version=1, published_at__gt=launch).update(
        published_at=launch
    )
    today = timezone.localdate()
    _history([i for i in items if i.status == CatalogItem.Status.PUBLISHED], today)
    scan = obligations_scan()
    return (
        f"{len(items)} catalog items, {Obligation.objects.count()} obligations "
        f"(reminded {scan.reminded}, overdue {scan.overdue}, escalated {scan.escalated})"
    )


def _seed_catalog_and_governance() -> str:
    """The catalog, then the issue-4 demo (objection, grants, agreements, coordination)."""

    return f"{_seed_catalog()}; governance: {demo_governance.seed()}"


def seed() -> str:
    return _seed_catalog_and_governance()
