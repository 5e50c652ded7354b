"""The submission API: push by file or JSON rows, status, errors, records, receipts, download."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from sharing_catalog.models import Receipt, Submission
from tests.sharing_catalog.submission_builders import (  # noqa: F401  (autouse fixture)
    World,
    good_row,
    private_media_root,
    xlsx_file,
)

pytestmark = pytest.mark.django_db
KEYS = ["credit_code", "name", "amount", "deal_date", "kind", "legal_id", "phone"]


@pytest.fixture
def world(db):
    return World()


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _push_rows(world, rows, django_capture_on_commit_callbacks, user=None):
    with django_capture_on_commit_callbacks(execute=True):
        response = _api(user or world.liaison).post(
            "/api/submissions/",
            {"obligation": world.obligation.pk, "rows": rows},
            format="json",
        )
    return response


def test_push_json_rows_then_read_status(world, django_capture_on_commit_callbacks):
    rows = [dict(zip(KEYS, good_row(n), strict=True)) for n in (1, 2, 3)]
    response = _push_rows(world, rows, django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.content
    sid = response.json()["id"]
    detail = _api(world.liaison).get(f"/api/submissions/{sid}/").json()
    assert detail["status"] == "validated"
    assert detail["progress_percent"] == 100
    assert detail["row_count"] == 3


def test_push_file_and_list_errors(world, django_capture_on_commit_callbacks):
    rows = [good_row(1), [*good_row(2)[:2], "abc", *good_row(2)[3:]]]
    with django_capture_on_commit_callbacks(execute=True):
        response = _api(world.liaison).post(
            "/api/submissions/",
            {"obligation": world.obligation.pk, "file": xlsx_file(rows)},
            format="multipart",
        )
    assert response.status_code == 201, response.content
    sid = response.json()["id"]
    errors = _api(world.liaison).get(f"/api/submissions/{sid}/errors/").json()
    assert errors["count"] == 1
    assert errors["results"][0]["cell"] == "C3"
    assert errors["results"][0]["field_label"] == "成交金额"


def test_same_payload_twice_is_recognised(world, django_capture_on_commit_callbacks):
    rows = [dict(zip(KEYS, good_row(1), strict=True))]
    first = _push_rows(world, rows, django_capture_on_commit_callbacks)
    second = _push_rows(world, rows, django_capture_on_commit_callbacks)
    assert second.status_code == 400
    assert second.json()["error"]["code"] == "duplicate_file"
    assert second.json()["error"]["details"]["submission"] == first.json()["id"]


def test_push_refused_for_other_units_with_404(world, django_capture_on_commit_callbacks):
    rows = [dict(zip(KEYS, good_row(1), strict=True))]
    for user in (world.outsider, world.consumer_liaison):
        response = _push_rows(world, rows, django_capture_on_commit_callbacks, user=user)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert not Submission.objects.exists()


def test_confirm_receipt_records_and_download_flow(world, django_capture_on_commit_callbacks):
    rows = [dict(zip(KEYS, good_row(n), strict=True)) for n in (1, 2)]
    sid = _push_rows(world, rows, django_capture_on_commit_callbacks).json()["id"]
    consumer = _api(world.consumer_liaison)
    # before confirmation the consumer sees nothing
    assert consumer.get(f"/api/submissions/{sid}/").status_code == 404
    assert consumer.get("/api/submissions/").json()["count"] == 0
    # the consumer cannot confirm; the provider can
    assert consumer.post(f"/api/submissions/{sid}/confirm/").status_code == 404
    confirmed = _api(world.liaison).post(f"/api/submissions/{sid}/confirm/")
    assert confirmed.json()["status"] == "confirmed"
    records = consumer.get(f"/api/submissions/{sid}/records/?purpose=collection").json()
    assert records["count"] == 2
    assert records["results"][0]["data"]["name"] == "衡阳测试有限公司1"
    receipt = consumer.post(f"/api/submissions/{sid}/receipts/")
    assert receipt.status_code == 201
    assert Receipt.objects.get().unit == world.consumer
    download = consumer.get(f"/api/submissions/{sid}/download/?fmt=csv&purpose=collection")
    assert download.status_code == 200
    assert download.content.startswith(b"\xef\xbb\xbf")
    # consumers never see the provider's error report
    assert consumer.get(f"/api/submissions/{sid}/errors/").status_code == 404


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("get", "errors/"),
        ("get", "records/"),
        ("post", "confirm/"),
        ("post", "receipts/"),
        ("get", "download/?fmt=xlsx"),
    ],
)
def test_every_submission_endpoint_is_404_for_another_unit(
    world, django_capture_on_commit_callbacks, method, suffix
):
    rows = [dict(zip(KEYS, good_row(1), strict=True))]
    sid = _push_rows(world, rows, django_capture_on_commit_callbacks).json()["id"]
    _api(world.liaison).post(f"/api/submissions/{sid}/confirm/")
    response = getattr(_api(world.outsider), method)(f"/api/submissions/{sid}/{suffix}")
    assert response.status_code == 404
    assert _api(world.outsider).get("/api/submissions/").json()["count"] == 0


def test_submission_endpoints_are_in_the_openapi_schema(world):
    schema = _api(world.liaison).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path in [
        "/api/submissions/",
        "/api/submissions/{id}/",
        "/api/submissions/{id}/errors/",
        "/api/submissions/{id}/records/",
        "/api/submissions/{id}/confirm/",
        "/api/submissions/{id}/receipts/",
        "/api/submissions/{id}/download/",
    ]:
        assert path in paths, path
    assert "multipart/form-data" in paths["/api/submissions/"]["post"]["requestBody"]["content"]


def test_list_query_count_is_flat(
    world, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    for n in range(1, 6):
        _push_rows(
            world, [dict(zip(KEYS, good_row(n), strict=True))], django_capture_on_commit_callbacks
        )
    with django_assert_max_num_queries(6):
        response = _api(world.liaison).get("/api/submissions/")
    assert response.json()["count"] == 5


def test_an_upload_retried_with_the_same_idempotency_key_stores_one_version(
    world, django_capture_on_commit_callbacks
):
    client = _api(world.liaison)
    content = xlsx_file([good_row(1)]).read()  # one file (a workbook embeds its save time)
    answers = []
    for _attempt in range(2):  # e.g. the first answer was lost to a timeout
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(
                client.post(
                    "/api/submissions/",
                    {
                        "obligation": world.obligation.pk,
                        "file": SimpleUploadedFile("data.xlsx", content),
                    },
                    format="multipart",
                    headers={"Idempotency-Key": "upload-7"},
                )
            )
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[1].json()["id"] == answers[0].json()["id"]
    assert Submission.objects.count() == 1


def test_the_same_upload_key_with_another_file_is_refused(world):
    client = _api(world.liaison)
    for n, expected in ((1, 201), (2, 422)):
        response = client.post(
            "/api/submissions/",
            {"obligation": world.obligation.pk, "file": xlsx_file([good_row(n)])},
            format="multipart",
            headers={"Idempotency-Key": "upload-8"},
        )
        assert response.status_code == expected
    assert Submission.objects.count() == 1
