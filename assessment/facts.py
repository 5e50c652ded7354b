"""The ONE adapter through which assessment reads the facts of the other apps (Art. 25).

Every number a score uses comes from the owning app's selectors — never from their models'
internals, never by re-implementing their rules: "on time" for an obligation is the catalog's
`obligation_standing`, for objections and requests it is what `objection_facts` and
`request_statistics` count. Every source judges lateness at the same as-of day
(`zhengxiang_portal.deadlines.asof.AsOf`: today, or the period's end once it is past), passed
down from `collect`, so no indicator counts a duty as late before its deadline. The selectors are
imported at the top of this module: a renamed or removed selector is an ImportError at start-up,
never an indicator silently "not applicable". A source that is not connected (only a test double
disconnects one, through `Source.functions`) leaves its facts `None` (unknown, not zero).

Documented interfaces used here:
- sharing_catalog.selectors[.obligations].obligation_list_judged_in(*, start, end,
  unit_ids=None) (the obligations whose grace period ends in the period: each is judged once,
  where its grace ends) and obligation_standing(obligation, *, as_of) -> Standing | None (None:
  exempt; pending: still inside its grace period at the as-of day, not assessed yet);
- sharing_catalog.models.Submission through its documented fields only: `version` (1 = the
  first upload of an obligation), `status` (invalid / validated / confirmed / superseded: the
  validation outcome; superseded = an earlier confirmed version), `unit_id`,
  `obligation.grace_until`.
  The submissions app has no assessment selector yet; this one read is the whole dependency;
- sharing_catalog.selectors[.objections].objection_facts(*, start, end, unit_ids=None, as_of)
  -> dict[unit_id, ObjectionStats] and objection_evidence(*, unit_id, start, end, kind, as_of);
- collaboration.selectors.request_statistics(*, start, end, unit_ids=None, as_of)
  -> dict[unit_id, RequestStats] and request_evidence(*, unit_id, start, end, kind, as_of).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from collaboration.selectors import request_evidence, request_statistics
from sharing_catalog.models import Submission
from sharing_catalog.selectors.objections import objection_evidence, objection_facts
from sharing_catalog.selectors.obligations import (
    obligation_list_judged_in,
    obligation_standing,
)
from sharing_catalog.selectors.submissions import obligation_submissions
from zhengxiang_portal.deadlines.asof import AsOf, Standing

from .rules import RuleKind


@dataclass(frozen=True)
class Source:
    key: str
    label: Any
    selectors: Mapping[str, Any]  # the owning app's selectors (or model), by name

    def functions(self) -> dict[str, Callable[..., Any]] | None:
        """The source's selector functions (None: not connected, which only a test double says)."""
        return dict(self.selectors)


OBLIGATIONS = Source(
    "obligations",
    _("报送任务（目录清单）"),
    {
        "obligation_list_judged_in": obligation_list_judged_in,
        "obligation_standing": obligation_standing,
    },
)
SUBMISSIONS = Source("submissions", _("数据报送与校验"), {"Submission": Submission})
OBJECTIONS = Source(
    "objections",
    _("异议处理"),
    {"objection_facts": objection_facts, "objection_evidence": objection_evidence},
)
REQUESTS = Source(
    "requests",
    _("协作请求"),
    {"request_statistics": request_statistics, "request_evidence": request_evidence},
)
SOURCES = (OBLIGATIONS, SUBMISSIONS, OBJECTIONS, REQUESTS)

# Which sources each rule kind reads (breaches and manual scores are assessment's own facts).
RULE_SOURCES: dict[str, tuple[Source, ...]] = {
    RuleKind.ON_TIME_UPLOAD_RATE: (OBLIGATIONS,),
    RuleKind.FIRST_PASS_RATE: (SUBMISSIONS,),
    RuleKind.OBJECTIONS_UPHELD: (OBJECTIONS, OBLIGATIONS),
    RuleKind.OBJECTION_ANSWERS_ON_TIME: (OBJECTIONS,),
    RuleKind.COLLABORATION_ON_TIME: (REQUESTS,),
    RuleKind.UNJUSTIFIED_REFUSALS: (REQUESTS,),
    RuleKind.CONFIDENTIALITY_BREACHES: (),
    RuleKind.MANUAL: (),
}


def source_status() -> list[tuple[str, Any, bool]]:
    """(key, label, connected) for each source, for pages and the report."""
    return [(s.key, s.label, s.functions() is not None) for s in SOURCES]


# --- evidence references -----------------------------------------------------------------------

EVIDENCE_TAGS = {
    "on_time": _("按时"),
    "late": _("逾期完成"),
    "overdue_open": _("逾期未完成"),
    "passed": _("首次通过"),
    "failed": _("首次未通过"),
    "answered_on_time": _("按时答复"),
    "answered_late": _("逾期答复"),
    "open_overdue": _("逾期未答复"),
    "upheld_against": _("异议成立"),
    "refused_unjustified": _("无正当理由拒绝"),
    "breach": _("违反保密义务"),
    "adjustment": _("人工调整"),
}
BAD_TAGS = frozenset(
    {"late", "overdue_open", "failed", "answered_late", "open_overdue", "upheld_against",
     "refused_unjustified", "breach"}
)  # fmt: skip


def _request_name(r: Any) -> str:
    return _("%(number)s %(subject)s（%(unit)s提出，期限 %(due)s）") % {
        "number": r.number,
        "subject": r.subject,
        "unit": r.requesting_unit.short_name or r.requesting_unit.name,
        "due": r.due_date.isoformat(),
    }


def _obligation_name(o: Any) -> str:
    return _("%(item)s %(period)s 报送任务（%(code)s，截止 %(due)s）") % {
        "item": o.item.name,
        "period": o.period_label,
        "code": o.item.code,
        "due": o.grace_until.isoformat(),
    }


def _submission_name(s: Any) -> str:
    return _("%(item)s %(period)s 第 %(v)s 版数据") % {
        "item": s.obligation.item.name,
        "period": s.obligation.period_label,
        "v": s.version,
    }


_NAMERS: dict[tuple[str, str], Callable[[Any], str]] = {
    ("collaboration", "collaborationrequest"): _request_name,
    ("sharing_catalog", "obligation"): _obligation_name,
    ("sharing_catalog", "submission"): _submission_name,
    ("sharing_catalog", "objection"): lambda o: o.label,  # 异议#1（司法拍卖成交信息）
}


def readable_name(obj: Any) -> str:
    """How a person names an evidence object: its number, the matter, the period, the unit.

    E.g. "XZ-2026-000015 股权变更登记信息查询（区税务局提出，期限 2026-12-07）",
    "司法拍卖成交信息 2026年10月 报送任务（ZX-ML-003，截止 2026-11-10）",
    "异议#1（司法拍卖成交信息）".
    The one naming used by the evidence pages and the Excel report (through `evidence_ref`).
    """
    meta = getattr(obj, "_meta", None)
    namer = _NAMERS.get((meta.app_label, meta.model_name)) if meta is not None else None
    return str(namer(obj)) if namer is not None else str(obj)


def kind_name(ref: dict[str, Any]) -> str:
    """The kind of an evidence reference in words (协作请求, 报送任务 …), for pages and reports."""
    ct = content_type_for(ref)
    model = ct.model_class() if ct is not None else None
    return str(model._meta.verbose_name) if model is not None else ""


def evidence_ref(obj: Any, tag: str, label: str | None = None) -> dict[str, Any]:
    """A reference to one fact: content type, id, readable label, its own page, and a tag."""
    meta = obj._meta
    url = ""
    get_url = getattr(obj, "get_absolute_url", None)
    if callable(get_url):
        try:
            url = str(get_url())
        except Exception:  # a broken URL must not stop a recomputation
            url = ""
    return {
        "ct": f"{meta.app_label}.{meta.model_name}",
        "id": obj.pk,
        "label": (label if label is not None else readable_name(obj))[:200],
        "url": url,
        "tag": tag,
    }


def content_type_for(ref: dict[str, Any]) -> ContentType | None:
    app_label, _sep, model = str(ref.get("ct", "")).partition(".")
    try:
        return ContentType.objects.get_by_natural_key(app_label, model)
    except ContentType.DoesNotExist:
        return None


# --- collected facts ---------------------------------------------------------------------------


@dataclass
class UnitFactBundle:
    """One unit's fact numbers (keys of rules.UnitFacts) and evidence per rule kind."""

    numbers: dict[str, int] = field(default_factory=dict)
    evidence: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class CollectedFacts:
    units: dict[int, UnitFactBundle]
    connected: set[str]

    def bundle(self, unit_id: int) -> UnitFactBundle:
        if unit_id not in self.units:
            self.units[unit_id] = UnitFactBundle()
        return self.units[unit_id]


def collect(
    *,
    start: dt.date,
    end: dt.date,
    unit_ids: Iterable[int],
    kinds: Iterable[str],
    as_of: AsOf | None = None,
) -> CollectedFacts:
    """Read every fact the given rule kinds need for these units in [start, end], as of a day.

    `as_of` defaults to `AsOf.for_period(end=end)`: today, or the period's end once it is past.
    """
    unit_ids = list(unit_ids)
    as_of = as_of or AsOf.for_period(end=end)
    wanted = {s.key for kind in kinds for s in RULE_SOURCES.get(kind, ())}
    out = CollectedFacts(units={uid: UnitFactBundle() for uid in unit_ids}, connected=set())
    readers = {
        OBLIGATIONS.key: _read_obligations,
        SUBMISSIONS.key: _read_submissions,
        OBJECTIONS.key: _read_objections,
        REQUESTS.key: _read_requests,
    }
    for source in SOURCES:
        if source.key not in wanted:
            continue
        functions = source.functions()
        if functions is None:
            continue
        out.connected.add(source.key)
        readers[source.key](functions, out, start=start, end=end, unit_ids=unit_ids, as_of=as_of)
    return out


def _zero(out: CollectedFacts, unit_ids: list[int], keys: tuple[str, ...]) -> None:
    """A connected source with nothing for a unit means zero, not unknown."""
    for uid in unit_ids:
        numbers = out.bundle(uid).numbers
        for key in keys:
            numbers.setdefault(key, 0)


_OBLIGATION_TAGS = {
    Standing.ON_TIME: ("obligations_on_time", "on_time"),
    Standing.LATE: ("obligations_late", "late"),
    Standing.OVERDUE: ("obligations_overdue_open", "overdue_open"),
}


def _read_obligations(fns, out: CollectedFacts, *, start, end, unit_ids, as_of) -> None:
    keys = (
        "obligations_due",
        "obligations_on_time",
        "obligations_late",
        "obligations_overdue_open",
    )
    _zero(out, unit_ids, keys)
    wanted = set(unit_ids)
    standing_of = fns["obligation_standing"]
    for obligation in fns["obligation_list_judged_in"](start=start, end=end, unit_ids=unit_ids):
        unit_id = obligation.item.provider_id
        if unit_id not in wanted:
            continue
        # None: the catalog does not count it (exempt); pending: not late yet, not assessed yet.
        counted = _OBLIGATION_TAGS.get(standing_of(obligation, as_of=as_of))
        if counted is None:
            continue
        key, tag = counted
        bundle = out.bundle(unit_id)
        bundle.numbers["obligations_due"] += 1
        bundle.numbers[key] += 1
        bundle.evidence[RuleKind.ON_TIME_UPLOAD_RATE].append(evidence_ref(obligation, tag))


def _read_submissions(fns, out: CollectedFacts, *, start, end, unit_ids, as_of) -> None:
    """First-time validation pass rate: version 1 of each obligation the period judges (its
    grace period ends in it), so an obligation's upload counts where its timeliness does."""
    _zero(out, unit_ids, ("submissions_first", "submissions_first_passed"))
    submission_model = fns["Submission"]
    passed_statuses = submission_model.PASSED_STATUSES
    qs = (
        submission_model.objects.filter(
            version=1,
            obligation__grace_until__gte=start,
            obligation__grace_until__lte=end,
            unit_id__in=unit_ids,
            status__in=passed_statuses | submission_model.FAILED_STATUSES,
        )
        .select_related("obligation__item")
        .order_by("unit_id", "pk")
    )
    for submission in qs.iterator(chunk_size=2000):
        passed = submission.status in passed_statuses
        bundle = out.bundle(submission.unit_id)
        bundle.numbers["submissions_first"] += 1
        if passed:
            bundle.numbers["submissions_first_passed"] += 1
        bundle.evidence[RuleKind.FIRST_PASS_RATE].append(
            evidence_ref(submission, "passed" if passed else "failed")
        )


_OBJECTION_FIELDS = {
    "received": "objections_received",
    "answered_on_time": "objections_answered_on_time",
    "answered_late": "objections_answered_late",
    "open_overdue": "objections_open_overdue",
    "upheld_against": "objections_upheld",
}
_OBJECTION_EVIDENCE = {
    RuleKind.OBJECTION_ANSWERS_ON_TIME: ("answered_on_time", "answered_late", "open_overdue"),
    RuleKind.OBJECTIONS_UPHELD: ("upheld_against",),
}


def _read_objections(fns, out: CollectedFacts, *, start, end, unit_ids, as_of) -> None:
    _zero(out, unit_ids, tuple(_OBJECTION_FIELDS.values()))
    stats = fns["objection_facts"](start=start, end=end, unit_ids=unit_ids, as_of=as_of)
    for unit_id, st in stats.items():
        if unit_id not in out.units:
            continue
        bundle = out.bundle(unit_id)
        for attr, key in _OBJECTION_FIELDS.items():
            bundle.numbers[key] = int(getattr(st, attr, 0) or 0)
        for rule_kind, kinds in _OBJECTION_EVIDENCE.items():
            for kind in kinds:
                if getattr(st, kind, 0):
                    for obj in fns["objection_evidence"](
                        unit_id=unit_id, start=start, end=end, kind=kind, as_of=as_of
                    ):
                        bundle.evidence[rule_kind].append(evidence_ref(obj, kind))


_REQUEST_FIELDS = {
    "received": "requests_received",
    "answered_on_time": "requests_answered_on_time",
    "answered_late": "requests_answered_late",
    "overdue_open": "requests_overdue_open",
    "refused_unjustified": "requests_refused_unjustified",
}
# request_evidence kinds: received / on_time / late / overdue_open / refused_unjustified
_REQUEST_EVIDENCE = {
    RuleKind.COLLABORATION_ON_TIME: (
        ("on_time", "answered_on_time"),
        ("late", "answered_late"),
        ("overdue_open", "overdue_open"),
        ("refused_unjustified", "refused_unjustified"),
    ),
    RuleKind.UNJUSTIFIED_REFUSALS: (("refused_unjustified", "refused_unjustified"),),
}


def _read_requests(fns, out: CollectedFacts, *, start, end, unit_ids, as_of) -> None:
    _zero(out, unit_ids, tuple(_REQUEST_FIELDS.values()))
    stats = fns["request_statistics"](start=start, end=end, unit_ids=unit_ids, as_of=as_of)
    for unit_id, st in stats.items():
        if unit_id not in out.units:
            continue
        bundle = out.bundle(unit_id)
        for attr, key in _REQUEST_FIELDS.items():
            bundle.numbers[key] = int(getattr(st, attr, 0) or 0)
        for rule_kind, kinds in _REQUEST_EVIDENCE.items():
            for kind, count_attr in kinds:
                if getattr(st, count_attr, 0):
                    for obj in fns["request_evidence"](
                        unit_id=unit_id, start=start, end=end, kind=kind, as_of=as_of
                    ):
                        bundle.evidence[rule_kind].append(evidence_ref(obj, kind))


OBLIGATION_SUBMISSIONS = Source(
    "obligation_submissions",
    _("报送任务的数据版本"),
    {"obligation_submissions": obligation_submissions},
)


def related_facts(obj: Any) -> list[dict[str, Any]]:
    """Facts one level below an evidence object, for its evidence page.

    An obligation shows the submission versions uploaded for it (the catalog's own
    `obligation_submissions` selector): which version, when, and its validation outcome.
    """
    meta = obj._meta
    if (meta.app_label, meta.model_name) != ("sharing_catalog", "obligation"):
        return []
    fns = OBLIGATION_SUBMISSIONS.functions()
    if fns is None:
        return []
    return [
        {
            "label": str(_("第 %(v)s 版") % {"v": s.version}),
            "status": s.get_status_display(),
            "bad": s.status in s.FAILED_STATUSES,
            "at": getattr(s, "created_at", None),
            "confirmed_at": getattr(s, "confirmed_at", None),
            "rows": getattr(s, "row_count", None),
            "errors": getattr(s, "error_count", None),
        }
        for s in fns["obligation_submissions"](obligation=obj)
    ]
