"""Under concurrency (PostgreSQL): issuers racing for numbers never get the same one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from tests.collaboration.test_concurrency import _in_threads
from tests.conftest import require
from tests.factories import UnitFactory, UserFactory
from zhengxiang_portal.documents.models import IssuedDocument
from zhengxiang_portal.documents.services import document_issue

pytestmark = pytest.mark.django_db(transaction=True)


def test_documents_issued_concurrently_get_distinct_consecutive_numbers():
    require(connection.vendor == "postgresql", "row locks need PostgreSQL")
    actor = UserFactory()
    units = [UnitFactory() for _ in range(12)]
    queue = list(units)

    def issue_three():
        out = []
        for _ in range(3):
            unit = queue.pop()
            doc = document_issue(
                kind=IssuedDocument.Kind.COLLABORATION_LETTER, target=unit, actor=actor,
                unit=unit, issuing_unit="税务局", addressee=unit.name, today=dt.date(2026, 6, 1),
            )  # fmt: skip
            out.append(doc.serial)
        return out

    serials = [s for batch in _in_threads(issue_three, 4) for s in batch]
    assert sorted(serials) == list(range(1, 13))
