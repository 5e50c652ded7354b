"""The list pages' paginator: Django's pages, without a COUNT when the first page is not full."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator as DjangoPaginator

from agencies.models import Unit
from tests.factories import UnitFactory
from zhengxiang_portal.core.tables import Paginator

pytestmark = pytest.mark.django_db


def _units(n: int):
    for _ in range(n):
        UnitFactory()
    return Unit.objects.order_by("pk")


def _same(page, expected) -> None:
    assert list(page.object_list) == list(expected.object_list)
    assert (page.number, page.paginator.count, page.paginator.num_pages) == (
        expected.number,
        expected.paginator.count,
        expected.paginator.num_pages,
    )
    assert (page.has_next(), page.has_previous()) == (expected.has_next(), expected.has_previous())


def test_a_list_that_fits_its_first_page_costs_one_query(django_assert_num_queries):
    units = _units(3)
    with django_assert_num_queries(1):
        page = Paginator(units, 5).get_page(None)
        assert (len(page), page.paginator.count, page.has_next()) == (3, 3, False)


def test_an_empty_list_is_one_empty_page(django_assert_num_queries):
    with django_assert_num_queries(1):
        page = Paginator(Unit.objects.order_by("pk"), 5).get_page("1")
        assert (len(page), page.paginator.count, page.paginator.num_pages) == (0, 0, 1)


@pytest.mark.parametrize("number", [None, "1", 1, "2", "3", "9", "0", "-1", "x", ""])
@pytest.mark.parametrize("rows", [0, 4, 5, 6, 11])
def test_every_page_is_the_one_django_gives(rows, number):
    units = _units(rows)
    _same(Paginator(units, 5).get_page(number), DjangoPaginator(units, 5).get_page(number))


def test_a_full_first_page_counts_as_django_does(django_assert_num_queries):
    units = _units(6)
    with django_assert_num_queries(2):  # the page (one row more), then the count for "next"
        page = Paginator(units, 5).get_page(None)
        assert len(page) == 5 and page.has_next() and page.paginator.num_pages == 2
