"""Assessment objects owned by a unit, for the generated cross-unit access tests
(tests/security/test_object_access.py; registry in tests/object_access.py).

Scores, their evidence, a unit's page and rectification orders belong to the unit (Art. 25, 28):
leaders see every unit, so the test's "other unit" user is a liaison, who must get 404 (the
selectors filter by unit first). Scores are computed for real: unit A answers a request of the
tax bureau, the period is recomputed, and A's collaboration score cites that request.

Periods, their schemes and indicators are the working group's objects: the pages and actions on
them refuse a business user (403), which the factories check with the working group leader as
the positive control. The period's own API fields and list, and the period report (built from
the caller's scoped selectors), expose nothing of another unit: exempt below, with the reason.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.models import Unit, User
from assessment.models import Period, RectificationOrder, Score
from assessment.rules import RuleKind
from assessment.services import (
    order_answer,
    order_document_issue,
    period_recompute,
)
from tests.collaboration.object_factories import _run
from tests.factories import (
    CollaborationRequestFactory,
    PeriodFactory,
    RectificationOrderFactory,
    WorkingGroupMemberFactory,
    make_liaison,
    the_tax_bureau,
)
from tests.object_access import ListCase, ObjectCase, exempt, list_factory, object_factory

exempt(
    "assessment-period-detail",
    "a period's own fields (kind, year, quarter, dates, status) are the same for every unit and "
    "hold no score; its scores are read through assessment-score-* (scoped to the unit)",
)
exempt(
    "assessment-period-list",
    "the list of assessment periods (kind, year, dates, status) is common to every unit; it has "
    "no unit-owned rows to leak (scores: assessment-score-list)",
)
exempt(
    "assessment:report",
    "the period's workbook is built from the caller's scoped selectors (dashboard_get, "
    "score_list): another unit's liaison downloads a workbook of their own unit only, never "
    "unit A's rows (tests/assessment/test_pages.py::test_liaisons_excel_report_holds_only_"
    "their_unit)",
)


def _leader():
    return WorkingGroupMemberFactory(unit=the_tax_bureau(), leader=True).user


def _scored(unit: Unit) -> tuple[Period, Score, User]:
    """A computed period in which A answered a request on time; A's score citing it; A's liaison."""
    liaison = make_liaison(unit)
    req = _run(CollaborationRequestFactory(target_unit=unit), "accept", liaison, comment="")
    req = _run(req, "answer", liaison, answer="经查，该公司 2026 年无股权变更。")
    due = req.due_date
    period = PeriodFactory(year=due.year, quarter=(due.month - 1) // 3 + 1)
    period_recompute(period=period)
    score = Score.objects.get(
        period=period, unit=unit, indicator__kind=RuleKind.COLLABORATION_ON_TIME
    )
    assert score.evidence, "the score must cite the request"
    return period, score, liaison


# --- unit-owned: scores, evidence, the unit's page --------------------------------------------


@object_factory("assessment:score_detail", "assessment-score-detail")
def score(unit):
    _period, s, liaison = _scored(unit)
    return ObjectCase(kwargs={"pk": s.pk}, owner=liaison)


@object_factory("assessment:evidence_detail")
def evidence(unit):
    _period, s, liaison = _scored(unit)
    return ObjectCase(kwargs={"pk": s.pk, "index": 0}, owner=liaison)


@object_factory("assessment:unit_detail")
def unit_page(unit):
    period, _s, liaison = _scored(unit)
    return ObjectCase(kwargs={"period_pk": period.pk, "unit_pk": unit.pk}, owner=liaison)


@object_factory("assessment:score_adjust", "assessment-score-adjust")
def score_adjust(unit):
    _period, s, _liaison = _scored(unit)
    data = {"value": "80.00", "reason": "答复内容经复核不完整，酌情扣分。"}
    return ObjectCase(kwargs={"pk": s.pk}, owner=_leader(), method="post", data=data)


# --- unit-owned: rectification orders (Art. 28) -----------------------------------------------


def _order(unit: Unit, leader=None) -> RectificationOrder:
    return RectificationOrderFactory(
        actor=leader or _leader(),
        unit=unit,
        failure=RectificationOrder.Failure.NOT_COOPERATING,
        facts="未按期答复税务部门的协作请求。",
        requirement="请于期限内答复并说明原因。",
    )


@object_factory("assessment:order_detail", "assessment-order-detail")
def order(unit):
    return ObjectCase(kwargs={"pk": _order(unit).pk}, owner=make_liaison(unit))


@object_factory("assessment-order-answer")
def order_answer_case(unit):
    data = {"correction": "已于本周答复并建立台账。"}
    return ObjectCase({"pk": _order(unit).pk}, make_liaison(unit), "post", data)


@object_factory("assessment:order_attachment")
def order_attachment(unit):
    liaison = make_liaison(unit)
    o = order_answer(
        actor=liaison,
        order=_order(unit),
        correction="已整改，附整改报告。",
        files=[SimpleUploadedFile("整改报告.txt", "整改报告".encode(), content_type="text/plain")],
    )
    return ObjectCase({"pk": o.pk, "attachment_pk": o.attachments.get().pk}, liaison)


@object_factory("assessment-order-decide")
def order_decide_case(unit):
    leader = _leader()
    o = order_answer(actor=make_liaison(unit), order=_order(unit, leader), correction="已整改。")
    data = {"decision": "close", "note": "整改到位。"}
    return ObjectCase({"pk": o.pk}, leader, "post", data)


# --- the working group's: periods, schemes, indicators (a business user gets 403) -------------


def _period() -> Period:
    return PeriodFactory()


@object_factory("assessment:scheme_edit", "assessment-period-scheme")
def scheme(unit):
    return ObjectCase(kwargs={"pk": _period().pk}, owner=_leader())


@object_factory(
    "assessment:period_recompute",
    "assessment:period_freeze",
    "assessment-period-recompute",
    "assessment-period-freeze",
)
def period_action(unit):
    return ObjectCase(kwargs={"pk": _period().pk}, owner=_leader(), method="post")


@object_factory("assessment:indicator_detail")
def indicator(unit):
    period, s, _liaison = _scored(unit)
    kwargs = {"period_pk": period.pk, "indicator_pk": s.indicator_id}
    return ObjectCase(kwargs=kwargs, owner=_leader())


# --- lists ------------------------------------------------------------------------------------


@list_factory("assessment-score-list")
def scores(unit):
    period, _s, _liaison = _scored(unit)
    ids = set(Score.objects.filter(period=period, unit=unit).values_list("pk", flat=True))
    return ListCase(id_field="id", ids=ids)


@list_factory("assessment-order-list")
def orders(unit):
    leader = _leader()
    return ListCase(id_field="id", ids={_order(unit, leader).pk, _order(unit, leader).pk})


# --- the numbered 责令改正通知书 (issue 18) ---------------------------------------------------


@object_factory("assessment:order_notice", "assessment:order_notice_docx")
def order_notice(unit):
    leader = _leader()
    order = _order(unit, leader)
    order_document_issue(actor=leader, order=order)
    return ObjectCase(kwargs={"pk": order.pk}, owner=make_liaison(unit))


@object_factory("assessment:order_notice_issue")
def order_notice_issue_case(unit):
    leader = _leader()
    return ObjectCase({"pk": _order(unit, leader).pk}, leader, "post")
