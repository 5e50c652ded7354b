"""No record without its submission (issue 16 point 6): the per-row foreign key is replaced by
triggers that check each statement's rows as a set, with the same guarantee."""

from __future__ import annotations

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from sharing_catalog.models import Record, Submission
from tests.conftest import require
from tests.factories import RecordFactory, SubmissionFactory

pytestmark = pytest.mark.django_db


def _missing_submission_id() -> int:
    return (Submission.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 99


def test_a_record_of_a_submission_that_does_not_exist_is_refused():
    record = Record(submission_id=_missing_submission_id(), row_number=2, unique_key="k", data={})
    with pytest.raises(IntegrityError), transaction.atomic():
        record.save()
    assert not Record.objects.filter(row_number=2, submission_id=record.submission_id).exists()


def test_a_record_moved_to_a_submission_that_does_not_exist_is_refused():
    record = RecordFactory(row_number=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Record.objects.filter(pk=record.pk).update(submission_id=_missing_submission_id())
    record.refresh_from_db()
    assert Submission.objects.filter(pk=record.submission_id).exists()


def test_a_submission_deleted_behind_django_s_back_takes_its_records_with_it():
    record = RecordFactory(row_number=2)
    other = RecordFactory(row_number=2)
    Submission.objects.filter(pk=record.submission_id)._raw_delete(connection.alias)
    assert not Record.objects.filter(pk=record.pk).exists()
    assert Record.objects.filter(pk=other.pk).exists()  # another submission's records stay


def test_a_submission_with_records_cannot_change_its_id():
    record = RecordFactory(row_number=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.filter(pk=record.submission_id).update(id=_missing_submission_id())
    assert Record.objects.get(pk=record.pk).submission_id == record.submission_id
    assert Submission.objects.filter(pk=record.submission_id).exists()


def test_deleting_a_submission_through_django_deletes_its_records_with_it():
    record = RecordFactory(row_number=2)
    Submission.objects.get(pk=record.submission_id).delete()
    assert not Record.objects.filter(pk=record.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_submission_whose_records_are_being_written_cannot_be_deleted_meanwhile():
    # Given records being inserted for a submission in a transaction not yet committed
    require(connection.vendor == "postgresql", "row locks are PostgreSQL's")
    submission = SubmissionFactory()
    with transaction.atomic():
        Record.objects.create(submission=submission, row_number=2, unique_key="k", data={})
        # When another connection tries to delete that submission
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(**params, autocommit=True) as other:
            other.execute("SET lock_timeout = '300ms'")
            # Then it waits on the lock the check took (as a foreign key's FOR KEY SHARE)
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute(
                    "DELETE FROM sharing_catalog_submission WHERE id = %s", [submission.pk]
                )
