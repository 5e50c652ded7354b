"""Confirming, versions and differences, pages and permissions of the submission pipeline."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from sharing_catalog.models import CatalogItem, Obligation, Submission
from sharing_catalog.services.ingest.upload import submission_upload
from sharing_catalog.services.submissions import submission_confirm, submission_diff
from tests.factories import PASSWORD
from tests.sharing_catalog.submission_builders import (  # noqa: F401  (autouse fixture)
    LABELS,
    World,
    csv_file,
    good_row,
    private_media_root,
    xlsx_file,
)
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def upload(world, django_capture_on_commit_callbacks):
    def _upload(rows, name="data.xlsx", header=None):
        with django_capture_on_commit_callbacks(execute=True):
            sub = submission_upload(
                obligation=world.obligation,
                actor=world.liaison,
                uploaded_file=xlsx_file(rows, name=name, header=header),
            )
        sub.refresh_from_db()
        return sub

    return _upload


def test_provider_liaison_confirms_and_obligation_is_fulfilled(world, upload):
    submission = upload([good_row(1), good_row(2)])
    submission_confirm(submission=submission, actor=world.liaison)
    submission.refresh_from_db()
    world.obligation.refresh_from_db()
    assert submission.status == Submission.Status.CONFIRMED
    assert submission.confirmed_by == world.liaison
    assert world.obligation.status == Obligation.Status.FULFILLED
    entry = LedgerEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.digest) == ("confirm", submission.file_sha256)


def test_confirm_notifies_consumer_liaisons_once(world, upload, django_capture_on_commit_callbacks):
    from zhengxiang_portal.notifications.models import Notification

    submission = upload([good_row(1)])
    with django_capture_on_commit_callbacks(execute=True):
        submission_confirm(submission=submission, actor=world.liaison)
    assert list(Notification.objects.values_list("recipient", flat=True)) == [
        world.consumer_liaison.pk
    ]


@pytest.mark.parametrize("who", ["outsider", "consumer_liaison"])
def test_confirm_refused_for_other_units(world, upload, who):
    submission = upload([good_row(1)])
    with pytest.raises(PermissionDenied):
        submission_confirm(submission=submission, actor=getattr(world, who))
    submission.refresh_from_db()
    assert submission.status == Submission.Status.VALIDATED


def test_invalid_submission_cannot_be_confirmed(world, upload):
    submission = upload([[*good_row(1)[:2], "abc", *good_row(1)[3:]]])
    with pytest.raises(ApplicationError) as exc:
        submission_confirm(submission=submission, actor=world.liaison)
    assert exc.value.code == "not_validated"


def test_correction_is_a_new_version_that_supersedes_the_confirmed_one(world, upload):
    first = upload([good_row(1), good_row(2), good_row(3)])
    submission_confirm(submission=first, actor=world.liaison)
    second = upload([good_row(1, amount="999.00"), good_row(2), good_row(4)])
    assert second.version == 2
    submission_confirm(submission=second, actor=world.liaison)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Submission.Status.SUPERSEDED
    assert second.supersedes == first
    assert LedgerEntry.objects.filter(action="correct").count() == 1


def test_diff_by_unique_key_lists_added_removed_and_changed_fields(world, upload):
    first = upload([good_row(1), good_row(2), good_row(3)])
    second = upload([good_row(1, amount="999.00"), good_row(2), good_row(4)])
    diff = submission_diff(old=first, new=second, actor=world.liaison)
    assert [r["data"]["name"] for r in diff.added] == ["衡阳测试有限公司4"]
    assert [r["data"]["name"] for r in diff.removed] == ["衡阳测试有限公司3"]
    assert len(diff.changed) == 1
    assert diff.changed[0].fields == ["amount"]
    assert (diff.changed[0].old["amount"], diff.changed[0].new["amount"]) == ("1000.50", "999.00")
    assert diff.unchanged == 1


def test_diff_refused_to_another_unit(world, upload):
    first = upload([good_row(1)])
    second = upload([good_row(2)])
    with pytest.raises(PermissionDenied):
        submission_diff(old=first, new=second, actor=world.outsider)


# --- pages -------------------------------------------------------------------------------


def _client(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def test_upload_page_stores_and_shows_the_final_state(
    world, client, django_capture_on_commit_callbacks
):
    c = _client(client, world.liaison)
    url = reverse("sharing_catalog:obligation_submissions", args=[world.obligation.pk])
    assert c.get(url).status_code == 200
    bad = [good_row(1), [*good_row(2)[:3], "2026-13-45", *good_row(2)[4:]]]
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(url, {"file": xlsx_file(bad)})
    response = c.get(response["Location"])
    assert response.status_code == 200
    content = response.content.decode()
    assert "校验未通过" in content
    assert "D3" in content and "日期不存在" in content
    assert "下载标注错误的文件" in content


def test_status_fragment_polls_until_final(world, client, upload):
    submission = upload([good_row(1)])
    Submission.objects.filter(pk=submission.pk).update(
        status="processing", rows_total=10, rows_processed=4
    )
    c = _client(client, world.liaison)
    fragment = c.get(reverse("sharing_catalog:submission_status", args=[submission.pk]))
    assert 'hx-trigger="every 1s"' in fragment.content.decode()
    assert 'value="40"' in fragment.content.decode()
    Submission.objects.filter(pk=submission.pk).update(status="validated")
    final = c.get(
        reverse("sharing_catalog:submission_status", args=[submission.pk])
    ).content.decode()
    assert "hx-trigger" not in final
    assert "校核无误，确认数据" in final


def test_status_fragment_names_each_stage_and_never_sits_silently_at_99(world, client, upload):
    # Given a submission part-way through (issue 16 point 3)
    submission = upload([good_row(1)])
    c = _client(client, world.liaison)
    url = reverse("sharing_catalog:submission_status", args=[submission.pk])
    shown = {}
    for stage in ("reading", "validating", "storing"):
        Submission.objects.filter(pk=submission.pk).update(
            status="processing", stage=stage, rows_total=10, rows_processed=10
        )
        shown[stage] = c.get(url).content.decode()
    # Then each page names the stages, marks the current one, and says what is happening
    for stage, label in (
        ("reading", "读取文件"),
        ("validating", "逐行校验"),
        ("storing", "写入数据库"),
    ):
        assert f'aria-current="step"><strong>{label}</strong>' in shown[stage]
        assert "完成" in shown[stage]
    assert "正在读取文件" in shown["reading"]
    assert 'value="99"' in shown["validating"]
    # and while writing to the database the bar is a running indicator with the reason, not 99 %
    assert "校验已完成，正在写入数据库" in shown["storing"]
    assert 'value="99"' not in shown["storing"]


def test_marked_file_highlights_bad_cells_with_comments(
    world, client, django_capture_on_commit_callbacks
):
    import io

    from openpyxl import load_workbook

    with django_capture_on_commit_callbacks(execute=True):
        submission = submission_upload(
            obligation=world.obligation,
            actor=world.liaison,
            uploaded_file=csv_file([good_row(1), [*good_row(2)[:2], "=1+1", *good_row(2)[3:]]]),
        )
    c = _client(client, world.liaison)
    response = c.get(reverse("sharing_catalog:submission_marked", args=[submission.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert sheet["C3"].comment is not None
    assert "应为数字" in sheet["C3"].comment.text
    assert sheet["C3"].fill.fgColor.rgb == "FFFFC7CE"
    assert sheet["C3"].value == "'=1+1"  # formula neutralised by safe_cell
    assert sheet["C2"].comment is None


@pytest.mark.parametrize(
    "name",
    [
        "submission_detail",
        "submission_status",
        "submission_marked",
        "submission_original",
    ],
)
def test_submission_pages_are_404_for_another_unit(world, client, upload, name):
    submission = upload([good_row(1)])
    c = _client(client, world.outsider)
    assert c.get(reverse(f"sharing_catalog:{name}", args=[submission.pk])).status_code == 404


def test_obligation_page_and_confirm_are_404_for_other_units(world, client, upload):
    submission = upload([good_row(1)])
    for user in (world.outsider, world.consumer_liaison):
        client.logout()
        c = _client(client, user)
        url = reverse("sharing_catalog:obligation_submissions", args=[world.obligation.pk])
        assert c.get(url).status_code == 404
        confirm = reverse("sharing_catalog:submission_confirm", args=[submission.pk])
        assert c.post(confirm).status_code == 404
    submission.refresh_from_db()
    assert submission.status == Submission.Status.VALIDATED


def test_diff_page_highlights_changed_fields(world, client, upload):
    first = upload([good_row(1), good_row(2)])
    second = upload([good_row(1, amount="5.00"), good_row(3)])
    c = _client(client, world.liaison)
    url = reverse("sharing_catalog:submission_diff") + f"?old={first.pk}&new={second.pk}"
    content = c.get(url).content.decode()
    assert "<mark>成交金额</mark>" in content
    assert "新增 1 行，删除 1 行，变更 1 行，未变 0 行" in content
    client.logout()
    assert _client(client, world.outsider).get(url).status_code == 404


def test_not_shared_item_is_never_visible_to_consumers(db, django_capture_on_commit_callbacks):
    w = World(sharing_class=CatalogItem.SharingClass.NOT_SHARED)
    with django_capture_on_commit_callbacks(execute=True):
        sub = submission_upload(
            obligation=w.obligation, actor=w.liaison, uploaded_file=xlsx_file([good_row(1)])
        )
    submission_confirm(submission=sub, actor=w.liaison)
    from sharing_catalog.selectors.submissions import submission_visible_to

    assert not submission_visible_to(user=w.consumer_liaison).exists()
    assert submission_visible_to(user=w.liaison).count() == 1


# --- issue 14 (8) and 16 (2): honest summary, one error per real problem, the right nav ------


def _nav_current(response) -> list[str]:
    return [i["label"] for i in response.context["nav_items"] if i["active"]]


def test_a_refused_file_says_so_and_counts_the_rows_that_passed(world, client, upload):
    # given three rows, one with a bad date
    bad = [*good_row(3)[:3], "2026-13-45", *good_row(3)[4:]]
    submission = upload([good_row(1), good_row(2), bad])
    # when the provider opens the result
    c = _client(client, world.liaison)
    content = c.get(reverse("sharing_catalog:submission_detail", args=[submission.pk]))
    text = content.content.decode()
    # then the page says the file was refused whole and that two rows were fine
    assert "文件整体未通过校验" in text
    assert "共 3 行，其中 2 行本身无误；错误 1 处。" in text
    assert "唯一键列不全" not in text  # every key column was there: duplicates were compared
    assert "有效 0 行" not in text


def test_a_missing_key_column_is_one_error_and_no_duplicate_reports(world, client, upload):
    # given an item keyed by (统一社会信用代码, 成交日期) and a file without the first key column
    from sharing_catalog.models import SchemaField

    SchemaField.objects.filter(schema__item=world.item, key="deal_date").update(is_unique_key=True)
    header = [label for label in LABELS if label != "统一社会信用代码"]
    rows = [good_row(1)[1:] for _ in range(5)]
    submission = upload(rows, header=header)
    # then one error, the header's, and no duplicate-key error on what is left of the key
    messages = list(submission.errors.values_list("message", flat=True))
    assert len(messages) == 1
    assert "缺少必填列“统一社会信用代码”" in messages[0]
    assert submission.error_count == 1
    assert submission.rows_passed == 5
    c = _client(client, world.liaison)
    text = c.get(reverse("sharing_catalog:submission_detail", args=[submission.pk]))
    assert "表头有 1 处问题" in text.content.decode()
    assert "唯一键列不全，未检查重复行" in text.content.decode()


def test_the_upload_page_does_not_say_validating_once_validation_ended(
    world, client, django_capture_on_commit_callbacks
):
    # given a provider who uploads a file validated at once
    c = _client(client, world.liaison)
    url = reverse("sharing_catalog:obligation_submissions", args=[world.obligation.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(url, {"file": xlsx_file([good_row(1)])})
    # then the page shows the result, not a stale "正在校验"
    text = c.get(response["Location"]).content.decode()
    assert "校验通过待确认" in text
    assert "正在校验" not in text


def test_submission_pages_highlight_the_section_they_belong_to(world, client, upload):
    submission = upload([good_row(1)])
    submission_confirm(submission=submission, actor=world.liaison)
    detail = reverse("sharing_catalog:submission_detail", args=[submission.pk])
    # the provider's pages belong to 报送任务
    c = _client(client, world.liaison)
    assert _nav_current(c.get(detail)) == ["报送任务"]
    tasks = reverse("sharing_catalog:obligation_submissions", args=[world.obligation.pk])
    assert _nav_current(c.get(tasks)) == ["报送任务"]
    # a consumer's view of the same submission belongs to 共享数据
    client.logout()
    c = _client(client, world.consumer_liaison)
    assert _nav_current(c.get(detail)) == ["共享数据"]
