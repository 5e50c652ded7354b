"""What prints (issue 18 done-when): the bulletin (page and print view) and the month statistics
print from Chromium on A4 — the print CSS's @page — with the page's content only: no navigation,
banner, filters or buttons; wide tables whole, their heading row repeated, rows never cut."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from agencies.demo import DEMO_PASSWORD
from tests.e2e.conftest import ARTIFACTS, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
A4 = (595, 842)  # points, portrait
CHROME = [".topbar", ".mainnav", ".footer", ".flash", ".filters", ".btn", ".breadcrumbs"]


def pdf_pages(pdf: bytes) -> list[tuple[int, int]]:
    """Each page's size in whole points (Chromium writes one /MediaBox per page)."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return [(round(float(w)), round(float(h))) for w, h in boxes]


def _printed(page, name: str) -> list[tuple[int, int]]:
    """The page as Chromium prints it (print media, the CSS page size), kept as an artifact."""
    page.emulate_media(media="print")
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = page.pdf(prefer_css_page_size=True, path=str(ARTIFACTS / f"print-{name}.pdf"))
    page.screenshot(path=str(ARTIFACTS / f"print-{name}.png"), full_page=True)
    return pdf_pages(pdf)


def _hidden_in_print(page) -> list[str]:
    """The chrome that would still print (present and visible under print media)."""
    return [
        selector
        for selector in CHROME
        if any(element.is_visible() for element in page.locator(selector).all())
    ]


def _style(page, selector: str, prop: str) -> str:
    return page.locator(selector).first.evaluate(
        f"e => getComputedStyle(e).getPropertyValue('{prop}')"
    )


def test_the_bulletin_page_and_its_print_view_print_on_a4_without_the_portals_chrome(
    page, live_server, demo
):
    login(page, live_server, "wg_leader", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/catalog/bulletin/?period=2026-Q4")
    page.wait_for_load_state("networkidle")
    assert page.locator(".topbar").is_visible()  # on screen the chrome is there
    # The page itself (Ctrl+P): A4, the table, no chrome and no publishing form
    sizes = _printed(page, "bulletin-page")
    assert len(sizes) >= 1 and set(sizes) == {A4}
    assert _hidden_in_print(page) == []
    assert not page.get_by_role("heading", name="发布到各单位").is_visible()
    assert page.locator("table.table").is_visible()
    assert _style(page, "table.table thead", "display") == "table-header-group"
    assert _style(page, "table.table tbody tr", "break-inside") == "avoid"
    # The print view (the official layout): A4, the heading row repeated, rows whole
    page.emulate_media(media="screen")
    page.get_by_role("link", name="打印").click()
    page.wait_for_url(re.compile(r"/catalog/bulletin/print/"))
    page.wait_for_load_state("networkidle")
    sizes = _printed(page, "bulletin-print")
    assert len(sizes) >= 1 and set(sizes) == {A4}
    assert _hidden_in_print(page) == [] and not page.locator(".print-actions").is_visible()
    assert _style(page, ".official-doc__table thead", "display") == "table-header-group"
    assert _style(page, ".official-doc__table tr", "break-inside") == "avoid"
    assert "报送情况通报" in page.locator(".official-doc__title").inner_text()


def test_the_month_statistics_print_on_a4_with_their_period_and_whole_tables(
    page, live_server, demo
):
    month = timezone.localdate().strftime("%Y-%m")
    login(page, live_server, "wg_leader", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/requests/statistics/?month={month}")
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("button", name="打印").is_visible()
    assert not page.locator("[data-print-period]").is_visible()  # the filter says it on screen
    sizes = _printed(page, "statistics")
    assert len(sizes) >= 1 and set(sizes) == {A4}
    assert _hidden_in_print(page) == []
    # the filter form is hidden, so the printed sheet names its period itself
    assert page.locator("[data-print-period]").is_visible()
    assert "统计期间：" in page.locator("[data-print-period]").inner_text()
    # a table is never clipped by its scrolling wrapper, and its heading repeats on each page
    assert _style(page, ".table-wrap", "overflow-x") == "visible"
    assert _style(page, ".table thead", "display") == "table-header-group"
    assert page.locator("svg.chart").first.is_visible()


def test_the_assessment_dashboard_prints_its_wide_ranking_landscape(page, live_server, demo):
    login(page, live_server, "wg_leader", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/assessment/")
    page.wait_for_load_state("networkidle")
    sizes = _printed(page, "assessment-dashboard")
    assert len(sizes) >= 1 and set(sizes) == {(842, 595)}  # A4 landscape
    assert _hidden_in_print(page) == []
