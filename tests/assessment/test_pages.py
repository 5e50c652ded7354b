"""Pages: leaders' dashboard, drill-down, evidence, schemes, orders, Excel; who sees what."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from assessment.facts import evidence_ref
from assessment.models import RectificationOrder, Score
from assessment.rules import RuleKind
from assessment.services import period_freeze, period_recompute
from tests.factories import (
    DueObligationFactory,
    RectificationOrderFactory,
    SubmissionFactory,
    UnitFactory,
)

from .conftest import FakeStats

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(world, q3, fake_sources):
    DueObligationFactory(
        unit=world.market, due=dt.date(2026, 8, 14), fulfilled_on=dt.date(2026, 8, 10)
    )
    DueObligationFactory(
        unit=world.market, due=dt.date(2026, 9, 14), fulfilled_on=dt.date(2026, 9, 25)
    )
    fake_sources.requests[world.market.pk] = FakeStats(
        received=3, answered_on_time=2, overdue_open=1
    )
    fake_sources.requests[world.land.pk] = FakeStats(received=2, answered_on_time=2)
    period_recompute(period=q3)
    return q3


def _login(client, user):
    client.force_login(user)
    return client


def test_leader_sees_ranking_chart_table_distribution_and_overdue(client, world, computed):
    response = _login(client, world.leader).get(reverse("assessment:dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<svg class="chart"' in html and "单位得分排名" in html
    unit_url = reverse("assessment:unit_detail", args=[computed.pk, world.land.pk])
    assert f'href="{unit_url}"' in html  # each bar links to the unit's drill-down
    assert "各指标得分分布" in html
    overdue_score = Score.objects.get(
        period=computed, unit=world.market, indicator__kind=RuleKind.COLLABORATION_ON_TIME
    )
    assert f"/assessment/scores/{overdue_score.pk}/?tag=overdue_open" in html
    assert "<script" not in html.split("</head>")[1]  # charts are server-side SVG, no JS


def test_dashboard_query_count_does_not_grow_with_the_number_of_units(
    client, world, computed, fake_sources
):
    _login(client, world.leader)
    url = reverse("assessment:dashboard")
    client.get(url)  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(15):
        unit = UnitFactory()
        fake_sources.requests[unit.pk] = FakeStats(received=1, answered_late=1)
    period_recompute(period=computed)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_drill_down_says_weights_were_redistributed_and_links_scores(client, world, computed):
    url = reverse("assessment:unit_detail", args=[computed.pk, world.land.pk])
    html = _login(client, world.leader).get(url).content.decode()
    assert "不适用" in html and "权重已按比例分配给其余适用指标" in html
    score = Score.objects.get(
        period=computed, unit=world.land, indicator__kind=RuleKind.COLLABORATION_ON_TIME
    )
    assert reverse("assessment:score_detail", args=[score.pk]) in html
    assert "总分趋势" in html


def test_a_score_leads_to_the_late_obligation_behind_it(client, world, computed):
    score = Score.objects.get(
        period=computed, unit=world.market, indicator__kind=RuleKind.ON_TIME_UPLOAD_RATE
    )
    _login(client, world.leader)
    html = client.get(
        reverse("assessment:score_detail", args=[score.pk]) + "?tag=late"
    ).content.decode()
    late_index = next(i for i, r in enumerate(score.evidence) if r["tag"] == "late")
    evidence_url = reverse("assessment:evidence_detail", args=[score.pk, late_index])
    assert evidence_url in html and "逾期完成" in html
    page = client.get(evidence_url)
    assert page.status_code == 200
    assert "报送截止日" in page.content.decode()  # the obligation's own fields


def test_liaison_sees_own_unit_but_not_another_units_scores_or_the_dashboard(
    client, world, computed
):
    _login(client, world.market_liaison)
    assert client.get(reverse("assessment:dashboard")).status_code == 302
    own = reverse("assessment:unit_detail", args=[computed.pk, world.market.pk])
    assert client.get(own).status_code == 200
    other = reverse("assessment:unit_detail", args=[computed.pk, world.land.pk])
    assert client.get(other).status_code == 404
    other_score = Score.objects.filter(period=computed, unit=world.land).first()
    assert client.get(reverse("assessment:score_detail", args=[other_score.pk])).status_code == 404
    assert (
        client.get(reverse("assessment:evidence_detail", args=[other_score.pk, 0])).status_code
        == 404
    )
    assert client.get(reverse("assessment:scheme_edit", args=[computed.pk])).status_code == 403
    assert (
        client.post(reverse("assessment:period_recompute", args=[computed.pk])).status_code == 403
    )


def test_scheme_page_refuses_weights_not_summing_to_100(client, world, computed):
    _login(client, world.leader)
    url = reverse("assessment:scheme_edit", args=[computed.pk])
    indicators = list(computed.scheme.indicators.all())
    data = {"ind-TOTAL_FORMS": len(indicators), "ind-INITIAL_FORMS": len(indicators)}
    for i, ind in enumerate(indicators):
        data.update({f"ind-{i}-name": ind.name, f"ind-{i}-weight": str(ind.weight),
                     f"ind-{i}-kind": ind.kind, f"ind-{i}-params": "{}"})  # fmt: skip
    data["ind-0-weight"] = "10"
    html = client.post(url, data).content.decode()
    assert "各项指标权重之和必须等于 100，当前为 80" in html
    data["ind-0-weight"] = "30"
    assert client.post(url, data).status_code == 302


def test_adjusting_a_score_on_the_page_needs_a_reason(client, world, computed):
    score = Score.objects.get(
        period=computed, unit=world.market, indicator__kind=RuleKind.ON_TIME_UPLOAD_RATE
    )
    _login(client, world.leader)
    url = reverse("assessment:score_adjust", args=[score.pk])
    client.post(url, {"value": "90", "reason": ""})
    score.refresh_from_db()
    assert not score.adjusted
    client.post(url, {"value": "90", "reason": "逾期为平台故障，已核实。"})
    score.refresh_from_db()
    assert (score.value, score.adjusted) == (Decimal("90.00"), True)


def test_frozen_period_page_offers_no_recompute(client, world, computed):
    period_freeze(actor=world.leader, period=computed)
    html = _login(client, world.leader).get(reverse("assessment:dashboard")).content.decode()
    assert "重新计算" not in html
    response = client.post(reverse("assessment:period_recompute", args=[computed.pk]), follow=True)
    assert "考核期间已冻结" in response.content.decode()


def test_excel_report_has_ranking_indicator_and_evidence_sheets(client, world, computed):
    response = _login(client, world.leader).get(reverse("assessment:report", args=[computed.pk]))
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    names = wb.sheetnames
    assert names[0] == "排名" and names[-1] == "依据明细"
    assert "协作请求按时答复率" in names
    ranking = wb["排名"]
    assert ranking.freeze_panes == "C5"
    assert ranking["A4"].value == "排名" and ranking["A4"].font.bold
    rows = {r[2]: r for r in ranking.iter_rows(min_row=5, values_only=True)}
    assert rows["区自然资源局"][0] == 1 and rows["区自然资源局"][3] == 100
    assert ranking["D5"].number_format == "0.00"
    evidence = list(wb["依据明细"].iter_rows(min_row=5, values_only=True))
    # named as a person would (issue 14): the kind in words, the item, its period and deadline
    late = [r for r in evidence if r[0] == "SAMR" and r[3] == "逾期完成"]
    assert late and late[0][4] == "报送任务"
    assert (
        late[0][5].startswith("区市场监管局登记信息 2026-")
        and "报送任务（ITEM-SAMR，截止 2026-" in late[0][5]
    )
    assert not any("sharing_catalog." in str(c) or "collaboration." in str(c)
                   for r in evidence for c in r)  # fmt: skip


def test_score_and_evidence_pages_name_objects_as_a_person_would(client, world, computed):
    score = Score.objects.get(
        period=computed, unit=world.market, indicator__kind=RuleKind.ON_TIME_UPLOAD_RATE
    )
    index = next(i for i, r in enumerate(score.evidence) if r["tag"] == "late")
    _login(client, world.leader)
    page = client.get(reverse("assessment:score_detail", args=[score.pk])).content.decode()
    evidence = client.get(
        reverse("assessment:evidence_detail", args=[score.pk, index])
    ).content.decode()
    for html in (page, evidence):
        assert "区市场监管局登记信息 2026-09 报送任务（ITEM-SAMR，截止 2026-09-14）" in html
        assert "sharing_catalog.obligation" not in html


def test_an_evidence_page_never_shows_a_stored_file_or_its_digest(client, world, computed):
    obligation = DueObligationFactory(
        unit=world.market, due=dt.date(2026, 7, 14), fulfilled_on=None
    )
    submission = SubmissionFactory(obligation=obligation, version=1, status="failed")
    score = Score.objects.get(
        period=computed, unit=world.market, indicator__kind=RuleKind.ON_TIME_UPLOAD_RATE
    )
    score.evidence = [*score.evidence, evidence_ref(submission, "failed")]
    score.save(update_fields=["evidence"])
    html = (
        _login(client, world.leader)
        .get(reverse("assessment:evidence_detail", args=[score.pk, len(score.evidence) - 1]))
        .content.decode()
    )
    assert "数据.csv" in html  # the fact is shown …
    assert submission.file_sha256 not in html  # … without its digest
    assert "submissions/test-" not in html  # … or where its file is stored


def test_excel_report_neutralises_formula_text(client, world, computed):
    world.market.name = '=HYPERLINK("http://x")'
    world.market.save()
    response = _login(client, world.leader).get(reverse("assessment:report", args=[computed.pk]))
    wb = load_workbook(io.BytesIO(response.content))
    names = [r[2] for r in wb["排名"].iter_rows(min_row=5, values_only=True)]
    assert '\'=HYPERLINK("http://x")' in names


def test_liaisons_excel_report_holds_only_their_unit(client, world, computed):
    response = _login(client, world.market_liaison).get(
        reverse("assessment:report", args=[computed.pk])
    )
    wb = load_workbook(io.BytesIO(response.content))
    codes = {r[1] for r in wb["排名"].iter_rows(min_row=5, values_only=True)}
    assert codes == {"SAMR"}


def test_order_flow_on_pages_and_home_panel(client, world, computed):
    score = Score.objects.get(
        period=computed, unit=world.market, indicator__kind=RuleKind.ON_TIME_UPLOAD_RATE
    )
    _login(client, world.leader)
    form = client.get(reverse("assessment:order_create") + f"?score={score.pk}").content.decode()
    assert "附带事实（1 条）" in form
    response = client.post(
        reverse("assessment:order_create"),
        {"score": score.pk, "unit": world.market.pk, "period": computed.pk,
         "failure": "not_providing_data", "facts": "9 月数据逾期报送。",
         "requirement": "说明原因并按期报送。", "working_days": 5},
    )  # fmt: skip
    order = RectificationOrder.objects.get()
    assert response.status_code == 302 and order.evidence[0]["tag"] == "late"
    evidence_url = reverse(
        "assessment:evidence_detail", args=[score.pk, order.evidence[0]["index"]]
    )
    detail = reverse("assessment:order_detail", args=[order.pk])
    assert evidence_url in client.get(detail).content.decode()
    client.force_login(world.market_liaison)
    assert client.get(evidence_url).status_code == 200  # the unit sees the facts it must fix
    home = client.get(reverse("home")).content.decode()
    assert reverse("assessment:order_detail", args=[order.pk]) in home
    client.post(
        reverse("assessment:order_detail", args=[order.pk]),
        {"action": "answer", "correction": "已补报并指定专人。"},
    )
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.ANSWERED
    client.force_login(world.land_liaison)
    assert client.get(reverse("assessment:order_detail", args=[order.pk])).status_code == 404
    assert "责令改正" not in client.get(reverse("home")).content.decode()


def test_another_units_liaison_cannot_post_an_answer(client, world, computed):
    order = RectificationOrderFactory(
        actor=world.leader, unit=world.land, failure="not_cooperating", facts="未答复协作请求。",
        requirement="限期答复。",
    )  # fmt: skip
    client.force_login(world.market_liaison)
    response = client.post(
        reverse("assessment:order_detail", args=[order.pk]),
        {"action": "answer", "correction": "冒名反馈内容"},
    )
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.OPEN


def test_dashboard_says_which_day_lateness_was_judged_at(client, world, computed):
    """Q3 computed after it ended is judged as of its last day: nothing late before its deadline."""
    html = _login(client, world.leader).get(reverse("assessment:dashboard")).content.decode()
    assert "逾期判定日 2026-09-30" in html
