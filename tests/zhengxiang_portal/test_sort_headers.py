"""Sortable column headers of the list pages: state for screen readers, a link that toggles."""

from __future__ import annotations

from django.template import Context, Template
from django.test import RequestFactory

TEMPLATE = Template('{% load portal_tags %}{% sort_th "due" label %}')


def _th(query: str, sort: str, label: str = "截止日") -> str:
    request = RequestFactory().get("/catalog/obligations/" + query)
    return TEMPLATE.render(Context({"request": request, "sort": sort, "label": label}))


def test_an_unsorted_column_links_to_sorting_by_it_and_keeps_the_filters():
    html = _th("?status=open&page=3", sort="item")
    assert html == (
        '<th scope="col" aria-sort="none"><a href="?status=open&amp;sort=due">截止日</a></th>'
    )  # the page number goes: a new order starts on page 1


def test_the_sorted_column_says_so_and_links_to_the_reverse_order():
    assert _th("?sort=due", sort="due") == (
        '<th scope="col" aria-sort="ascending"><a href="?sort=-due">截止日 ▲</a></th>'
    )
    assert _th("?sort=-due", sort="-due") == (
        '<th scope="col" aria-sort="descending"><a href="?sort=due">截止日 ▼</a></th>'
    )


def test_the_label_is_escaped():
    assert "&lt;b&gt;" in _th("", sort="", label="<b>")
