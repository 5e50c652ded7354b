"""Month statistics sections (issue 18 #3): objections, uploads and rectification orders of a month.

The numbers are checked against a small scenario counted by hand: in November 2026 one item gets a
confirmed and an invalid upload, one objection and one order; October and December hold one of
each that must not count.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from assessment.models import RectificationOrder
from sharing_catalog.models import Submission
from sharing_catalog.services import objections as objection_services
from sharing_catalog.services.ingest.pipeline import submission_ingest
from sharing_catalog.services.ingest.upload import submission_upload
from sharing_catalog.services.submissions import submission_confirm
from tests.factories import RectificationOrderFactory, WorkingGroupMemberFactory
from tests.sharing_catalog.submission_builders import (  # noqa: F401 (fixture)
    World,
    good_row,
    private_media_root,
    xlsx_file,
)
from zhengxiang_portal.statistics import statistics_tables

pytestmark = pytest.mark.django_db
D = dt.date
TZ = dt.timezone(dt.timedelta(hours=8))
ITEM = "司法拍卖成交信息"


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=TZ)


def _upload(world: World, rows: list[list]) -> Submission:
    submission = submission_upload(
        obligation=world.obligation, actor=world.liaison, uploaded_file=xlsx_file(rows)
    )
    submission_ingest(submission_id=submission.pk)
    submission.refresh_from_db()
    return submission


@pytest.fixture
def scenario(roles):
    world = World()
    leader = WorkingGroupMemberFactory(
        unit=world.outsider_unit, leader=True, user__username="wgl"
    ).user
    world.leader = leader

    def order():
        return RectificationOrderFactory(
            actor=leader,
            unit=world.provider,
            failure=RectificationOrder.Failure.NOT_PROVIDING_DATA,
            facts="未按期报送。",
            requirement="请补报。",
        )

    def objection(row: int):
        return objection_services.objection_raise(
            actor=world.consumer_liaison, submission=world.v1, category="error",
            description="成交金额明显错误", rows=(row,), fields=["amount"],
        )  # fmt: skip

    with time_machine.travel(at(D(2026, 10, 30)), tick=False):
        assert _upload(world, [good_row(n) for n in (1, 2)]).status == "validated"  # October
        order()  # October
    with time_machine.travel(at(D(2026, 11, 3)), tick=False):
        world.v1 = submission_confirm(
            submission=_upload(world, [good_row(n) for n in (1, 2, 3)]), actor=world.liaison
        )
    with time_machine.travel(at(D(2026, 11, 4)), tick=False):
        assert _upload(world, [good_row(1, amount="不是金额")]).status == "invalid"
    with time_machine.travel(at(D(2026, 11, 5)), tick=False):
        objection(2)
    with time_machine.travel(at(D(2026, 11, 10)), tick=False):
        order()
    with time_machine.travel(at(D(2026, 12, 1)), tick=False):
        objection(3)  # December
        order()  # December
    return world


def _table(title_part: str, tables):
    (table,) = [t for t in tables if title_part in str(t.title)]
    return table


def test_month_tables_count_november_by_item_state_and_unit(scenario):
    # When the sections are asked for November
    tables = statistics_tables(start=D(2026, 11, 1), end=D(2026, 11, 30))
    # Then, by hand: uploads 1 confirmed + 1 invalid; objections 1 open; orders 1 open
    uploads = _table("数据上传", tables)
    assert uploads.headers[0] == "信息资源" and uploads.headers[-1] == "合计"
    assert len(uploads.rows) == 1
    upload_row = dict(zip(uploads.headers, uploads.rows[0], strict=True))
    assert (upload_row["信息资源"], upload_row["已确认"], upload_row["校验未通过"]) == (ITEM, 1, 1)
    assert (upload_row["校验通过待确认"], upload_row["合计"]) == (0, 2)
    objections = _table("异议", tables)
    assert [dict(zip(objections.headers, r, strict=True)) for r in objections.rows] == [
        {"信息资源": ITEM, "待答复": 1, "已解释说明": 0, "对解释有异议": 0, "已更正": 0,
         "工作组裁决中": 0, "已办结": 0, "合计": 1}
    ]  # fmt: skip
    orders = _table("责令改正", tables)
    assert [dict(zip(orders.headers, r, strict=True)) for r in orders.rows] == [
        {"被责令单位": scenario.provider.name, "待整改": 1, "已反馈待审核": 0, "已办结": 0,
         "已升级问责": 0, "合计": 1}
    ]  # fmt: skip


def test_month_tables_are_empty_for_a_month_without_records(scenario):
    tables = statistics_tables(start=D(2026, 9, 1), end=D(2026, 9, 30))
    # objections, uploads, orders, and the collaboration app's case transfers and returned cases
    assert len(tables) == 5 and all(t.rows == [] for t in tables)


def test_statistics_page_shows_and_exports_the_sections(client, scenario):
    # When the working group opens the November statistics and exports them
    client.force_login(scenario.leader)
    with time_machine.travel(at(D(2026, 12, 2)), tick=False):
        page = client.get(reverse("collaboration:statistics"), {"month": "2026-11"})
        export = client.get(
            reverse("collaboration:statistics"), {"month": "2026-11", "format": "xlsx"}
        )
    # Then the page has a table and a chart for each section
    html = page.content.decode()
    for title in ["异议（按信息资源与办理状态）", "数据上传（按信息资源与状态）", "责令改正"]:
        assert title in html
    assert html.count('<svg class="chart"') == 3  # no request this month: only the sections
    # and the workbook has one sheet per section with the page's rows
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames[2:] == ["异议（按信息资源与办理状态）", "数据上传（按信息资源与状态）",
                                   "责令改正（按单位与状态）", "案件移送（按司法机关与当前进展）",
                                   "退回行政处理（按司法机关与行政处理结果）"]  # fmt: skip
    upload_row = [c.value for c in book["数据上传（按信息资源与状态）"][2]]
    assert upload_row[0] == ITEM and upload_row[-1] == 2
